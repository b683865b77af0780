/**
 * Side channels between tenants on one PostgreSQL server (issue 8, items 7 and 8): what statistics,
 * the planner, LISTEN/NOTIFY and the server-wide views tell tenant A about tenant B at each
 * isolation level. Where the platform closes a channel the test asserts it is closed (the row
 * level's planner estimates); where PostgreSQL offers no privilege to close it the test asserts
 * the exact residual behaviour, and that the level named in the README's guarantee matrix removes
 * it. Each measured value is what PostgreSQL 15 returned here.
 */
import { Client as PgClient, type Client } from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import type { LocalResult } from "../../cli/local/local-mode";
import { tenantNames } from "../../components/naming";
import { ISOLATION_LEVELS, type IsolationLevel } from "../../plans/schema";
import { localTenants, type LocalTenants } from "../helpers/local-tenants";
import { adminClient, freshDatabase, PG_HOST, PG_PORT, refusal, runTag } from "../helpers/pg";

const OVERRIDES = { limits: { max_resources: 200 } };
/** B's rows: 7 carry the URL A guesses, 23 others. */
const SECRET_URL = "https://secret.b.example/api";
const B_ROWS = 30;
const B_SECRET_ROWS = 7;

/** The planner's row estimate of the top plan node. */
async function estimate(c: Client, sql: string, params: unknown[] = []): Promise<number> {
  const r = await c.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
  return r.rows[0]["QUERY PLAN"][0].Plan["Plan Rows"];
}

/** Polls until `read` returns a value that `done` accepts (the cumulative statistics are flushed about once a second). */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Notifications a client receives, by channel and payload. */
function collect(c: Client): Array<[string, string | undefined]> {
  const heard: Array<[string, string | undefined]> = [];
  c.on("notification", (n) => heard.push([n.channel, n.payload]));
  return heard;
}

/** Waits until `c` hears its own marker: notifications are delivered in commit order, so anything sent before it has arrived. */
async function drain(c: Client, heard: Array<[string, string | undefined]>, marker: string): Promise<void> {
  await c.query(`LISTEN "drain"`);
  await c.query(`NOTIFY "drain", '${marker}'`);
  await until(async () => heard.some(([ch, p]) => ch === "drain" && p === marker), (v) => v, 5_000);
  await c.query(`UNLISTEN "drain"`);
}

