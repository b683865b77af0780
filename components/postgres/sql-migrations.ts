/**
 * SqlMigrations: a Pulumi dynamic resource that applies versioned SQL migrations with a real
 * PostgreSQL client, for what @pulumi/postgresql does not model (tables, RLS policies, triggers).
 *
 * - create applies every migration in ONE transaction: all of it or nothing;
 * - update applies new versioned migrations and re-applies changed repeatable ones, in one
 *   transaction; an applied versioned migration may not change or disappear (that would lose data
 *   or leave objects behind), and `diff` says so at preview time;
 * - delete runs every `down` in reverse order, in one transaction, leaving nothing behind;
 * - a new host, port or credential updates in place; only another database replaces.
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

/** Runs `work` in one transaction on a fresh connection; rolls back on any error. */
async function inTransaction(conn: PgConnection, work: (run: (sql: string) => Promise<void>) => Promise<void>): Promise<void> {
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
    await work(async (sql) => {
      await client.query(sql);
    });
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw e;
  } finally {
    await client.end();
  }
}

function describeFailure(step: string, id: string, e: unknown): Error {
  const err = e as { message?: string; code?: string; position?: string };
  return new Error(`${step} of migration ${id} failed (nothing was applied): ${err.message ?? String(e)}${err.code ? ` [SQLSTATE ${err.code}]` : ""}`);
}

async function applyAll(conn: PgConnection, migrations: readonly Migration[]): Promise<void> {
  await inTransaction(conn, async (run) => {
    for (const m of migrations) {
      try {
        await run(m.up);
      } catch (e) {
        throw describeFailure("up", m.id, e);
      }
    }
  });
}

function record(migrations: readonly Migration[]): AppliedMigration[] {
  return migrations.map((m) => ({ id: m.id, checksum: checksumOf(m), repeatable: m.repeatable === true }));
}

function resourceId(conn: PgConnection, migrations: readonly Migration[]): string {
  return `${conn.host}:${conn.port}/${conn.database}#${migrations.map((m) => m.id).join(",")}`.slice(0, 512);
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

  async diff(_id: string, olds: SqlMigrationsOutputs, news: SqlMigrationsInputs) {
    const step = planMigrations(olds.applied ?? [], news.migrations);
    if (step.problems.length > 0) throw new Error(`cannot update SQL migrations: ${step.problems.join("; ")}`);
    // A new host or port may be the same server under another name (a proxy, a failover
    // endpoint): update in place, never drop. Only another database is another place.
    const replaces: string[] = [];
    const o = olds.connection;
    const n = news.connection;
    if (o.database !== n.database) replaces.push("connection");
    const connectionChanged = o.host !== n.host || o.port !== n.port || o.user !== n.user || o.password !== n.password || o.sslMode !== n.sslMode;
    return {
      changes: replaces.length > 0 || step.apply.length > 0 || connectionChanged,
      replaces,
      // The replacement lives in another database: create it before removing the old one.
      deleteBeforeReplace: false,
    };
  },

  async create(inputs: SqlMigrationsInputs) {
    await applyAll(inputs.connection, inputs.migrations);
    return { id: resourceId(inputs.connection, inputs.migrations), outs: { ...inputs, applied: record(inputs.migrations) } };
  },

  async update(_id: string, olds: SqlMigrationsOutputs, news: SqlMigrationsInputs) {
    const step = planMigrations(olds.applied ?? [], news.migrations);
    if (step.problems.length > 0) throw new Error(`cannot update SQL migrations: ${step.problems.join("; ")}`);
    if (step.apply.length > 0) await applyAll(news.connection, step.apply);
    return { outs: { ...news, applied: record(news.migrations) } };
  },

  async delete(_id: string, olds: SqlMigrationsOutputs) {
    const downs = [...olds.migrations].reverse();
    await inTransaction(olds.connection, async (run) => {
      for (const m of downs) {
        try {
          await run(m.down);
        } catch (e) {
          throw describeFailure("down", m.id, e);
        }
      }
    });
  },
};

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
      { connection: pulumi.secret(args.connection), migrations: args.migrations, applied: undefined },
      { ...opts, additionalSecretOutputs: ["connection"] },
      "controlcore",
      "SqlMigrations",
    );
  }
}
