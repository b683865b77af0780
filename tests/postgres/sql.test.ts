/** The pure SQL core: quoting, layouts, and migrations that force RLS on every tenant table. */
import { describe, expect, it } from "vitest";
import { tenantNames } from "../../components/naming";
import { groupRoleName, ident, layoutFor, literal, TENANT_TABLES, tenantMigrations } from "../../components/postgres/sql";
import { ISOLATION_LEVELS } from "../../plans/schema";

const LIMITS = { max_policies: 100, max_resources: 50, max_bouncers: 5, max_users: 10 };

describe("quoting", () => {
  it.each([
    ["tenant_acme", '"tenant_acme"'],
    ['we"ird', '"we""ird"'],
    ["Robert'); DROP TABLE students;--", '"Robert\'); DROP TABLE students;--"'],
  ])("ident(%j) = %s", (name, quoted) => expect(ident(name)).toBe(quoted));

  it.each([
    ["acme", "'acme'"],
    ["o'brien", "'o''brien'"],
    ["\\'; DROP TABLE x; --", "'\\''; DROP TABLE x; --'"],
  ])("literal(%j) = %s", (value, quoted) => expect(literal(value)).toBe(quoted));

  it("refuses what PostgreSQL would truncate or cut", () => {
    expect(() => ident("x".repeat(64))).toThrow(`SQL identifier "${"x".repeat(64)}" exceeds 63 bytes`);
    expect(() => ident("")).toThrow('invalid SQL identifier ""');
    expect(() => ident("a\0b")).toThrow("invalid SQL identifier");
    expect(() => literal("a\0b")).toThrow("SQL literal contains a NUL byte");
  });

  it("quotes a config-supplied admin role everywhere it appears", () => {
    const names = tenantNames("acme");
    const sql = tenantMigrations(names, layoutFor(names, "row", "controlcore"), LIMITS, { adminRole: 'ad"min' }).map((m) => m.up).join("\n");
    expect(sql).toContain('TO "ad""min" USING (true)');
    expect(sql).not.toMatch(/TO ad"min/);
  });
});

describe("layouts", () => {
  const names = tenantNames("acme-corp");
  it("places each level's tables", () => {
    expect(layoutFor(names, "database", "controlcore")).toMatchObject({ database: "tenant_acme_corp", schema: "tenant_acme_corp", sharedSchema: false });
    expect(layoutFor(names, "schema", "controlcore")).toMatchObject({ database: "controlcore", schema: "tenant_acme_corp", sharedSchema: false });
    expect(layoutFor(names, "table", "controlcore")).toMatchObject({
      database: "controlcore", schema: "cc_table_tenants", sharedSchema: true, groupRole: groupRoleName("table", "controlcore"),
    });
    expect(layoutFor(names, "table", "controlcore").tables.policies).toBe("tenant_acme_corp_policies");
    expect(layoutFor(names, "row", "controlcore")).toMatchObject({
      database: "controlcore", schema: "cc_row_tenants", tenantExpr: '(SELECT "cc_row_tenants"."session_tenant"())',
    });
  });
  it("gives each shared database its own group roles (roles are cluster-wide)", () => {
    expect(groupRoleName("row", "controlcore")).not.toBe(groupRoleName("row", "controlcore_staging"));
    expect(groupRoleName("row", "controlcore")).toMatch(/^cc_row_tenants_[0-9a-f]{8}$/);
  });
});

describe.each(ISOLATION_LEVELS.map((l) => [l]))("migrations at the %s level", (level) => {
  const names = tenantNames("acme");
  const layout = layoutFor(names, level, "controlcore");
  const migrations = tenantMigrations(names, layout, LIMITS, { adminRole: "controlcore_admin" });
  const up = migrations.map((m) => m.up).join("\n");

  it("enable and force RLS with a tenant_id policy on every tenant table", () => {
    for (const t of TENANT_TABLES) {
      const table = `"${layout.schema}"."${layout.tables[t]}"`;
      expect(up).toContain(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;`);
      expect(up).toContain(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;`);
      expect(up).toContain(`CREATE POLICY tenant_isolation ON ${table} AS PERMISSIVE FOR ALL TO PUBLIC\n  USING (tenant_id = ${layout.tenantExpr}) WITH CHECK (tenant_id = ${layout.tenantExpr});`);
    }
  });

  it("end with the plan limits as a repeatable migration, and every migration can be undone", () => {
    expect(migrations.at(-1)).toMatchObject({ id: "R__plan_limits", repeatable: true });
    expect(migrations.at(-1)!.up).toContain("('acme', 'max_bouncers', 5)");
    for (const m of migrations) expect(m.down.trim().length).toBeGreaterThan(0);
  });

  it("pin the search_path of every SECURITY DEFINER function", () => {
    const definers = up.match(/SECURITY DEFINER[^\n]*/g) ?? [];
    expect(definers.length).toBeGreaterThanOrEqual(3);
    for (const d of definers) expect(d).toContain("SET search_path = pg_catalog, pg_temp");
  });
});
