/**
 * The session watchdog's runner: calls the platform's SQL watchdog
 * (`controlcore_platform.enforce_session_limits()`, components/postgres/sql.ts) in every database
 * of the server that has it, every `intervalMs`.
 *
 * Why from outside: a tenant role's `statement_timeout` and `idle_in_transaction_session_timeout`
 * are defaults the role itself can lift (`SET statement_timeout = 0`, `ALTER ROLE CURRENT_USER SET
 * …`); PostgreSQL has no per-role maximum. The platform's limit therefore holds only while a
 * watchdog runs: a statement is cancelled at most `limit + intervalMs` (plus one call's time)
 * after it started, an idle transaction terminated at most `limit + intervalMs` after it went idle.
 * In the cloud the same function is meant to be scheduled by the platform (pg_cron every few
 * seconds where the server has it); locally `tenantctl local watchdog` runs this loop.
 * On RDS the caller must be `rds_superuser` or a member of `pg_signal_backend` to signal other
 * roles' backends (https://repost.aws/knowledge-center/rds-cancel-long-running-queries).
 */
import { Client } from "pg";

export interface WatchdogAction {
  readonly database: string;
  readonly pid: number;
  readonly role: string;
  readonly action: "cancel" | "terminate";
  readonly overMs: number;
}

/**
 * One pass over every database that has the watchdog function (or only `only`, when given);
 * returns what it did.
 */
export async function watchdogOnce(databaseUrl: string, only?: readonly string[]): Promise<WatchdogAction[]> {
  const base = new URL(databaseUrl);
  const list = new Client({ connectionString: databaseUrl, application_name: "controlcore-watchdog" });
  await list.connect();
  let databases: string[];
  try {
    databases = (await list.query("SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1")).rows.map((r) => r.datname);
  } finally {
    await list.end();
  }
  const out: WatchdogAction[] = [];
  for (const database of only ? databases.filter((d) => only.includes(d)) : databases) {
    const url = new URL(base.toString());
    url.pathname = `/${encodeURIComponent(database)}`;
    const c = new Client({ connectionString: url.toString(), application_name: "controlcore-watchdog" });
    try {
      await c.connect();
    } catch {
      continue; // dropped meanwhile, or not ours to enter
    }
    try {
      const has = await c.query("SELECT to_regprocedure('controlcore_platform.enforce_session_limits()') IS NOT NULL AS present");
      if (has.rows[0]?.present !== true) continue;
      const r = await c.query("SELECT backend_pid, login_role, action, over_ms FROM controlcore_platform.enforce_session_limits()");
      for (const row of r.rows) {
        out.push({ database, pid: Number(row.backend_pid), role: String(row.login_role), action: row.action, overMs: Number(row.over_ms) });
      }
    } finally {
      await c.end().catch(() => undefined);
    }
  }
  return out;
}

/** Runs {@link watchdogOnce} every `intervalMs` until `signal` aborts. */
export async function runWatchdog(opts: {
  databaseUrl: string;
  intervalMs: number;
  signal: AbortSignal;
  /** Only these databases (default: every database of the server). */
  databases?: readonly string[];
  onAction?: (a: WatchdogAction) => void;
  onError?: (e: Error) => void;
}): Promise<void> {
  while (!opts.signal.aborted) {
    try {
      for (const a of await watchdogOnce(opts.databaseUrl, opts.databases)) opts.onAction?.(a);
    } catch (e) {
      opts.onError?.(e as Error);
    }
    await new Promise<void>((resolve) => {
      const onAbort = () => { clearTimeout(t); resolve(); };
      const t = setTimeout(() => { opts.signal.removeEventListener("abort", onAbort); resolve(); }, opts.intervalMs);
      opts.signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}
