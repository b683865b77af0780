/**
 * Local mode's safety rails against a real PostgreSQL: a failed first `up` leaves nothing behind,
 * and moving a tenant to another isolation level (which would drop its data) is refused; state is
 * found by the server's identity whatever the URL's spelling; a re-apply rewrites no catalog row;
 * an update that fails midway leaves nothing changed; a plan under a new name works.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localDown, localUp, renderLocal } from "../../cli/local/local-mode";
import { withRedis } from "../../cli/local/redis-applier";
import { tenantNames } from "../../components/naming";
import { ISOLATION_LEVELS } from "../../plans/schema";
import { adminClient, connect, freshDatabase, refusal, runTag, tempStateDir } from "../helpers/pg";

const PROJECT = path.resolve(__dirname, "..", "..");
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

describe("local mode", () => {
  const tag = runTag();
  const stateDir = tempStateDir();
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const targets = () => ({ databaseUrl: db.url });

  beforeAll(async () => {
    db = await freshDatabase("cc_it_local");
  });
  afterAll(async () => {
    const ids = [
      `l${tag}-fail`, `l${tag}-move`, `l${tag}-spell`, `l${tag}-noop`, `l${tag}-txn`, `l${tag}-tiny`,
      ...ISOLATION_LEVELS.map((level) => `l${tag}-${level}`),
    ];
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
      const left = await c.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'cc\\_%' OR nspname LIKE 'tenant\\_%' OR nspname = 'controlcore_migrations'");
      // The migrations ledger goes with the last tenant of the database too.
      expect(left.rows).toEqual([]);
      for (const { names } of ids) expect(await roleExists(names.pgRole)).toBe(false);
    } finally {
      await c.end();
    }
  });

  async function redisUserExists(user: string): Promise<boolean> {
    return withRedis(REDIS_URL, async (r) => (await r.call("ACL", "GETUSER", user)) !== null);
  }

  /** Another spelling of the same server and database: `postgres://` and `localhost`. */
  const respelled = () => {
    const u = new URL(db.url);
    return `postgres://${u.username}@localhost:${u.port}${u.pathname}`;
  };

  it("local down finds the tenant whatever the DATABASE_URL's spelling, and says when there is nothing to remove", async () => {
    const t = tenantNames(`l${tag}-spell`);
    expect(respelled()).not.toBe(db.url);
    const up = await localUp({ tenantId: t.id, plan: "pro", targets: targets(), stateDir });
    expect(await redisUserExists(t.elasticacheUserId)).toBe(true);
    expect(up.server.database).toBe(db.name);
    expect(up.server.id).toMatch(/^pg-\d+$/);
    // Through the real command line, with the other spelling: removed, exit code 0.
    const cli = (id: string) =>
      spawnSync(process.execPath, [path.join(PROJECT, "bin", "tenantctl.cjs"), "local", "down", id], {
        cwd: PROJECT, encoding: "utf8",
        // Redis spelled differently too: down uses the Redis server recorded at up.
        env: { ...process.env, DATABASE_URL: respelled(), REDIS_URL: "redis://localhost:6379/0", TENANTCTL_STATE_DIR: stateDir },
      });
    const removed = cli(t.id);
    expect(removed.stderr).toContain(`tenant ${t.id} removed from local servers (PostgreSQL server ${up.server.id}, database ${db.name})`);
    expect(removed.status).toBe(0);
    expect(await roleExists(t.pgRole)).toBe(false);
    expect(await redisUserExists(t.elasticacheUserId)).toBe(false);
    // Again: nothing to remove is exit code 3 with its own message, not a silent 0.
    const nothing = cli(t.id);
    expect(nothing.stderr).toContain(`tenant ${t.id} has no local state on PostgreSQL server ${up.server.id}, database ${db.name} (looked for `);
    expect(nothing.stderr).toContain("; nothing to remove");
    expect(nothing.status).toBe(3);
    expect(await localDown(t.id, { targets: { databaseUrl: respelled() }, stateDir })).toBe(false);
  }, 60_000);

  /** Versions (xmin) of every catalog row of the tenant's objects: an UPDATE of a row changes it. */
  async function catalogVersions(t: ReturnType<typeof tenantNames>): Promise<Record<string, unknown>> {
    const c = await adminClient(db.name);
    try {
      const q = async (sql: string, params: unknown[]) => (await c.query(sql, params)).rows;
      return {
        authid: await q("SELECT rolname, xmin::text FROM pg_authid WHERE rolname = $1", [t.pgRole]),
        dbRoleSetting: await q("SELECT s.xmin::text FROM pg_db_role_setting s JOIN pg_authid a ON a.oid = s.setrole WHERE a.rolname = $1", [t.pgRole]),
        namespace: await q("SELECT nspname, xmin::text FROM pg_namespace WHERE nspname = $1", [t.pgSchema]),
        classes: await q("SELECT c.relname, c.xmin::text, c.relacl::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 ORDER BY 1", [t.pgSchema]),
        policies: await q("SELECT p.polname, p.xmin::text FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 ORDER BY 1", [t.pgSchema]),
        limits: await q(`SELECT limit_name, max_rows, xmin::text FROM ${`"${t.pgSchema}"`}.limits ORDER BY 1`, []),
      };
    } finally {
      await c.end();
    }
  }

  it("a second up is a true no-op: no catalog row is rewritten, and it says no changes", async () => {
    const t = tenantNames(`l${tag}-noop`);
    const first = await localUp({ tenantId: t.id, plan: "pro", targets: targets(), stateDir });
    expect(first.unchanged).toBe(false);
    expect(first.changes.created.length).toBeGreaterThan(0);
    const before = await catalogVersions(t);
    expect((before.classes as unknown[]).length).toBeGreaterThan(0);
    const again = await localUp({ tenantId: t.id, plan: "pro", targets: targets(), stateDir });
    expect(await catalogVersions(t)).toEqual(before);
    expect(again.unchanged).toBe(true);
    expect(again.changes).toEqual({ created: [], updated: [], removed: [] });
    expect(again.postgres.url).toBe(first.postgres.url);
    expect(renderLocal(again).split("\n")[0]).toBe(`no changes: tenant ${t.id} is already up locally (plan pro, schema isolation)`);
    expect(await localDown(t.id, { targets: targets(), stateDir })).toBe(true);
  }, 60_000);

  it("an update that fails midway changes nothing: the role's new limit is rolled back with the failed migration", async () => {
    const t = tenantNames(`l${tag}-txn`);
    await localUp({ tenantId: t.id, plan: "pro", targets: targets(), stateDir });
    const c = await adminClient(db.name);
    const roleLimit = async () => (await c.query("SELECT rolconnlimit FROM pg_roles WHERE rolname = $1", [t.pgRole])).rows[0].rolconnlimit;
    try {
      const limitBefore = await roleLimit();
      // A foreign trigger makes the limits migration (re-applied when the plan's limits change) fail.
      await c.query(`CREATE FUNCTION "${t.pgSchema}".no_limit_changes() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'limits are frozen'; END $$`);
      await c.query(`CREATE TRIGGER frozen BEFORE UPDATE ON "${t.pgSchema}".limits FOR EACH ROW EXECUTE FUNCTION "${t.pgSchema}".no_limit_changes()`);
      const changed = { database: { connection_limit: limitBefore + 7 }, limits: { max_policies: 4242 } };
      await expect(localUp({ tenantId: t.id, plan: "pro", overrides: changed, targets: targets(), stateDir })).rejects.toThrow(
        "up of migration R__plan_limits failed (nothing was applied): limits are frozen [SQLSTATE P0001]",
      );
      // The role was altered earlier in the same run: rolled back with it.
      expect(await roleLimit()).toBe(limitBefore);
      await c.query(`DROP TRIGGER frozen ON "${t.pgSchema}".limits; DROP FUNCTION "${t.pgSchema}".no_limit_changes()`);
    } finally {
      await c.end();
    }
    // The state still describes what exists: the original plan is no change.
    expect((await localUp({ tenantId: t.id, plan: "pro", targets: targets(), stateDir })).unchanged).toBe(true);
    expect(await localDown(t.id, { targets: targets(), stateDir })).toBe(true);
  }, 60_000);

  it("runs a plan written under a new name without touching platform config", async () => {
    const t = tenantNames(`l${tag}-tiny`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tiny-plan-"));
    const file = path.join(dir, "tiny.yaml");
    const pro = fs.readFileSync(path.join(PROJECT, "plans", "pro.yaml"), "utf8");
    fs.writeFileSync(file, pro.replace(/^name: pro$/m, "name: tiny").replace(/^(\s+max_policies:) \d+$/m, "$1 7"));
    const up = await localUp({ tenantId: t.id, plan: file, targets: targets(), stateDir });
    expect(up.plan).toBe("tiny");
    const own = await connect(String(up.postgres.url));
    try {
      expect((await own.query("SELECT limit_name, max_rows::int FROM limits WHERE limit_name = 'max_policies'")).rows).toEqual([
        { limit_name: "max_policies", max_rows: 7 },
      ]);
    } finally {
      await own.end();
    }
    expect(await localDown(t.id, { targets: targets(), stateDir })).toBe(true);
  }, 60_000);
});
