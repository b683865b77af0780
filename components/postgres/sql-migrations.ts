/**
 * SqlMigrations: a Pulumi dynamic resource that applies versioned SQL migrations with a real
 * PostgreSQL client, for what @pulumi/postgresql does not model (tables, RLS policies, triggers).
 *
 * - create applies every migration in ONE transaction: all of it or nothing;
 * - every transaction also writes the database's migrations ledger (`controlcore_migrations.applied`,
 *   admin-only): per resource, each applied migration with its checksum, its SQL and the catalog
 *   facts of the tables it owns (present, RLS enabled and forced, policies) as they were applied;
 * - read reports what the ledger records and the drift between those facts and the live catalog,
 *   so `pulumi refresh` sees a dropped table or policy or RLS turned off, and the next update
 *   applies the drifted migrations again (every `up` is idempotent);
 * - update applies new versioned migrations and re-applies changed repeatable ones, in one
 *   transaction; an applied versioned migration may not change or disappear (that would lose data
 *   or leave objects behind), and `diff` says so at preview time;
 * - diff accepts empty or partial olds (`pulumi import`): whatever is unknown is applied again;
 * - delete runs every `down` in reverse order, in one transaction, leaving nothing behind (the
 *   last resource of a database also drops the ledger), with the CURRENT admin password
 *   ({@link ADMIN_PASSWORD_ENV});
 * - a new host, port or credential updates in place (so the new credential is what state keeps);
 *   only another database replaces.
 *
 * The provider is serialized into the stack's state and run by the Pulumi engine in another
 * process, so everything it uses is inside this module and `require`d inside its functions.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Migration } from "./sql";

/** How the provider reaches the server. */
export interface PgConnection {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  readonly sslMode: "disable" | "require" | "verify-ca" | "verify-full";
}

/** A migration as recorded in state once applied. */
export interface AppliedMigration {
  readonly id: string;
  readonly checksum: string;
  readonly repeatable: boolean;
}

export interface SqlMigrationsInputs {
  readonly connection: PgConnection;
  readonly migrations: readonly Migration[];
}

export interface SqlMigrationsOutputs extends SqlMigrationsInputs {
  readonly applied: readonly AppliedMigration[];
  /** The key of this resource's rows in the database's migrations ledger. */
  readonly ledgerKey: string;
  /** What `read` found changed in the live catalog; an update applies those migrations again. */
  readonly drift: readonly Drift[];
}

/** Content checksum of a migration (its `up`). */
export function checksumOf(m: Migration): string {
  const crypto: typeof import("node:crypto") = require("node:crypto");
  return crypto.createHash("sha256").update(m.up).digest("hex");
}

/** What an update must do, or why it must not. */
export interface MigrationStep {
  readonly apply: Migration[];
  readonly problems: string[];
}

/**
 * Compares what was applied with what is desired. Pure: the diff shows the same problems at
 * preview that the update would refuse.
 */
export function planMigrations(applied: readonly AppliedMigration[], desired: readonly Migration[]): MigrationStep {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const m of desired) {
    if (seen.has(m.id)) problems.push(`migration ${m.id} is listed twice`);
    seen.add(m.id);
  }
  const byId = new Map(applied.map((a) => [a.id, a]));
  for (const a of applied) {
    if (!a.repeatable && !seen.has(a.id)) {
      problems.push(`applied migration ${a.id} was removed; migrations are append-only (delete the resource to remove its objects)`);
    }
  }
  const apply: Migration[] = [];
  for (const m of desired) {
    const prior = byId.get(m.id);
    const sum = checksumOf(m);
    if (!prior) apply.push(m);
    else if (prior.checksum !== sum) {
      if (m.repeatable) apply.push(m);
      else problems.push(`applied migration ${m.id} was changed; add a new migration instead of editing an applied one`);
    }
  }
  return { apply, problems };
}

/**
 * The environment variable that overrides the admin password saved in state, read when the
 * provider connects (read, delete). `pulumi destroy` and `pulumi refresh` do not run the program,
 * and the engine configures providers from the inputs saved at the last update (pulumi/pulumi
 * #716, #7370), so after an out-of-band password rotation the process environment is the only
 * place the current password can come from. A rotation made through stack config needs no
 * variable: `diff` reports an update when only the connection changed, and `pulumi up` stores it.
 */
