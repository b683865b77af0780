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
import { checksumOf, planMigrations } from "../../components/postgres/sql-migrations";
import type { Migration } from "../../components/postgres/sql";
import { adminClient, freshDatabase, PG_ADMIN, PG_HOST, PG_PORT } from "../helpers/pg";

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
    const script = `
      const requireFromString = require("require-from-string");
      const fs = require("node:fs");
      const provider = requireFromString(fs.readFileSync(process.argv[1], "utf8"), ${JSON.stringify(path.join(PROJECT, "__dynamic_provider__.js"))}).handler();
      provider[process.argv[2]](...JSON.parse(process.argv[3])).then(
        (r) => process.stdout.write(JSON.stringify(r === undefined ? null : r)),
        (e) => { process.stdout.write(JSON.stringify({ error: e.message })); },
      );`;
    const out = execFileSync(process.execPath, ["-e", script, providerFile, name, JSON.stringify(args)], { cwd: PROJECT, encoding: "utf8" });
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
});
