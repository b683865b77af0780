/**
 * PostgresSchemaWithRls: a tenant's database isolation at one of the spec's four levels.
 *
 * | level    | where the tenant's tables live                         | who sees what                 |
 * |----------|--------------------------------------------------------|-------------------------------|
 * | database | its own database `tenant_<id>`, schema `tenant_<id>`   | CONNECT only to its database  |
 * | schema   | schema `tenant_<id>` in the shared database (Pro)      | USAGE only on its schema      |
 * | table    | tables `tenant_<id>_*` in the shared `cc_table_tenants`| privileges only on its tables |
 * | row      | shared tables in `cc_row_tenants`, a tenant_id column  | RLS keyed by session_user     |
 *
 * At every level RLS is enabled and forced on every tenant table, the tenant's login role is
 * not a superuser, owns nothing, has NOBYPASSRLS and a connection limit from the plan, and the
 * plan's data limits are enforced by triggers inside the database.
 *
 * @pulumi/postgresql models the role, database, schema and grants; tables, policies and triggers
 * are versioned migrations applied by {@link SqlMigrations}.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { IsolationLevel, Plan } from "../../plans/schema";
import type { TenantNames } from "../naming";
import type { PostgresPlatform } from "../platform-config";
import { connectGroupName, TenantRoleLifecycle } from "./role-lifecycle";
import { type PgConnection, SqlMigrations } from "./sql-migrations";
import { layoutFor, noLargeObjectsMigration, type PgLayout, tenantMigrations, tenantTableGrants } from "./sql";

export interface PostgresSchemaWithRlsArgs {
  /** The tenant's physical names (from `naming.tenantNames`). */
  readonly names: TenantNames;
  /**
   * Isolation level. Security note: `row` shares tables with other tenants and relies on RLS
   * alone; `schema` and stronger also separate privileges.
   */
  readonly isolationLevel: IsolationLevel;
  /** Data limits enforced inside the database (plan `limits`). */
  readonly limits: Pick<Plan["limits"], "max_policies" | "max_resources" | "max_bouncers" | "max_users">;
  /** Role settings (plan `database`): the connection limit bounds the tenant's pool. */
  readonly database: Plan["database"];
  /** The platform's PostgreSQL server and admin role. */
  readonly postgres: PostgresPlatform;
  /** Password of the admin role; secret. */
  readonly adminPassword: pulumi.Input<string>;
}

/** Where the tenant's application connects (no credential: see `password` and `url`). */
export interface TenantPgEndpoint {
  host: string;
  port: number;
  database: string;
  schema: string;
  user: string;
  isolationLevel: IsolationLevel;
  sslMode: string;
}

export class PostgresSchemaWithRls extends pulumi.ComponentResource {
  /** Where the tenant's tables live. */
  readonly layout: PgLayout;
  /** Where the tenant connects. */
  readonly endpoint: pulumi.Output<TenantPgEndpoint>;
  /** The tenant role's password; secret. */
  readonly password: pulumi.Output<string>;
  /** The tenant's connection URL with its password; secret. */
  readonly url: pulumi.Output<string>;
  readonly role: postgresql.Role;
  readonly migrations: SqlMigrations;

