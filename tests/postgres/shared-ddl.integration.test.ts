/**
 * Shared objects are migrated once per platform version, not per tenant (issue 8, item 9): tenants
 * query the shared tables continuously while many others onboard through local mode (the
 * program's own resources, the serialized migrations provider), and
 * - no running tenant query is aborted or waits behind an onboarding (no deadlock, no lock queue);
 * - no catalog row of the shared schema is rewritten: every shared table's `pg_class` row, every
 *   policy's `pg_policy` row, every trigger's `pg_trigger` row and the schema's `pg_namespace` row
 *   keep their `xmin`, so `pg_policy` / `pg_trigger` gain no dead tuple per tenant.
 */
import type { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localDown, localUp, type LocalResult } from "../../cli/local/local-mode";
import { tenantNames } from "../../components/naming";
import { layoutFor, ROW_LEVEL_SCHEMA, TABLE_LEVEL_SCHEMA, tenantMigrations } from "../../components/postgres/sql";
import { sqlMigrationsProvider, type PgConnection } from "../../components/postgres/sql-migrations";
import type { IsolationLevel } from "../../plans/schema";
import { adminClient, connect, freshDatabase, PG_ADMIN, PG_HOST, PG_PASSWORD, PG_PORT, runTag, tempStateDir } from "../helpers/pg";

const OVERRIDES = { limits: { max_policies: 1000 }, database: { connection_limit: 3 } };

/** `xmin` of every catalog row of the shared schema that per-tenant DDL would rewrite. */
async function catalogRows(admin: Client, schema: string): Promise<Record<string, string[]>> {
  const q = async (sql: string) => (await admin.query(sql, [schema])).rows.map((r) => `${r.name} ${r.xmin}`);
  return {
    namespace: await q("SELECT nspname AS name, xmin::text FROM pg_namespace WHERE nspname = $1"),
    classes: await q(
      "SELECT c.relname AS name, c.xmin::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY 1",
    ),
    policies: await q(
      "SELECT c.relname || '.' || p.polname AS name, p.xmin::text FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 ORDER BY 1",
    ),
    triggers: await q(
      "SELECT c.relname || '.' || t.tgname AS name, t.xmin::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND NOT t.tgisinternal ORDER BY 1",
    ),
  };
}

/** A tenant working on its own rows until `stop()`: insert, count, delete. Every error is kept. */
function workload(c: Client, table: string): { stop: () => Promise<{ rounds: number; errors: string[] }> } {
  let running = true;
  let rounds = 0;
  const errors: string[] = [];
  const loop = (async () => {
    while (running) {
      try {
        await c.query(`INSERT INTO ${table} (name, policy_content) VALUES ($1, 'allow')`, [`p${rounds}`]);
        await c.query(`SELECT count(*) FROM ${table}`);
        await c.query(`DELETE FROM ${table} WHERE name = $1`, [`p${rounds}`]);
      } catch (e) {
        errors.push(`${(e as { code?: string }).code ?? ""} ${(e as Error).message}`);
        // A closed or broken session ends the loop (it would otherwise spin on immediate rejections).
        if (errors.length >= 20 || !(c as unknown as { _queryable?: boolean })._queryable) break;
      }
      rounds++;
    }
  })();
  return { stop: async () => { running = false; await loop; return { rounds, errors }; } };
}

describe.each([
  ["row", 50, ROW_LEVEL_SCHEMA],
  ["table", 8, TABLE_LEVEL_SCHEMA],
] as const)("%s level: onboarding takes no lock a running tenant query holds", (level: IsolationLevel, count: number, schema: string) => {
  const tag = runTag();
  const stateDir = tempStateDir();
  const ids: string[] = [];
  const clients: Client[] = [];
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const targets = () => ({ databaseUrl: db.url });
  const up = (id: string) => localUp({ tenantId: id, plan: "pro", isolation: level, overrides: OVERRIDES, targets: targets(), stateDir });

  beforeAll(async () => {
    db = await freshDatabase(`cc_it_shared_${level}`);
  });

  afterAll(async () => {
    for (const c of clients) await c.end().catch(() => undefined);
    for (const id of ids.reverse()) await localDown(id, { targets: targets(), stateDir }).catch(() => undefined);
    await db?.drop();
  }, 180_000);

  it(`${count} onboardings while two tenants query: no aborted query, no shared catalog row rewritten`, async () => {
    const workers: Array<{ result: LocalResult; table: string }> = [];
    for (const w of ["q1", "q2"]) {
      const id = tenantNames(`s${tag}-${w}`).id;
      ids.push(id);
      const result = await up(id);
      workers.push({ result, table: level === "table" ? `"${tenantNames(id).pgTablePrefix}policies"` : "policies" });
    }
    const admin = await adminClient(db.name);
    clients.push(admin);
    const before = await catalogRows(admin, schema);
    expect(before.classes.length).toBeGreaterThanOrEqual(level === "row" ? 7 : 12);
    expect(before.policies.length).toBeGreaterThan(0);

    const loads = [];
    for (const w of workers) {
      const c = await connect(String(w.result.postgres.url));
      clients.push(c);
      // A query that waited behind an onboarding's lock would fail here instead of hanging.
      await c.query("SET lock_timeout = 2000");
      loads.push(workload(c, w.table));
    }
    const started = Date.now();
    let took: number;
    let results: Array<{ rounds: number; errors: string[] }>;
    try {
      for (let i = 0; i < count; i++) {
        const id = tenantNames(`s${tag}-n${i}`).id;
        ids.push(id);
        await up(id);
      }
    } finally {
      took = Date.now() - started;
      results = await Promise.all(loads.map((l) => l.stop()));
    }
    for (const r of results) {
      expect(r.errors).toEqual([]);
      expect(r.rounds).toBeGreaterThan(count);
    }
    const after = await catalogRows(admin, schema);
    // The row level adds no table per tenant; the table level adds the new tenants' own tables only.
    if (level === "row") expect(after).toEqual(before);
    else {
      expect(after.namespace).toEqual(before.namespace);
      for (const k of ["classes", "policies", "triggers"] as const) expect(after[k]).toEqual(expect.arrayContaining(before[k]));
    }
    const tenants = await admin.query(`SELECT count(*)::int AS n FROM pg_roles WHERE rolname LIKE $1`, [`tenant_s${tag}_%`]);
    expect(tenants.rows[0].n).toBe(count + 2);
    expect(took).toBeLessThan(count * 3000);
  }, 240_000);
});

