/**
 * TenantRoleLifecycle: the part of a tenant role's life @pulumi/postgresql's Role does not get
 * right for a multi-tenant server — taking its access away first when it is offboarded, and
 * removing it whatever other tenants did.
 *
 * Two resources of this type per tenant, with `phase`:
 * - `access` (created after everything else of the tenant, so deleted FIRST): its delete sets the
 *   role NOLOGIN and terminates the role's sessions, so a connected tenant cannot keep creating
 *   objects or dependencies while it is being removed; its create gives LOGIN back (an `up` after
 *   an interrupted destroy).
 * - `removal` (created right after the Role, everything else depends on it, so deleted LAST before
 *   the Role, whose own delete is skipped): its delete does the same again, then, in every
 *   database where the role has a dependency (pg_shdepend lists them, any database of the server),
 *   `DROP OWNED BY` — which drops what the role owns (a tenant owns nothing the platform made:
 *   whatever it owns, it made itself) and revokes every privilege granted to it, also the ones
 *   another tenant granted it on that tenant's own objects (a large object, the attack of issue 8
 *   item 1) — and then `DROP ROLE`, retried when a new dependency appeared meanwhile.
 *
 * An admin that is not a superuser (RDS, Aurora: CREATEROLE) first grants itself membership in
 * the role (to end its sessions and drop what it owns) and in the owners of objects that carry a
 * grant to it (to revoke a grant another tenant made: only the grantor or the object's owner can),
 * and gives those memberships up again.
 *
 * The provider is serialized into state and run by the engine in another process: everything it
 * uses is inside this module and `require`d inside its functions.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PgConnection } from "./sql-migrations";

export type RolePhase = "access" | "removal";

export interface TenantRoleLifecycleInputs {
  /** The admin connection to the platform's shared database. */
  readonly connection: PgConnection;
  /** The tenant's login role. */
  readonly role: string;
  readonly phase: RolePhase;
  /**
   * Access phase: the group role holding CONNECT on the shared database, which the tenant joins
   * when its tables live there (schema, table, row levels); absent at the database level.
   */
  readonly connectGroup?: string;
}

/**
 * The group role holding CONNECT on a shared database (cluster-wide, so named after the database
 * like the shared schemas' groups): tenants join it instead of each getting an ACL entry.
 */
export function connectGroupName(database: string): string {
  const crypto: typeof import("node:crypto") = require("node:crypto");
  return `cc_connect_${crypto.createHash("sha256").update(database).digest("hex").slice(0, 8)}`;
}

/** How long offboarding waits for each terminated session to end, and how often it retries DROP ROLE. */
export const TERMINATE_WAIT_MS = 5000;
export const DROP_ROLE_ATTEMPTS = 5;

type Q = (sql: string, params?: unknown[]) => Promise<{ rows: any[]; rowCount: number | null }>;

function clientFor(conn: PgConnection, database: string): any {
  const pg: typeof import("pg") = require("pg");
  const ssl = conn.sslMode === "disable" ? false : { rejectUnauthorized: conn.sslMode === "verify-full" || conn.sslMode === "verify-ca" };
  return new pg.Client({
    host: conn.host, port: conn.port, database, user: conn.user, password: conn.password, ssl,
    application_name: "controlcore-tenant-offboarding",
  });
}

/** The password override of sql-migrations (CONTROLCORE_PG_ADMIN_PASSWORD), for a destroy after a rotation. */
function current(conn: PgConnection): PgConnection {
  const override = process.env.CONTROLCORE_PG_ADMIN_PASSWORD;
  return override ? { ...conn, password: override } : conn;
}

