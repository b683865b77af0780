/**
 * PostgresSchemaWithRls under Pulumi's runtime mocks: the exact children, names, parents and
 * inputs for both plans and every isolation level, and secret credentials.
 */
import { describe, expect, it } from "vitest";
import { type RecordedResource, containsSecret, isSecretValue } from "../../cli/engine/mock-engine";
import { runProgram } from "../../cli/offline-plan";
import { ISOLATION_LEVELS } from "../../plans/schema";

const T = {
  component: "controlcore:postgres:PostgresSchemaWithRls",
  provider: "pulumi:providers:postgresql",
  password: "random:index/randomPassword:RandomPassword",
  role: "postgresql:index/role:Role",
  database: "postgresql:index/database:Database",
  schema: "postgresql:index/schema:Schema",
  grant: "postgresql:index/grant:Grant",
  grantRole: "postgresql:index/grantRole:GrantRole",
  migrations: "pulumi-nodejs:dynamic/controlcore:SqlMigrations",
  lifecycle: "pulumi-nodejs:dynamic/controlcore:TenantRoleLifecycle",
};

/** Every level: the role's two lifecycle phases (access first, removal last on offboarding). */
const OFFBOARDING = [`${T.lifecycle} acme-postgres-role-removal`, `${T.lifecycle} acme-postgres-role-access`];

function children(resources: RecordedResource[]) {
  const component = resources.find((r) => r.type === T.component)!;
  return resources.filter((r) => r.parent === component.urn);
}
const byName = (rs: RecordedResource[], name: string) => rs.find((r) => r.name === name)!;

describe("PostgresSchemaWithRls children per isolation level", () => {
  const expected: Record<string, string[]> = {
    database: [
      `${T.password} acme-postgres-password`, `${T.provider} acme-postgres-provider`, `${T.role} acme-postgres-role`,
      `${T.database} acme-postgres-database`, `${T.grant} acme-postgres-revoke-public`, `${T.grant} acme-postgres-connect`,
      `${T.schema} acme-postgres-schema`, `${T.migrations} acme-postgres-migrations`, `${T.grant} acme-postgres-schema-usage`,
      `${T.grant} acme-postgres-grant-tables`, `${T.grant} acme-postgres-grant-audit`, `${T.grant} acme-postgres-grant-limits`,
      ...OFFBOARDING,
    ],
    schema: [
      `${T.password} acme-postgres-password`, `${T.provider} acme-postgres-provider`, `${T.role} acme-postgres-role`,
      `${T.schema} acme-postgres-schema`, `${T.migrations} acme-postgres-migrations`, `${T.grant} acme-postgres-schema-usage`,
      `${T.grant} acme-postgres-grant-tables`, `${T.grant} acme-postgres-grant-audit`, `${T.grant} acme-postgres-grant-limits`,
      ...OFFBOARDING,
    ],
    table: [
      `${T.password} acme-postgres-password`, `${T.provider} acme-postgres-provider`, `${T.role} acme-postgres-role`,
      `${T.migrations} acme-postgres-migrations`, `${T.grantRole} acme-postgres-group`,
      `${T.grant} acme-postgres-grant-tables`, `${T.grant} acme-postgres-grant-audit`, `${T.grant} acme-postgres-grant-limits`,
      ...OFFBOARDING,
    ],
    row: [
      `${T.password} acme-postgres-password`, `${T.provider} acme-postgres-provider`, `${T.role} acme-postgres-role`,
      `${T.migrations} acme-postgres-migrations`, `${T.grantRole} acme-postgres-group`,
      ...OFFBOARDING,
    ],
  };

  it.each(ISOLATION_LEVELS.map((l) => [l]))("%s", async (level) => {
    const { resources } = await runProgram({ tenantId: "acme", plan: "pro", isolation: level });
    const kids = children(resources).map((r) => `${r.type} ${r.name}`);
    expect(kids.sort()).toEqual([...expected[level]!].sort());
    const stack = resources.find((r) => r.type === "controlcore:tenant:TenantStack")!;
    expect(resources.find((r) => r.type === T.component)!.parent).toBe(stack.urn);
  });
});

