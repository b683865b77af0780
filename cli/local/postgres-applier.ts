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
import * as path from "node:path";
import { Client } from "pg";
import { ident, literal } from "../../components/postgres/sql";
import type { AppliedResource, LocalApplier, LocalContext } from "./applier";

const T = {
  provider: "pulumi:providers:postgresql",
  role: "postgresql:index/role:Role",
  database: "postgresql:index/database:Database",
  schema: "postgresql:index/schema:Schema",
  grant: "postgresql:index/grant:Grant",
  grantRole: "postgresql:index/grantRole:GrantRole",
  migrations: "pulumi-nodejs:dynamic/controlcore:SqlMigrations",
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
  const client = new Client({ host: conn.host, port: conn.port, user: conn.user, password: conn.password, database, ssl: conn.ssl ? { rejectUnauthorized: false } : false });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
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

/** Applies the PostgreSQL resource types; `resources` gives this run's recorded resources (for the provider). */
export class PostgresApplier implements LocalApplier {
  readonly types = [T.provider, T.role, T.database, T.schema, T.grant, T.grantRole, T.migrations];

  constructor(private readonly resources: () => ReadonlyMap<string, AppliedResource>) {}

  async up(r: AppliedResource, ctx: LocalContext): Promise<Record<string, unknown> | void> {
    const conn = admin(this.resources());
    const i = r.inputs as Inputs;
    switch (r.type) {
      case T.provider:
        return;
      case T.role:
        await withAdmin(conn, conn.database, async (c) => {
          for (const s of roleSql(i, conn.superuser)) await c.query(s);
        });
        return;
      case T.database:
        await withAdmin(conn, conn.database, async (c) => {
          const exists = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [i.name]);
          if (exists.rowCount === 0) {
            await c.query(`CREATE DATABASE ${ident(i.name)} OWNER ${ident(i.owner)} TEMPLATE ${ident(i.template ?? "template1")} ENCODING ${literal(i.encoding ?? "UTF8")}`);
          }
        });
        return;
      case T.schema:
        await withAdmin(conn, i.database ?? conn.database, (c) =>
          c.query(`CREATE SCHEMA IF NOT EXISTS ${ident(i.name)} AUTHORIZATION ${ident(i.owner)}`),
        );
        return;
      case T.grant:
        await withAdmin(conn, i.database, async (c) => {
          for (const s of grantSql(i)) await c.query(s);
        });
        return;
      case T.grantRole:
        await withAdmin(conn, conn.database, (c) => c.query(`GRANT ${ident(i.grantRole)} TO ${ident(i.role)}`));
        return;
      case T.migrations: {
        const provider = loadSerializedProvider(String(i.__provider));
        const { __provider, ...news } = i;
        void __provider;
        const prior = ctx.previous.get(r.urn)?.saved as { outs?: Inputs } | undefined;
        if (prior?.outs) {
          const diff = await provider.diff(r.urn, prior.outs, news);
          if (!diff.changes) return { outs: prior.outs };
          if ((diff.replaces ?? []).length > 0) throw new Error(`local mode will not replace ${r.name}: its connection changed (run local down first)`);
          const res = await provider.update(r.urn, prior.outs, news);
          return { outs: res.outs };
        }
        const res = await provider.create(news);
        return { outs: res.outs };
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
        await withAdmin(conn, conn.database, async (c) => {
          const exists = await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [i.name]);
          if (exists.rowCount === 0) return;
          // What @pulumi/postgresql does before DROP ROLE; without superuser, REASSIGN OWNED needs
          // membership in the role, which a CREATEROLE admin can give itself.
          if (!conn.superuser) await c.query(`GRANT ${ident(i.name)} TO CURRENT_USER`);
          await c.query(`REASSIGN OWNED BY ${ident(i.name)} TO CURRENT_USER`);
          await c.query(`DROP OWNED BY ${ident(i.name)}`);
          await c.query(`DROP ROLE ${ident(i.name)}`);
        });
        return;
      case T.database:
        await withAdmin(conn, conn.database, (c) => c.query(`DROP DATABASE IF EXISTS ${ident(i.name)} WITH (FORCE)`));
        return;
      case T.schema:
        await withAdmin(conn, i.database ?? conn.database, (c) =>
          c.query(`DROP SCHEMA IF EXISTS ${ident(i.name)}${i.dropCascade ? " CASCADE" : ""}`),
        );
        return;
      case T.grant:
        await withAdmin(conn, i.database, async (c) => {
          const exists = await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [i.role]);
          if (exists.rowCount === 0 && String(i.role).toLowerCase() !== "public") return;
          await c.query(grantSql({ ...i, privileges: [] })[0]!).catch((e: { code?: string }) => {
            // The objects are gone already (their migration was removed first): nothing to revoke.
            if (e.code !== "42P01" && e.code !== "3F000" && e.code !== "3D000") throw e;
          });
        });
        return;
      case T.grantRole:
        await withAdmin(conn, conn.database, async (c) => {
          const exists = await c.query(
            "SELECT 1 FROM pg_auth_members m JOIN pg_roles a ON a.oid = m.roleid JOIN pg_roles b ON b.oid = m.member WHERE a.rolname = $1 AND b.rolname = $2",
            [i.grantRole, i.role],
          );
          if (exists.rowCount) await c.query(`REVOKE ${ident(i.grantRole)} FROM ${ident(i.role)}`);
        });
        return;
      case T.migrations: {
        const outs = (r.saved as { outs?: Inputs } | undefined)?.outs;
        if (!outs) return;
        const provider = loadSerializedProvider(String(i.__provider));
        await provider.delete(r.urn, outs);
        return;
      }
    }
  }
}
