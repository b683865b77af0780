/**
 * The durable queue of tenant operations: pg-boss 10 (PostgreSQL `SKIP LOCKED`, retries with
 * exponential backoff and jitter, expiry of jobs whose worker died) in the operations database,
 * plus this project's job records (who asked, what, when, attempts, duration, result).
 *
 * The operations database is its own database (default `controlcore_ops`), not the platform's
 * shared `controlcore` where tenants log in: advisory locks are per database, so a tenant that
 * could connect here could take a tenant's lock and stall its operations. CONNECT is revoked
 * from PUBLIC when the database is created.
 */
import { createHash } from "node:crypto";
import PgBoss from "pg-boss";
import { Client, Pool, type PoolClient } from "pg";

/** The one queue: every kind of job for every tenant, so one tenant's jobs exclude each other. */
export const QUEUE = "tenant_ops";
/** pg-boss's schema in the operations database. */
export const BOSS_SCHEMA = "pgboss";
/** This project's job records. */
export const RECORDS_SCHEMA = "tenantctl_ops";

export const DEFAULT_OPS_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/controlcore_ops";

/** `--queue-url`, else $TENANTCTL_OPS_DATABASE_URL, else the local default. */
export function opsDatabaseUrl(explicit?: string): string {
  return explicit ?? process.env.TENANTCTL_OPS_DATABASE_URL ?? DEFAULT_OPS_DATABASE_URL;
}

/** How a job is retried and when a silent worker's job is taken back. */
export interface RetryPolicy {
  /** Retries after the first attempt (pg-boss `retryLimit`). */
  readonly retryLimit: number;
  /** Base delay in whole seconds; pg-boss waits `d·2^n/2 + random·d·2^n/2` before retry n (equal jitter). */
  readonly retryDelaySeconds: number;
  /**
   * An active job whose worker has not finished it after this long is failed by pg-boss's
   * maintenance and retried: how a SIGKILLed worker's job comes back. It must exceed the longest
   * operation (pg-boss 10 has no heartbeat; the worker itself gives up on a job at this time).
   */
  readonly expireInSeconds: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retryLimit: 5, retryDelaySeconds: 5, expireInSeconds: 900 };

export interface OpsQueue {
  readonly boss: PgBoss;
  /** Connections for job records and tenant locks (one per running job is held for its lock). */
  readonly pool: Pool;
  readonly url: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Run pg-boss maintenance (expiry of dead workers' jobs, archiving): workers do, producers need not. */
  readonly supervise?: boolean;
  /** Seconds between maintenance runs (pg-boss default 120). */
  readonly maintenanceIntervalSeconds?: number;
  /** Pool size; a worker needs one connection per concurrent job plus a few. */
  readonly poolSize?: number;
}

/** Creates the operations database when missing, closed to PUBLIC. */
export async function ensureOpsDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ""));
  if (!database) throw new Error(`the operations database URL names no database: ${u.protocol}//${u.host}/`);
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const c = new Client({ connectionString: admin.toString() });
  try {
    await c.connect();
  } catch (e) {
    throw new Error(`cannot connect to the operations database server at ${u.host} (${(e as Error).message}); start PostgreSQL or set TENANTCTL_OPS_DATABASE_URL`);
  }
  try {
    const exists = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (exists.rowCount === 0) {
      const q = `"${database.replace(/"/g, '""')}"`;
      try {
        await c.query(`CREATE DATABASE ${q}`);
      } catch (e) {
        // Another worker created it at the same time.
        if ((e as { code?: string }).code !== "42P04") throw e;
      }
      await c.query(`REVOKE CONNECT ON DATABASE ${q} FROM PUBLIC`);
    }
  } finally {
    await c.end();
  }
}