describe("the shared migration's version mark (provider)", () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    db = await freshDatabase("cc_it_shared_mark");
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("is applied by the first tenant, skipped by the next, re-applied when drifted, and leaves with the last tenant", async () => {
    const conn: PgConnection = { host: PG_HOST, port: PG_PORT, database: db.name, user: PG_ADMIN, password: PG_PASSWORD, sslMode: "disable" };
    const limits = { max_policies: 5, max_resources: 5, max_bouncers: 5, max_users: 5 };
    const inputs = (id: string) => {
      const names = tenantNames(id);
      return { connection: conn, migrations: tenantMigrations(names, layoutFor(names, "row", db.name), limits, { adminRole: PG_ADMIN }) };
    };
    const tag = runTag();
    const x = inputs(`m${tag}-x`);
    const y = inputs(`m${tag}-y`);
    const admin = await adminClient(db.name);
    try {
      const mark = async () => (await admin.query("SELECT obj_description(oid, 'pg_namespace') AS v FROM pg_namespace WHERE nspname = $1", [ROW_LEVEL_SCHEMA])).rows[0]?.v;
      const cx = await sqlMigrationsProvider.create!(x);
      expect(await mark()).toMatch(/^controlcore shared 0001_row_level_shared [0-9a-f]{64}$/);
      const before = await catalogRows(admin, ROW_LEVEL_SCHEMA);
      const cy = await sqlMigrationsProvider.create!(y);
      expect(await catalogRows(admin, ROW_LEVEL_SCHEMA)).toEqual(before);

      // Drift in a shared table: read reports it, and the update re-applies the shared migration
      // although the schema's mark is current.
      await admin.query("ALTER TABLE cc_row_tenants.policies NO FORCE ROW LEVEL SECURITY");
      const read = await sqlMigrationsProvider.read!(cy.id, cy.outs);
      expect(read.props.drift).toEqual([
        { migration: "0001_row_level_shared", problem: 'row-level security is not forced on "cc_row_tenants"."policies"' },
      ]);
      await sqlMigrationsProvider.update!(cy.id, read.props, y);
      const forced = await admin.query("SELECT relforcerowsecurity FROM pg_class WHERE oid = 'cc_row_tenants.policies'::regclass");
      expect(forced.rows).toEqual([{ relforcerowsecurity: true }]);

      await sqlMigrationsProvider.delete!(cy.id, cy.outs);
      expect(await mark()).toMatch(/^controlcore shared /);
      await sqlMigrationsProvider.delete!(cx.id, cx.outs);
      expect((await admin.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [ROW_LEVEL_SCHEMA])).rowCount).toBe(0);
      expect(await mark()).toBeUndefined();
    } finally {
      await admin.end();
    }
  });

  it("keeps one mark per shared migration of a schema: a second shared migration does not make the first run again", async () => {
    const conn: PgConnection = { host: PG_HOST, port: PG_PORT, database: db.name, user: PG_ADMIN, password: PG_PASSWORD, sslMode: "disable" };
    const first = { id: "0001_shared", sharedSchema: "s_mark", up: "CREATE SCHEMA IF NOT EXISTS s_mark; CREATE TABLE IF NOT EXISTS s_mark.t (v int); ALTER TABLE s_mark.t ENABLE ROW LEVEL SECURITY;", down: "SELECT 1" };
    const second = { id: "0002_shared", sharedSchema: "s_mark", up: "ALTER TABLE s_mark.t FORCE ROW LEVEL SECURITY;", down: "SELECT 1" };
    const own = (n: string) => ({ id: `0003_${n}`, up: `CREATE TABLE IF NOT EXISTS s_mark.${n} (v int);`, down: `DROP TABLE IF EXISTS s_mark.${n};` });
    const admin = await adminClient(db.name);
    try {
      const r1 = await sqlMigrationsProvider.create!({ connection: conn, migrations: [first, second, own("a")] });
      const xmin = async () => (await admin.query("SELECT xmin::text AS x FROM pg_class WHERE oid = 's_mark.t'::regclass")).rows[0].x;
      const before = await xmin();
      const marks = (await admin.query("SELECT obj_description('s_mark'::regnamespace, 'pg_namespace') AS v")).rows[0].v.split("\n");
      expect(marks.map((l: string) => l.split(" ").slice(0, 3).join(" "))).toEqual(["controlcore shared 0001_shared", "controlcore shared 0002_shared"]);
      const r2 = await sqlMigrationsProvider.create!({ connection: conn, migrations: [first, second, own("b")] });
      expect(await xmin()).toBe(before);
      await sqlMigrationsProvider.delete!(r2.id, r2.outs);
      await sqlMigrationsProvider.delete!(r1.id, r1.outs);
    } finally {
      await admin.query("DROP SCHEMA IF EXISTS s_mark CASCADE");
      await admin.end();
    }
  });
});