describe.each(ISOLATION_LEVELS.map((l) => [l]))("side channels at the %s level", (level: IsolationLevel) => {
  const fx = localTenants({ idPrefix: "s", tenants: ["a", "b"], database: `cc_side_${level}`, isolation: level, overrides: OVERRIDES, connect: true });
  const [, B] = fx.names;
  let db: LocalTenants["db"], upB: LocalResult, a: Client, b: Client;
  beforeAll(() => void ({ db, results: [, upB], clients: [a, b] } = fx));
  /** A table of `t`'s as `t` itself writes it. */
  const own = (t: ReturnType<typeof tenantNames>, name: string) => (level === "table" ? `"${t.pgTablePrefix}${name}"` : name);
  /** B's resources table: its schema and name in the catalogs. */
  const bResources = () => ({
    schema: String(upB.postgres.schema),
    table: level === "table" ? `${B.pgTablePrefix}resources` : "resources",
  });
  /** The database holding B's tables. */
  const bDatabase = () => (level === "database" ? B.pgDatabase : db.name);

  it("statistics: what B's writes show A, and the row level's planner estimates closed", async () => {
    const { schema, table } = bResources();
    // What A can read of B's table in the cumulative statistics (same database only).
    const counters = async () =>
      (
        await a.query(
          "SELECT n_tup_ins::int AS ins, n_live_tup::int AS live FROM pg_stat_all_tables WHERE schemaname = $1 AND relname = $2",
          [schema, table],
        )
      ).rows;
    const dbInserted = async () =>
      Number((await a.query("SELECT tup_inserted FROM pg_stat_database WHERE datname = $1", [bDatabase()])).rows[0].tup_inserted);
    const insertedBefore = await dbInserted();
    // Relation sizes need no privilege on the relation: B's table (or the shared one) by OID.
    const size = async () =>
      (
        await a.query(
          "SELECT pg_relation_size(c.oid)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
          [schema, table],
        )
      ).rows.map((r) => r.n);
    expect(await size()).toEqual(level === "database" ? [] : [0]);

    await b.query(
      `INSERT INTO ${own(B, "resources")} (name, url)
       SELECT 'r' || g, CASE WHEN g <= ${B_SECRET_ROWS} THEN $1 ELSE 'https://b.example/' || g END FROM generate_series(1, ${B_ROWS}) g`,
      [SECRET_URL],
    );
    // An idle backend flushes its counters within 10 s on its own (PostgreSQL 15); this makes it now.
    await b.query("SELECT pg_stat_force_next_flush()");
    // pg_stat_database is cluster-wide: every level, the database level included, shows the
    // tuples inserted into B's database: B's 30 rows and their 30 audit rows (60 here; "at
    // least", since an autovacuum ANALYZE of that database's catalogs may add its own rows).
    const inserted = await until(dbInserted, (v) => v - insertedBefore >= 2 * B_ROWS);
    expect(inserted - insertedBefore).toBeGreaterThanOrEqual(2 * B_ROWS);
    if (level !== "database") {
      // Schema, table, row: the counters of B's (or the shared) table move with B's writes.
      expect(await until(counters, (r) => r[0]?.ins === B_ROWS)).toEqual([{ ins: B_ROWS, live: B_ROWS }]);
    }

    const admin = await adminClient(bDatabase());
    try {
      // What autovacuum does on its own after enough writes.
      await admin.query(`ANALYZE "${schema}"."${table}"`);
      if (level === "row") {
        // No column statistics exist for the shared tables, whatever ANALYZE ran.
        const stats = await admin.query(
          `SELECT count(*)::int AS n FROM pg_statistic WHERE starelid IN (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1)`,
          [schema],
        );
        expect(stats.rows[0].n).toBe(0);
      }
    } finally {
      await admin.end();
    }

    if (level === "database") {
      // B's tables are in B's database; A's pg_stat_all_tables and pg_class list its own only.
      expect(await counters()).toEqual([]);
      expect(await size()).toEqual([]);
      expect(await refusal(a, "SELECT pg_database_size($1)", [B.pgDatabase])).toBe(`permission denied for database ${B.pgDatabase}`);
      expect((await a.query("SELECT count(*)::int AS n FROM pg_class WHERE relnamespace::regnamespace::text = $1", [schema])).rows[0].n).toBe(0);
      return;
    }
    // B's 30 rows fill the table's first 8 KiB page.
    expect(await size()).toEqual([8192]);
    // pg_class is readable by every role: the row count ANALYZE stored.
    const reltuples = await a.query(
      "SELECT c.reltuples::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
      [schema, table],
    );
    expect(reltuples.rows[0].n).toBe(B_ROWS);

    if (level === "row") {
      // pg_stats hides the shared tables from tenants (row security is active for them)...
      expect((await a.query("SELECT count(*)::int AS n FROM pg_stats WHERE schemaname = $1", [schema])).rows[0].n).toBe(0);
      // ...but the planner reads pg_statistic for leakproof operators. Without column statistics
      // a right guess, a wrong guess and another tenant's ID all estimate the same. Measured
      // with column statistics (before the shared migration set their target to 0): right URL 7, wrong
      // URL 1, B's tenant ID 30, an unknown ID 1, a range holding the secret 7, one past it 1.
      const right = await estimate(a, "SELECT * FROM resources WHERE url = $1", [SECRET_URL]);
      const wrong = await estimate(a, "SELECT * FROM resources WHERE url = $1", ["https://wrong.example/"]);
      const bId = await estimate(a, "SELECT * FROM resources WHERE tenant_id = $1", [B.id]);
      const nobody = await estimate(a, "SELECT * FROM resources WHERE tenant_id = $1", ["nobody-at-all"]);
      const range = await estimate(a, "SELECT * FROM resources WHERE url >= $1", ["https://secret"]);
      const rangeWrong = await estimate(a, "SELECT * FROM resources WHERE url >= $1", ["https://zzz"]);
      expect({ right, wrong, bId, nobody, range, rangeWrong }).toEqual({ right: 1, wrong: 1, bId: 1, nobody: 1, range: 1, rangeWrong: 1 });
      // The residual at this level: the shared table's totals (all tenants together), as above.
    } else {
      // Schema and table levels: the planner never runs on B's table for A.
      const denied = level === "schema" ? `permission denied for schema ${schema}` : `permission denied for table ${table}`;
      expect(await refusal(a, `EXPLAIN SELECT * FROM "${schema}"."${table}" WHERE url = '${SECRET_URL}'`)).toBe(denied);
      expect((await a.query("SELECT count(*)::int AS n FROM pg_stats WHERE schemaname = $1 AND tablename = $2", [schema, table])).rows[0].n).toBe(0);
    }
  });

  it("LISTEN/NOTIFY: channels are per database, with no privilege on them", async () => {
    const heardA = collect(a);
    const heardB = collect(b);
    await a.query(`LISTEN "b_events"`);
    await b.query(`LISTEN "b_events"`);
    await b.query(`NOTIFY "b_events", 'b-secret-payload'`);
    await a.query(`NOTIFY "b_events", 'forged by a (statement)'`);
    await a.query(`SELECT pg_notify('b_events', 'forged by a (function)')`);
    await drain(a, heardA, "a-done");
    await drain(b, heardB, "b-done");
    const onChannel = (h: Array<[string, string | undefined]>) => h.filter(([ch]) => ch === "b_events").map(([, p]) => p);
    if (level === "database") {
      // Each tenant's database has its own channels: nothing crosses.
      expect(onChannel(heardA)).toEqual(["forged by a (statement)", "forged by a (function)"]);
      expect(onChannel(heardB)).toEqual(["b-secret-payload"]);
    } else {
      // One database: A hears B's payload, and B hears what A injected into its channel.
      expect(onChannel(heardA)).toEqual(["b-secret-payload", "forged by a (statement)", "forged by a (function)"]);
      expect(onChannel(heardB)).toEqual(["b-secret-payload", "forged by a (statement)", "forged by a (function)"]);
      // Revoking pg_notify (a superuser can, in this database's catalog) stops the function
      // only: the NOTIFY statement has no privilege and still reaches B.
      const admin = await adminClient(db.name);
      try {
        await admin.query("REVOKE EXECUTE ON FUNCTION pg_catalog.pg_notify(text, text) FROM PUBLIC");
        expect(await refusal(a, "SELECT pg_notify('b_events', 'x')")).toBe("permission denied for function pg_notify");
        await a.query(`NOTIFY "b_events", 'still forged'`);
        await drain(b, heardB, "b-done-2");
        expect(onChannel(heardB).at(-1)).toBe("still forged");
      } finally {
        await admin.query("GRANT EXECUTE ON FUNCTION pg_catalog.pg_notify(text, text) TO PUBLIC");
        await admin.end();
      }
    }
    await a.query("UNLISTEN *");
    await b.query("UNLISTEN *");
  });

  it("server-wide views: B's sessions, role settings and locks are visible to A at every level; its queries and backends are not A's", async () => {
    await b.query("SET application_name = 'b-billing-worker'");
    await b.query("BEGIN");
    await b.query(`SELECT count(*) FROM ${own(B, "policies")}`);
    await b.query("SELECT pg_advisory_xact_lock(4242)");
    const bPid = (await b.query("SELECT pg_backend_pid() AS p")).rows[0].p as number;
    const bXid = String((await b.query("SELECT pg_current_xact_id()::text AS x")).rows[0].x);
    let rolledBack = false;
    try {
      // Transaction IDs are cluster-wide: A can ask whether B's transaction is running, and
      // whether it ended in a commit or an abort.
      expect((await a.query("SELECT pg_xact_status($1::xid8) AS status", [bXid])).rows[0].status).toBe("in progress");
      // pg_stat_activity (cluster-wide): who is connected, to which database, under which
      // application_name; never the query, state, client address or times of another role.
      const activity = await a.query(
        "SELECT usename, datname, application_name, state, query, client_addr, xact_start, backend_start FROM pg_stat_activity WHERE pid = $1",
        [bPid],
      );
      expect(activity.rows).toEqual([
        {
          usename: B.pgRole, datname: bDatabase(), application_name: "b-billing-worker",
          state: null, query: "<insufficient privilege>", client_addr: null, xact_start: null, backend_start: null,
        },
      ]);
      // pg_locks (cluster-wide): the relations B's open transaction holds and its advisory keys.
      const locks = await a.query(
        `SELECT l.locktype, l.mode, l.objid, d.datname, CASE WHEN l.locktype = 'relation' AND d.datname = current_database()
           THEN l.relation::regclass::text END AS rel
         FROM pg_locks l LEFT JOIN pg_database d ON d.oid = l.database WHERE l.pid = $1 AND l.locktype IN ('relation', 'advisory') ORDER BY 1, 5`,
        [bPid],
      );
      // At the database level the OID is one of B's database: A's catalog cannot name it.
      const bPolicies = { database: null, schema: `${B.pgSchema}.policies`, table: `${B.pgTablePrefix}policies`, row: "policies" }[level];
      expect(locks.rows).toContainEqual({ locktype: "advisory", mode: "ExclusiveLock", objid: 4242, datname: bDatabase(), rel: null });
      expect(locks.rows).toContainEqual({ locktype: "relation", mode: "AccessShareLock", objid: null, datname: bDatabase(), rel: bPolicies });
      // Advisory keys are per database: only tenants sharing B's database contend for B's key.
      expect((await a.query("SELECT pg_try_advisory_lock(4242) AS got")).rows[0].got).toBe(level === "database");
      await a.query("SELECT pg_advisory_unlock_all()");
      // The role's settings are in pg_roles, readable by all: B's plan timeout and search_path.
      const config = await a.query("SELECT rolconfig FROM pg_roles WHERE rolname = $1", [B.pgRole]);
      expect(config.rows[0].rolconfig).toEqual(expect.arrayContaining(["statement_timeout=30000"]));
      // A cannot act on B's backend.
      expect(await refusal(a, "SELECT pg_cancel_backend($1)", [bPid])).toBe(
        "must be a member of the role whose query is being canceled or member of pg_signal_backend",
      );
      expect(await refusal(a, "SELECT pg_terminate_backend($1)", [bPid])).toBe(
        "must be a member of the role whose process is being terminated or member of pg_signal_backend",
      );
      // Other server-wide objects: no prepared transactions to read (the server allows none),
      // no directory listing.
      expect((await a.query("SHOW max_prepared_transactions")).rows[0].max_prepared_transactions).toBe("0");
      expect((await a.query("SELECT count(*)::int AS n FROM pg_prepared_xacts")).rows[0].n).toBe(0);
      expect(await refusal(a, "SELECT pg_ls_dir('.')")).toBe("permission denied for function pg_ls_dir");
      expect(await refusal(a, "SELECT * FROM pg_file_settings")).toBe("permission denied for view pg_file_settings");
      // The migrations ledger (every tenant's migration SQL, its plan limits among them) is the admin's.
      expect(await refusal(a, "SELECT count(*) FROM controlcore_migrations.applied")).toBe("permission denied for schema controlcore_migrations");
      await b.query("ROLLBACK");
      rolledBack = true;
      expect((await a.query("SELECT pg_xact_status($1::xid8) AS status", [bXid])).rows[0].status).toBe("aborted");
    } finally {
      if (!rolledBack) await b.query("ROLLBACK");
      await b.query("RESET application_name");
    }
  });

  it("LOCK TABLE: A cannot lock B's tables; at the row level it can lock the shared table B uses", async () => {
    const target = { database: null, schema: `"${B.pgSchema}".policies`, table: `cc_table_tenants."${B.pgTablePrefix}policies"`, row: "policies" }[level];
    if (target === null) return; // B's tables are in a database A cannot connect to (isolation test).
    await a.query("BEGIN");
    try {
      if (level === "row") {
        // PostgreSQL lets any role holding UPDATE or DELETE take any lock mode (LOCK's rule).
        await a.query(`LOCK TABLE ${target} IN ACCESS EXCLUSIVE MODE`);
        await b.query("SET lock_timeout = 300");
        expect(await refusal(b, `SELECT count(*) FROM ${own(B, "policies")}`)).toBe("canceling statement due to lock timeout");
        await b.query("RESET lock_timeout");
      } else {
        const denied = level === "schema" ? `permission denied for schema ${B.pgSchema}` : `permission denied for table ${B.pgTablePrefix}policies`;
        expect(await refusal(a, `LOCK TABLE ${target} IN ACCESS SHARE MODE`)).toBe(denied);
      }
    } finally {
      await a.query("ROLLBACK");
    }
  });
});