const RECORDS_DDL = `
CREATE SCHEMA IF NOT EXISTS ${RECORDS_SCHEMA};
CREATE TABLE IF NOT EXISTS ${RECORDS_SCHEMA}.job_record (
  job_id       uuid PRIMARY KEY,
  kind         text NOT NULL,
  tenant_id    text NOT NULL,
  request      jsonb NOT NULL,
  requested_by text NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  state        text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'retrying', 'succeeded', 'failed')),
  attempts     integer NOT NULL DEFAULT 0,
  started_at   timestamptz,
  finished_at  timestamptz,
  duration_ms  bigint,
  result       jsonb,
  error        jsonb
);
CREATE INDEX IF NOT EXISTS job_record_tenant ON ${RECORDS_SCHEMA}.job_record (tenant_id, requested_at);
CREATE TABLE IF NOT EXISTS ${RECORDS_SCHEMA}.job_attempt (
  job_id     uuid NOT NULL REFERENCES ${RECORDS_SCHEMA}.job_record (job_id) ON DELETE CASCADE,
  attempt    integer NOT NULL,
  tenant_id  text NOT NULL,
  worker     text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  ended_at   timestamptz,
  outcome    text CHECK (outcome IN ('succeeded', 'retryable', 'failed', 'invalid-input', 'conflict', 'abandoned')),
  error      jsonb,
  PRIMARY KEY (job_id, attempt)
);
CREATE INDEX IF NOT EXISTS job_attempt_tenant ON ${RECORDS_SCHEMA}.job_attempt (tenant_id, started_at);
`;

/** A 64-bit advisory lock key for `scope:tenant` (md5, so distinct tenants practically never share one). */
export function lockKey(scope: string, tenantId: string): string {
  return BigInt.asIntN(64, BigInt(`0x${createHash("md5").update(`tenantctl:${scope}:${tenantId}`).digest("hex").slice(0, 16)}`)).toString();
}

/** Opens the queue: the database, pg-boss's schema (migrated by pg-boss), the queue and the record tables. */
export async function openQueue(url: string, opts: OpenOptions = {}, policy: RetryPolicy = DEFAULT_RETRY_POLICY): Promise<OpsQueue> {
  await ensureOpsDatabase(url);
  const pool = new Pool({ connectionString: url, max: opts.poolSize ?? 10 });
  pool.on("error", () => undefined); // an idle connection dropped by the server; the next query reconnects
  const boss = new PgBoss({
    connectionString: url,
    schema: BOSS_SCHEMA,
    supervise: opts.supervise ?? false,
    maintenanceIntervalSeconds: opts.maintenanceIntervalSeconds ?? 120,
    schedule: false,
    max: 4,
  });
  boss.on("error", (e) => process.stderr.write(`tenantctl: queue: ${e.message}\n`));
  await boss.start();
  // Policy `singleton`: pg-boss's unique index admits one ACTIVE job per singleton key (the tenant).
  await boss.createQueue(QUEUE, {
    name: QUEUE,
    policy: "singleton",
    retryLimit: policy.retryLimit,
    retryDelay: policy.retryDelaySeconds,
    retryBackoff: true,
    expireInSeconds: policy.expireInSeconds,
  });
  const c = await pool.connect();
  try {
    await c.query("BEGIN");
    // Concurrent CREATE ... IF NOT EXISTS can still collide in the catalog: one process at a time.
    await c.query("SELECT pg_advisory_xact_lock($1::bigint)", [lockKey("ddl", RECORDS_SCHEMA)]);
    await c.query(RECORDS_DDL);
    await c.query("COMMIT");
  } catch (e) {
    await c.query("ROLLBACK").catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
  return {
    boss,
    pool,
    url,
    close: async () => {
      await boss.stop({ graceful: false, wait: true, close: true }).catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}

/** Runs `fn` in one transaction on a pooled connection. */
export async function inTransaction<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query("BEGIN");
    const r = await fn(c);
    await c.query("COMMIT");
    return r;
  } catch (e) {
    await c.query("ROLLBACK").catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}

/** pg-boss's `db` option: its statement runs on our connection (inside our transaction). */
export function bossDb(c: PoolClient): PgBoss.Db {
  return { executeSql: async (text: string, values: unknown[]) => ({ rows: (await c.query(text, values as unknown[])).rows }) };
}

/**
 * Takes the tenant's operation lock (a session advisory lock on its own connection, freed when
 * the process dies) or returns undefined when another worker or fleet run holds it.
 */
export async function tryTenantLock(pool: Pool, tenantId: string): Promise<(() => Promise<void>) | undefined> {
  const c = await pool.connect();
  try {
    const got = (await c.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS ok", [lockKey("tenant", tenantId)])).rows[0]!.ok;
    if (!got) {
      c.release();
      return undefined;
    }
  } catch (e) {
    c.release();
    throw e;
  }
  return async () => {
    try {
      await c.query("SELECT pg_advisory_unlock($1::bigint)", [lockKey("tenant", tenantId)]);
    } finally {
      c.release();
    }
  };
}