export const ADMIN_PASSWORD_ENV = "CONTROLCORE_PG_ADMIN_PASSWORD";

/** Schema and table of the migrations ledger, one per database, owned by the admin. */
export const LEDGER_SCHEMA = "controlcore_migrations";
export const LEDGER_TABLE = "applied";

/** Catalog facts of one table the migrations own. */
export interface TableFacts {
  readonly schema: string;
  readonly table: string;
  readonly present: boolean;
  readonly rlsEnabled: boolean;
  readonly rlsForced: boolean;
  /** `name cmd permissive roles USING (…) WITH CHECK (…)`, sorted. */
  readonly policies: readonly string[];
}

/** A difference between the live catalog and what a migration established. */
export interface Drift {
  readonly migration: string;
  readonly problem: string;
}

/**
 * The connection the provider uses now: the saved one, with the password from
 * {@link ADMIN_PASSWORD_ENV} when that is set.
 */
export function currentConnection(saved: PgConnection): PgConnection {
  const override = process.env[ADMIN_PASSWORD_ENV];
  return override !== undefined && override !== "" ? { ...saved, password: override } : saved;
}

export type Query = (sql: string, params?: unknown[]) => Promise<{ rows: any[]; rowCount: number | null }>;

/**
 * A transaction local mode already holds on `conn`'s database (registered under this symbol by
 * cli/local under `Symbol.for(AMBIENT_TRANSACTIONS)`): the migrations then run inside it, so the whole `local up` commits or rolls back
 * as one. The Pulumi engine never registers one; the provider opens its own transaction.
 */
export const AMBIENT_TRANSACTIONS = "controlcore.sql-migrations.ambient-transaction";
export interface AmbientTransactions {
  lookup(conn: PgConnection): Query | undefined;
}

/** Runs `work` in one transaction on a fresh connection; rolls back on any error. */
async function inTransaction<T>(conn: PgConnection, work: (q: Query) => Promise<T>): Promise<T> {
  const ambient = (globalThis as any)[Symbol.for("controlcore.sql-migrations.ambient-transaction")] as AmbientTransactions | undefined;
  const held = ambient?.lookup(conn);
  if (held) {
    // A savepoint, so a failure leaves the holder's transaction usable for its rollback.
    await held("SAVEPOINT controlcore_migrations");
    try {
      const out = await work(held);
      await held("RELEASE SAVEPOINT controlcore_migrations");
      return out;
    } catch (e) {
      await held("ROLLBACK TO SAVEPOINT controlcore_migrations").catch(() => undefined);
      throw e;
    }
  }
  const pg: typeof import("pg") = require("pg");
  const ssl =
    conn.sslMode === "disable" ? false : { rejectUnauthorized: conn.sslMode === "verify-full" || conn.sslMode === "verify-ca" };
  const client = new pg.Client({
    host: conn.host, port: conn.port, database: conn.database, user: conn.user, password: conn.password, ssl,
    application_name: "controlcore-tenant-migrations",
  });
  await client.connect();
  try {
    await client.query("BEGIN");
    const out = await work((sql, params) => client.query(sql, params as any[]));
    await client.query("COMMIT");
    return out;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw e;
  } finally {
    await client.end();
  }
}