describe("PostgresSchemaWithRls inputs", () => {
  it("Pro: schema level in the shared database, role bounded by the plan", async () => {
    const { resources } = await runProgram({ tenantId: "acme", plan: "pro" });
    const kids = children(resources);
    const role = byName(kids, "acme-postgres-role");
    expect({ ...role.inputs, password: isSecretValue(role.inputs.password) }).toEqual({
      name: "tenant_acme", login: true, password: true, superuser: false, createDatabase: false, createRole: false,
      replication: false, bypassRowLevelSecurity: false, skipDropRole: true, skipReassignOwned: true, inherit: true, connectionLimit: 20, statementTimeout: 30000,
      idleInTransactionSessionTimeout: 30000, searchPaths: ["tenant_acme"],
    });
    expect(byName(kids, "acme-postgres-schema").inputs).toEqual({ name: "tenant_acme", database: "controlcore", owner: "controlcore_admin", dropCascade: false });
    expect(byName(kids, "acme-postgres-schema-usage").inputs).toEqual({
      database: "controlcore", schema: "tenant_acme", role: "tenant_acme", objectType: "schema", privileges: ["USAGE"],
    });
    expect(byName(kids, "acme-postgres-grant-tables").inputs).toEqual({
      database: "controlcore", schema: "tenant_acme", role: "tenant_acme", objectType: "table",
      objects: ["policies", "resources", "bouncers", "users"], privileges: ["SELECT", "INSERT", "UPDATE", "DELETE"],
    });
    expect(byName(kids, "acme-postgres-grant-audit").inputs.privileges).toEqual(["SELECT"]);
    expect(byName(kids, "acme-postgres-grant-limits").inputs.privileges).toEqual(["SELECT"]);
    const provider = byName(kids, "acme-postgres-provider");
    expect(isSecretValue(provider.inputs.password)).toBe(true);
    expect(provider.inputs.sslmode).toBe("verify-full");
    const migrations = byName(kids, "acme-postgres-migrations");
    expect(isSecretValue(migrations.inputs.connection)).toBe(true);
    const list = migrations.inputs.migrations as Array<{ id: string; up: string }>;
    expect(list.map((m) => m.id)).toEqual(["0001_tenant_tables", "R__plan_limits", "R__session_limits", "0090_no_large_objects"]);
    // Large objects (schema-less, outside the plan's limits, grantable to other tenants' roles) closed where the admin may.
    expect(list[3]!.up).toContain("REVOKE EXECUTE ON FUNCTION pg_catalog.lo_creat(integer), pg_catalog.lo_create(oid), pg_catalog.lo_from_bytea(oid, bytea) FROM PUBLIC");
    expect(list[1]!.up).toContain("('acme', 'max_policies', 100)");
    expect(list[1]!.up).toContain("('acme', 'max_users', 10)");
  });

  it("Custom: a dedicated database, PUBLIC's access revoked, CONNECT for the tenant only", async () => {
    const { resources } = await runProgram({ tenantId: "acme", plan: "custom" });
    const kids = children(resources);
    expect(byName(kids, "acme-postgres-database").inputs).toEqual({
      name: "tenant_acme", owner: "controlcore_admin", template: "template0", encoding: "UTF8", allowConnections: true,
    });
    expect(byName(kids, "acme-postgres-revoke-public").inputs).toEqual({ database: "tenant_acme", role: "public", objectType: "database", privileges: [] });
    expect(byName(kids, "acme-postgres-connect").inputs).toEqual({ database: "tenant_acme", role: "tenant_acme", objectType: "database", privileges: ["CONNECT"] });
    expect(byName(kids, "acme-postgres-role").inputs.connectionLimit).toBe(100);
    const up = (byName(kids, "acme-postgres-migrations").inputs.migrations as Array<{ up: string }>)[1]!.up;
    expect(up).toContain("('acme', 'max_policies', 1000)");
  });

  it("plan changes reach the role and the limits migration", async () => {
    const { resources } = await runProgram({ tenantId: "acme", plan: "pro", overrides: { limits: { max_policies: 7 }, database: { connection_limit: 4 } } });
    const kids = children(resources);
    expect(byName(kids, "acme-postgres-role").inputs.connectionLimit).toBe(4);
    expect((byName(kids, "acme-postgres-migrations").inputs.migrations as Array<{ up: string }>)[1]!.up).toContain("('acme', 'max_policies', 7)");
  });

  it("row level: membership of the shared group instead of per-tenant grants on shared tables", async () => {
    const { resources } = await runProgram({ tenantId: "acme", plan: "pro", isolation: "row" });
    const group = byName(children(resources), "acme-postgres-group");
    expect(group.inputs).toEqual({ role: "tenant_acme", grantRole: expect.stringMatching(/^cc_row_tenants_[0-9a-f]{8}$/) });
  });

  it.each(ISOLATION_LEVELS.map((l) => [l]))("%s: credentials are secret inputs, and every tenant-derived name is the tenant's own", async (level) => {
    const { resources } = await runProgram({ tenantId: "acme", plan: "pro", isolation: level });
    const kids = children(resources);
    const names = new Set<string>();
    for (const r of kids) {
      const { __provider, ...inputs } = r.inputs;
      void __provider;
      for (const m of JSON.stringify(inputs).matchAll(/tenant_[a-z0-9_]+/g)) names.add(m[0]);
    }
    // tenant_id, tenant_isolation and tenant_tables are a column, a policy and a migration; the only tenant named is acme.
    const foreign = [...names].filter((n) => !["tenant_id", "tenant_isolation", "tenant_tables", "tenant_acme"].includes(n) && !n.startsWith("tenant_acme_"));
    expect(foreign).toEqual([]);
    expect(names.has("tenant_acme")).toBe(true);
    expect(isSecretValue(byName(kids, "acme-postgres-role").inputs.password)).toBe(true);
    expect(isSecretValue(byName(kids, "acme-postgres-provider").inputs.password)).toBe(true);
    expect(isSecretValue(byName(kids, "acme-postgres-migrations").inputs.connection)).toBe(true);
    expect(containsSecret(byName(kids, "acme-postgres-schema-usage")?.inputs ?? {})).toBe(false);
  });

  it.each(ISOLATION_LEVELS.map((l) => [l]))("%s: offboarding takes access away first and removes the role last", async (level) => {
    const { resources } = await runProgram({ tenantId: "acme", plan: "pro", isolation: level });
    const order = children(resources).filter((r) => r.custom && r.type !== T.provider && r.type !== T.password).map((r) => r.name);
    // Registration order is what local down reverses (and what the dependsOn chain makes Pulumi's
    // delete order): the access phase is deleted first, the removal phase just before the role.
    expect(order.slice(0, 2)).toEqual(["acme-postgres-role", "acme-postgres-role-removal"]);
    expect(order.at(-1)).toBe("acme-postgres-role-access");
    const kids = children(resources);
    for (const phase of ["removal", "access"]) {
      const r = byName(kids, `acme-postgres-role-${phase}`);
      expect(r.inputs.role).toBe("tenant_acme");
      expect(r.inputs.phase).toBe(phase);
      expect(isSecretValue(r.inputs.connection)).toBe(true);
    }
    // CONNECT on the shared database through its group, only where the tenant's tables live there.
    const group = byName(kids, "acme-postgres-role-access").inputs.connectGroup;
    if (level === "database") expect(group).toBeUndefined();
    else expect(group).toMatch(/^cc_connect_[0-9a-f]{8}$/);
  });

});
