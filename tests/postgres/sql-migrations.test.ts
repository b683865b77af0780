/**
 * The SqlMigrations dynamic provider, tested the way the Pulumi engine runs it: serialized by
 * Pulumi's closure serializer into the resource's `__provider` input, loaded from that text in a
 * separate Node.js process, and driven through create / diff / update / delete against a real
 * PostgreSQL database.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runUnderMocks } from "../../cli/engine/mock-engine";
import { ADMIN_PASSWORD_ENV, checksumOf, parseResourceId, planMigrations } from "../../components/postgres/sql-migrations";
import { layoutFor, type Migration, tenantMigrations } from "../../components/postgres/sql";
import { tenantNames } from "../../components/naming";
import { adminClient, freshDatabase, PG_ADMIN, PG_HOST, PG_PORT, runTag } from "../helpers/pg";
import { type PasswordServer, startPasswordServer } from "./password-server";

function withoutPasswordEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { [ADMIN_PASSWORD_ENV]: _drop, ...rest } = env;
  void _drop;
  return rest;
}

const PROJECT = path.resolve(__dirname, "..", "..");

const m1: Migration = { id: "0001_items", up: "CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY);", down: "DROP TABLE IF EXISTS items;" };
const m2: Migration = { id: "0002_notes", up: "CREATE TABLE IF NOT EXISTS notes (id int);", down: "DROP TABLE IF EXISTS notes;" };
const r1: Migration = { id: "R__seed", repeatable: true, up: "DELETE FROM items; INSERT INTO items VALUES (1);", down: "DELETE FROM items;" };

describe("planMigrations (what an update may do)", () => {
  const applied = (...ms: Migration[]) => ms.map((m) => ({ id: m.id, checksum: checksumOf(m), repeatable: m.repeatable === true }));

  it("applies only new versioned migrations", () => {
    expect(planMigrations(applied(m1), [m1, m2])).toEqual({ apply: [m2], problems: [] });
  });
  it("re-applies a repeatable migration whose SQL changed, and nothing else", () => {
    const r1b = { ...r1, up: "DELETE FROM items; INSERT INTO items VALUES (2);" };
    expect(planMigrations(applied(m1, r1), [m1, r1b])).toEqual({ apply: [r1b], problems: [] });
    expect(planMigrations(applied(m1, r1), [m1, r1])).toEqual({ apply: [], problems: [] });
  });
  it("refuses to edit or drop an applied versioned migration, and duplicate IDs", () => {
    const edited = { ...m1, up: "CREATE TABLE items (id bigint);" };
    expect(planMigrations(applied(m1, m2), [edited]).problems).toEqual([
      "applied migration 0002_notes was removed; migrations are append-only (delete the resource to remove its objects)",
      "applied migration 0001_items was changed; add a new migration instead of editing an applied one",
    ]);
    expect(planMigrations([], [m1, m1]).problems).toEqual(["migration 0001_items is listed twice"]);
  });
});

describe("the serialized provider against a real PostgreSQL", () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let providerFile: string;

  beforeAll(async () => {
    db = await freshDatabase("cc_it_provider");
    // Let the program declare a SqlMigrations resource and take `__provider` from its inputs,
    // exactly the text the engine receives.
    const run = await runUnderMocks(async () => {
      const { SqlMigrations } = await import("../../components/postgres/sql-migrations.js");
      new SqlMigrations("probe", { connection: conn(), migrations: [m1] });
      return {};
    });
    const res = run.resources.find((r) => r.type === "pulumi-nodejs:dynamic/controlcore:SqlMigrations")!;
    const text = res.inputs.__provider as string;
    expect(typeof text).toBe("string");
    providerFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "provider-")), "provider.js");
    fs.writeFileSync(providerFile, text);
  });
  afterAll(async () => db?.drop());

  const conn = () => ({ host: PG_HOST, port: PG_PORT, database: db?.name ?? "x", user: PG_ADMIN, password: "", sslMode: "disable" as const });

  /** Runs one provider operation in a fresh Node.js process, as the engine's provider host does. */
  function op(name: string, ...args: unknown[]): any {
    return opWithEnv({}, name, ...args);
  }
  function opWithEnv(env: Record<string, string>, name: string, ...args: unknown[]): any {
    const script = `
      const requireFromString = require("require-from-string");
      const fs = require("node:fs");
      const provider = requireFromString(fs.readFileSync(process.argv[1], "utf8"), ${JSON.stringify(path.join(PROJECT, "__dynamic_provider__.js"))}).handler();
      provider[process.argv[2]](...JSON.parse(process.argv[3])).then(
        (r) => process.stdout.write(JSON.stringify(r === undefined ? null : r)),
        (e) => { process.stdout.write(JSON.stringify({ error: e.message })); },
      );`;
    const out = execFileSync(process.execPath, ["-e", script, providerFile, name, JSON.stringify(args)], {
      cwd: PROJECT, encoding: "utf8", env: { ...withoutPasswordEnv(process.env), ...env },
    });
    return JSON.parse(out);
  }

  async function tables(): Promise<string[]> {
    const c = await adminClient(db.name);
    try {
      return (await c.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.tablename);
    } finally {
      await c.end();
    }
  }

  it("creates, updates and deletes, each in one transaction, leaving nothing behind", async () => {
    const created = op("create", { connection: conn(), migrations: [m1, r1] });
    expect(created.outs.applied).toEqual([
      { id: "0001_items", checksum: checksumOf(m1), repeatable: false },
      { id: "R__seed", checksum: checksumOf(r1), repeatable: true },
    ]);
    expect(await tables()).toEqual(["items"]);

    const news = { connection: conn(), migrations: [m1, r1, m2] };
    expect(op("diff", created.id, created.outs, news)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const updated = op("update", created.id, created.outs, news);
    expect(await tables()).toEqual(["items", "notes"]);
    expect(op("diff", created.id, updated.outs, news)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });

    // Another host name for the same server updates in place; another database replaces.
    const renamed = { ...conn(), host: "localhost" };
    expect(op("diff", created.id, updated.outs, { connection: renamed, migrations: news.migrations })).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(op("diff", created.id, updated.outs, { connection: { ...conn(), database: "elsewhere" }, migrations: news.migrations })).toEqual({
      changes: true, replaces: ["connection"], deleteBeforeReplace: false,
    });

    // A failing migration rolls back the whole batch: the good statement before it is not kept.
    const bad: Migration = { id: "0003_bad", up: "CREATE TABLE kept_if_partial (x int); SELECT * FROM no_such_table;", down: "SELECT 1;" };
    const failed = op("update", created.id, updated.outs, { connection: conn(), migrations: [m1, r1, m2, bad] });
    expect(failed).toEqual({ error: 'up of migration 0003_bad failed (nothing was applied): relation "no_such_table" does not exist [SQLSTATE 42P01]' });
    expect(await tables()).toEqual(["items", "notes"]);

    // Editing an applied migration is refused at diff time (so `pulumi preview` shows it).
    expect(op("diff", created.id, updated.outs, { connection: conn(), migrations: [{ ...m1, up: "SELECT 1;" }, r1, m2] })).toEqual({
      error: "cannot update SQL migrations: applied migration 0001_items was changed; add a new migration instead of editing an applied one",
    });

    expect(op("delete", created.id, updated.outs)).toBeNull();
    expect(await tables()).toEqual([]);
  });

  /** A migration that owns a table with forced RLS and one policy, so drift in each can be seen. */
  const rls: Migration = {
    id: "0001_guarded",
    up: `CREATE TABLE IF NOT EXISTS guarded (id int PRIMARY KEY, owner text NOT NULL DEFAULT current_user);
ALTER TABLE guarded ENABLE ROW LEVEL SECURITY;
ALTER TABLE guarded FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS own_rows ON guarded;
CREATE POLICY own_rows ON guarded USING (owner = current_user) WITH CHECK (owner = current_user);`,
    down: "DROP TABLE IF EXISTS guarded;",
    tables: [{ schema: "public", table: "guarded" }],
  };

  async function sql(text: string): Promise<any[]> {
    const c = await adminClient(db.name);
    try {
      return (await c.query(text)).rows;
    } finally {
      await c.end();
    }
  }

  it("read reports the ledger and the drift of the live catalog; the next update repairs it", async () => {
    const created = op("create", { connection: conn(), migrations: [rls] });
    const read0 = op("read", created.id, created.outs);
    expect(read0.id).toBe(created.id);
    expect(read0.props.applied).toEqual([{ id: "0001_guarded", checksum: checksumOf(rls), repeatable: false }]);
    expect(read0.props.drift).toEqual([]);
    const news = { connection: conn(), migrations: [rls] };
    expect(op("diff", created.id, read0.props, news)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });

    // Someone drops the policy and stops forcing RLS behind Pulumi's back.
    await sql("DROP POLICY own_rows ON guarded; ALTER TABLE guarded NO FORCE ROW LEVEL SECURITY");
    const read1 = op("read", created.id, created.outs);
    expect(read1.props.drift).toEqual([
      { migration: "0001_guarded", problem: 'row-level security is not forced on "public"."guarded"' },
      { migration: "0001_guarded", problem: 'policy own_rows on "public"."guarded" is missing or changed' },
    ]);
    expect(op("diff", created.id, read1.props, news)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const repaired = op("update", created.id, read1.props, news);
    expect(repaired.outs.drift).toEqual([]);
    expect(op("read", created.id, repaired.outs).props.drift).toEqual([]);
    expect(await sql("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'guarded'")).toEqual([
      { relrowsecurity: true, relforcerowsecurity: true },
    ]);

    // RLS disabled outright, and a policy nobody declared.
    await sql("ALTER TABLE guarded DISABLE ROW LEVEL SECURITY; CREATE POLICY open_all ON guarded USING (true)");
    expect(op("read", created.id, repaired.outs).props.drift).toEqual([
      { migration: "0001_guarded", problem: 'row-level security is disabled on "public"."guarded"' },
      { migration: "0001_guarded", problem: 'policy open_all on "public"."guarded" is not declared' },
    ]);
    await sql("DROP TABLE guarded");
    expect(op("read", created.id, repaired.outs).props.drift).toEqual([{ migration: "0001_guarded", problem: 'table "public"."guarded" is missing' }]);

    // Deleted: the ledger rows go, the ledger itself with the last resource, and read says "gone".
    expect(op("delete", created.id, repaired.outs)).toBeNull();
    expect(await sql("SELECT nspname FROM pg_namespace WHERE nspname = 'controlcore_migrations'")).toEqual([]);
    expect(op("read", created.id, repaired.outs)).toEqual({ id: "", props: {} });
  });

  it("sees drift in a real tenant's tables: the row level's shared tables declare what they own", async () => {
    const names = tenantNames(`drift-${runTag()}`);
    const layout = layoutFor(names, "row", db.name);
    const migrations = tenantMigrations(names, layout, { max_policies: 5, max_resources: 5, max_bouncers: 5, max_users: 5 }, { adminRole: PG_ADMIN });
    const created = op("create", { connection: conn(), migrations });
    try {
      expect(op("read", created.id, created.outs).props.drift).toEqual([]);
      await sql("ALTER TABLE cc_row_tenants.policies NO FORCE ROW LEVEL SECURITY; DROP POLICY tenant_isolation ON cc_row_tenants.users");
      expect(op("read", created.id, created.outs).props.drift).toEqual([
        { migration: "0001_row_level_shared", problem: 'row-level security is not forced on "cc_row_tenants"."policies"' },
        { migration: "0001_row_level_shared", problem: 'policy tenant_isolation on "cc_row_tenants"."users" is missing or changed' },
      ]);
    } finally {
      expect(op("delete", created.id, created.outs)).toBeNull();
    }
    expect(await sql("SELECT nspname FROM pg_namespace WHERE nspname IN ('cc_row_tenants', 'controlcore_migrations')")).toEqual([]);
  });

  it("after pulumi import ({} olds): diff does not crash, read from the ID alone fills the state, delete works", async () => {
    const created = op("create", { connection: conn(), migrations: [m1, r1] });
    const news = { connection: conn(), migrations: [m1, r1] };
    // The engine diffs an imported resource against whatever it has: nothing at all.
    expect(op("diff", created.id, {}, news)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(op("diff", created.id, { connection: conn() }, news)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(parseResourceId(created.id)).toEqual({ host: PG_HOST, port: PG_PORT, database: db.name, key: created.outs.ledgerKey });

    const imported = opWithEnv({ PGSSLMODE: "disable", PGUSER: PG_ADMIN }, "read", created.id, {});
    expect(imported.id).toBe(created.id);
    expect(imported.props.applied).toEqual(created.outs.applied);
    expect(imported.props.migrations).toEqual([m1, r1]);
    expect(imported.props.connection).toEqual({ host: PG_HOST, port: PG_PORT, database: db.name, user: PG_ADMIN, password: "", sslMode: "disable" });
    expect(imported.inputs).toEqual({ connection: imported.props.connection, migrations: [m1, r1] });
    // With the state read fills in, the program's inputs are no change, and an update after a
    // bare import re-applies idempotently without touching the data.
    expect(op("diff", created.id, imported.props, news)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    await sql("INSERT INTO items VALUES (7)");
    expect(op("update", created.id, {}, news).outs.applied).toEqual(created.outs.applied);
    expect(await sql("SELECT id FROM items ORDER BY id")).toEqual([{ id: 1 }, { id: 7 }]);
    // The downs come from the ledger: an imported resource is deleted completely.
    expect(op("delete", created.id, imported.props)).toBeNull();
    expect(await tables()).toEqual([]);
  });

  describe("against a server that checks passwords", () => {
    let server: PasswordServer;
    const OLD = `old-${runTag()}`;
    const NEW = `new-${runTag()}`;
    beforeAll(async () => {
      server = await startPasswordServer(OLD);
    });
    afterAll(() => server?.stop());
    const pwConn = (password: string) => ({ host: server.host, port: server.port, database: "postgres", user: "postgres", password, sslMode: "disable" as const });
    async function rotateTo(password: string): Promise<void> {
      const c = await server.connect("postgres", OLD);
      try {
        await c.query(`ALTER ROLE postgres PASSWORD '${password}'`);
      } finally {
        await c.end();
      }
    }
    async function guardedExists(password: string): Promise<boolean> {
      const c = await server.connect("postgres", password);
      try {
        return (await c.query("SELECT to_regclass('public.guarded') IS NOT NULL AS p")).rows[0].p;
      } finally {
        await c.end();
      }
    }

    it("deletes with the current admin password after a rotation, not the one saved in state", async () => {
      const created = op("create", { connection: pwConn(OLD), migrations: [rls] });
      expect(await guardedExists(OLD)).toBe(true);
      await rotateTo(NEW);
      await expect(server.connect("postgres", OLD)).rejects.toThrow('password authentication failed for user "postgres"');

      // `pulumi destroy` straight after an out-of-band rotation: the saved password is refused...
      expect(op("delete", created.id, created.outs)).toEqual({ error: 'password authentication failed for user "postgres"' });
      expect(await guardedExists(NEW)).toBe(true);
      // ...and the current one, from the environment of `pulumi destroy`, is used.
      expect(opWithEnv({ [ADMIN_PASSWORD_ENV]: NEW }, "delete", created.id, created.outs)).toBeNull();
      expect(await guardedExists(NEW)).toBe(false);
    });

    it("a rotation through stack config: diff reports the connection-only change, update stores it, delete then needs nothing", async () => {
      const created = op("create", { connection: pwConn(NEW), migrations: [rls] });
      const rotated = `newer-${runTag()}`;
      const c = await server.connect("postgres", NEW);
      try {
        await c.query(`ALTER ROLE postgres PASSWORD '${rotated}'`);
      } finally {
        await c.end();
      }
      const news = { connection: pwConn(rotated), migrations: [rls] };
      expect(op("diff", created.id, created.outs, news)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
      const updated = op("update", created.id, created.outs, news);
      expect(updated.outs.connection.password).toBe(rotated);
      expect(op("delete", created.id, updated.outs)).toBeNull();
      expect(await guardedExists(rotated)).toBe(false);
    });
  });
});