function describeFailure(step: string, id: string, e: unknown): Error {
  const err = e as { message?: string; code?: string; position?: string };
  const out = new Error(`${step} of migration ${id} failed (nothing was applied): ${err.message ?? String(e)}${err.code ? ` [SQLSTATE ${err.code}]` : ""}`);
  // Kept, so a lock timeout is recognized and retried.
  return Object.assign(out, err.code ? { code: err.code } : {});
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The version mark a shared migration leaves on its schema (the schema's comment): its checksum. */
export function sharedMarker(m: Migration): string {
  return `controlcore shared ${m.id} ${checksumOf(m)}`;
}

/** The version marks on a shared schema (lines of its comment); none when the schema or the comment is absent. */
async function sharedMarks(q: Query, schema: string): Promise<string[]> {
  const r = await q("SELECT obj_description(oid, 'pg_namespace') AS v FROM pg_namespace WHERE nspname = $1", [schema]);
  const v: string | null | undefined = r.rows[0]?.v;
  return v ? v.split("\n").filter((l) => l.startsWith("controlcore shared ")) : [];
}

function ledgerName(): string {
  return `${quoteIdent(LEDGER_SCHEMA)}.${quoteIdent(LEDGER_TABLE)}`;
}

/**
 * The platform's own schema in every database the provider migrates: the migration lock table
 * (and, from the tenant migrations, the session limits the watchdog enforces). Owned by the admin,
 * no privilege for PUBLIC, never dropped (it holds no tenant data).
 */
export const PLATFORM_SCHEMA = "controlcore_platform";
const LOCK_TABLE = "migration_lock";

/**
 * Serializes every migration transaction of a database. A lock on a table in a schema no tenant
 * may use: an advisory lock (`pg_advisory_xact_lock`) is a PUBLIC function, so any tenant could
 * take the platform's key and hold it from an idle session (and on RDS the admin cannot revoke
 * EXECUTE on it: the function belongs to the bootstrap superuser). SHARE ROW EXCLUSIVE conflicts
 * with itself and with nothing a tenant can take without privileges on the table.
 */
const LOCK_SQL = `LOCK TABLE "${PLATFORM_SCHEMA}"."${LOCK_TABLE}" IN SHARE ROW EXCLUSIVE MODE`;

/** Environment overrides of the lock wait (ms) and the number of attempts; read when the provider runs. */
export const LOCK_TIMEOUT_ENV = "CONTROLCORE_PG_LOCK_TIMEOUT_MS";
export const LOCK_ATTEMPTS_ENV = "CONTROLCORE_PG_LOCK_ATTEMPTS";
/** Defaults: each lock wait is bounded, and the whole transaction is retried a few times. */
export const DEFAULT_LOCK_TIMEOUT_MS = 5000;
export const DEFAULT_LOCK_ATTEMPTS = 3;

function lockSettings(): { timeoutMs: number; attempts: number } {
  const num = (name: string, dflt: number) => {
    const v = Number(process.env[name]);
    return Number.isInteger(v) && v > 0 ? v : dflt;
  };
  return { timeoutMs: num(LOCK_TIMEOUT_ENV, DEFAULT_LOCK_TIMEOUT_MS), attempts: num(LOCK_ATTEMPTS_ENV, DEFAULT_LOCK_ATTEMPTS) };
}

/**
 * Creates the platform schema and its lock table unless present (no catalog write when they
 * are), in a savepoint: a concurrent first creation surfaces as a unique violation, and the retry
 * then finds them.
 */
async function ensurePlatformLock(q: Query): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const r = await q(`SELECT to_regclass($1) IS NOT NULL AS present`, [`"${PLATFORM_SCHEMA}"."${LOCK_TABLE}"`]);
    if (r.rows[0]?.present === true) return;
    await q("SAVEPOINT controlcore_platform");
    try {
      await q(`CREATE SCHEMA IF NOT EXISTS "${PLATFORM_SCHEMA}"`);
      await q(`REVOKE ALL ON SCHEMA "${PLATFORM_SCHEMA}" FROM PUBLIC`);
      await q(`CREATE TABLE IF NOT EXISTS "${PLATFORM_SCHEMA}"."${LOCK_TABLE}" ()`);
      await q(`REVOKE ALL ON TABLE "${PLATFORM_SCHEMA}"."${LOCK_TABLE}" FROM PUBLIC`);
      await q("RELEASE SAVEPOINT controlcore_platform");
      return;
    } catch (e) {
      await q("ROLLBACK TO SAVEPOINT controlcore_platform");
      const code = (e as { code?: string }).code;
      if (attempt >= 3 || (code !== "23505" && code !== "42P06" && code !== "42P07")) throw e;
    }
  }
}

