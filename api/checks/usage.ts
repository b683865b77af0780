/**
 * A tenant's usage (rows per table, connections, Redis keys and memory) and its plan's limits
 * next to it. Everything is read as the platform's admin: the tenant's Redis user is not granted
 * SCAN or MEMORY (components/redis/access-string.ts), and its PostgreSQL role sees only itself.
 */
import { qualified, TENANT_TABLES, type TenantTable } from "../../components/postgres/sql";
import { REDIS_SETTING_TAGS } from "../../components/redis/app-config";
import { loadPlan } from "../../plans/load";
import { DATA_LIMITS, type DataLimit, type Plan } from "../../plans/schema";
import { withAdminRedis } from "./connections";
import type { CheckContext } from "./context";
import type { TenantLimits, TenantUsage } from "./schemas";
import { declaredRedisUserOf, declaredRoleOf, loadTenant, type TenantState, withDatabase } from "./tenant-state";

/** Default bound of the Redis key sample: SCAN stops once this many keys were seen. */
export const DEFAULT_MAX_KEYS = 10_000;
/** SCAN's COUNT hint per call: small steps, so the server is never blocked for long. */
export const SCAN_COUNT = 100;

/** `*`, `?`, `[`, `]` and `\` are Redis glob metacharacters: escaped, the prefix matches itself only. */
function globLiteral(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

const LIMIT_OF_TABLE = Object.fromEntries(Object.entries(DATA_LIMITS).map(([limit, table]) => [table, limit])) as Partial<Record<TenantTable, DataLimit>>;

/** The tenant's data limits as the database holds them (the plan's limits migration wrote them). */
async function dataLimits(ctx: CheckContext, t: TenantState): Promise<Partial<Record<DataLimit, number>>> {
  return withDatabase(ctx, t.layout.database, async (c) => {
    const r = await c.query(`SELECT limit_name, max_rows FROM ${qualified(t.layout.schema, t.layout.tables.limits)} WHERE tenant_id = $1`, [t.names.id]);
    return Object.fromEntries(r.rows.map((x) => [x.limit_name, Number(x.max_rows)]));
  });
}

export async function usageOf(ctx: CheckContext, t: TenantState, opts: { maxKeys?: number } = {}): Promise<TenantUsage> {
  const maxKeys = opts.maxKeys ?? DEFAULT_MAX_KEYS;
  const limits = await dataLimits(ctx, t);
  const tables = await withDatabase(ctx, t.layout.database, async (c) => {
    const out: TenantUsage["postgres"]["tables"] = [];
    for (const k of TENANT_TABLES) {
      const r = await c.query(`SELECT count(*)::bigint AS n FROM ${qualified(t.layout.schema, t.layout.tables[k])} WHERE tenant_id = $1`, [t.names.id]);
      const limitName = LIMIT_OF_TABLE[k];
      out.push({ table: k, rows: Number(r.rows[0].n), limit: limitName ? (limits[limitName] ?? null) : null });
    }
    return out;
  });
  const conn = await ctx.pg.query(
    `SELECT (SELECT count(*)::int FROM pg_stat_activity WHERE usename = $1) AS in_use, (SELECT rolconnlimit FROM pg_roles WHERE rolname = $1) AS lim`,
    [t.names.pgRole],
  );
  const prefix = t.names.redisPrefix;
  const redis = await withAdminRedis(ctx, async (r) => {
    let cursor = "0";
    let keys = 0;
    let memoryBytes = 0;
    let sampled = false;
    do {
      const [next, batch] = await r.scan(cursor, "MATCH", `${globLiteral(prefix)}*`, "COUNT", SCAN_COUNT);
      cursor = next;
      for (const key of batch) {
        if (!key.startsWith(prefix)) continue;
        if (keys >= maxKeys) {
          sampled = true;
          break;
        }
        keys += 1;
        // A key that expired between SCAN and MEMORY USAGE answers nil.
        memoryBytes += Number((await r.call("MEMORY", "USAGE", key)) ?? 0);
      }
      if (keys >= maxKeys && cursor !== "0") sampled = true;
    } while (cursor !== "0" && !sampled);
    return { prefix, keys, memoryBytes, sampled, maxKeys };
  });
  return {
    tenant: t.names.id,
    postgres: { tables, connections: { inUse: conn.rows[0].in_use, limit: conn.rows[0].lim ?? -1 } },
    redis,
  };
}

/**
 * Rows per tenant table against its data limit, connections in use against the role's connection
 * limit, and the keys and memory under the tenant's Redis prefix, sampled with SCAN (never KEYS)
 * and bounded: at most `maxKeys` keys are counted, and `sampled` says when SCAN stopped there.
 */
export async function tenantUsage(ctx: CheckContext, tenantId: string, opts: { maxKeys?: number } = {}): Promise<TenantUsage> {
  return usageOf(ctx, await loadTenant(ctx, tenantId), opts);
}

function plainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The plan's values that the tenant's declared resources carry, as plan keys: the isolation
 * level (state), the data limits (the limits rows the plan's migration wrote), the role's
 * connection limit and statement timeout (Role inputs), and the Redis budget and TTLs (the
 * ElastiCache user's setting tags, components/redis/app-config.ts). Local state does not record
 * the request's overrides; these are the ones it can show.
 */
async function appliedPlanValues(ctx: CheckContext, t: TenantState): Promise<Record<string, unknown>> {
  const out: Record<string, any> = { isolation_level: t.level };
  const limits = await dataLimits(ctx, t);
  if (Object.keys(limits).length > 0) out.limits = limits;
  const role = declaredRoleOf(t);
  if (role) {
    out.database = {
      ...(typeof role.connectionLimit === "number" ? { connection_limit: role.connectionLimit } : {}),
      ...(typeof role.statementTimeout === "number" ? { statement_timeout_ms: role.statementTimeout } : {}),
    };
  }
  const tags = declaredRedisUserOf(t)?.tags ?? {};
  const num = (k: string) => (tags[k] === undefined ? undefined : Number(tags[k]));
  const redis = {
    memory_limit_mb: num(REDIS_SETTING_TAGS.memoryLimitMb),
    ttl_default: num(REDIS_SETTING_TAGS.ttlDefault),
    ttl_sessions: num(REDIS_SETTING_TAGS.ttlSessions),
    ttl_cache: num(REDIS_SETTING_TAGS.ttlCache),
  };
  const present = Object.fromEntries(Object.entries(redis).filter(([, v]) => v !== undefined));
  if (Object.keys(present).length > 0) out.redis = present;
  return out;
}

/** The leaves of `applied` that differ from `base` (both plan-shaped). */
function differences(applied: Record<string, unknown>, base: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(applied)) {
    if (plainObject(v) && plainObject(base[k])) {
      const d = differences(v, base[k] as Record<string, unknown>);
      if (Object.keys(d).length > 0) out[k] = d;
    } else if (JSON.stringify(v) !== JSON.stringify(base[k])) out[k] = v;
  }
  return out;
}

/** The effective plan: the named plan with the values the tenant was applied with as overrides. */
export async function effectivePlanOf(ctx: CheckContext, t: TenantState): Promise<{ plan: Plan; overrides: Record<string, unknown> }> {
  const base = loadPlan(t.planName).plan;
  const overrides = differences(await appliedPlanValues(ctx, t), base as unknown as Record<string, unknown>);
  const plan = Object.keys(overrides).length > 0 ? loadPlan(t.planName, overrides).plan : base;
  return { plan, overrides };
}

/** The plan's limits (with overrides) next to current usage. */
export async function tenantLimits(ctx: CheckContext, tenantId: string, opts: { maxKeys?: number } = {}): Promise<TenantLimits> {
  const t = await loadTenant(ctx, tenantId);
  const { plan, overrides } = await effectivePlanOf(ctx, t);
  const usage = await usageOf(ctx, t, opts);
  const rowsOf = (table: string) => usage.postgres.tables.find((x) => x.table === table)?.rows ?? null;
  const entries: TenantLimits["entries"] = [];
  for (const [name, value] of Object.entries(plan.limits)) {
    const table = (DATA_LIMITS as Record<string, string>)[name];
    entries.push({ name: `limits.${name}`, limit: Number(value), usage: table ? rowsOf(table) : null, unit: table ? "rows" : name.replace(/^max_/, "") });
  }
  entries.push({ name: "database.connection_limit", limit: plan.database.connection_limit, usage: usage.postgres.connections.inUse, unit: "connections" });
  entries.push({ name: "redis.memory_limit_mb", limit: plan.redis.memory_limit_mb, usage: usage.redis.memoryBytes / (1024 * 1024), unit: "MiB" });
  return { tenant: t.names.id, plan: plan.name, limits: plan.limits as unknown as Record<string, unknown>, overrides, entries };
}
