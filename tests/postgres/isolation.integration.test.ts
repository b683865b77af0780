/**
 * Proof of database isolation against a real PostgreSQL, at every isolation level: two tenants
 * are set up through local mode (the program's own recorded resources), then tenant A's
 * credentials attack tenant B's data every way a session can, and every attempt must be refused
 * with the exact refusal. Own-tenant work succeeds, plan limits hold inside the database, and
 * `local down` removes one tenant and nothing else.
 */
import type { Client } from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { localDown, type LocalResult } from "../../cli/local/local-mode";
import { tenantNames } from "../../components/naming";
import { ISOLATION_LEVELS, type IsolationLevel } from "../../plans/schema";
import { localTenants, type LocalTenants } from "../helpers/local-tenants";
import { adminClient, connect, refusal } from "../helpers/pg";

const LIMITS = { limits: { max_policies: 3, max_users: 2 }, database: { connection_limit: 3 } };

describe.each(ISOLATION_LEVELS.map((l) => [l]))("isolation level %s", (level: IsolationLevel) => {
  const fx = localTenants({ idPrefix: "t", tenants: ["a", "b"], database: `cc_it_${level}`, isolation: level, overrides: LIMITS, connect: true });
  const [A, B] = fx.names;
  const { stateDir, targets, up } = fx;
  let db: LocalTenants["db"], upA: LocalResult, a: Client, b: Client;

  // Names of B's objects as A would have to write them.
  const bTable = (t: string) =>
    level === "schema" ? `"${B.pgSchema}"."${t}"` : level === "table" ? `cc_table_tenants."${B.pgTablePrefix}${t}"` : t;
  const aTable = (t: string) => (level === "table" ? `"${A.pgTablePrefix}${t}"` : t);

  beforeAll(async () => {
    ({ db, results: [upA], clients: [a, b] } = fx);
    await b.query(`INSERT INTO ${aTableOf(B)("policies")} (name, policy_content) VALUES ('b-secret', 'deny all')`);
    await b.query(`INSERT INTO ${aTableOf(B)("users")} (email) VALUES ('boss@b.example')`);
  });

  function aTableOf(t: ReturnType<typeof tenantNames>) {
    return (name: string) => (level === "table" ? `"${t.pgTablePrefix}${name}"` : name);
  }

  it("gives the tenant a role that is no superuser, cannot bypass RLS, owns nothing and has the plan's connection limit", async () => {
    const admin = await adminClient(db.name);
    try {
      const role = await admin.query(
        "SELECT rolsuper, rolbypassrls, rolcreatedb, rolcreaterole, rolreplication, rolconnlimit, rolcanlogin FROM pg_roles WHERE rolname = $1",
        [A.pgRole],
      );
      expect(role.rows).toEqual([
        { rolsuper: false, rolbypassrls: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false, rolconnlimit: 3, rolcanlogin: true },
      ]);
      const owned = await admin.query("SELECT count(*)::int AS n FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = $1)", [A.pgRole]);
      expect(owned.rows[0].n).toBe(0);
      const tenantDb = level === "database" ? A.pgDatabase : db.name;
      const inTenantDb = await adminClient(tenantDb);
      try {
        const rls = await inTenantDb.query(
          `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind = 'r' AND n.nspname = $1 AND c.relname = ANY($2) ORDER BY c.relname`,
          [String(upA.postgres.schema), ["policies", "resources", "bouncers", "users", "audit_log", "limits"].map((t) => (level === "table" ? `${A.pgTablePrefix}${t}` : t))],
        );
        expect(rls.rows).toHaveLength(6);
        for (const r of rls.rows) expect([r.relname, r.relrowsecurity, r.relforcerowsecurity]).toEqual([r.relname, true, true]);
      } finally {
        await inTenantDb.end();
      }
    } finally {
      await admin.end();
    }
  });

  it("lets the tenant work on its own data, stamped with its tenant ID and audited", async () => {
    const r = await a.query(`INSERT INTO ${aTable("resources")} (name, url) VALUES ('api', 'https://api.a.example') RETURNING tenant_id, id`);
    expect(r.rows[0].tenant_id).toBe(A.id);
    const bouncer = await a.query(`INSERT INTO ${aTable("bouncers")} (name, resource_id) VALUES ('edge-1', $1) RETURNING tenant_id`, [r.rows[0].id]);
    expect(bouncer.rows[0].tenant_id).toBe(A.id);
    await a.query(`INSERT INTO ${aTable("policies")} (name, policy_content) VALUES ('p1', 'allow')`);
    await a.query(`UPDATE ${aTable("policies")} SET enabled = false WHERE name = 'p1'`);
    const audit = await a.query(`SELECT tenant_id, actor, action, object_type FROM ${aTable("audit_log")} ORDER BY occurred_at, action`);
    expect(audit.rows).toEqual(
      expect.arrayContaining([
        { tenant_id: A.id, actor: A.pgRole, action: "insert", object_type: "policies" },
        { tenant_id: A.id, actor: A.pgRole, action: "update", object_type: "policies" },
        { tenant_id: A.id, actor: A.pgRole, action: "insert", object_type: "bouncers" },
      ]),
    );
    await a.query(`DELETE FROM ${aTable("policies")} WHERE name = 'p1'`);
    expect((await a.query(`SELECT count(*)::int AS n FROM ${aTable("policies")}`)).rows[0].n).toBe(0);
  });

  it("refuses every read, write, update and delete of the other tenant's data", async () => {
    if (level === "database") {
      const bUrl = String(upA.postgres.url).replace(`/${A.pgDatabase}?`, `/${B.pgDatabase}?`);
      await expect(connect(bUrl)).rejects.toThrow(`permission denied for database "${B.pgDatabase}"`);
      return;
    }
    if (level === "row") {
      // Shared tables: B's rows are invisible and untouchable; writes as B are refused.
      expect((await a.query("SELECT * FROM policies WHERE tenant_id = $1", [B.id])).rowCount).toBe(0);
      expect((await a.query("UPDATE policies SET policy_content = 'pwned' WHERE tenant_id = $1", [B.id])).rowCount).toBe(0);
      expect((await a.query("DELETE FROM users WHERE tenant_id = $1", [B.id])).rowCount).toBe(0);
      expect(await refusal(a, "INSERT INTO policies (tenant_id, name, policy_content) VALUES ($1, 'x', 'y')", [B.id])).toBe(
        'new row violates row-level security policy for table "policies"',
      );
      await a.query("INSERT INTO policies (name, policy_content) VALUES ('mine', 'allow')");
      expect(await refusal(a, "UPDATE policies SET tenant_id = $1 WHERE name = 'mine'", [B.id])).toBe(
        'new row violates row-level security policy for table "policies"',
      );
      await a.query("DELETE FROM policies WHERE name = 'mine'");
      expect(await refusal(a, "TRUNCATE policies")).toBe("permission denied for table policies");
      expect(await refusal(a, "INSERT INTO limits (tenant_id, limit_name, max_rows) VALUES ($1, 'max_policies', 1000000)", [A.id])).toBe(
        "permission denied for table limits",
      );
    } else {
      const denied = level === "schema" ? `permission denied for schema ${B.pgSchema}` : `permission denied for table ${B.pgTablePrefix}policies`;
      expect(await refusal(a, `SELECT * FROM ${bTable("policies")}`)).toBe(denied);
      expect(await refusal(a, `INSERT INTO ${bTable("policies")} (name, policy_content) VALUES ('x', 'y')`)).toBe(denied);
      expect(await refusal(a, `UPDATE ${bTable("policies")} SET policy_content = 'pwned'`)).toBe(denied);
      expect(await refusal(a, `DELETE FROM ${bTable("policies")}`)).toBe(denied);
      expect(await refusal(a, `TRUNCATE ${bTable("policies")}`)).toBe(denied);
      expect(await refusal(a, `COPY ${bTable("policies")} TO STDOUT`)).toBe(denied);
    }
    // B still has exactly its data.
    expect((await b.query(`SELECT name, policy_content FROM ${aTableOf(B)("policies")}`)).rows).toEqual([{ name: "b-secret", policy_content: "deny all" }]);
  });

  it("refuses DDL on the other tenant's tables and on its own", async () => {
    const ownerOnly = (t: string) => `must be owner of table ${t}`;
    if (level === "database") {
      // B's tables live in B's database, which A cannot reach at all.
      const bUrl = String(upA.postgres.url).replace(`/${A.pgDatabase}?`, `/${B.pgDatabase}?`);
      await expect(connect(bUrl)).rejects.toThrow(`permission denied for database "${B.pgDatabase}"`);
    } else {
      const target = level === "row" ? "policies" : bTable("policies");
      const message = level === "schema" ? `permission denied for schema ${B.pgSchema}` : ownerOnly(level === "table" ? `${B.pgTablePrefix}policies` : "policies");
      expect(await refusal(a, `DROP TABLE ${target}`)).toBe(message);
      expect(await refusal(a, `ALTER TABLE ${target} DISABLE ROW LEVEL SECURITY`)).toBe(message);
      expect(await refusal(a, `ALTER TABLE ${target} NO FORCE ROW LEVEL SECURITY`)).toBe(message);
      expect(await refusal(a, `CREATE POLICY open_all ON ${target} USING (true)`)).toBe(message);
      expect(await refusal(a, `ALTER TABLE ${target} ADD COLUMN pwned text`)).toBe(message);
    }
    // The tenant owns none of its own tables either.
    expect(await refusal(a, `DROP TABLE ${aTable("policies")}`)).toBe(ownerOnly(level === "table" ? `${A.pgTablePrefix}policies` : "policies"));
    expect(await refusal(a, `CREATE TABLE "${String(upA.postgres.schema)}".planted (x int)`)).toBe(`permission denied for schema ${String(upA.postgres.schema)}`);
  });

  it("cannot escape through any setting the session may change", async () => {
    expect(await refusal(a, `SET ROLE "${B.pgRole}"`)).toBe(`permission denied to set role "${B.pgRole}"`);
    expect(await refusal(a, `SET SESSION AUTHORIZATION "${B.pgRole}"`)).toBe(`permission denied to set session authorization "${B.pgRole}"`);
    expect(await refusal(a, `ALTER ROLE "${A.pgRole}" BYPASSRLS`)).toBe("must be superuser to change bypassrls attribute");
    expect(await refusal(a, `ALTER ROLE "${A.pgRole}" CONNECTION LIMIT -1`)).toBe("permission denied");
    expect(await refusal(a, `GRANT "${B.pgRole}" TO "${A.pgRole}"`)).toBe(`must have admin option on role "${B.pgRole}"`);
    // Settings the tenant may change do not widen what it sees.
    await a.query("SET app.tenant_id = 'whatever'");
    await a.query(`SET search_path = "${B.pgSchema}", cc_table_tenants, cc_row_tenants, public`);
    if (level === "row") {
      await a.query("SET row_security = off");
      expect(await refusal(a, "SELECT * FROM policies")).toBe('query would be affected by row-level security policy for table "policies"');
      await a.query("RESET row_security");
      expect((await a.query("SELECT count(*)::int AS n FROM policies WHERE tenant_id <> $1", [A.id])).rows[0].n).toBe(0);
      // Membership in the shared group does not change who the session is.
      const group = (await a.query("SELECT b.rolname FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = current_user")).rows[0].rolname;
      await a.query(`SET ROLE "${group}"`);
      expect((await a.query("SELECT count(*)::int AS n FROM policies")).rows[0].n).toBe(0);
      expect((await a.query("SELECT count(*)::int AS n FROM users WHERE tenant_id = $1", [B.id])).rows[0].n).toBe(0);
      await a.query("RESET ROLE");
    } else if (level === "schema") {
      // A schema without USAGE is skipped by name lookup: B's tables are not even found.
      expect(await refusal(a, "SELECT * FROM policies")).toBe('relation "policies" does not exist');
    }
    await a.query("RESET ALL");
    // Server-side file access is not for tenants.
    expect(await refusal(a, "SELECT pg_read_file('/etc/passwd')")).toBe("permission denied for function pg_read_file");
    expect(await refusal(a, `COPY ${aTable("policies")} TO '/tmp/stolen.csv'`)).toBe(
      'must be superuser or have privileges of the pg_write_server_files role to COPY to a file',
    );
  });

  it("cannot point its own rows at the other tenant's rows", async () => {
    const bResource = (await b.query(`INSERT INTO ${aTableOf(B)("resources")} (name) VALUES ('b-api') RETURNING id`)).rows[0].id;
    const fk = level === "table" ? `${A.pgTablePrefix}bouncers_resource_fkey` : "bouncers_resource_fkey";
    expect(await refusal(a, `INSERT INTO ${aTable("bouncers")} (name, resource_id) VALUES ('steal', $1)`, [bResource])).toBe(
      `insert or update on table "${level === "table" ? `${A.pgTablePrefix}bouncers` : "bouncers"}" violates foreign key constraint "${fk}"`,
    );
  });

  it("enforces the plan's data limits inside the database", async () => {
    const t = aTable("policies");
    await a.query(`DELETE FROM ${t}`);
    for (const n of [1, 2, 3]) await a.query(`INSERT INTO ${t} (name, policy_content) VALUES ($1, 'allow')`, [`limit-${n}`]);
    expect(await refusal(a, `INSERT INTO ${t} (name, policy_content) VALUES ('limit-4', 'allow')`)).toBe(
      `plan limit max_policies reached: tenant ${A.id} may have at most 3 policies`,
    );
    // A limit counts rows, not attempts: delete one and there is room again.
    await a.query(`DELETE FROM ${t} WHERE name = 'limit-1'`);
    await a.query(`INSERT INTO ${t} (name, policy_content) VALUES ('limit-4', 'allow')`);
    // The tenant cannot raise its own limit.
    const raise = await refusal(a, `UPDATE ${aTable("limits")} SET max_rows = 1000`);
    expect(raise).toBe(`permission denied for table ${level === "table" ? `${A.pgTablePrefix}limits` : "limits"}`);
    // Two concurrent transactions in REPEATABLE READ cannot both take the last user slot.
    const u = aTable("users");
    await a.query(`DELETE FROM ${u}`);
    await a.query(`INSERT INTO ${u} (email) VALUES ('one@a.example')`);
    const a2 = await connect(String(upA.postgres.url));
    try {
      await a.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
      await a2.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
      await a.query(`SELECT count(*) FROM ${u}`);
      await a2.query(`SELECT count(*) FROM ${u}`);
      await a.query(`INSERT INTO ${u} (email) VALUES ('two@a.example')`);
      const second = a2.query(`INSERT INTO ${u} (email) VALUES ('three@a.example')`).then(
        () => "inserted",
        (e: Error) => e.message,
      );
      await a.query("COMMIT");
      expect(await second).toBe("could not serialize access due to concurrent update");
      await a2.query("ROLLBACK");
    } finally {
      await a2.end();
    }
    expect((await a.query(`SELECT count(*)::int AS n FROM ${u}`)).rows[0].n).toBe(2);
  });

  it("bounds the tenant's connections by the plan's connection limit", async () => {
    // a is one connection; two more reach the limit of 3, the next is refused.
    const extra = [await connect(String(upA.postgres.url)), await connect(String(upA.postgres.url))];
    try {
      await expect(connect(String(upA.postgres.url))).rejects.toThrow(`too many connections for role "${A.pgRole}"`);
    } finally {
      await Promise.all(extra.map((c) => c.end()));
    }
  });

  it("changes nothing when applied again", async () => {
    const snapshot = () => catalogSnapshot(db.name, level === "database" ? [A.pgDatabase, B.pgDatabase] : [], [A, B]);
    const before = await snapshot();
    const again = await up(A.id);
    expect(again.postgres.url).toBe(upA.postgres.url);
    expect(await snapshot()).toEqual(before);
  });

  it("removes one tenant completely with local down, and leaves the other untouched", async () => {
    await a.end();
    expect(await localDown(A.id, { targets: targets(), stateDir })).toBe(true);
    const admin = await adminClient(db.name);
    try {
      expect((await admin.query("SELECT rolname FROM pg_roles WHERE rolname = $1", [A.pgRole])).rowCount).toBe(0);
      expect((await admin.query("SELECT datname FROM pg_database WHERE datname = $1", [A.pgDatabase])).rowCount).toBe(0);
      const leftovers = await admin.query(
        `SELECT 'schema ' || nspname AS o FROM pg_namespace WHERE nspname = $1
         UNION ALL SELECT 'relation ' || relname FROM pg_class WHERE relname LIKE $2
         UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE proname LIKE $2`,
        [A.pgSchema, `${A.pgTablePrefix}%`],
      );
      expect(leftovers.rows).toEqual([]);
      if (level === "row") {
        for (const t of ["policies", "resources", "bouncers", "users", "audit_log", "limits", "tenants"]) {
          const n = await admin.query(`SELECT count(*)::int AS n FROM cc_row_tenants.${t} WHERE tenant_id = $1`, [A.id]);
          expect([t, n.rows[0].n]).toEqual([t, 0]);
        }
      }
    } finally {
      await admin.end();
    }
    expect((await b.query(`SELECT name FROM ${aTableOf(B)("policies")}`)).rows).toEqual([{ name: "b-secret" }]);
    expect(await localDown(A.id, { targets: targets(), stateDir })).toBe(false);
    // The last tenant leaves nothing of the shared schema behind either.
    await b.end();
    await localDown(B.id, { targets: targets(), stateDir });
    const admin2 = await adminClient(db.name);
    try {
      const rest = await admin2.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'cc\\_%' OR nspname LIKE 'tenant\\_%'");
      expect(rest.rows).toEqual([]);
      const roles = await admin2.query("SELECT rolname FROM pg_roles WHERE rolname = ANY($1)", [[A.pgRole, B.pgRole]]);
      expect(roles.rows).toEqual([]);
      const groups = await admin2.query("SELECT rolname FROM pg_roles WHERE rolname LIKE $1", [`cc\\_${level}\\_tenants\\_%`]);
      expect(groups.rows.filter((r) => r.rolname.endsWith(groupSuffix(db.name)))).toEqual([]);
    } finally {
      await admin2.end();
    }
  });
});

