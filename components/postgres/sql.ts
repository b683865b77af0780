/**
 * Pure SQL for database isolation: where a tenant's tables live at each isolation level, the
 * versioned migrations that create them with forced row-level security and in-database plan
 * limits, and the quoting every tenant-derived string passes through.
 *
 * Nothing here talks to a database; the migrations provider applies what these functions return.
 */
import { createHash } from "node:crypto";
import type { TenantNames } from "../naming";
import { DATA_LIMITS, type DataLimit, type IsolationLevel } from "../../plans/schema";

/** Quotes an identifier for PostgreSQL (`"` doubled). Every identifier in our SQL goes through it. */
export function ident(name: string): string {
  if (name.length === 0 || name.includes("\0")) throw new Error(`invalid SQL identifier ${JSON.stringify(name)}`);
  if (Buffer.byteLength(name, "utf8") > 63) throw new Error(`SQL identifier ${JSON.stringify(name)} exceeds 63 bytes`);
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a string literal (standard_conforming_strings is on since PostgreSQL 9.1). */
export function literal(value: string): string {
  if (value.includes("\0")) throw new Error("SQL literal contains a NUL byte");
  return `'${value.replace(/'/g, "''")}'`;
}

/** `schema.name`, both quoted. */
export function qualified(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}

/** A versioned (applied once) or repeatable (re-applied when changed) migration. */
export interface Migration {
  /** Stable ID; migrations apply in list order. */
  readonly id: string;
  /** SQL applied inside the migration transaction. Idempotent. */
  readonly up: string;
  /** SQL that removes exactly what `up` made, run when the resource is deleted. */
  readonly down: string;
  /** Re-applied whenever its SQL changes (Flyway's repeatable migrations); versioned otherwise. */
  readonly repeatable?: boolean;
  /**
   * Tables whose row-level security this migration establishes. The provider records their
   * catalog facts (present, RLS enabled and forced, policies) when it applies the migration,
   * and `read` compares them with the live catalog, so `pulumi refresh` sees drift.
   */
  readonly tables?: readonly OwnedTable[];
  /**
   * The shared schema this migration creates (table and row levels): the provider applies it only
   * when the schema's version mark (its comment) is not this migration's checksum, and marks it
   * after applying. So shared objects are created and migrated once per platform version, and a
   * tenant's onboarding runs no DDL on tables other tenants are using.
   */
  readonly sharedSchema?: string;
}

/** A table named by schema and name (either may contain any character). */
export interface OwnedTable {
  readonly schema: string;
  readonly table: string;
}

/** The tenant tables every level provides, by logical key. */
export const TENANT_TABLES = ["policies", "resources", "bouncers", "users", "audit_log", "limits"] as const;
export type TenantTable = (typeof TENANT_TABLES)[number];

/** Tables the tenant reads and writes freely (within RLS and limits). */
export const READ_WRITE_TABLES: readonly TenantTable[] = ["policies", "resources", "bouncers", "users"];

/** Shared schemas of the table and row levels, in the platform's shared database. */
export const TABLE_LEVEL_SCHEMA = "cc_table_tenants";
export const ROW_LEVEL_SCHEMA = "cc_row_tenants";

/** Where one tenant's tables live at its isolation level. */
export interface PgLayout {
  readonly level: IsolationLevel;
  /** Database holding the tables: the tenant's own (database level) or the shared one. */
  readonly database: string;
  /** Schema holding the tables. */
  readonly schema: string;
  /** Whether the schema is shared with other tenants (table and row levels). */
  readonly sharedSchema: boolean;
  /** Physical table names by logical key. */
  readonly tables: Readonly<Record<TenantTable, string>>;
  /** Prefix of per-tenant functions and constraint names (unique within the schema). */
  readonly objectPrefix: string;
  /**
   * Group role whose members may use the shared schema (table and row levels). Tenants get the
   * shared privileges through membership, so no shared catalog row (table or schema ACL) grows
   * with the number of tenants: `pg_class` has no TOAST table and its ACLs must stay small.
   */
  readonly groupRole: string | undefined;
  /** SQL expression for "the tenant of this session", used by RLS policies. */
  readonly tenantExpr: string;
  /** Default of every tenant_id column (a DEFAULT may not contain a subquery). */
  readonly tenantDefault: string;
}

/** A short stable suffix that makes cluster-wide group role names unique per database. */
function dbSuffix(database: string): string {
  return createHash("sha256").update(database).digest("hex").slice(0, 8);
}

/** The group role of a shared schema in `database`. */
export function groupRoleName(level: "table" | "row", database: string): string {
  return `cc_${level}_tenants_${dbSuffix(database)}`;
}

/**
 * Computes the layout of a tenant at a level.
 *
 * @param sharedDatabase the platform's shared database (schema, table and row levels).
 */
export function layoutFor(names: TenantNames, level: IsolationLevel, sharedDatabase: string): PgLayout {
  const byKey = (prefix: string) =>
    Object.fromEntries(TENANT_TABLES.map((t) => [t, `${prefix}${t}`])) as Record<TenantTable, string>;
  const own = literal(names.id);
  switch (level) {
    case "database":
      return {
        level, database: names.pgDatabase, schema: names.pgSchema, sharedSchema: false,
        tables: byKey(""), objectPrefix: "", groupRole: undefined, tenantExpr: own, tenantDefault: own,
      };
    case "schema":
      return {
        level, database: sharedDatabase, schema: names.pgSchema, sharedSchema: false,
        tables: byKey(""), objectPrefix: "", groupRole: undefined, tenantExpr: own, tenantDefault: own,
      };
    case "table":
      return {
        level, database: sharedDatabase, schema: TABLE_LEVEL_SCHEMA, sharedSchema: true,
        tables: byKey(names.pgTablePrefix), objectPrefix: names.pgTablePrefix,
        groupRole: groupRoleName("table", sharedDatabase), tenantExpr: own, tenantDefault: own,
      };
    case "row":
      return {
        level, database: sharedDatabase, schema: ROW_LEVEL_SCHEMA, sharedSchema: true,
        tables: byKey(""), objectPrefix: "", groupRole: groupRoleName("row", sharedDatabase),
        // A scalar subquery is evaluated once per statement (an InitPlan), not once per row.
        tenantExpr: `(SELECT ${qualified(ROW_LEVEL_SCHEMA, "session_tenant")}())`,
        tenantDefault: `${qualified(ROW_LEVEL_SCHEMA, "session_tenant")}()`,
      };
  }
}

function ownedTables(l: PgLayout, extra: string[] = []): OwnedTable[] {
  return [...extra, ...TENANT_TABLES.map((k) => l.tables[k])].map((table) => ({ schema: l.schema, table }));
}

/**
 * The platform's schema in every database the migrations provider works in (its migration lock
 * lives there: components/postgres/sql-migrations.ts PLATFORM_SCHEMA, the same name), and the
 * session limits the watchdog enforces. No privilege for PUBLIC.
 */
export const PLATFORM_SCHEMA = "controlcore_platform";

/** Limits of a tenant's sessions that the platform enforces from outside the role's own settings. */
export interface SessionLimits {
  /** A statement of the tenant running longer than this is cancelled. */
  readonly statementTimeoutMs: number;
  /** A tenant session idle inside a transaction longer than this is terminated. */
  readonly idleInTransactionTimeoutMs: number;
}

/**
 * The session watchdog, a pure SQL function: cancels every statement of a tenant role running
 * longer than its limit and terminates every tenant session idle in a transaction longer than its
 * limit, and returns what it did. Needed because a role's `statement_timeout` and
 * `idle_in_transaction_session_timeout` are only defaults: any role may `SET` them to 0 in its
 * session, and `ALTER ROLE CURRENT_USER SET` them for its next ones. Limits come from
 * `session_limits`, which tenants cannot read or write; sessions are matched by their login role
 * (`usename`, which `SET ROLE` does not change). The caller needs `pg_signal_backend` (RDS:
 * `rds_superuser` has it) and must see other roles' `pg_stat_activity` rows (`pg_read_all_stats`).
 */
export const WATCHDOG_FUNCTION = `${qualified(PLATFORM_SCHEMA, "enforce_session_limits")}`;

function watchdogDdl(): string {
  const limitsTable = qualified(PLATFORM_SCHEMA, "session_limits");
  return `
CREATE TABLE IF NOT EXISTS ${limitsTable} (
  role_name name PRIMARY KEY,
  statement_timeout_ms integer NOT NULL CHECK (statement_timeout_ms > 0),
  idle_in_transaction_timeout_ms integer NOT NULL CHECK (idle_in_transaction_timeout_ms > 0)
);
REVOKE ALL ON TABLE ${limitsTable} FROM PUBLIC;
CREATE OR REPLACE FUNCTION ${WATCHDOG_FUNCTION}()
RETURNS TABLE (backend_pid integer, login_role name, action text, over_ms bigint)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  s record;
BEGIN
  FOR s IN
    SELECT a.pid, a.usename, a.state, a.query_start, a.state_change, l.statement_timeout_ms, l.idle_in_transaction_timeout_ms
      FROM pg_stat_activity a JOIN ${limitsTable} l ON l.role_name = a.usename
     WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()
  LOOP
    IF s.state = 'active' AND clock_timestamp() - s.query_start > s.statement_timeout_ms * interval '1 millisecond' THEN
      IF pg_cancel_backend(s.pid) THEN
        backend_pid := s.pid; login_role := s.usename; action := 'cancel';
        over_ms := (extract(epoch FROM clock_timestamp() - s.query_start) * 1000)::bigint;
        RETURN NEXT;
      END IF;
    ELSIF s.state IN ('idle in transaction', 'idle in transaction (aborted)')
      AND clock_timestamp() - s.state_change > s.idle_in_transaction_timeout_ms * interval '1 millisecond' THEN
      IF pg_terminate_backend(s.pid) THEN
        backend_pid := s.pid; login_role := s.usename; action := 'terminate';
        over_ms := (extract(epoch FROM clock_timestamp() - s.state_change) * 1000)::bigint;
        RETURN NEXT;
      END IF;
    END IF;
  END LOOP;
END
$fn$;
REVOKE ALL ON FUNCTION ${WATCHDOG_FUNCTION}() FROM PUBLIC;`;
}

/** The tenant's session limits, upserted for the watchdog: repeatable, re-applied when the plan changes. */
function sessionLimitsMigration(names: TenantNames, limits: SessionLimits): Migration {
  const t = qualified(PLATFORM_SCHEMA, "session_limits");
  return {
    id: "R__session_limits",
    repeatable: true,
    up: `${watchdogDdl()}
INSERT INTO ${t} (role_name, statement_timeout_ms, idle_in_transaction_timeout_ms)
  VALUES (${literal(names.pgRole)}, ${Number(limits.statementTimeoutMs)}, ${Number(limits.idleInTransactionTimeoutMs)})
ON CONFLICT (role_name) DO UPDATE SET statement_timeout_ms = EXCLUDED.statement_timeout_ms,
  idle_in_transaction_timeout_ms = EXCLUDED.idle_in_transaction_timeout_ms;`,
    down: `DELETE FROM ${t} WHERE role_name = ${literal(names.pgRole)};`,
  };
}

function tableDdl(l: PgLayout, idDefault: string): string {
  const t = (k: TenantTable) => qualified(l.schema, l.tables[k]);
  const c = (k: TenantTable, suffix: string) => ident(`${l.tables[k]}_${suffix}`);
  const tenantCol = `tenant_id text NOT NULL DEFAULT ${idDefault}`;
  return `
CREATE TABLE IF NOT EXISTS ${t("policies")} (
  ${tenantCol},
  id text NOT NULL DEFAULT gen_random_uuid()::text,
  name varchar(255) NOT NULL,
  policy_content text NOT NULL,
  description text,
  enabled boolean NOT NULL DEFAULT true,
  version integer NOT NULL DEFAULT 1 CHECK (version > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ${c("policies", "pkey")} PRIMARY KEY (tenant_id, id),
  CONSTRAINT ${c("policies", "name_key")} UNIQUE (tenant_id, name)
);
CREATE TABLE IF NOT EXISTS ${t("resources")} (
  ${tenantCol},
  id text NOT NULL DEFAULT gen_random_uuid()::text,
  name varchar(255) NOT NULL,
  resource_type varchar(64) NOT NULL DEFAULT 'api',
  url text,
  attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ${c("resources", "pkey")} PRIMARY KEY (tenant_id, id),
  CONSTRAINT ${c("resources", "name_key")} UNIQUE (tenant_id, name)
);
CREATE TABLE IF NOT EXISTS ${t("bouncers")} (
  ${tenantCol},
  id text NOT NULL DEFAULT gen_random_uuid()::text,
  name varchar(255) NOT NULL,
  resource_id text,
  endpoint text,
  status varchar(16) NOT NULL DEFAULT 'inactive' CHECK (status IN ('active', 'inactive', 'unhealthy')),
  last_seen_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ${c("bouncers", "pkey")} PRIMARY KEY (tenant_id, id),
  CONSTRAINT ${c("bouncers", "name_key")} UNIQUE (tenant_id, name),
  -- The foreign key includes tenant_id, so a bouncer can only protect its own tenant's resource.
  CONSTRAINT ${c("bouncers", "resource_fkey")} FOREIGN KEY (tenant_id, resource_id)
    REFERENCES ${t("resources")} (tenant_id, id) ON DELETE SET NULL (resource_id)
);
CREATE TABLE IF NOT EXISTS ${t("users")} (
  ${tenantCol},
  id text NOT NULL DEFAULT gen_random_uuid()::text,
  email varchar(320) NOT NULL,
  display_name varchar(255),
  role varchar(16) NOT NULL DEFAULT 'viewer' CHECK (role IN ('admin', 'editor', 'viewer')),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ${c("users", "pkey")} PRIMARY KEY (tenant_id, id),
  CONSTRAINT ${c("users", "email_key")} UNIQUE (tenant_id, email)
);
CREATE TABLE IF NOT EXISTS ${t("audit_log")} (
  ${tenantCol},
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  occurred_at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL DEFAULT session_user,
  action varchar(64) NOT NULL,
  object_type varchar(64),
  object_id text,
  details jsonb,
  CONSTRAINT ${c("audit_log", "pkey")} PRIMARY KEY (tenant_id, id)
);
CREATE INDEX IF NOT EXISTS ${c("audit_log", "occurred_idx")} ON ${t("audit_log")} (tenant_id, occurred_at);
CREATE TABLE IF NOT EXISTS ${t("limits")} (
  ${tenantCol},
  limit_name varchar(64) NOT NULL,
  max_rows bigint NOT NULL CHECK (max_rows > 0),
  used bigint NOT NULL DEFAULT 0 CHECK (used >= 0),
  CONSTRAINT ${c("limits", "pkey")} PRIMARY KEY (tenant_id, limit_name)
);`;
}

/** Enables and forces RLS on every tenant table with one policy keyed by tenant_id. */
function rlsDdl(l: PgLayout, adminRole: string | undefined): string {
  return TENANT_TABLES.map((k) => {
    const t = qualified(l.schema, l.tables[k]);
    const admin = adminRole
      ? `
DROP POLICY IF EXISTS platform_admin ON ${t};
CREATE POLICY platform_admin ON ${t} AS PERMISSIVE FOR ALL TO ${ident(adminRole)} USING (true) WITH CHECK (true);`
      : "";
    return `
ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY;
ALTER TABLE ${t} FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON ${t};
CREATE POLICY tenant_isolation ON ${t} AS PERMISSIVE FOR ALL TO PUBLIC
  USING (tenant_id = ${l.tenantExpr}) WITH CHECK (tenant_id = ${l.tenantExpr});${admin}`;
  }).join("\n");
}

/**
 * Trigger functions: plan limits counted in the limits table (a row update, so concurrent inserts
 * serialize on it in every transaction isolation level), and an audit trail of every change.
 * SECURITY DEFINER with a pinned search_path, so a session's search_path cannot redirect them.
 */
function functionDdl(l: PgLayout): string {
  const fn = (n: string) => qualified(l.schema, `${l.objectPrefix}${n}`);
  const limits = qualified(l.schema, l.tables.limits);
  const audit = qualified(l.schema, l.tables.audit_log);
  const triggers = READ_WRITE_TABLES.map((k) => {
    const t = qualified(l.schema, l.tables[k]);
    const limitName = (Object.keys(DATA_LIMITS) as DataLimit[]).find((n) => DATA_LIMITS[n] === k)!;
    return `
DROP TRIGGER IF EXISTS enforce_limit_insert ON ${t};
CREATE TRIGGER enforce_limit_insert BEFORE INSERT ON ${t} FOR EACH ROW EXECUTE FUNCTION ${fn("enforce_limit")}(${literal(limitName)}, ${literal(k)});
DROP TRIGGER IF EXISTS release_limit_delete ON ${t};
CREATE TRIGGER release_limit_delete AFTER DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION ${fn("release_limit")}(${literal(limitName)});
DROP TRIGGER IF EXISTS audit_change ON ${t};
CREATE TRIGGER audit_change AFTER INSERT OR UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION ${fn("audit")}(${literal(k)});`;
  }).join("\n");
  return `
CREATE OR REPLACE FUNCTION ${fn("enforce_limit")}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  remaining bigint;
  allowed bigint;
  own text := ${l.tenantExpr};
BEGIN
  -- A row of another tenant is not this session's to count: row-level security's WITH CHECK,
  -- which runs after BEFORE triggers, refuses it with its own error. No limit is looked up or
  -- named first, so the refusal cannot depend on the other tenant's existence, limits or usage.
  -- (own is NULL only for a session that is no tenant, e.g. the admin at the row level.)
  IF own IS NOT NULL AND NEW.tenant_id IS DISTINCT FROM own THEN
    RETURN NEW;
  END IF;
  UPDATE ${limits} SET used = used + 1
    WHERE tenant_id = NEW.tenant_id AND limit_name = TG_ARGV[0] AND used < max_rows
    RETURNING max_rows INTO allowed;
  IF allowed IS NULL THEN
    SELECT max_rows INTO remaining FROM ${limits} WHERE tenant_id = NEW.tenant_id AND limit_name = TG_ARGV[0];
    IF remaining IS NULL THEN
      RAISE EXCEPTION 'no plan limit % is configured for tenant %', TG_ARGV[0], NEW.tenant_id
        USING ERRCODE = 'check_violation';
    END IF;
    RAISE EXCEPTION 'plan limit % reached: tenant % may have at most % %', TG_ARGV[0], NEW.tenant_id, remaining, TG_ARGV[1]
      USING ERRCODE = 'check_violation', HINT = 'Delete rows or move the tenant to a plan with a higher ' || TG_ARGV[0] || '.';
  END IF;
  RETURN NEW;
END
$fn$;
CREATE OR REPLACE FUNCTION ${fn("release_limit")}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  UPDATE ${limits} SET used = greatest(used - 1, 0) WHERE tenant_id = OLD.tenant_id AND limit_name = TG_ARGV[0];
  RETURN NULL;
END
$fn$;
CREATE OR REPLACE FUNCTION ${fn("audit")}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  r record;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  INSERT INTO ${audit} (tenant_id, actor, action, object_type, object_id)
    VALUES (r.tenant_id, session_user, lower(TG_OP), TG_ARGV[0], r.id);
  RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION ${fn("enforce_limit")}() FROM PUBLIC;
REVOKE ALL ON FUNCTION ${fn("release_limit")}() FROM PUBLIC;
REVOKE ALL ON FUNCTION ${fn("audit")}() FROM PUBLIC;
${triggers}`;
}

function dropTablesDdl(l: PgLayout): string {
  const fn = (n: string) => qualified(l.schema, `${l.objectPrefix}${n}`);
  const tables = [...TENANT_TABLES].reverse().map((k) => `DROP TABLE IF EXISTS ${qualified(l.schema, l.tables[k])};`);
  return [
    ...tables,
    `DROP FUNCTION IF EXISTS ${fn("enforce_limit")}();`,
    `DROP FUNCTION IF EXISTS ${fn("release_limit")}();`,
    `DROP FUNCTION IF EXISTS ${fn("audit")}();`,
  ].join("\n");
}

/** Creates the group role of a shared schema unless it exists (roles are cluster-wide). */
function createGroupRole(role: string): string {
  return `
DO $do$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${literal(role)}) THEN
    CREATE ROLE ${ident(role)} NOLOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
  END IF;
END $do$;`;
}

/** Drops a shared schema and its group role once no tenant uses them. */
function dropSharedWhenUnused(l: PgLayout, stillUsed: string): string {
  return `
DO $do$ BEGIN
  IF NOT (${stillUsed}) THEN
    DROP SCHEMA ${ident(l.schema)} CASCADE;
    DROP ROLE IF EXISTS ${ident(l.groupRole!)};
  END IF;
END $do$;`;
}

export interface MigrationOptions {
  /**
   * The role that runs the migrations and owns the tables. At the row level it gets a policy of
   * its own (it must see every tenant's rows to remove one), needed when it is not a superuser
   * (RDS, Aurora): FORCE ROW LEVEL SECURITY applies to table owners.
   */
  readonly adminRole: string;
  /** Limits the session watchdog enforces on the tenant's role (see {@link WATCHDOG_FUNCTION}). */
  readonly sessionLimits?: SessionLimits;
}

/** Limits rows upserted for the tenant: a repeatable migration, re-applied when the plan changes. */
function limitsMigration(names: TenantNames, l: PgLayout, limits: Readonly<Record<DataLimit, number>>): Migration {
  const t = qualified(l.schema, l.tables.limits);
  const rows = (Object.keys(DATA_LIMITS) as DataLimit[])
    .map((k) => `(${literal(names.id)}, ${literal(k)}, ${Number(limits[k])})`)
    .join(",\n  ");
  return {
    id: "R__plan_limits",
    repeatable: true,
    up: `INSERT INTO ${t} (tenant_id, limit_name, max_rows) VALUES
  ${rows}
ON CONFLICT (tenant_id, limit_name) DO UPDATE SET max_rows = EXCLUDED.max_rows;`,
    down: `DELETE FROM ${t} WHERE tenant_id = ${literal(names.id)};`,
  };
}

/**
 * The migrations of one tenant at its level, in order. Each is idempotent; the provider applies
 * them all in one transaction and runs their `down` in reverse order on delete.
 */
export function tenantMigrations(
  names: TenantNames,
  layout: PgLayout,
  limits: Readonly<Record<DataLimit, number>>,
  options: MigrationOptions,
): Migration[] {
  const l = layout;
  const schema = ident(l.schema);
  const session = options.sessionLimits ? [sessionLimitsMigration(names, options.sessionLimits)] : [];
  if (l.level === "database" || l.level === "schema") {
    return [
      {
        id: "0001_tenant_tables",
        up: `${tableDdl(l, l.tenantDefault)}\n${rlsDdl(l, undefined)}\n${functionDdl(l)}`,
        down: dropTablesDdl(l),
        tables: ownedTables(l),
      },
      limitsMigration(names, l, limits),
      ...session,
    ];
  }
  const group = ident(l.groupRole!);
  if (l.level === "table") {
    const shared: Migration = {
      id: "0001_table_level_shared",
      sharedSchema: l.schema,
      up: `CREATE SCHEMA IF NOT EXISTS ${schema};
REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC;${createGroupRole(l.groupRole!)}
GRANT USAGE ON SCHEMA ${schema} TO ${group};`,
      down: dropSharedWhenUnused(
        l,
        `EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ${literal(l.schema)})`,
      ),
    };
    return [
      shared,
      {
        id: "0002_tenant_tables",
        up: `${tableDdl(l, l.tenantDefault)}\n${rlsDdl(l, undefined)}\n${functionDdl(l)}`,
        down: dropTablesDdl(l),
        tables: ownedTables(l),
      },
      limitsMigration(names, l, limits),
      ...session,
    ];
  }
  // Row level: shared tables, one mapping row per tenant, the tenant known from session_user
  // (which no unprivileged session can change: SET ROLE changes current_user only).
  const tenants = qualified(l.schema, "tenants");
  const t = (k: TenantTable) => qualified(l.schema, l.tables[k]);
  const shared: Migration = {
    id: "0001_row_level_shared",
    sharedSchema: l.schema,
    up: `CREATE SCHEMA IF NOT EXISTS ${schema};
REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC;${createGroupRole(l.groupRole!)}
GRANT USAGE ON SCHEMA ${schema} TO ${group};
CREATE TABLE IF NOT EXISTS ${tenants} (
  tenant_id text PRIMARY KEY,
  role_name name NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE ${tenants} ENABLE ROW LEVEL SECURITY;
ALTER TABLE ${tenants} FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS platform_admin ON ${tenants};
CREATE POLICY platform_admin ON ${tenants} AS PERMISSIVE FOR ALL TO ${ident(options.adminRole)} USING (true) WITH CHECK (true);
CREATE OR REPLACE FUNCTION ${qualified(l.schema, "session_tenant")}() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT t.tenant_id FROM ${tenants} t WHERE t.role_name = session_user
$fn$;
REVOKE ALL ON FUNCTION ${qualified(l.schema, "session_tenant")}() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ${qualified(l.schema, "session_tenant")}() TO ${group};
${tableDdl(l, l.tenantDefault)}
${rlsDdl(l, options.adminRole)}
${functionDdl(l)}
GRANT SELECT, INSERT, UPDATE, DELETE ON ${READ_WRITE_TABLES.map(t).join(", ")} TO ${group};
-- Audit rows are written by the audit trigger only (it runs as its definer): tenants read their own.
GRANT SELECT ON ${t("audit_log")} TO ${group};
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ${t("audit_log")} FROM ${group};
GRANT SELECT ON ${t("limits")} TO ${group};
${noColumnStatistics(l)}`,
    down: dropSharedWhenUnused(l, `EXISTS (SELECT 1 FROM ${tenants})`),
    tables: ownedTables(l, ["tenants"]),
  };
  const deleteOwnRows = [...READ_WRITE_TABLES, "audit_log", "limits"]
    .map((k) => `DELETE FROM ${t(k as TenantTable)} WHERE tenant_id = ${literal(names.id)};`)
    .join("\n");
  return [
    shared,
    {
      id: "0002_row_level_tenant",
      up: `INSERT INTO ${tenants} (tenant_id, role_name) VALUES (${literal(names.id)}, ${literal(names.pgRole)})
ON CONFLICT (tenant_id) DO NOTHING;`,
      // Children first (bouncers reference resources), audit rows written by the deletes last.
      down: `DELETE FROM ${t("bouncers")} WHERE tenant_id = ${literal(names.id)};
${deleteOwnRows}
DELETE FROM ${tenants} WHERE tenant_id = ${literal(names.id)};`,
    },
    limitsMigration(names, l, limits),
    ...session,
  ];
}

/**
 * Row level: no column statistics on the shared tables. The planner reads `pg_statistic` for any
 * leakproof operator (`=`, `<` on text are leakproof) even where row security hides `pg_stats`, so
 * with statistics `EXPLAIN … WHERE url = '<guess>'` estimated the other tenants' matching rows
 * (7 when right, 1 when wrong), and `WHERE tenant_id = '<other>'` their row count. With a
 * statistics target of 0, ANALYZE collects none and every estimate is the same default.
 * Part of the version-marked shared migration; only columns not yet at 0 are altered
 * (`IS DISTINCT FROM`: PostgreSQL 17 stores the default as NULL), so a column added later is
 * covered when that migration next runs. Statistics an ANALYZE gathered
 * before this ran stay until the column is re-typed (`ALTER COLUMN … TYPE <same type>`).
 */
function noColumnStatistics(l: PgLayout): string {
  const tables = ownedTables(l, ["tenants"]).map((o) => `${literal(qualified(o.schema, o.table))}::regclass`).join(", ");
  return `DO $do$
DECLARE c record;
BEGIN
  FOR c IN SELECT a.attrelid::regclass AS rel, a.attname FROM pg_catalog.pg_attribute a
    WHERE a.attrelid IN (${tables}) AND a.attnum > 0 AND NOT a.attisdropped AND a.attstattarget IS DISTINCT FROM 0
  LOOP
    EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET STATISTICS 0', c.rel, c.attname);
  END LOOP;
END $do$;`;
}

/** Privileges the tenant role gets on its own tables (table, schema and database levels). */
export function tenantTableGrants(l: PgLayout): Array<{ key: string; objects: string[]; privileges: string[] }> {
  return [
    { key: "tables", objects: READ_WRITE_TABLES.map((k) => l.tables[k]), privileges: ["SELECT", "INSERT", "UPDATE", "DELETE"] },
    // Read only: audit rows are written by the audit trigger (SECURITY DEFINER), with the true
    // actor (session_user) and the server's time, never by the tenant.
    { key: "audit", objects: [l.tables.audit_log], privileges: ["SELECT"] },
    { key: "limits", objects: [l.tables.limits], privileges: ["SELECT"] },
  ];
}

/**
 * No large objects for tenants, in the database the tenant uses. Large objects belong to no
 * schema: any role that may connect can create them (`lo_create`, `lo_creat`, `lo_from_bytea` are
 * executable by PUBLIC), unbounded by the plan's limits, and grant them to another tenant's role
 * (`GRANT SELECT ON LARGE OBJECT … TO`), which made that tenant's `DROP ROLE` fail (issue 8
 * item 1; offboarding now copes with such grants anyway). Only a superuser may revoke EXECUTE on
 * these `pg_catalog` functions; an admin that is not one (RDS, Aurora: they belong to `rdsadmin`)
 * leaves them, and the README names the residual. The database keeps the revocation on `down`:
 * it is the platform's hardening, not the tenant's object.
 */
export function noLargeObjectsMigration(): Migration {
  return {
    id: "0090_no_large_objects",
    up: `DO $do$ BEGIN
  IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    REVOKE EXECUTE ON FUNCTION pg_catalog.lo_creat(integer), pg_catalog.lo_create(oid), pg_catalog.lo_from_bytea(oid, bytea) FROM PUBLIC;
  END IF;
END $do$;`,
    down: "-- the revocation stays: platform hardening of the database, not the tenant's",
  };
}