/** Who blocks backend `pid` now: role, state, since when, and the statement (admin view). */
async function blockersOf(conn: PgConnection, pid: number): Promise<string[]> {
  const pg: typeof import("pg") = require("pg");
  const ssl = conn.sslMode === "disable" ? false : { rejectUnauthorized: conn.sslMode === "verify-full" || conn.sslMode === "verify-ca" };
  const c = new pg.Client({ host: conn.host, port: conn.port, database: conn.database, user: conn.user, password: conn.password, ssl });
  await c.connect();
  try {
    const r = await c.query(
      `SELECT a.pid, a.usename, a.state, extract(epoch FROM now() - coalesce(a.xact_start, a.backend_start))::int AS secs, left(a.query, 120) AS query
         FROM pg_stat_activity a WHERE a.pid = ANY(pg_blocking_pids($1)) ORDER BY a.pid`,
      [pid],
    );
    return r.rows.map((b: any) => `pid ${b.pid} (role ${b.usename}, ${b.state}, transaction open ${b.secs} s, last statement: ${JSON.stringify(b.query)})`);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * Runs `work` in a transaction that takes the platform lock and waits at most the lock timeout
 * for any lock (`SET LOCAL lock_timeout`); on a lock timeout, the whole transaction is rolled back
 * and tried again, and after the last attempt the error names the sessions that blocked it.
 * Nothing a tenant holds can make a migration wait forever.
 */
async function lockedTransaction<T>(conn: PgConnection, what: string, work: (q: Query) => Promise<T>): Promise<T> {
  const { timeoutMs, attempts } = lockSettings();
  let blockers: string[] = [];
  for (let attempt = 1; ; attempt++) {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await inTransaction(conn, async (q) => {
        await q(`SET LOCAL lock_timeout = ${timeoutMs}`);
        const pid = Number((await q("SELECT pg_backend_pid() AS pid")).rows[0].pid);
        // Samples who blocks this transaction while it waits, for the error message.
        timer = setInterval(() => {
          blockersOf(conn, pid).then((b) => { if (b.length > 0) blockers = b; }, () => undefined);
        }, Math.max(20, Math.floor(timeoutMs / 3)));
        await ensurePlatformLock(q);
        await q(LOCK_SQL);
        return work(q);
      });
    } catch (e) {
      if ((e as { code?: string }).code !== "55P03" && !/\[SQLSTATE 55P03\]/.test(String((e as Error).message))) throw e;
      if (attempt >= attempts) {
        throw new Error(
          `${what} gave up after ${attempts} attempts: each waited ${timeoutMs} ms for a lock (lock_timeout, SQLSTATE 55P03); nothing was applied. ` +
            (blockers.length > 0 ? `Blocked by ${blockers.join("; ")}.` : "The blocking session was gone when sampled.") +
            " End that session (pg_terminate_backend) or let the session watchdog end it, then retry.",
        );
      }
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
    } finally {
      if (timer) clearInterval(timer);
    }
  }
}

async function ensureLedger(q: Query): Promise<void> {
  await q(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(LEDGER_SCHEMA)}`);
  // Only the admin (the owner) reads or writes the ledger; tenant roles cannot even see into it.
  await q(`REVOKE ALL ON SCHEMA ${quoteIdent(LEDGER_SCHEMA)} FROM PUBLIC`);
  await q(`CREATE TABLE IF NOT EXISTS ${ledgerName()} (
  ledger_key text NOT NULL,
  migration_id text NOT NULL,
  position integer NOT NULL,
  checksum text NOT NULL,
  repeatable boolean NOT NULL,
  up text NOT NULL,
  down text NOT NULL,
  tables jsonb NOT NULL DEFAULT '[]'::jsonb,
  facts jsonb NOT NULL DEFAULT '[]'::jsonb,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (ledger_key, migration_id)
)`);
}

async function ledgerExists(q: Query): Promise<boolean> {
  const r = await q("SELECT to_regclass($1) IS NOT NULL AS present", [ledgerName()]);
  return r.rows[0]?.present === true;
}

interface LedgerRow {
  migration_id: string;
  checksum: string;
  repeatable: boolean;
  up: string;
  down: string;
  tables: Array<{ schema: string; table: string }>;
  facts: TableFacts[];
}

async function ledgerRows(q: Query, key: string): Promise<LedgerRow[]> {
  if (!(await ledgerExists(q))) return [];
  const r = await q(
    `SELECT migration_id, checksum, repeatable, up, down, tables, facts FROM ${ledgerName()} WHERE ledger_key = $1 ORDER BY position`,
    [key],
  );
  return r.rows as LedgerRow[];
}

/** The live catalog facts of `tables`, in order. */
export async function tableFacts(q: Query, tables: ReadonlyArray<{ schema: string; table: string }>): Promise<TableFacts[]> {
  if (tables.length === 0) return [];
  const r = await q(
    `SELECT t.ord, t.schema, t.tbl, c.oid IS NOT NULL AS present,
            coalesce(c.relrowsecurity, false) AS rls, coalesce(c.relforcerowsecurity, false) AS forced,
            coalesce((SELECT array_agg(format('%s %s %s %s USING (%s) WITH CHECK (%s)', p.policyname, p.cmd, p.permissive,
                                              array_to_string(p.roles, ','), coalesce(p.qual, ''), coalesce(p.with_check, ''))
                                       ORDER BY p.policyname)
                      FROM pg_policies p WHERE p.schemaname = t.schema AND p.tablename = t.tbl), '{}') AS policies
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(schema, tbl, ord)
       LEFT JOIN pg_namespace n ON n.nspname = t.schema
       LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.tbl AND c.relkind IN ('r', 'p')
      ORDER BY t.ord`,
    [tables.map((t) => t.schema), tables.map((t) => t.table)],
  );
  return r.rows.map((row) => ({
    schema: row.schema, table: row.tbl, present: row.present, rlsEnabled: row.rls, rlsForced: row.forced, policies: row.policies,
  }));
}

/** What differs between the facts recorded at apply time and the live ones. Pure. */
export function compareFacts(migration: string, recorded: readonly TableFacts[], live: readonly TableFacts[]): Drift[] {
  const out: Drift[] = [];
  for (const [i, want] of recorded.entries()) {
    const got = live[i];
    const name = `${quoteIdent(want.schema)}.${quoteIdent(want.table)}`;
    if (!got || !got.present) {
      if (want.present) out.push({ migration, problem: `table ${name} is missing` });
      continue;
    }
    if (want.rlsEnabled && !got.rlsEnabled) out.push({ migration, problem: `row-level security is disabled on ${name}` });
    if (want.rlsForced && !got.rlsForced) out.push({ migration, problem: `row-level security is not forced on ${name}` });
    const have = new Set(got.policies);
    for (const p of want.policies) if (!have.has(p)) out.push({ migration, problem: `policy ${p.split(" ")[0]} on ${name} is missing or changed` });
    const wanted = new Set(want.policies);
    for (const p of got.policies) if (!wanted.has(p)) out.push({ migration, problem: `policy ${p.split(" ")[0]} on ${name} is not declared` });
  }
  return out;
}

/** The key of a resource's rows in the ledger: fixed at create, from the database and the migrations. */
export function ledgerKeyOf(conn: Pick<PgConnection, "database">, migrations: readonly Migration[]): string {
  const crypto: typeof import("node:crypto") = require("node:crypto");
  const h = crypto.createHash("sha256").update(conn.database);
  for (const m of migrations) h.update("\0").update(m.id).update("\0").update(m.up);
  return h.digest("hex").slice(0, 32);
}

/** `host:port/database#ledgerKey`: where the resource lives, so `pulumi import` can name it. */
export function resourceIdOf(conn: Pick<PgConnection, "host" | "port" | "database">, key: string): string {
  return `${conn.host}:${conn.port}/${conn.database}#${key}`;
}

/** Parses {@link resourceIdOf}; undefined for IDs of another shape. */
export function parseResourceId(id: string): { host: string; port: number; database: string; key: string } | undefined {
  const m = /^(.+):(\d+)\/([^#]+)#([0-9a-f]{32})$/.exec(id ?? "");
  return m ? { host: m[1]!, port: Number(m[2]), database: m[3]!, key: m[4]! } : undefined;
}

/**
 * In one transaction: applies what `choose` picks (given what the ledger records under `key`),
 * then records every migration of `desired` in the ledger with the catalog facts of its tables
 * as they are now.
 */
async function applyAndRecord(
  conn: PgConnection,
  key: string,
  choose: (recorded: AppliedMigration[]) => readonly Migration[],
  desired: readonly Migration[],
  force: ReadonlySet<string> = new Set(),
): Promise<void> {
  await lockedTransaction(conn, `applying the migrations of ${conn.database}`, async (q) => {
    const recorded = (await ledgerRows(q, key)).map((r) => ({ id: r.migration_id, checksum: r.checksum, repeatable: r.repeatable }));
    for (const m of choose(recorded)) {
      // Shared objects already at this version: no DDL (no lock) on what other tenants are using.
      const marks = m.sharedSchema ? await sharedMarks(q, m.sharedSchema) : [];
      if (m.sharedSchema && !force.has(m.id) && marks.includes(sharedMarker(m))) continue;
      try {
        await q(m.up);
        if (m.sharedSchema) {
          // One line per shared migration of the schema: a later one does not unmark an earlier one.
          const kept = (await sharedMarks(q, m.sharedSchema)).filter((l) => !l.startsWith(`controlcore shared ${m.id} `));
          await q(`COMMENT ON SCHEMA ${quoteIdent(m.sharedSchema)} IS ${quoteLiteral([...kept, sharedMarker(m)].join("\n"))}`);
        }
      } catch (e) {
        throw describeFailure("up", m.id, e);
      }
    }
    await ensureLedger(q);
    const keep = desired.map((m) => m.id);
    await q(`DELETE FROM ${ledgerName()} WHERE ledger_key = $1 AND NOT (migration_id = ANY($2::text[]))`, [key, keep]);
    for (const [i, m] of desired.entries()) {
      const tables = (m.tables ?? []).map((t) => ({ schema: t.schema, table: t.table }));
      const facts = await tableFacts(q, tables);
      await q(
        `INSERT INTO ${ledgerName()} (ledger_key, migration_id, position, checksum, repeatable, up, down, tables, facts)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb)
         ON CONFLICT (ledger_key, migration_id) DO UPDATE SET position = EXCLUDED.position, checksum = EXCLUDED.checksum,
           repeatable = EXCLUDED.repeatable, up = EXCLUDED.up, down = EXCLUDED.down, tables = EXCLUDED.tables, facts = EXCLUDED.facts,
           applied_at = now()
         WHERE ROW(${ledgerName()}.position, ${ledgerName()}.checksum, ${ledgerName()}.up, ${ledgerName()}.down, ${ledgerName()}.tables, ${ledgerName()}.facts)
           IS DISTINCT FROM ROW(EXCLUDED.position, EXCLUDED.checksum, EXCLUDED.up, EXCLUDED.down, EXCLUDED.tables, EXCLUDED.facts)`,
        [key, m.id, i, checksumOf(m), m.repeatable === true, m.up, m.down, JSON.stringify(tables), JSON.stringify(facts)],
      );
    }
  });
}

function record(migrations: readonly Migration[]): AppliedMigration[] {
  return migrations.map((m) => ({ id: m.id, checksum: checksumOf(m), repeatable: m.repeatable === true }));
}

/** The state the provider keeps: inputs, the applied list, the ledger key and the drift `read` found. */
function outputsOf(connection: PgConnection, migrations: readonly Migration[], key: string, applied: readonly AppliedMigration[], drift: readonly Drift[]): SqlMigrationsOutputs {
  return { connection, migrations, ledgerKey: key, applied, drift };
}

function sameConnection(a: PgConnection, b: PgConnection): boolean {
  return a.host === b.host && a.port === b.port && a.user === b.user && a.password === b.password && a.sslMode === b.sslMode && a.database === b.database;
}

/** The dynamic provider. Exported so tests can serialize it the way the engine does. */
export const sqlMigrationsProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: any, news: any) {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const list = news.migrations;
    if (!Array.isArray(list) || list.length === 0) failures.push({ property: "migrations", reason: "expected a non-empty list of migrations" });
    else {
      list.forEach((m: any, i: number) => {
        for (const k of ["id", "up", "down"]) {
          if (typeof m?.[k] !== "string" || m[k].length === 0) failures.push({ property: `migrations[${i}].${k}`, reason: `expected a non-empty string, got ${JSON.stringify(m?.[k])}` });
        }
      });
    }
    const c = news.connection;
    if (typeof c !== "object" || c === null) failures.push({ property: "connection", reason: "expected a connection object" });
    return { inputs: news, failures };
  },

  /**
   * Olds may be empty or partial (`pulumi import` before a read, state written by an older
   * version): whatever is unknown counts as "must be applied", which is safe because every
   * migration is idempotent.
   */
  async diff(_id: string, olds: Partial<SqlMigrationsOutputs>, news: SqlMigrationsInputs) {
    const old = olds ?? {};
    const step = planMigrations(Array.isArray(old.applied) ? old.applied : [], news.migrations);
    if (step.problems.length > 0) throw new Error(`cannot update SQL migrations: ${step.problems.join("; ")}`);
    // A new host or port may be the same server under another name (a proxy, a failover
    // endpoint): update in place, never drop. Only another database is another place.
    const o = old.connection;
    const n = news.connection;
    const replaces = o && typeof o.database === "string" && o.database !== n.database ? ["connection"] : [];
    // Only the connection changed (a rotated admin password): an update stores it, so a later
    // delete or read connects with it.
    const connectionChanged = !o || !sameConnection(o, n);
    const drifted = Array.isArray(old.drift) && old.drift.length > 0;
    const unknown = !Array.isArray(old.applied) || typeof old.ledgerKey !== "string";
    return {
      changes: replaces.length > 0 || step.apply.length > 0 || connectionChanged || drifted || unknown,
      replaces,
      // The replacement lives in another database: create it before removing the old one.
      deleteBeforeReplace: false,
    };
  },

  async create(inputs: SqlMigrationsInputs) {
    const key = ledgerKeyOf(inputs.connection, inputs.migrations);
    await applyAndRecord(inputs.connection, key, () => inputs.migrations, inputs.migrations);
    return { id: resourceIdOf(inputs.connection, key), outs: outputsOf(inputs.connection, inputs.migrations, key, record(inputs.migrations), []) };
  },

  /**
   * The live state: which migrations the ledger records as applied, and the drift between the
   * catalog facts recorded when they were applied and the live catalog (a dropped table or
   * policy, RLS disabled or no longer forced). After `pulumi import` (no props), the connection
   * comes from the ID and {@link ADMIN_PASSWORD_ENV} / PGUSER, and the migrations from the ledger.
   */
  async read(id: string, props?: Partial<SqlMigrationsOutputs>) {
    const parsed = parseResourceId(id);
    const saved = props?.connection;
    if (!saved && !parsed) throw new Error(`cannot read SQL migrations ${JSON.stringify(id)}: expected an ID of the form host:port/database#<32 hex ledger key>`);
    const conn = currentConnection(
      saved ?? { host: parsed!.host, port: parsed!.port, database: parsed!.database, user: process.env.PGUSER ?? "postgres", password: "", sslMode: (process.env.PGSSLMODE as PgConnection["sslMode"]) ?? "require" },
    );
    const key = props?.ledgerKey ?? parsed?.key;
    if (!key) throw new Error(`cannot read SQL migrations ${JSON.stringify(id)}: no ledger key in state or ID`);
    const { rows, drift } = await inTransaction(conn, async (q) => {
      const rows = await ledgerRows(q, key);
      const drift: Drift[] = [];
      for (const r of rows) drift.push(...compareFacts(r.migration_id, r.facts, await tableFacts(q, r.tables)));
      return { rows, drift };
    });
    // Nothing recorded: the resource no longer exists (Pulumi drops it from state).
    if (rows.length === 0) return { id: "", props: {} };
    const migrations: Migration[] = rows.map((r) => ({
      id: r.migration_id, up: r.up, down: r.down, ...(r.repeatable ? { repeatable: true } : {}), ...(r.tables.length > 0 ? { tables: r.tables } : {}),
    }));
    const applied = rows.map((r) => ({ id: r.migration_id, checksum: r.checksum, repeatable: r.repeatable }));
    const connection = saved ?? conn;
    return {
      id,
      props: outputsOf(connection, props?.migrations ?? migrations, key, applied, drift),
      inputs: { connection, migrations: props?.migrations ?? migrations },
    };
  },

  async update(id: string, olds: Partial<SqlMigrationsOutputs>, news: SqlMigrationsInputs) {
    const old = olds ?? {};
    const known = Array.isArray(old.applied) ? old.applied : undefined;
    const first = planMigrations(known ?? [], news.migrations);
    if (first.problems.length > 0) throw new Error(`cannot update SQL migrations: ${first.problems.join("; ")}`);
    const key = old.ledgerKey ?? parseResourceId(id)?.key ?? ledgerKeyOf(news.connection, news.migrations);
    // Drifted migrations are applied again (every `up` is idempotent and restores its objects).
    const drifted = new Set((old.drift ?? []).map((d) => d.migration));
    const ledgerStale = known === undefined || typeof old.ledgerKey !== "string" || first.apply.length > 0 || drifted.size > 0;
    if (ledgerStale) {
      await applyAndRecord(
        news.connection,
        key,
        (recorded) => {
          // State without the applied list (an import, older state): the ledger says what is applied.
          const step = known === undefined ? planMigrations(recorded, news.migrations) : first;
          if (step.problems.length > 0) throw new Error(`cannot update SQL migrations: ${step.problems.join("; ")}`);
          const again = new Set([...step.apply.map((m) => m.id), ...drifted]);
          return news.migrations.filter((m) => again.has(m.id));
        },
        news.migrations,
        // A drifted shared migration repairs its objects even when the schema's mark is current.
        drifted,
      );
    }
    return { outs: outputsOf(news.connection, news.migrations, key, record(news.migrations), []) };
  },

  /**
   * Runs every `down` in reverse order and removes the ledger rows, in one transaction, with
   * the current admin password ({@link currentConnection}).
   */
  async delete(id: string, props: Partial<SqlMigrationsOutputs>) {
    const parsed = parseResourceId(id);
    if (!props?.connection) throw new Error(`cannot delete SQL migrations ${JSON.stringify(id)}: no connection in state (run pulumi refresh first)`);
    const conn = currentConnection(props.connection);
    const key = props.ledgerKey ?? parsed?.key;
    await lockedTransaction(conn, `removing the migrations of ${conn.database}`, async (q) => {
      const list = props.migrations && props.migrations.length > 0 ? props.migrations : key ? await ledgerRowsAsMigrations(q, key) : [];
      for (const m of [...list].reverse()) {
        try {
          await q(m.down);
        } catch (e) {
          throw describeFailure("down", m.id, e);
        }
      }
      if (key && (await ledgerExists(q))) {
        await q(`DELETE FROM ${ledgerName()} WHERE ledger_key = $1`, [key]);
        // The last resource of the database leaves no ledger behind.
        const left = await q(`SELECT 1 FROM ${ledgerName()} LIMIT 1`);
        if (left.rowCount === 0) await q(`DROP SCHEMA ${quoteIdent(LEDGER_SCHEMA)} CASCADE`);
      }
    });
  },
};

async function ledgerRowsAsMigrations(q: Query, key: string): Promise<Migration[]> {
  return (await ledgerRows(q, key)).map((r) => ({ id: r.migration_id, up: r.up, down: r.down }));
}

/** Inputs of {@link SqlMigrations}; the connection is made secret. */
export interface SqlMigrationsArgs {
  /** Where to apply; the password is secret. */
  readonly connection: pulumi.Input<PgConnection>;
  /** Migrations in order; IDs are stable and append-only. */
  readonly migrations: pulumi.Input<readonly Migration[]>;
}

/** Versioned SQL migrations applied by {@link sqlMigrationsProvider}. */
export class SqlMigrations extends pulumi.dynamic.Resource {
  declare readonly applied: pulumi.Output<AppliedMigration[]>;

  constructor(name: string, args: SqlMigrationsArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      sqlMigrationsProvider,
      name,
      { connection: pulumi.secret(args.connection), migrations: args.migrations, applied: undefined, ledgerKey: undefined, drift: undefined },
      { ...opts, additionalSecretOutputs: ["connection"] },
      "controlcore",
      "SqlMigrations",
    );
  }
}