function groupSuffix(database: string): string {
  return require("node:crypto").createHash("sha256").update(database).digest("hex").slice(0, 8);
}

/**
 * Everything about the tenants' objects that an `up` could change. Cluster-wide catalogs (roles,
 * databases) are limited to this test's tenants and groups: other test files run at the same time.
 */
async function catalogSnapshot(database: string, extraDbs: string[], tenants: Array<ReturnType<typeof tenantNames>>): Promise<unknown> {
  const roles = [...tenants.map((t) => t.pgRole), `cc_table_tenants_${groupSuffix(database)}`, `cc_row_tenants_${groupSuffix(database)}`];
  const databases = tenants.map((t) => t.pgDatabase);
  const out: Record<string, unknown> = {};
  for (const name of [database, ...extraDbs]) {
    const c = await adminClient(name);
    try {
      out[name] = {
        roles: (await c.query("SELECT rolname, rolsuper, rolbypassrls, rolconnlimit, rolconfig, rolinherit FROM pg_roles WHERE rolname = ANY($1) ORDER BY 1", [roles])).rows,
        schemas: (await c.query("SELECT nspname, nspacl::text FROM pg_namespace WHERE nspname LIKE 'tenant\\_%' OR nspname LIKE 'cc\\_%' ORDER BY 1")).rows,
        tables: (await c.query("SELECT n.nspname, c.relname, c.relacl::text, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname LIKE 'tenant\\_%' OR n.nspname LIKE 'cc\\_%' ORDER BY 1, 2")).rows,
        policies: (await c.query("SELECT schemaname, tablename, policyname, qual, with_check FROM pg_policies ORDER BY 1, 2, 3")).rows,
        triggers: (await c.query("SELECT tgrelid::regclass::text AS t, tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2")).rows,
        limits: (await c.query("SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname LIKE '%limits' ORDER BY 1, 2")).rows,
        databases: (await c.query("SELECT datname, datacl::text FROM pg_database WHERE datname = ANY($1) ORDER BY 1", [databases])).rows,
      };
    } finally {
      await c.end();
    }
  }
  return out;
}
