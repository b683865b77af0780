/**
 * Applies the PostgreSQL resources the program declares to a local server, with the semantics
 * of the providers that apply them in the cloud:
 * - @pulumi/postgresql Role, Database, Schema, Grant, GrantRole: the statements its provider runs;
 * - the SqlMigrations dynamic resource: the provider serialized into the resource's own inputs
 *   (`__provider`), loaded the way the Pulumi engine loads it, so the code is the same code.
 *
 * Connections use the recorded `pulumi:providers:postgresql` inputs (local mode fills them from
 * DATABASE_URL), so the applier reaches exactly the server the program was configured for.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import * as path from "node:path";
import { Client } from "pg";
import { ident, literal } from "../../components/postgres/sql";
import { AMBIENT_TRANSACTIONS, type AmbientTransactions, type PgConnection } from "../../components/postgres/sql-migrations";
import type { AppliedResource, LocalApplier, LocalContext } from "./applier";

const T = {
  provider: "pulumi:providers:postgresql",
  role: "postgresql:index/role:Role",
  database: "postgresql:index/database:Database",
  schema: "postgresql:index/schema:Schema",
  grant: "postgresql:index/grant:Grant",
  grantRole: "postgresql:index/grantRole:GrantRole",
  migrations: "pulumi-nodejs:dynamic/controlcore:SqlMigrations",
  roleLifecycle: "pulumi-nodejs:dynamic/controlcore:TenantRoleLifecycle",
} as const;

type Inputs = Record<string, any>;

/** Admin connection settings, from the recorded provider resource. */
export interface AdminConnection {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  ssl: boolean;
  /** Whether the admin is a true superuser (false on RDS, Aurora, and for a CREATEROLE admin). */
  superuser: boolean;
}

export function adminConnectionOf(provider: Inputs): AdminConnection {
  return {
    host: String(provider.host),
    port: Number(provider.port),
    user: String(provider.username),
    password: provider.password === undefined ? undefined : String(provider.password),
    database: String(provider.database),
    ssl: String(provider.sslmode ?? "disable") !== "disable",
    superuser: String(provider.superuser) === "true",
  };
}

