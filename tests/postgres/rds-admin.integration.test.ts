/**
 * On RDS and Aurora the admin role is not a superuser, so FORCE ROW LEVEL SECURITY applies to it
 * as the owner of the tables. These tests provision with such an admin (LOGIN CREATEROLE CREATEDB,
 * nothing more) and prove that isolation, limits and clean removal still hold — in particular at
 * the row level, where removing one tenant must delete its rows and no one else's.
 */
import type { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localDown, localUp } from "../../cli/local/local-mode";
import { tenantNames } from "../../components/naming";
import { adminClient, connect, PG_HOST, PG_PORT, refusal, runTag, tempStateDir } from "../helpers/pg";

describe.each([["row"], ["database"]] as const)("a non-superuser admin at the %s level", (level) => {
  const tag = runTag();
  const adminRole = `cc_it_rds_admin_${tag}`;
  const database = `cc_it_rds_${level}_${tag}`;
  const A = tenantNames(`r${tag}-a`);
  const B = tenantNames(`r${tag}-b`);
  const stateDir = tempStateDir();
  const targets = { databaseUrl: `postgresql://${adminRole}@${PG_HOST}:${PG_PORT}/${database}` };
  const up = (id: string) => localUp({ tenantId: id, plan: "pro", isolation: level, overrides: { limits: { max_policies: 2 } }, targets, stateDir });
  let a: Client;
  let b: Client;

  beforeAll(async () => {
    const root = await adminClient();
    try {
      await root.query(`CREATE ROLE "${adminRole}" LOGIN CREATEROLE CREATEDB`);
      await root.query(`CREATE DATABASE "${database}" OWNER "${adminRole}"`);
    } finally {
      await root.end();
    }
    const upA = await up(A.id);
    const upB = await up(B.id);
    a = await connect(String(upA.postgres.url));
    b = await connect(String(upB.postgres.url));
  });

  afterAll(async () => {
    await a?.end().catch(() => undefined);
    await b?.end().catch(() => undefined);
    await localDown(A.id, { targets, stateDir }).catch(() => undefined);
    await localDown(B.id, { targets, stateDir }).catch(() => undefined);
    const root = await adminClient();
    try {
      await root.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await root.query(`DROP ROLE IF EXISTS "${adminRole}"`);
    } finally {
      await root.end();
    }
  });

  it("provisions tenant roles that still cannot bypass RLS", async () => {
    const root = await adminClient();
    try {
      const r = await root.query("SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = ANY($1) ORDER BY 1", [[A.pgRole, B.pgRole, adminRole]]);
      expect(r.rows).toEqual(
        [
          { rolname: adminRole, rolsuper: false, rolbypassrls: false },
          { rolname: A.pgRole, rolsuper: false, rolbypassrls: false },
          { rolname: B.pgRole, rolsuper: false, rolbypassrls: false },
        ].sort((x, y) => x.rolname.localeCompare(y.rolname)),
      );
    } finally {
      await root.end();
    }
  });

  it("keeps the tenants apart and enforces limits through the admin-owned triggers", async () => {
    await a.query("INSERT INTO policies (name, policy_content) VALUES ('a1', 'allow'), ('a2', 'allow')");
    await b.query("INSERT INTO policies (name, policy_content) VALUES ('b1', 'deny')");
    expect(await refusal(a, "INSERT INTO policies (name, policy_content) VALUES ('a3', 'allow')")).toBe(
      `plan limit max_policies reached: tenant ${A.id} may have at most 2 policies`,
    );
    expect((await a.query("SELECT name FROM policies ORDER BY name")).rows).toEqual([{ name: "a1" }, { name: "a2" }]);
    expect((await b.query("SELECT name FROM policies")).rows).toEqual([{ name: "b1" }]);
    expect((await a.query("SELECT count(*)::int AS n FROM audit_log")).rows[0].n).toBe(2);
  });

  it("removes one tenant's rows and objects with local down, and nothing of the other", async () => {
    await a.end();
    expect(await localDown(A.id, { targets, stateDir })).toBe(true);
    const root = await adminClient(database);
    try {
      if (level === "row") {
        const rows = await root.query("SELECT tenant_id, count(*)::int AS n FROM cc_row_tenants.policies GROUP BY 1 ORDER BY 1");
        expect(rows.rows).toEqual([{ tenant_id: B.id, n: 1 }]);
        const mapping = await root.query("SELECT tenant_id FROM cc_row_tenants.tenants ORDER BY 1");
        expect(mapping.rows).toEqual([{ tenant_id: B.id }]);
      }
      expect((await root.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [A.pgRole])).rowCount).toBe(0);
      expect((await root.query("SELECT 1 FROM pg_database WHERE datname = $1", [A.pgDatabase])).rowCount).toBe(0);
    } finally {
      await root.end();
    }
    expect((await b.query("SELECT name FROM policies")).rows).toEqual([{ name: "b1" }]);
  });
});
