/**
 * Availability attacks on PostgreSQL (issue 8, items 2, 3 and 4), against a real server: row-level
 * tenants set up through local mode try to stop the platform's migrations with locks they can
 * take, to stall other tenants behind them, and to lift the plan's statement and idle limits.
 *
 * Each attack is bounded: the platform's lock wait is shortened through the provider's
 * environment overrides (CONTROLCORE_PG_LOCK_TIMEOUT_MS / _ATTEMPTS), every onboarding races a
 * deadline, and the plan's statement_timeout is 1 s.
 */
import type { Client } from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LocalResult } from "../../cli/local/local-mode";
import { runWatchdog, type WatchdogAction } from "../../cli/local/watchdog";
import { tenantNames } from "../../components/naming";
import { LOCK_ATTEMPTS_ENV, LOCK_TIMEOUT_ENV } from "../../components/postgres/sql-migrations";
import { localTenants, type LocalTenants } from "../helpers/local-tenants";
import { adminClient, connect, refusal } from "../helpers/pg";

const STATEMENT_LIMIT_MS = 1000;
const WATCHDOG_INTERVAL_MS = 200;
const OVERRIDES = { limits: { max_policies: 50 }, database: { connection_limit: 5, statement_timeout_ms: STATEMENT_LIMIT_MS } };

/** Rejects when `p` has not settled within `ms`: the attack would otherwise hang the test. */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => { t = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms); }),
  ]);
}

