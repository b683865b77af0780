/**
 * The checks' long-lived connections and the state-file cache (api/checks/connections.ts,
 * api/checks/tenant-state.ts readStateCached), against real PostgreSQL and Redis: once warm, a
 * health, usage or validate-access call opens no PostgreSQL or Redis connection (each one opened
 * a fresh Redis connection and a fresh client per other database before); the answers equal a bare
 * context's (a connection per call) and still see drift made after the first call, in the tenant's
 * own database through its pool; the parsed state file is reused while unchanged and re-read when
 * local mode rewrites it.
 */
import * as fs from "node:fs";
import { Redis } from "ioredis";
import { Client, Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { localDownDetailed, localUp } from "../../../cli/local/local-mode";
import { withRedis } from "../../../cli/local/redis-applier";
import { tenantNames } from "../../../components/naming";
import { layoutFor } from "../../../components/postgres/sql";
import { validateAccess } from "../../../api/checks/access";
import { openCheckContext, type OpenedCheckContext } from "../../../api/checks/connections";
import type { CheckContext } from "../../../api/checks/context";
import { tenantHealth } from "../../../api/checks/health";
import { loadTenant, readStateCached } from "../../../api/checks/tenant-state";
import { tenantUsage } from "../../../api/checks/usage";
import { adminClient, freshDatabase, runTag, tempStateDir } from "../../helpers/pg";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

describe("the checks' shared connections and state cache", () => {
  const tag = runTag();
  const stateDir = tempStateDir();
  const dbTenant = tenantNames(`cx${tag}-d`);
  const schemaTenant = tenantNames(`cx${tag}-s`);
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let bare: CheckContext;
  let opened: OpenedCheckContext;

  beforeAll(async () => {
    db = await freshDatabase("cc_it_checks_conn");
    bare = { pg: new Pool({ connectionString: db.url, max: 2 }), databaseUrl: db.url, redisUrl: REDIS_URL, stateDir };
    opened = openCheckContext({ databaseUrl: db.url, redisUrl: REDIS_URL, stateDir, max: 4 });
    await localUp({ tenantId: dbTenant.id, plan: "pro", isolation: "database", targets: { databaseUrl: db.url, redisUrl: REDIS_URL }, stateDir });
    await localUp({ tenantId: schemaTenant.id, plan: "pro", targets: { databaseUrl: db.url, redisUrl: REDIS_URL }, stateDir });
  }, 180_000);
  afterAll(async () => {
    await opened?.close();
    for (const t of [dbTenant, schemaTenant]) await localDownDetailed(t.id, { targets: { databaseUrl: db.url, redisUrl: REDIS_URL }, stateDir }).catch(() => undefined);
    await bare?.pg.end();
    await db?.drop();
  }, 120_000);

  it("once warm, health, usage and validate-access open no PostgreSQL client and no Redis connection, and answer as a bare context does", async () => {
    const ctx = opened.ctx;
    const redisKey = { kind: "redis-key", name: `${dbTenant.redisPrefix}a` };
    const round = async () => {
      const healths = await Promise.all([dbTenant, schemaTenant, dbTenant, schemaTenant].map((t) => tenantHealth(ctx, t.id)));
      return { healths, usage: await tenantUsage(ctx, dbTenant.id), access: await validateAccess(ctx, dbTenant.id, redisKey) };
    };
    // Warm: the pools and the Redis client connect on first use (the pools up to the round's concurrency).
    await round();
    const pgConnect = vi.spyOn(Client.prototype, "connect");
    const redisConnect = vi.spyOn(Redis.prototype, "connect");
    try {
      const { healths, usage, access } = await round();
      expect(pgConnect).toHaveBeenCalledTimes(0);
      expect(redisConnect).toHaveBeenCalledTimes(0);
      expect(ctx.databasePools?.size).toBe(1);
      expect([...ctx.databasePools!.keys()]).toEqual([layoutFor(dbTenant, "database", db.name).database]);
      for (const h of healths) expect(h.drift).toEqual([]);
      expect(healths.every((h) => h.healthy)).toBe(true);
      // The bare context opens its own connections per call; the answers are the same.
      pgConnect.mockClear();
      redisConnect.mockClear();
      expect(await tenantHealth(bare, dbTenant.id)).toEqual(healths[0]);
      expect(await tenantHealth(bare, schemaTenant.id)).toEqual(healths[1]);
      expect(await tenantUsage(bare, dbTenant.id)).toEqual(usage);
      expect(await validateAccess(bare, dbTenant.id, redisKey)).toEqual(access);
      expect(access.allowed).toBe(true);
      expect(pgConnect.mock.calls.length).toBeGreaterThan(0);
      expect(redisConnect.mock.calls.length).toBeGreaterThan(0);
    } finally {
      pgConnect.mockRestore();
      redisConnect.mockRestore();
    }
  }, 60_000);

  it("sees drift made after the first call: NO FORCE RLS in the tenant's own database (pooled), two owned objects, an ACL change (shared Redis)", async () => {
    const ctx = opened.ctx;
    const t = dbTenant;
    const layout = layoutFor(t, "database", db.name);
    const policies = `"${layout.schema}"."${layout.tables.policies}"`;
    expect((await tenantHealth(ctx, t.id)).healthy).toBe(true);
    // The user's rules as Redis lists them (ACL file syntax), to put back afterwards.
    const aclLine = String(await withRedis(REDIS_URL, async (r) => ((await r.call("ACL", "LIST")) as string[]).find((l) => l.startsWith(`user ${t.elasticacheUserId} `))));
    const c = await adminClient(layout.database);
    try {
      await c.query(`ALTER TABLE ${policies} NO FORCE ROW LEVEL SECURITY`);
      await c.query(`CREATE TABLE public.cx_${tag}_a (x int)`);
      await c.query(`CREATE TABLE public.cx_${tag}_b (x int)`);
      await c.query(`ALTER TABLE public.cx_${tag}_a OWNER TO "${t.pgRole}"`);
      await c.query(`ALTER TABLE public.cx_${tag}_b OWNER TO "${t.pgRole}"`);
      await withRedis(REDIS_URL, (r) => r.call("ACL", "SETUSER", t.elasticacheUserId, "+@all"));
      const h = await tenantHealth(ctx, t.id);
      expect(h.healthy).toBe(false);
      expect(h.drift.slice(0, 3)).toEqual([
        `postgres: row-level security is not forced on ${policies}`,
        `postgres: role "${t.pgRole}" owns table public.cx_${tag}_a in database "${layout.database}", which is not declared`,
        `postgres: role "${t.pgRole}" owns table public.cx_${tag}_b in database "${layout.database}", which is not declared`,
      ]);
      expect(h.drift).toHaveLength(4);
      expect(h.drift[3]).toMatch(new RegExp(`^redis: ACL user ${t.elasticacheUserId} commands differ from the declared access string: declared "-@all .*", live "\\+@all.*"$`));
      expect(await tenantHealth(bare, t.id)).toEqual(h);
    } finally {
      await c.query(`ALTER TABLE ${policies} FORCE ROW LEVEL SECURITY`);
      await c.query(`DROP TABLE public.cx_${tag}_a, public.cx_${tag}_b`);
      await c.end();
      await withRedis(REDIS_URL, (r) => r.call("ACL", "SETUSER", t.elasticacheUserId, "reset", ...aclLine.split(" ").slice(2)));
    }
    expect((await tenantHealth(ctx, t.id)).drift).toEqual([]);
  }, 120_000);

  it("reuses the parsed state file while it is unchanged and re-reads it when local mode rewrites it", async () => {
    const ctx = opened.ctx;
    const first = await loadTenant(ctx, schemaTenant.id);
    const again = await loadTenant(ctx, schemaTenant.id);
    expect(again.state).toBe(first.state);
    // The same object: not parsed again (JSON.parse makes a new one each time).
    expect(readStateCached(first.stateFile)).toBe(first.state);
    // Rewritten the way local mode writes it (a new file renamed into place), with a changed
    // declared connection limit: the next check reads the new declaration.
    const changed = JSON.parse(fs.readFileSync(first.stateFile, "utf8"));
    const role = changed.resources.find((r: { type: string; inputs: { name?: string } }) => r.type === "postgresql:index/role:Role" && r.inputs.name === schemaTenant.pgRole);
    expect(role.inputs.connectionLimit).toBe(20);
    role.inputs.connectionLimit = 21;
    const original = fs.readFileSync(first.stateFile, "utf8");
    try {
      fs.writeFileSync(`${first.stateFile}.tmp`, `${JSON.stringify(changed, null, 2)}\n`, { mode: 0o600 });
      fs.renameSync(`${first.stateFile}.tmp`, first.stateFile);
      const h = await tenantHealth(ctx, schemaTenant.id);
      expect(h.drift).toEqual([`postgres: role "${schemaTenant.pgRole}" connection limit is 20, declared 21`]);
      expect((await loadTenant(ctx, schemaTenant.id)).state).not.toBe(first.state);
    } finally {
      fs.writeFileSync(`${first.stateFile}.tmp`, original, { mode: 0o600 });
      fs.renameSync(`${first.stateFile}.tmp`, first.stateFile);
    }
    expect((await tenantHealth(ctx, schemaTenant.id)).drift).toEqual([]);
    // Gone: no state, whatever was cached.
    const moved = `${first.stateFile}.away`;
    fs.renameSync(first.stateFile, moved);
    try {
      expect(readStateCached(first.stateFile)).toBeUndefined();
    } finally {
      fs.renameSync(moved, first.stateFile);
    }
  }, 60_000);
});