/** Runs statements on one database as the admin; each call is its own transaction. */
export async function withAdmin<T>(conn: AdminConnection, database: string, work: (c: Client) => Promise<T>): Promise<T> {
  const client = clientOf(conn, database);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function clientOf(conn: AdminConnection, database: string): Client {
  return new Client({ host: conn.host, port: conn.port, user: conn.user, password: conn.password, database, ssl: conn.ssl ? { rejectUnauthorized: false } : false });
}

/**
 * One open transaction per database for a whole `local up`, so the run commits or rolls back as
 * one. PostgreSQL has no transaction across databases (prepared transactions are off by
 * default), and a role created in one transaction is invisible to another until committed; so
 * when the run first touches a second database (the database level's own database), the shared
 * database's transaction commits first and the run is then only "partially transactional":
 * `rollback` reports it, and the caller undoes this run's new resources instead.
 * CREATE DATABASE cannot run in a transaction: a database created by the run is dropped on rollback.
 */
export class AdminSession {
  private readonly open = new Map<string, Client>();
  private readonly createdDatabases: string[] = [];
  private committedEarly = false;

  constructor(readonly conn: AdminConnection) {}

  /** The client of `database`, in this run's transaction on it. */
  async client(database: string): Promise<Client> {
    const have = this.open.get(database);
    if (have) return have;
    if (database !== this.conn.database) {
      // Roles made so far must be visible to the other database's connection.
      const shared = this.open.get(this.conn.database);
      if (shared) {
        await shared.query("COMMIT");
        await shared.end();
        this.open.delete(this.conn.database);
        this.committedEarly = true;
      }
    }
    const c = clientOf(this.conn, database);
    await c.connect();
    await c.query("BEGIN");
    this.open.set(database, c);
    return c;
  }

  /** CREATE DATABASE, outside any transaction; remembered so a rollback drops it. */
  async createDatabase(name: string, sql: string): Promise<void> {
    await withAdmin(this.conn, this.conn.database, (c) => c.query(sql));
    this.createdDatabases.push(name);
  }

  async commit(): Promise<void> {
    // The shared database last: if another database's commit failed, its roles are not kept.
    const order = [...this.open.keys()].sort((a, b) => Number(a === this.conn.database) - Number(b === this.conn.database));
    for (const db of order) {
      const c = this.open.get(db)!;
      await c.query("COMMIT");
      await c.end();
      this.open.delete(db);
    }
  }

  /** Rolls back; true when nothing of the run had been committed. */
  async rollback(): Promise<boolean> {
    for (const [db, c] of this.open) {
      await c.query("ROLLBACK").catch(() => undefined);
      await c.end().catch(() => undefined);
      this.open.delete(db);
    }
    for (const name of this.createdDatabases.reverse()) {
      await withAdmin(this.conn, this.conn.database, (c) => c.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`)).catch(() => undefined);
    }
    return !this.committedEarly;
  }

  /** Lets the serialized migrations provider run inside this session's transactions. */
  ambient(): AmbientTransactions {
    return {
      lookup: (c: PgConnection) => {
        if (c.host !== this.conn.host || Number(c.port) !== this.conn.port || c.user !== this.conn.user) return undefined;
        return async (sql: string, params?: unknown[]) => {
          const r = await (await this.client(c.database)).query(sql, params as unknown[] | undefined);
          return { rows: r.rows, rowCount: r.rowCount };
        };
      },
    };
  }
}

/** `PUBLIC` is a keyword, every other role an identifier. */
function grantee(role: string): string {
  return role.toLowerCase() === "public" ? "PUBLIC" : ident(role);
}

function objectsClause(i: Inputs): string {
  const type = String(i.objectType);
  if (type === "database") return `DATABASE ${ident(i.database)}`;
  if (type === "schema") return `SCHEMA ${ident(i.schema)}`;
  if (type === "table") {
    const objects: string[] = i.objects ?? [];
    if (objects.length === 0) return `ALL TABLES IN SCHEMA ${ident(i.schema)}`;
    return `TABLE ${objects.map((o) => `${ident(i.schema)}.${ident(o)}`).join(", ")}`;
  }
  throw new Error(`local mode does not apply grants on ${type}`);
}

/** The SQL of a Grant: revoke what the role had on the objects, then grant exactly the list. */
export function grantSql(i: Inputs): string[] {
  const on = objectsClause(i);
  const privileges: string[] = i.privileges ?? [];
  const sql = [`REVOKE ALL ON ${on} FROM ${grantee(i.role)}`];
  if (privileges.length > 0) {
    sql.push(`GRANT ${privileges.map((p) => p.toUpperCase()).join(", ")} ON ${on} TO ${grantee(i.role)}${i.withGrantOption ? " WITH GRANT OPTION" : ""}`);
  }
  return sql;
}

/**
 * The SQL that makes a role exist with exactly the declared attributes. Only a superuser may
 * name SUPERUSER, REPLICATION or BYPASSRLS at all, even to turn them off; a new role has none of
 * them, so an admin that is not a superuser (as on RDS) leaves them out, and cannot grant them.
 */
export function roleSql(i: Inputs, adminIsSuperuser = true): string[] {
  const name = String(i.name);
  const flag = (on: unknown, yes: string, no: string) => (on ? yes : no);
  const superuserOnly = (on: unknown, yes: string, no: string): string[] => {
    if (adminIsSuperuser) return [flag(on, yes, no)];
    if (on) throw new Error(`role ${name} asks for ${yes}, which only a superuser can grant`);
    return [];
  };
  const attrs = [
    flag(i.login, "LOGIN", "NOLOGIN"),
    ...superuserOnly(i.superuser, "SUPERUSER", "NOSUPERUSER"),
    flag(i.createDatabase, "CREATEDB", "NOCREATEDB"),
    flag(i.createRole, "CREATEROLE", "NOCREATEROLE"),
    ...superuserOnly(i.replication, "REPLICATION", "NOREPLICATION"),
    ...superuserOnly(i.bypassRowLevelSecurity, "BYPASSRLS", "NOBYPASSRLS"),
    flag(i.inherit ?? true, "INHERIT", "NOINHERIT"),
    `CONNECTION LIMIT ${Number(i.connectionLimit ?? -1)}`,
    i.password === undefined ? "PASSWORD NULL" : `PASSWORD ${literal(String(i.password))}`,
  ];
  const sql = [
    `DO $do$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${literal(name)}) THEN CREATE ROLE ${ident(name)}; END IF; END $do$`,
    `ALTER ROLE ${ident(name)} WITH ${attrs.join(" ")}`,
  ];
  if (i.statementTimeout !== undefined) sql.push(`ALTER ROLE ${ident(name)} SET statement_timeout = ${Number(i.statementTimeout)}`);
  if (i.idleInTransactionSessionTimeout !== undefined) {
    sql.push(`ALTER ROLE ${ident(name)} SET idle_in_transaction_session_timeout = ${Number(i.idleInTransactionSessionTimeout)}`);
  }
  const paths: string[] = i.searchPaths ?? [];
  if (paths.length > 0) sql.push(`ALTER ROLE ${ident(name)} SET search_path = ${paths.map(ident).join(", ")}`);
  return sql;
}

/** Loads the dynamic provider serialized into a resource's inputs, as the Pulumi engine does. */
export function loadSerializedProvider(serialized: string): any {
  const requireFromString: (code: string, filename?: string) => any = require("require-from-string");
  // Resolve the provider's `require`s from this project, as the engine resolves them from the program's.
  const filename = path.join(__dirname, "..", "..", "__dynamic_provider__.js");
  return requireFromString(serialized, filename).handler();
}

/** The admin connection of the recorded `pulumi:providers:postgresql` among `resources`. */
function admin(resources: ReadonlyMap<string, AppliedResource>): AdminConnection {
  const provider = [...resources.values()].find((r) => r.type === T.provider);
  if (!provider) throw new Error("local mode: the program declared no PostgreSQL provider");
  return adminConnectionOf(provider.inputs);
}

/**
 * Applies the PostgreSQL resource types; `resources` gives this run's recorded resources (for the
 * provider). Between `begin` and `commit`/`rollback`, every statement of the run goes through one
 * {@link AdminSession}, the migrations provider's included.
 */
/** One local run's slot for its open transaction (see {@link withAmbientScope}). */
interface AmbientScope {
  ambient?: AmbientTransactions;
}

/**
 * The registry the migrations and role providers consult (`globalThis[Symbol.for(AMBIENT_TRANSACTIONS)]`:
 * they run from their serialized text, so a module variable would not be shared). Each local run
 * has its own scope in an AsyncLocalStorage, so concurrent runs in one process (workers with
 * `--concurrency`, the API's in-process workers) never see each other's transaction.
 */
function ambientRegistry(): AmbientTransactions & { readonly storage: AsyncLocalStorage<AmbientScope> } {
  const g = globalThis as unknown as Record<symbol, ReturnType<typeof ambientRegistry> | undefined>;
  const key = Symbol.for(AMBIENT_TRANSACTIONS);
  g[key] ??= {
    storage: new AsyncLocalStorage<AmbientScope>(),
    lookup(c: PgConnection) {
      return this.storage.getStore()?.ambient?.lookup(c);
    },
  };
  return g[key]!;
}

/** Runs one local apply in its own scope: its transaction is seen only by its own provider calls. */
export function withAmbientScope<T>(fn: () => Promise<T>): Promise<T> {
  return ambientRegistry().storage.run({}, fn);
}

export class PostgresApplier implements LocalApplier {
  readonly types = [T.provider, T.role, T.database, T.schema, T.grant, T.grantRole, T.migrations, T.roleLifecycle];
  private session: AdminSession | undefined;
  private active = false;

  constructor(private readonly resources: () => ReadonlyMap<string, AppliedResource>) {}

  begin(): void {
    this.active = true;
  }

  private sessionFor(conn: AdminConnection): AdminSession | undefined {
    if (!this.active) return undefined;
    if (!this.session) {
      this.session = new AdminSession(conn);
      const scope = ambientRegistry().storage.getStore();
      if (!scope) throw new Error("a local apply runs inside withAmbientScope (cli/local/postgres-applier.ts)");
      scope.ambient = this.session.ambient();
    }
    return this.session;
  }

  private end(): AdminSession | undefined {
    const s = this.session;
    this.session = undefined;
    this.active = false;
    const scope = ambientRegistry().storage.getStore();
    if (scope) scope.ambient = undefined;
    return s;
  }

  async commit(): Promise<void> {
    const s = this.end();
    await s?.commit();
  }

  async rollback(): Promise<boolean> {
    const s = this.end();
    return s ? s.rollback() : true;
  }

  /** Runs `work` on `database`: in the run's transaction when one is open, else in its own. */
  private async exec<R>(conn: AdminConnection, database: string, work: (c: Client) => Promise<R>): Promise<R> {
    const s = this.sessionFor(conn);
    if (s) return work(await s.client(database));
    return withAdmin(conn, database, async (c) => {
      await c.query("BEGIN");
      try {
        const out = await work(c);
        await c.query("COMMIT");
        return out;
      } catch (e) {
        await c.query("ROLLBACK").catch(() => undefined);
        throw e;
      }
    });
  }

  async up(r: AppliedResource, ctx: LocalContext): Promise<Record<string, unknown> | void> {
    const conn = admin(this.resources());
    const i = r.inputs as Inputs;
    switch (r.type) {
      case T.provider:
        return;
      case T.role:
        await this.exec(conn, conn.database, async (c) => {
          for (const s of roleSql(i, conn.superuser)) await c.query(s);
        });
        return;
      case T.database: {
        const exists = await withAdmin(conn, conn.database, (c) => c.query("SELECT 1 FROM pg_database WHERE datname = $1", [i.name]));
        if (exists.rowCount === 0) {
          const sql = `CREATE DATABASE ${ident(i.name)} OWNER ${ident(i.owner)} TEMPLATE ${ident(i.template ?? "template1")} ENCODING ${literal(i.encoding ?? "UTF8")}`;
          const s = this.sessionFor(conn);
          if (s) await s.createDatabase(String(i.name), sql);
          else await withAdmin(conn, conn.database, (c) => c.query(sql));
        }
        return;
      }
      case T.schema:
        await this.exec(conn, i.database ?? conn.database, (c) =>
          c.query(`CREATE SCHEMA IF NOT EXISTS ${ident(i.name)} AUTHORIZATION ${ident(i.owner)}`),
        );
        return;
      case T.grant:
        // Database ACLs live in a shared catalog: granted from the shared database's transaction,
        // with the role it may have just created.
        await this.exec(conn, i.objectType === "database" ? conn.database : i.database, async (c) => {
          for (const s of grantSql(i)) await c.query(s);
        });
        return;
      case T.grantRole:
        await this.exec(conn, conn.database, (c) => c.query(`GRANT ${ident(i.grantRole)} TO ${ident(i.role)}`));
        return;
      case T.migrations: {
        // Opens the session first, so the provider finds the run's transaction (see AdminSession.ambient).
        this.sessionFor(conn);
        const provider = loadSerializedProvider(String(i.__provider));
        const { __provider, ...news } = i;
        void __provider;
        const prior = ctx.previous.get(r.urn)?.saved as { outs?: Inputs } | undefined;
        if (prior?.outs) {
          const diff = await provider.diff(r.urn, prior.outs, news);
          if (!diff.changes) return { outs: prior.outs };
          if ((diff.replaces ?? []).length > 0) throw new Error(`local mode will not replace ${r.name}: its connection changed (run local down first)`);
          const res = await provider.update(r.urn, prior.outs, news);
          return { outs: res.outs, id: (r.saved as { id?: string } | undefined)?.id ?? prior.outs.id };
        }
        const res = await provider.create(news);
        return { outs: res.outs, id: res.id };
      }
      case T.roleLifecycle: {
        // The serialized provider, as the engine runs it (create gives LOGIN back in the run's transaction).
        this.sessionFor(conn);
        const provider = loadSerializedProvider(String(i.__provider));
        const { __provider, ...news } = i;
        void __provider;
        const res = await provider.create(news);
        return { outs: res.outs, id: res.id };
      }
    }
  }

  async down(r: AppliedResource, ctx: LocalContext): Promise<void> {
    const conn = admin(ctx.previous);
    const i = r.inputs as Inputs;
    switch (r.type) {
      case T.provider:
        return;
      case T.role:
        await this.exec(conn, conn.database, async (c) => {
          const exists = await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [i.name]);
          if (exists.rowCount === 0) return;
          // The role's removal phase (TenantRoleLifecycle) dropped it already, or does it: as
          // @pulumi/postgresql, these flags make the Role's own delete do nothing.
          if (i.skipReassignOwned && i.skipDropRole) return;
          // What @pulumi/postgresql does before DROP ROLE; without superuser, REASSIGN OWNED needs
          // membership in the role, which a CREATEROLE admin can give itself.
          if (!conn.superuser) await c.query(`GRANT ${ident(i.name)} TO CURRENT_USER`);
          await c.query(`REASSIGN OWNED BY ${ident(i.name)} TO CURRENT_USER`);
          await c.query(`DROP OWNED BY ${ident(i.name)}`);
          await c.query(`DROP ROLE ${ident(i.name)}`);
        });
        return;
      case T.database:
        // DROP DATABASE cannot run inside a transaction block.
        await withAdmin(conn, conn.database, (c) => c.query(`DROP DATABASE IF EXISTS ${ident(i.name)} WITH (FORCE)`));
        return;
      case T.schema:
        await this.exec(conn, i.database ?? conn.database, (c) =>
          c.query(`DROP SCHEMA IF EXISTS ${ident(i.name)}${i.dropCascade ? " CASCADE" : ""}`),
        );
        return;
      case T.grant: {
        const exists = await withAdmin(conn, conn.database, (c) => c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [i.role]));
        if (exists.rowCount === 0 && String(i.role).toLowerCase() !== "public") return;
        if (i.objectType !== "database") {
          // The objects are gone already (their migration was removed first): nothing to revoke.
          const present = await withAdmin(conn, conn.database, (c) => c.query("SELECT 1 FROM pg_database WHERE datname = $1", [i.database]));
          if (present.rowCount === 0) return;
        }
        await this.exec(conn, i.objectType === "database" ? conn.database : i.database, async (c) => {
          await c.query("SAVEPOINT revoke_grant");
          await c.query(grantSql({ ...i, privileges: [] })[0]!).catch(async (e: { code?: string }) => {
            if (e.code !== "42P01" && e.code !== "3F000" && e.code !== "3D000") throw e;
            await c.query("ROLLBACK TO SAVEPOINT revoke_grant");
          });
          await c.query("RELEASE SAVEPOINT revoke_grant");
        });
        return;
      }
      case T.grantRole:
        await this.exec(conn, conn.database, async (c) => {
          const exists = await c.query(
            "SELECT 1 FROM pg_auth_members m JOIN pg_roles a ON a.oid = m.roleid JOIN pg_roles b ON b.oid = m.member WHERE a.rolname = $1 AND b.rolname = $2",
            [i.grantRole, i.role],
          );
          if (exists.rowCount) await c.query(`REVOKE ${ident(i.grantRole)} FROM ${ident(i.role)}`);
        });
        return;
      case T.migrations: {
        const saved = r.saved as { outs?: Inputs; id?: string } | undefined;
        if (!saved?.outs) return;
        this.sessionFor(conn);
        const provider = loadSerializedProvider(String(i.__provider));
        await provider.delete(saved.id ?? r.urn, saved.outs);
        return;
      }
      case T.roleLifecycle: {
        // Its own connections, outside any run transaction: it ends sessions and works in every database.
        const saved = r.saved as { outs?: Inputs; id?: string } | undefined;
        const provider = loadSerializedProvider(String(i.__provider));
        const { __provider, ...props } = i;
        void __provider;
        await provider.delete(saved?.id ?? r.urn, saved?.outs ?? props);
        return;
      }
    }
  }
}