describe("closing the statistics views needs the views' owner", () => {
  it("an admin that is not a superuser (as on RDS and Aurora) cannot revoke them: PostgreSQL warns and changes nothing", async () => {
    const tag = runTag();
    const role = `cc_rdslike_${tag}`;
    const db = await freshDatabase("cc_side_revoke");
    const root = await adminClient(db.name);
    const password = `pw${runTag()}${runTag()}`;
    await root.query(`CREATE ROLE "${role}" LOGIN CREATEROLE CREATEDB NOSUPERUSER PASSWORD '${password}'`);
    await root.query(`GRANT CONNECT ON DATABASE "${db.name}" TO "${role}"`);
    const admin = new PgClient({ host: PG_HOST, port: PG_PORT, user: role, password, database: db.name });
    const warnings: string[] = [];
    admin.on("notice", (n) => warnings.push(n.message ?? ""));
    try {
      await admin.connect();
      const acl = async () => (await root.query("SELECT relacl::text FROM pg_class WHERE oid = 'pg_catalog.pg_stat_activity'::regclass")).rows[0].relacl;
      const before = await acl();
      await admin.query("REVOKE SELECT ON pg_catalog.pg_stat_activity, pg_catalog.pg_stat_database, pg_catalog.pg_locks FROM PUBLIC");
      await admin.query("REVOKE EXECUTE ON FUNCTION pg_catalog.pg_notify(text, text) FROM PUBLIC");
      expect(warnings.filter((w) => !w.includes(" column "))).toEqual([
        'no privileges could be revoked for "pg_stat_activity"',
        'no privileges could be revoked for "pg_stat_database"',
        'no privileges could be revoked for "pg_locks"',
        'no privileges could be revoked for "pg_notify"',
      ]);
      expect(await acl()).toBe(before);
      expect(before).toContain("=r/");
    } finally {
      await admin.end().catch(() => undefined);
      await root.query(`REVOKE ALL ON DATABASE "${db.name}" FROM "${role}"`);
      await root.end();
      await db.drop();
      const cleanup = await adminClient();
      await cleanup.query(`DROP ROLE IF EXISTS "${role}"`);
      await cleanup.end();
    }
  });
});
