/**
 * Local mode's safety rails against a real PostgreSQL: a failed first `up` leaves nothing behind,
 * and moving a tenant to another isolation level (which would drop its data) is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localDown, localUp } from "../../cli/local/local-mode";
import { tenantNames } from "../../components/naming";
import { ISOLATION_LEVELS } from "../../plans/schema";
import { adminClient, connect, freshDatabase, refusal, runTag, tempStateDir } from "../helpers/pg";

describe("local mode", () => {
  const tag = runTag();
  const stateDir = tempStateDir();
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const targets = () => ({ databaseUrl: db.url });

  beforeAll(async () => {
    db = await freshDatabase("cc_it_local");
  });
  afterAll(async () => {
    const ids = [`l${tag}-fail`, `l${tag}-move`, ...ISOLATION_LEVELS.map((level) => `l${tag}-${level}`)];
    for (const id of ids) await localDown(id, { targets: targets(), stateDir }).catch(() => undefined);
    await db?.drop();
  });

  async function roleExists(role: string): Promise<boolean> {
    const c = await adminClient();
    try {
      return (await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role])).rowCount === 1;
    } finally {
      await c.end();
    }
  }

  it("undoes a failed first up: no role, no state, nothing to take down", async () => {
    const t = tenantNames(`l${tag}-fail`);
    // A foreign object the shared row-level migration cannot work with: its function creation fails.
    const c = await adminClient(db.name);
    try {
      await c.query("CREATE SCHEMA cc_row_tenants; CREATE TABLE cc_row_tenants.tenants (tenant_id text)");
    } finally {
      await c.end();
    }
    await expect(localUp({ tenantId: t.id, plan: "pro", isolation: "row", targets: targets(), stateDir })).rejects.toThrow(
      'up of migration 0001_row_level_shared failed (nothing was applied): column t.role_name does not exist [SQLSTATE 42703]',
    );
    expect(await roleExists(t.pgRole)).toBe(false);
    expect(await localDown(t.id, { targets: targets(), stateDir })).toBe(false);
    const c2 = await adminClient(db.name);
    try {
      // The foreign table is untouched: the run removed only what it made.
      expect((await c2.query("SELECT column_name FROM information_schema.columns WHERE table_schema = 'cc_row_tenants' AND table_name = 'tenants'")).rows).toEqual([
        { column_name: "tenant_id" },
      ]);
      await c2.query("DROP SCHEMA cc_row_tenants CASCADE");
    } finally {
      await c2.end();
    }
  });

  it("refuses to move a tenant to another isolation level, and changes nothing", async () => {
    const t = tenantNames(`l${tag}-move`);
    await localUp({ tenantId: t.id, plan: "pro", targets: targets(), stateDir });
    await expect(localUp({ tenantId: t.id, plan: "pro", isolation: "row", targets: targets(), stateDir })).rejects.toThrow(
      `tenant ${t.id} is set up locally at the schema level; moving it to row would drop its data. Run \`tenantctl local down ${t.id}\` first.`,
    );
    const c = await adminClient(db.name);
    try {
      expect((await c.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [t.pgSchema])).rowCount).toBe(1);
      expect((await c.query("SELECT 1 FROM pg_namespace WHERE nspname = 'cc_row_tenants'")).rowCount).toBe(0);
    } finally {
      await c.end();
    }
    expect(await localDown(t.id, { targets: targets(), stateDir })).toBe(true);
  });

  it("keeps tenants at all four levels side by side on one server, and takes them down cleanly", async () => {
    const ids = ISOLATION_LEVELS.map((level) => ({ level, names: tenantNames(`l${tag}-${level}`) }));
    const ups = [];
    for (const { level, names } of ids) ups.push(await localUp({ tenantId: names.id, plan: "pro", isolation: level, targets: targets(), stateDir }));
    const clients = await Promise.all(ups.map((u) => connect(String(u.postgres.url))));
    try {
      for (const [i, c] of clients.entries()) {
        const table = ids[i]!.level === "table" ? `"${ids[i]!.names.pgTablePrefix}policies"` : "policies";
        await c.query(`INSERT INTO ${table} (name, policy_content) VALUES ('own', 'allow')`);
        expect((await c.query(`SELECT tenant_id FROM ${table}`)).rows).toEqual([{ tenant_id: ids[i]!.names.id }]);
      }
      // The row-level tenant cannot reach the schema- or table-level tenants' tables either.
      const row = clients[ISOLATION_LEVELS.indexOf("row")]!;
      const schemaTenant = ids.find((x) => x.level === "schema")!.names;
      const tableTenant = ids.find((x) => x.level === "table")!.names;
      expect(await refusal(row, `SELECT * FROM "${schemaTenant.pgSchema}".policies`)).toBe(`permission denied for schema ${schemaTenant.pgSchema}`);
      // Not a member of the table level's group: the shared schema itself is closed to it.
      expect(await refusal(row, `SELECT * FROM cc_table_tenants."${tableTenant.pgTablePrefix}policies"`)).toBe(
        "permission denied for schema cc_table_tenants",
      );
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    for (const { names } of ids) expect(await localDown(names.id, { targets: targets(), stateDir })).toBe(true);
    const c = await adminClient(db.name);
    try {
      const left = await c.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'cc\\_%' OR nspname LIKE 'tenant\\_%'");
      expect(left.rows).toEqual([]);
      for (const { names } of ids) expect(await roleExists(names.pgRole)).toBe(false);
    } finally {
      await c.end();
    }
  });
});