  constructor(name: string, args: PostgresSchemaWithRlsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("controlcore:postgres:PostgresSchemaWithRls", name, {}, opts);
    const { names, postgres: pg } = args;
    const level = args.isolationLevel;
    const layout = layoutFor(names, level, pg.database);
    this.layout = layout;
    const adminPassword = pulumi.secret(args.adminPassword);

    const provider = new postgresql.Provider(
      `${name}-provider`,
      {
        host: pg.host, port: pg.port, username: pg.adminUser, password: adminPassword,
        sslmode: pg.sslMode, superuser: pg.superuser, database: pg.database,
      },
      { parent: this },
    );
    const child = { parent: this, provider };

    const password = new random.RandomPassword(
      `${name}-password`,
      // Letters and digits only: the password appears in connection URLs.
      { length: 32, special: false, minLower: 1, minUpper: 1, minNumeric: 1 },
      { parent: this },
    );

    this.role = new postgresql.Role(
      `${name}-role`,
      {
        name: names.pgRole,
        login: true,
        password: pulumi.secret(password.result),
        superuser: false,
        createDatabase: false,
        createRole: false,
        replication: false,
        bypassRowLevelSecurity: false,
        // Removed by the role's removal phase below (every database, whatever other tenants
        // granted it), not by the provider's REASSIGN/DROP OWNED in one database.
        skipDropRole: true,
        skipReassignOwned: true,
        // Members of the shared-schema group (table and row levels) use its privileges.
        inherit: true,
        connectionLimit: args.database.connection_limit,
        statementTimeout: args.database.statement_timeout_ms,
        // Defaults only (the role may SET them to 0): the session watchdog enforces both limits.
        idleInTransactionSessionTimeout: args.database.statement_timeout_ms,
        searchPaths: [layout.schema],
      },
      child,
    );

    const adminConnection = (database: string): pulumi.Output<PgConnection> =>
      pulumi
        .all([pg.host, pg.port, pg.adminUser, adminPassword, pg.sslMode])
        .apply(([host, port, user, pw, sslMode]) => ({ host, port, database, user, password: pw, sslMode }));
    // Deleted last before the role (everything below depends on it): drops what the role owns and
    // was granted in every database of the server, then the role.
    const removal = new TenantRoleLifecycle(
      `${name}-role-removal`,
      { connection: adminConnection(pg.database), role: this.role.name, phase: "removal" },
      { parent: this, dependsOn: [this.role] },
    );
    const tenantChild = { ...child, dependsOn: [removal] };
    const before: pulumi.Resource[] = [this.role, removal];
    if (level === "database") {
      const db = new postgresql.Database(
        `${name}-database`,
        { name: layout.database, owner: pg.adminUser, template: "template0", encoding: "UTF8", allowConnections: true },
        tenantChild,
      );
      // New databases let PUBLIC connect and create temporary tables: take that back first.
      const revoke = new postgresql.Grant(
        `${name}-revoke-public`,
        { database: db.name, role: "public", objectType: "database", privileges: [] },
        tenantChild,
      );
      const connect = new postgresql.Grant(
        `${name}-connect`,
        { database: db.name, role: this.role.name, objectType: "database", privileges: ["CONNECT"] },
        { ...child, dependsOn: [revoke, removal] },
      );
      before.push(db, revoke, connect);
    }
    if (level === "database" || level === "schema") {
      const schema = new postgresql.Schema(
        `${name}-schema`,
        { name: layout.schema, database: layout.database, owner: pg.adminUser, dropCascade: false },
        { ...child, dependsOn: [...before] },
      );
      before.push(schema);
    }

    const limits = {
      max_policies: args.limits.max_policies,
      max_resources: args.limits.max_resources,
      max_bouncers: args.limits.max_bouncers,
      max_users: args.limits.max_users,
    };
    this.migrations = new SqlMigrations(
      `${name}-migrations`,
      {
        connection: pulumi
          .all([pg.host, pg.port, pg.adminUser, adminPassword, pg.sslMode])
          .apply(([host, port, user, pw, sslMode]) => ({ host, port, database: layout.database, user, password: pw, sslMode })),
        migrations: [
          ...tenantMigrations(names, layout, limits, {
            adminRole: pg.adminUser,
            // An open transaction holds its locks: idle in one longer than a statement may run is over the limit.
            sessionLimits: { statementTimeoutMs: args.database.statement_timeout_ms, idleInTransactionTimeoutMs: args.database.statement_timeout_ms },
          }),
          noLargeObjectsMigration(),
        ],
      },
      { parent: this, dependsOn: before },
    );

    const after = { ...child, dependsOn: [this.migrations] };
    const tail: pulumi.Resource[] = [this.migrations];
    if (layout.groupRole) {
      tail.push(new postgresql.GrantRole(`${name}-group`, { role: this.role.name, grantRole: layout.groupRole }, after));
    } else {
      tail.push(new postgresql.Grant(
        `${name}-schema-usage`,
        { database: layout.database, schema: layout.schema, role: this.role.name, objectType: "schema", privileges: ["USAGE"] },
        after,
      ));
    }
    if (level !== "row") {
      for (const g of tenantTableGrants(layout)) {
        tail.push(new postgresql.Grant(
          `${name}-grant-${g.key}`,
          {
            database: layout.database, schema: layout.schema, role: this.role.name,
            objectType: "table", objects: g.objects, privileges: g.privileges,
          },
          after,
        ));
      }
    }
    // Created last, so deleted FIRST on offboarding: NOLOGIN and the tenant's sessions ended
    // before anything else is removed, so a connected tenant cannot keep adding dependencies.
    // Its create closes the platform's databases to PUBLIC (no CONNECT, no TEMP: a tenant reaches
    // its own database only, and has nothing to hang another tenant's grant on) and gives the
    // tenant CONNECT on the shared database through one group role, when its tables live there.
    new TenantRoleLifecycle(
      `${name}-role-access`,
      {
        connection: adminConnection(pg.database), role: this.role.name, phase: "access",
        ...(level === "database" ? {} : { connectGroup: connectGroupName(pg.database) }),
      },
      { parent: this, dependsOn: tail },
    );

    this.endpoint = pulumi.all([pg.host, pg.port]).apply(([host, port]) => ({
      host, port, database: layout.database, schema: layout.schema, user: names.pgRole, isolationLevel: level, sslMode: pg.sslMode,
    }));
    this.password = pulumi.secret(password.result);
    this.url = pulumi.secret(
      pulumi.interpolate`postgresql://${names.pgRole}:${password.result.apply(encodeURIComponent)}@${pg.host}:${pg.port}/${layout.database}?sslmode=${pg.sslMode}`,
    );
    this.registerOutputs({ endpoint: this.endpoint, password: this.password, url: this.url });
  }
}