async function onDatabase<T>(conn: PgConnection, database: string, work: (q: Q) => Promise<T>): Promise<T> {
  const c = clientFor(conn, database);
  await c.connect();
  try {
    return await work((sql, params) => c.query(sql, params));
  } finally {
    await c.end().catch(() => undefined);
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

async function isSuperuser(q: Q): Promise<boolean> {
  return (await q("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).rows[0]?.rolsuper === true;
}

async function roleExists(q: Q, role: string): Promise<boolean> {
  return ((await q("SELECT 1 FROM pg_roles WHERE rolname = $1", [role])).rowCount ?? 0) > 0;
}

/** Grants the admin membership in `roles` it lacks (not superuser roles); returns what it granted. */
async function borrow(q: Q, roles: readonly string[]): Promise<string[]> {
  const granted: string[] = [];
  for (const r of roles) {
    const has = await q("SELECT pg_has_role(current_user, $1, 'USAGE') AS has, (SELECT rolsuper FROM pg_roles WHERE rolname = $1) AS su", [r]);
    if (has.rows[0]?.has || has.rows[0]?.su) continue;
    await q(`GRANT ${quoteIdent(r)} TO CURRENT_USER`);
    granted.push(r);
  }
  return granted;
}

async function giveBack(q: Q, roles: readonly string[]): Promise<void> {
  for (const r of roles) await q(`REVOKE ${quoteIdent(r)} FROM CURRENT_USER`).catch(() => undefined);
}

/** NOLOGIN, then ends every session of the role and waits for each to end. */
export async function disableAccess(conn: PgConnection, role: string): Promise<void> {
  await onDatabase(current(conn), conn.database, async (q) => {
    if (!(await roleExists(q, role))) return;
    const borrowed = (await isSuperuser(q)) ? [] : await borrow(q, [role]);
    try {
      await q(`ALTER ROLE ${quoteIdent(role)} NOLOGIN`);
      await q(`SELECT pg_terminate_backend(pid, ${TERMINATE_WAIT_MS}) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()`, [role]);
    } finally {
      await giveBack(q, borrowed);
    }
  });
}

/** The databases (other than shared catalogs) where `role` has a dependency. */
async function databasesWithDependencies(q: Q, role: string): Promise<string[]> {
  const r = await q(
    `SELECT DISTINCT d.datname FROM pg_shdepend s JOIN pg_database d ON d.oid = s.dbid
      WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = (SELECT oid FROM pg_roles WHERE rolname = $1)
      ORDER BY 1`,
    [role],
  );
  return r.rows.map((row) => String(row.datname));
}

/** In the current database: drops what `role` owns and revokes what was granted to it. */
async function dropOwned(q: Q, role: string, superuser: boolean, thenInSameTransaction?: () => Promise<unknown>): Promise<void> {
  await q("BEGIN");
  try {
    let borrowed: string[] = [];
    if (!superuser) {
      // Owners of objects here that carry a grant (or policy) naming the role: only they may revoke it.
      const owners = await q(
        `SELECT DISTINCT o.refobjid::regrole::text AS owner
           FROM pg_shdepend a JOIN pg_shdepend o ON o.dbid = a.dbid AND o.classid = a.classid AND o.objid = a.objid AND o.deptype = 'o'
          WHERE a.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND a.refobjid = (SELECT oid FROM pg_roles WHERE rolname = $1) AND a.deptype IN ('a', 'r')`,
        [role],
      );
      borrowed = await borrow(q, [role, ...owners.rows.map((r) => String(r.owner).replace(/^"(.*)"$/, "$1").replace(/""/g, '"'))]);
    }
    await q(`DROP OWNED BY ${quoteIdent(role)}`);
    await giveBack(q, borrowed);
    if (thenInSameTransaction) await thenInSameTransaction();
    await q("COMMIT");
  } catch (e) {
    await q("ROLLBACK").catch(() => undefined);
    throw e;
  }
}

/**
 * Removes the role from the server whatever other tenants granted it or made it depend on:
 * access first, then every database's dependencies, then DROP ROLE (retried).
 */
export async function removeRole(conn: PgConnection, role: string): Promise<void> {
  const c = current(conn);
  await disableAccess(conn, role);
  await onDatabase(c, conn.database, async (q) => {
    if (!(await roleExists(q, role))) return;
    const superuser = await isSuperuser(q);
    for (let attempt = 1; ; attempt++) {
      const databases = await databasesWithDependencies(q, role);
      for (const db of databases.filter((d) => d !== conn.database)) await onDatabase(c, db, (other) => dropOwned(other, role, superuser));
      // The home database last, in the same transaction as DROP ROLE (no window there for a new
      // dependency): shared objects (database and tablespace grants) go with DROP OWNED in any database.
      try {
        await dropOwned(q, role, superuser, () => q(`DROP ROLE ${quoteIdent(role)}`));
        return;
      } catch (e) {
        // 2BP01: a dependency appeared between the cleanup and DROP ROLE (another tenant's new grant).
        if ((e as { code?: string }).code !== "2BP01" || attempt >= DROP_ROLE_ATTEMPTS) {
          const err = e as { message?: string; detail?: string };
          throw new Error(`offboarding role ${role} failed after ${attempt} attempt(s): ${err.message}${err.detail ? ` (${err.detail})` : ""}`);
        }
      }
    }
  });
}

/**
 * Runs `step` in a savepoint, again when a concurrent catalog write collided with it: GRANT and
 * REVOKE on a database rewrite its one `pg_database` row, and two sessions doing so at once get
 * "tuple concurrently updated" (XX000) instead of waiting; the retry reads the other's result.
 */
async function retried(q: Q, step: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await q("SAVEPOINT controlcore_role_access");
    try {
      await step();
      await q("RELEASE SAVEPOINT controlcore_role_access");
      return;
    } catch (e) {
      await q("ROLLBACK TO SAVEPOINT controlcore_role_access");
      const err = e as { code?: string; message?: string };
      const collided = (err.code === "XX000" && /concurrently/.test(String(err.message))) || err.code === "23505" || err.code === "40P01";
      if (!collided || attempt >= 5) throw e;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

/** Whether PUBLIC may connect to or make temporary objects in `database` (no ACL means it may). */
async function publicOpen(q: Q, database: string): Promise<boolean> {
  const r = await q(
    `SELECT d.datacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(d.datacl) a WHERE a.grantee = 0 AND a.privilege_type IN ('CONNECT', 'TEMPORARY')) AS open
       FROM pg_database d WHERE d.datname = $1`,
    [database],
  );
  return r.rows[0]?.open === true;
}

/**
 * The access phase's create: the platform's databases closed to PUBLIC (the shared one always;
 * `postgres` and `template1` — copied into every new database — where the admin is a superuser
 * or their owner), CONNECT on the shared database through one group role (one ACL entry, and a
 * membership row per tenant, so concurrent onboardings do not rewrite the same catalog row), the
 * tenant in that group when its tables live there, and LOGIN (given back after an interrupted
 * destroy). Catalog rows are written only when they must change. In local mode's open
 * transaction when there is one.
 */
async function openAccess(conn: PgConnection, inputs: TenantRoleLifecycleInputs): Promise<void> {
  const ambient = (globalThis as any)[Symbol.for("controlcore.sql-migrations.ambient-transaction")] as
    | { lookup(c: PgConnection): Q | undefined }
    | undefined;
  const held = ambient?.lookup(conn);
  const role = inputs.role;
  const run = async (q: Q) => {
    const su = await isSuperuser(q);
    for (const database of [...new Set(["postgres", "template1", conn.database])]) {
      const owner = await q("SELECT pg_has_role(current_user, datdba, 'USAGE') AS owner FROM pg_database WHERE datname = $1", [database]);
      if (!su && owner.rows[0]?.owner !== true) continue;
      if (await publicOpen(q, database)) {
        await retried(q, async () => {
          await q(`REVOKE ALL ON DATABASE ${quoteIdent(database)} FROM PUBLIC`);
        });
      }
    }
    const group = inputs.connectGroup;
    if (group) {
      await retried(q, async () => {
        if (!(await roleExists(q, group))) await q(`CREATE ROLE ${quoteIdent(group)} NOLOGIN NOINHERIT`);
      });
      const has = await q("SELECT has_database_privilege($1, $2, 'CONNECT') AS has", [group, conn.database]);
      if (has.rows[0]?.has !== true) {
        await retried(q, async () => {
          await q(`GRANT CONNECT ON DATABASE ${quoteIdent(conn.database)} TO ${quoteIdent(group)}`);
        });
      }
      const member = await q("SELECT pg_has_role($1, $2, 'MEMBER') AS m", [role, group]);
      if (member.rows[0]?.m !== true) await q(`GRANT ${quoteIdent(group)} TO ${quoteIdent(role)}`);
    }
    const r = await q("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", [role]);
    if (r.rows[0] && r.rows[0].rolcanlogin === false) await q(`ALTER ROLE ${quoteIdent(role)} LOGIN`);
  };
  if (held) return run(held);
  return onDatabase(conn, conn.database, async (q) => {
    await q("BEGIN");
    try {
      await run(q);
      await q("COMMIT");
    } catch (e) {
      await q("ROLLBACK").catch(() => undefined);
      throw e;
    }
  });
}

export const tenantRoleLifecycleProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: any, news: any) {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (typeof news.role !== "string" || news.role.length === 0) failures.push({ property: "role", reason: `expected a role name, got ${JSON.stringify(news.role)}` });
    if (news.phase !== "access" && news.phase !== "removal") failures.push({ property: "phase", reason: `expected "access" or "removal", got ${JSON.stringify(news.phase)}` });
    return { inputs: news, failures };
  },
  async diff(_id: string, olds: TenantRoleLifecycleInputs, news: TenantRoleLifecycleInputs) {
    const replaces = olds.role !== news.role || olds.phase !== news.phase || olds.connectGroup !== news.connectGroup ? ["role"] : [];
    const changes = replaces.length > 0 || JSON.stringify(olds.connection) !== JSON.stringify(news.connection);
    return { changes, replaces, deleteBeforeReplace: true };
  },
  async create(inputs: TenantRoleLifecycleInputs) {
    if (inputs.phase === "access") await openAccess(inputs.connection, inputs);
    return { id: `${inputs.role}#${inputs.phase}`, outs: inputs };
  },
  async update(_id: string, _olds: TenantRoleLifecycleInputs, news: TenantRoleLifecycleInputs) {
    return { outs: news };
  },
  async delete(_id: string, props: TenantRoleLifecycleInputs) {
    if (props.phase === "access") await disableAccess(props.connection, props.role);
    else await removeRole(props.connection, props.role);
  },
};

/** One phase of a tenant role's lifecycle (see the module comment). */
export class TenantRoleLifecycle extends pulumi.dynamic.Resource {
  constructor(
    name: string,
    args: { connection: pulumi.Input<PgConnection>; role: pulumi.Input<string>; phase: RolePhase; connectGroup?: string },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      tenantRoleLifecycleProvider,
      name,
      { connection: pulumi.secret(args.connection), role: args.role, phase: args.phase, ...(args.connectGroup ? { connectGroup: args.connectGroup } : {}) },
      { ...opts, additionalSecretOutputs: ["connection"] },
      "controlcore",
      "TenantRoleLifecycle",
    );
  }
}