describe("locks and timeouts a tenant controls cannot stop the platform or other tenants (row level)", () => {
  const env = { timeout: process.env[LOCK_TIMEOUT_ENV], attempts: process.env[LOCK_ATTEMPTS_ENV] };
  // Registered before the tenants' hooks: set before their onboarding, restored after their removal.
  beforeAll(() => {
    process.env[LOCK_TIMEOUT_ENV] = "300";
    process.env[LOCK_ATTEMPTS_ENV] = "2";
  });
  afterAll(() => {
    for (const [k, v] of [[LOCK_TIMEOUT_ENV, env.timeout], [LOCK_ATTEMPTS_ENV, env.attempts]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  const fx = localTenants({ idPrefix: "l", tenants: ["a", "b"], database: "cc_it_locks", isolation: "row", overrides: OVERRIDES, timeout: 60_000 });
  const [A] = fx.names;
  const { tag, extra, open, up, down } = fx;
  let db: LocalTenants["db"], upA: LocalResult, upB: LocalResult;
  beforeAll(() => void ({ db, results: [upA, upB] } = fx));

  async function tenant(r: LocalResult): Promise<Client> {
    const c = await connect(String(r.postgres.url));
    // A terminated session reports on the client; the test asserts it through the next query.
    c.on("error", () => undefined);
    open.push(c);
    return c;
  }

  // The plan allows 5 connections per tenant: each test ends its own sessions.
  afterEach(async () => {
    for (const c of open.splice(0)) await c.end().catch(() => undefined);
  });

  it("item 2: a tenant holding the old advisory-lock key in an idle session stops neither onboarding nor offboarding", async () => {
    const a = await tenant(upA);
    // pg_advisory_lock is executable by PUBLIC: any tenant can take any key.
    await a.query("SELECT pg_advisory_lock(hashtextextended('controlcore.tenant-migrations', 0))");
    const held = await a.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted");
    expect(held.rows[0].n).toBe(1);
    const C = tenantNames(`l${tag}-c`);
    extra.push(C.id);
    const started = Date.now();
    await within(20_000, "onboarding while a tenant holds the advisory key", up(C.id));
    expect(await within(20_000, "offboarding while a tenant holds the advisory key", down(C.id))).toBe(true);
    expect(Date.now() - started).toBeLessThan(20_000);
    await a.query("SELECT pg_advisory_unlock_all()");
  });

  it("residual: tenants sharing a database share the advisory-lock namespace (PUBLIC functions the admin cannot revoke on RDS)", async () => {
    const a = await tenant(upA);
    const b = await tenant(upB);
    await a.query("SELECT pg_advisory_lock(42)");
    // B cannot take a key A holds: an application relying on advisory locks can be stalled by a
    // co-tenant at the schema, table and row levels. Keys are per database: the database level
    // (its own database) is the level that removes this.
    expect((await b.query("SELECT pg_try_advisory_lock(42) AS got")).rows).toEqual([{ got: false }]);
    await a.query("SELECT pg_advisory_unlock(42)");
    expect((await b.query("SELECT pg_try_advisory_lock(42) AS got")).rows).toEqual([{ got: true }]);
    await b.query("SELECT pg_advisory_unlock_all()");
  });

  it("item 2: the platform's migration lock and the watchdog's limits are out of a tenant's reach", async () => {
    const a = await tenant(upA);
    await a.query("BEGIN");
    expect(await refusal(a, "LOCK TABLE controlcore_platform.migration_lock IN ACCESS EXCLUSIVE MODE")).toBe(
      "permission denied for schema controlcore_platform",
    );
    await a.query("ROLLBACK");
    expect(await refusal(a, "SELECT * FROM controlcore_platform.session_limits")).toBe("permission denied for schema controlcore_platform");
    expect(await refusal(a, "SELECT * FROM controlcore_platform.enforce_session_limits()")).toBe("permission denied for schema controlcore_platform");
  });

  it("items 2 and 3: a migration waits a bounded time on a lock a tenant holds, then fails naming the blocking session, and nothing is applied", async () => {
    const C = tenantNames(`l${tag}-d`);
    extra.push(C.id);
    await up(C.id);
    const a = await tenant(upA);
    // UPDATE on a shared table is enough to LOCK it in any mode (PostgreSQL's LOCK privilege rule).
    // The attacker lifts the role's own idle limit first (it may), so only the platform bounds it.
    await a.query("SET idle_in_transaction_session_timeout = 0");
    const pid = (await a.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number;
    await a.query("BEGIN");
    await a.query("LOCK TABLE cc_row_tenants.policies IN ACCESS EXCLUSIVE MODE");
    const started = Date.now();
    const err = await within(15_000, "offboarding while a tenant locks a shared table", down(C.id).then(() => undefined, (e: Error) => e));
    const took = Date.now() - started;
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain("gave up after 2 attempts: each waited 300 ms for a lock (lock_timeout, SQLSTATE 55P03); nothing was applied.");
    expect((err as Error).message).toContain(`Blocked by pid ${pid} (role ${A.pgRole}, idle in transaction, transaction open`);
    expect((err as Error).message).toContain('last statement: "LOCK TABLE cc_row_tenants.policies IN ACCESS EXCLUSIVE MODE"');
    expect(took).toBeLessThan(10_000);
    await a.query("ROLLBACK");
    // Nothing of the failed offboarding was applied: C is whole, and leaves cleanly now.
    const admin = await adminClient(db.name);
    try {
      expect((await admin.query("SELECT 1 FROM cc_row_tenants.tenants WHERE tenant_id = $1", [C.id])).rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    expect(await down(C.id)).toBe(true);
  });

  it("item 3: a tenant idle in a read transaction on a shared table stops neither onboarding nor other tenants' reads", async () => {
    const a = await tenant(upA);
    const b = await tenant(upB);
    await a.query("SET idle_in_transaction_session_timeout = 0");
    await a.query("BEGIN");
    await a.query("SELECT count(*) FROM cc_row_tenants.policies");
    const C = tenantNames(`l${tag}-e`);
    extra.push(C.id);
    const onboarding = within(20_000, "onboarding while a tenant is idle in a read transaction", up(C.id));
    // B keeps reading while C onboards: no read waits behind a queued ALTER TABLE.
    const waits: number[] = [];
    let done = false;
    void onboarding.finally(() => { done = true; }).catch(() => undefined);
    await b.query("SET statement_timeout = 5000");
    while (!done) {
      const t = Date.now();
      await b.query("SELECT count(*) FROM cc_row_tenants.policies");
      waits.push(Date.now() - t);
    }
    await onboarding;
    expect(waits.length).toBeGreaterThan(0);
    // Before the fix, B's read queued behind the onboarding's ALTER TABLE until its 5 s timeout;
    // the bound leaves room for a loaded 2-core machine.
    expect(Math.max(...waits)).toBeLessThan(2500);
    await a.query("ROLLBACK");
  });

  it("item 4: a tenant can lift its own statement and idle limits (PostgreSQL allows it): SET and ALTER ROLE CURRENT_USER SET both work", async () => {
    const a = await tenant(upA);
    expect((await a.query("SHOW statement_timeout")).rows[0].statement_timeout).toBe("1s");
    await a.query("SET statement_timeout = 0");
    expect((await a.query("SHOW statement_timeout")).rows[0].statement_timeout).toBe("0");
    await a.query("ALTER ROLE CURRENT_USER SET statement_timeout = 0");
    await a.query("ALTER ROLE CURRENT_USER SET idle_in_transaction_session_timeout = 0");
    const a2 = await tenant(upA);
    expect((await a2.query("SHOW statement_timeout")).rows[0].statement_timeout).toBe("0");
    expect((await a2.query("SHOW idle_in_transaction_session_timeout")).rows[0].idle_in_transaction_session_timeout).toBe("0");
  });

  it("item 4: the watchdog cancels a tenant's over-limit statement within limit + interval, whatever the tenant set", async () => {
    const a = await tenant(upA);
    await a.query("ALTER ROLE CURRENT_USER SET statement_timeout = 0");
    await a.query("SET statement_timeout = 0");
    const stop = new AbortController();
    const actions: WatchdogAction[] = [];
    const running = runWatchdog({
      databaseUrl: db.url, intervalMs: WATCHDOG_INTERVAL_MS, signal: stop.signal, onAction: (x) => actions.push(x),
      // Only this file's database: other test files' tenants on the same server are not this test's to cancel.
      databases: [db.name],
    });
    const pid = (await a.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number;
    try {
      const started = Date.now();
      const message = await refusal(a, "SELECT pg_sleep(60)");
      const took = Date.now() - started;
      expect(message).toBe("canceling statement due to user request");
      expect(took).toBeGreaterThanOrEqual(STATEMENT_LIMIT_MS);
      // limit + one interval + one pass's own time (connecting to each database).
      expect(took).toBeLessThan(STATEMENT_LIMIT_MS + WATCHDOG_INTERVAL_MS + 1500);
      // The session survives a cancel, and its next statement runs.
      expect((await a.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      stop.abort();
      await running;
    }
    // What the watchdog reported, once its last pass is over.
    expect(actions.filter((x) => x.pid === pid).map((x) => [x.action, x.role, x.database])).toEqual([["cancel", A.pgRole, db.name]]);
  });

  it("item 4: the watchdog terminates a tenant session idle in a transaction beyond the limit, whatever the tenant set", async () => {
    const a = await tenant(upA);
    await a.query("SET idle_in_transaction_session_timeout = 0");
    const pid = (await a.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number;
    await a.query("BEGIN");
    await a.query("SELECT count(*) FROM cc_row_tenants.policies");
    const stop = new AbortController();
    const actions: WatchdogAction[] = [];
    const running = runWatchdog({
      databaseUrl: db.url, intervalMs: WATCHDOG_INTERVAL_MS, signal: stop.signal, onAction: (x) => actions.push(x),
      // Only this file's database: other test files' tenants on the same server are not this test's to cancel.
      databases: [db.name],
    });
    try {
      const admin = await adminClient(db.name);
      try {
        const started = Date.now();
        let gone = false;
        while (!gone && Date.now() - started < 10_000) {
          gone = (await admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [pid])).rowCount === 0;
          if (!gone) await new Promise((r) => setTimeout(r, 50));
        }
        const took = Date.now() - started;
        expect(gone).toBe(true);
        expect(took).toBeGreaterThanOrEqual(STATEMENT_LIMIT_MS - 100);
        expect(took).toBeLessThan(STATEMENT_LIMIT_MS + WATCHDOG_INTERVAL_MS + 1500);
      } finally {
        await admin.end();
      }
      expect(await refusal(a, "SELECT 1")).toMatch(/terminat|Connection terminated|not queryable/i);
    } finally {
      stop.abort();
      await running;
    }
    expect(actions.filter((x) => x.pid === pid).map((x) => [x.action, x.role, x.database])).toEqual([["terminate", A.pgRole, db.name]]);
  });
});
