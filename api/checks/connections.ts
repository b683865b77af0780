/**
 * The checks' long-lived connections (issue 10 follow-up: the checks opened a fresh Redis
 * connection and a fresh PostgreSQL client per other database on every call). openCheckContext
 * builds a CheckContext holding them; close() ends them all (api/server.ts calls it on close).
 */
import { Redis } from "ioredis";
import { Pool } from "pg";
import { withRedis } from "../../cli/local/redis-applier";
import type { CheckContext } from "./context";

/** Idle pooled connections to a tenant's database close after this long (offboarding drops the database WITH (FORCE) anyway). */
export const DATABASE_POOL_IDLE_MS = 5_000;
/** Connections per pooled database other than the URL's. */
export const DATABASE_POOL_MAX = 4;

/** Runs `fn` with the context's shared admin Redis client, or a connection of its own when it has none. */
export function withAdminRedis<T>(ctx: CheckContext, fn: (r: Redis) => Promise<T>): Promise<T> {
  return ctx.redis ? fn(ctx.redis) : withRedis(ctx.redisUrl, fn);
}

/** The context's admin pool on `database` (a URL naming the same server, user and options), made on first use. */
export function databasePool(ctx: CheckContext, pools: Map<string, Pool>, database: string): Pool {
  let p = pools.get(database);
  if (!p) {
    const u = new URL(ctx.databaseUrl);
    u.pathname = `/${encodeURIComponent(database)}`;
    p = new Pool({ connectionString: u.toString(), max: DATABASE_POOL_MAX, idleTimeoutMillis: DATABASE_POOL_IDLE_MS });
    // A pooled idle client whose database was dropped (WITH (FORCE)) errors: the pool discards it.
    p.on("error", () => undefined);
    pools.set(database, p);
  }
  return p;
}

export interface OpenedCheckContext {
  readonly ctx: CheckContext;
  close(): Promise<void>;
}

/** A CheckContext with an admin pool on the URL's database, a shared admin Redis client and pools per other database. */
export function openCheckContext(o: { databaseUrl: string; redisUrl: string; stateDir?: string; max?: number }): OpenedCheckContext {
  const pg = new Pool({ connectionString: o.databaseUrl, max: o.max ?? 8 });
  pg.on("error", () => undefined);
  // Long-lived: reconnects (ioredis's default backoff); a command fails at once while Redis is unreachable.
  const redis = new Redis(o.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: true, disableClientInfo: true });
  redis.on("error", () => undefined);
  const databasePools = new Map<string, Pool>();
  const ctx: CheckContext = { pg, databaseUrl: o.databaseUrl, redisUrl: o.redisUrl, redis, databasePools, ...(o.stateDir ? { stateDir: o.stateDir } : {}) };
  return {
    ctx,
    async close() {
      redis.disconnect();
      await Promise.all([pg, ...databasePools.values()].map((p) => p.end().catch(() => undefined)));
      databasePools.clear();
    },
  };
}
