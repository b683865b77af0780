/**
 * tenantUsage, tenantLimits and tenantConfig against real PostgreSQL and Redis: rows inserted by
 * the tenant itself are counted per table against the limits the database holds (an override
 * included), connections held by the tenant against its role's limit, the keys under its Redis
 * prefix (not another tenant's, not a look-alike) sampled with a bound; the config shows the
 * effective plan and never a secret.
 */
import * as fs from "node:fs";
import { Redis } from "ioredis";
import { Client, Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalResult, localDownDetailed, localUp } from "../../../cli/local/local-mode";
import { withRedis } from "../../../cli/local/redis-applier";
import { tenantNames } from "../../../components/naming";
import type { CheckContext } from "../../../api/checks/context";
import { tenantConfig, withoutSecrets } from "../../../api/checks/config";
import { tenantLimits, tenantUsage } from "../../../api/checks/usage";
import { TenantConfig, TenantLimits, TenantNotFoundError, TenantUsage } from "../../../api/checks/schemas";
import { loadTenant } from "../../../api/checks/tenant-state";
import { freshDatabase, runTag, tempStateDir } from "../../helpers/pg";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

describe("tenant usage, limits and config", () => {
  const tag = runTag();
  const stateDir = tempStateDir();
  const t = tenantNames(`us${tag}-a`);
  const other = tenantNames(`us${tag}-b`);
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let ctx: CheckContext;
  let up: LocalResult;
  const held: Client[] = [];
  const ownKeys = [0, 1, 2, 3, 4].map((i) => `${t.redisPrefix}k${i}`);

  beforeAll(async () => {
    db = await freshDatabase("cc_it_checks_usage");
    ctx = { pg: new Pool({ connectionString: db.url, max: 2 }), databaseUrl: db.url, redisUrl: REDIS_URL, stateDir };
    up = await localUp({ tenantId: t.id, plan: "pro", overrides: { limits: { max_users: 7 } }, targets: { databaseUrl: db.url, redisUrl: REDIS_URL }, stateDir });
  }, 180_000);
  afterAll(async () => {
    for (const c of held) await c.end().catch(() => undefined);
    await withRedis(REDIS_URL, (r) => r.del(`${other.redisPrefix}x`, `tenant:{${t.id}}`, `tenant:{${t.id}}x`)).catch(() => undefined);
    await localDownDetailed(t.id, { targets: { databaseUrl: db.url, redisUrl: REDIS_URL }, stateDir }).catch(() => undefined);
    await ctx?.pg.end();
    await db?.drop();
  }, 120_000);

  it("counts the rows the tenant inserted, its open connections and its Redis keys (and only its own)", async () => {
    // Written by the tenant itself, with its own credentials.
    for (let i = 0; i < 2; i++) {
      const c = new Client({ connectionString: String(up.postgres.url) });
      await c.connect();
      held.push(c);
    }
    const c = held[0]!;
    for (const n of ["p1", "p2", "p3"]) await c.query("INSERT INTO policies (name, policy_content) VALUES ($1, 'allow')", [n]);
    for (const e of ["a@x.io", "b@x.io"]) await c.query("INSERT INTO users (email) VALUES ($1)", [e]);
    const tenantRedis = new Redis(String((up.redis as { url: string }).url), { lazyConnect: true, enableReadyCheck: false });
    await tenantRedis.connect();
    try {
      for (const k of ownKeys) await tenantRedis.set(k, "v".repeat(100));
    } finally {
      tenantRedis.disconnect();
    }
    // Look-alikes and another tenant's key, written by the admin: not this tenant's.
    await withRedis(REDIS_URL, async (r) => {
      await r.set(`${other.redisPrefix}x`, "v");
      await r.set(`tenant:{${t.id}}`, "v");
      await r.set(`tenant:{${t.id}}x`, "v");
    });

    const u = TenantUsage.parse(await tenantUsage(ctx, t.id));
    expect(u.postgres.tables).toEqual([
      { table: "policies", rows: 3, limit: 100 },
      { table: "resources", rows: 0, limit: 50 },
      { table: "bouncers", rows: 0, limit: 5 },
      { table: "users", rows: 2, limit: 7 },
      { table: "audit_log", rows: 5, limit: null },
      { table: "limits", rows: 4, limit: null },
    ]);
    expect(u.postgres.connections).toEqual({ inUse: 2, limit: 20 });
    const expectedMemory = await withRedis(REDIS_URL, async (r) => {
      let sum = 0;
      for (const k of ownKeys) sum += Number(await r.call("MEMORY", "USAGE", k));
      return sum;
    });
    expect(u.redis).toEqual({ prefix: t.redisPrefix, keys: 5, memoryBytes: expectedMemory, sampled: false, maxKeys: 10_000 });
    expect(expectedMemory).toBeGreaterThan(5 * 100);

    const bounded = await tenantUsage(ctx, t.id, { maxKeys: 3 });
    expect(bounded.redis).toMatchObject({ keys: 3, sampled: true, maxKeys: 3 });
  });

  it("limits: the plan's limits with the override next to usage", async () => {
    const l = TenantLimits.parse(await tenantLimits(ctx, t.id));
    expect(l.plan).toBe("pro");
    expect(l.overrides).toEqual({ limits: { max_users: 7 } });
    expect(l.limits).toMatchObject({ max_policies: 100, max_users: 7 });
    const entry = (name: string) => l.entries.find((e) => e.name === name);
    expect(entry("limits.max_users")).toEqual({ name: "limits.max_users", limit: 7, usage: 2, unit: "rows" });
    expect(entry("limits.max_policies")).toEqual({ name: "limits.max_policies", limit: 100, usage: 3, unit: "rows" });
    expect(entry("limits.api_calls_per_hour")).toMatchObject({ limit: 10000, usage: null });
    expect(entry("database.connection_limit")).toEqual({ name: "database.connection_limit", limit: 20, usage: 2, unit: "connections" });
    expect(entry("redis.memory_limit_mb")).toMatchObject({ limit: 256, unit: "MiB" });
    expect(entry("redis.memory_limit_mb")!.usage).toBeGreaterThan(0);
  });

  it("config: the effective plan and the platform inputs, with no password, secret or private key value", async () => {
    const cfg = TenantConfig.parse(await tenantConfig(ctx, t.id));
    expect(cfg).toMatchObject({ tenant: t.id, plan: "pro", level: "schema", overrides: { limits: { max_users: 7 } } });
    expect((cfg.effectivePlan.limits as Record<string, number>).max_users).toBe(7);
    expect((cfg.platform.postgres as Record<string, unknown>).database).toBe(db.name);
    const text = JSON.stringify(cfg);
    // Every secret the tenant's state holds: generated passwords and private keys.
    const state = JSON.parse(fs.readFileSync((await loadTenant(ctx, t.id)).stateFile, "utf8")) as { resources: Array<{ type: string; state: Record<string, unknown> }> };
    const secrets = state.resources.flatMap((r) => [r.state.result, r.state.privateKeyPem, r.state.privateKeyOpenssh, r.state.privateKeyPemPkcs8]).filter((s): s is string => typeof s === "string" && s.length > 0);
    expect(secrets.length).toBeGreaterThanOrEqual(4);
    expect(secrets).toContain(String(up.postgres.password));
    for (const s of secrets) expect(text).not.toContain(s);
    expect(text).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
  });

  it("withoutSecrets replaces credential-named values and URL passwords", () => {
    expect(withoutSecrets({ postgres: { password: "p", host: "h" }, apiKey: "k", privateKeyPem: "x", secretsManager: { kmsKeyArn: "arn" }, url: "redis://u:pw@h:6379" })).toEqual({
      postgres: { password: "[secret]", host: "h" }, apiKey: "[secret]", privateKeyPem: "[secret]", secretsManager: { kmsKeyArn: "arn" }, url: "redis://u:[secret]@h:6379",
    });
  });

  it("an unknown tenant is a typed not-found for usage, limits and config", async () => {
    for (const f of [tenantUsage, tenantLimits, tenantConfig]) await expect(f(ctx, other.id)).rejects.toBeInstanceOf(TenantNotFoundError);
  });
});
