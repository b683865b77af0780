/**
 * A tenant's live isolation checks: what the servers say now, against what the program declared
 * for the tenant (api/checks/tenant-state.ts). Any difference makes the tenant unhealthy and is
 * named in `drift`, one line per difference.
 *
 * PostgreSQL (as the admin): every table the tenant's migrations own has row-level security
 * enabled and forced and exactly the policies recorded when the migration applied (the migrations
 * ledger's facts, compared by the provider's own compareFacts over its own live-catalog query);
 * the login role's attributes equal the Role resource's (not superuser, NOBYPASSRLS, the
 * connection limit, …); it owns no object the program did not declare it owns (pg_shdepend,
 * cluster-wide); every privilege granted to it anywhere in the cluster and every role it is a
 * member of equals the declared Grant/GrantRole resources and the connect group.
 * Redis (as the admin): `ACL GETUSER` of the tenant's user equals Redis's own normalisation of
 * the declared access string.
 */
import type { Client } from "pg";
import { ident } from "../../components/postgres/sql";
import { compareFacts, LEDGER_SCHEMA, LEDGER_TABLE, tableFacts, type TableFacts } from "../../components/postgres/sql-migrations";
import { withAdminRedis } from "./connections";
import type { CheckContext } from "./context";
import { ACL_FIELDS, aclUserOf, normalisedAccessString } from "./redis-acl";
import type { CheckResult, TenantHealth } from "./schemas";
import { declaredRedisUserOf, declaredRoleOf, loadTenant, RESOURCE_TYPES, type TenantState, withDatabase } from "./tenant-state";

const q = (c: Client) => async (sql: string, params?: unknown[]) => {
  const r = await c.query(sql, params as unknown[] | undefined);
  return { rows: r.rows, rowCount: r.rowCount };
};

/** Role attributes: Role resource input, pg_roles column, the provider's default, the check's name. */
const ROLE_ATTRIBUTES = [
  { input: "superuser", column: "rolsuper", default: false, check: "superuser" },
  { input: "bypassRowLevelSecurity", column: "rolbypassrls", default: false, check: "bypassrls" },
  { input: "connectionLimit", column: "rolconnlimit", default: -1, check: "connection limit" },
  { input: "createDatabase", column: "rolcreatedb", default: false, check: "createdb" },
  { input: "createRole", column: "rolcreaterole", default: false, check: "createrole" },
  { input: "replication", column: "rolreplication", default: false, check: "replication" },
  { input: "login", column: "rolcanlogin", default: false, check: "login" },
  { input: "inherit", column: "rolinherit", default: true, check: "inherit" },
] as const;

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The table-security checks: ledger facts recorded at apply time against the live catalog. */
async function tableChecks(ctx: CheckContext, t: TenantState): Promise<{ checks: CheckResult[]; drift: string[] }> {
  const checks: CheckResult[] = [];
  const drift: string[] = [];
  for (const m of t.of(RESOURCE_TYPES.migrations)) {
    const outs = (m.saved as { outs?: { ledgerKey?: string; connection?: { database?: string } } } | undefined)?.outs;
    const key = outs?.ledgerKey;
    const database = outs?.connection?.database ?? t.layout.database;
    const declaredTables = ((m.inputs.migrations ?? []) as Array<{ tables?: Array<{ schema: string; table: string }> }>).flatMap((x) => x.tables ?? []);
    await withDatabase(ctx, database, async (c) => {
      const ledger = `${ident(LEDGER_SCHEMA)}.${ident(LEDGER_TABLE)}`;
      const present = (await c.query("SELECT to_regclass($1) IS NOT NULL AS p", [ledger])).rows[0]?.p === true;
      const rows: Array<{ migration_id: string; facts: TableFacts[] }> = present
        ? (await c.query(`SELECT migration_id, facts FROM ${ledger} WHERE ledger_key = $1 ORDER BY position`, [key ?? ""])).rows
        : [];
      const recorded = new Map<string, { migration: string; facts: TableFacts }>();
      for (const r of rows) for (const f of r.facts) recorded.set(`${f.schema}\0${f.table}`, { migration: r.migration_id, facts: f });
      // One catalog query for every declared table (tableFacts keeps the order it was given).
      const lives = await tableFacts(q(c), declaredTables);
      for (const [i, table] of declaredTables.entries()) {
        const name = `${ident(table.schema)}.${ident(table.table)}`;
        const want = recorded.get(`${table.schema}\0${table.table}`);
        const live = lives[i];
        if (!want) {
          checks.push({ component: "postgres", check: `table ${name}`, ok: false, expected: "recorded in the migrations ledger", actual: "no ledger record" });
          drift.push(`postgres: table ${name} has no record in the migrations ledger of database ${database}`);
          continue;
        }
        const problems = compareFacts(want.migration, [want.facts], [live!]);
        // RLS enabled and forced on every tenant table, whatever the record says.
        if (!want.facts.rlsEnabled) problems.push({ migration: want.migration, problem: `row-level security was not enabled on ${name} when ${want.migration} applied` });
        if (!want.facts.rlsForced) problems.push({ migration: want.migration, problem: `row-level security was not forced on ${name} when ${want.migration} applied` });
        const { schema: _s, table: _t, ...expected } = want.facts;
        const { schema: _ls, table: _lt, ...actual } = live!;
        checks.push({ component: "postgres", check: `table ${name}`, ok: problems.length === 0, expected, actual });
        drift.push(...problems.map((p) => `postgres: ${p.problem}`));
      }
    });
  }
  return { checks, drift };
}

/** Declared privileges of the role, one string each (the same shape as {@link liveGrants}). */
async function declaredGrants(ctx: CheckContext, t: TenantState): Promise<string[]> {
  const role = t.names.pgRole;
  const out: string[] = [];
  for (const g of t.of(RESOURCE_TYPES.grant)) {
    const i = g.inputs as Record<string, any>;
    if (i.role !== role) continue;
    const privileges: string[] = (i.privileges ?? []).map((p: string) => p.toUpperCase());
    const grantOption = i.withGrantOption ? " WITH GRANT OPTION" : "";
    if (i.objectType === "database") for (const p of privileges) out.push(`database ${ident(i.database)}: ${p}${grantOption}`);
    else if (i.objectType === "schema") for (const p of privileges) out.push(`schema ${ident(i.database)}.${ident(i.schema)}: ${p}${grantOption}`);
    else if (i.objectType === "table") {
      let objects: string[] = i.objects ?? [];
      // No objects: ALL TABLES IN SCHEMA, the tables the schema had when it was granted.
      if (objects.length === 0) {
        objects = await withDatabase(ctx, i.database, async (c) =>
          (await c.query("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r','p','v','m','f')", [i.schema])).rows.map((r) => r.relname),
        );
      }
      for (const o of objects) for (const p of privileges) out.push(`table ${ident(i.database)}.${ident(i.schema)}.${ident(o)}: ${p}${grantOption}`);
    } else out.push(`${i.objectType} (not checked here): ${privileges.join(", ")}`);
  }
  for (const g of t.of(RESOURCE_TYPES.grantRole)) if (g.inputs.role === role) out.push(`member of ${ident(String(g.inputs.grantRole))}`);
  for (const l of t.of(RESOURCE_TYPES.roleLifecycle)) {
    if (l.inputs.role === role && l.inputs.phase === "access" && typeof l.inputs.connectGroup === "string") out.push(`member of ${ident(l.inputs.connectGroup)}`);
  }
  for (const m of (declaredRoleOf(t)?.roles ?? []) as string[]) out.push(`member of ${ident(m)}`);
  return [...new Set(out)].sort();
}

/** ACL entries naming the role as grantee in one database's catalogs (dbid ≠ 0). */
const DATABASE_ACLS = `
SELECT 'table ' || ('"' || replace(current_database(), '"', '""') || '"') || '.' || ('"' || replace(n.nspname, '"', '""') || '"') || '.' || ('"' || replace(c.relname, '"', '""') || '"') AS object, a.privilege_type, a.is_grantable
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a WHERE a.grantee = $1
UNION ALL
SELECT 'column ' || ('"' || replace(current_database(), '"', '""') || '"') || '.' || c.oid::regclass::text || '.' || ('"' || replace(at.attname, '"', '""') || '"'), a.privilege_type, a.is_grantable
  FROM pg_attribute at JOIN pg_class c ON c.oid = at.attrelid, aclexplode(at.attacl) a WHERE a.grantee = $1
UNION ALL
SELECT 'schema ' || ('"' || replace(current_database(), '"', '""') || '"') || '.' || ('"' || replace(n.nspname, '"', '""') || '"'), a.privilege_type, a.is_grantable
  FROM pg_namespace n, aclexplode(n.nspacl) a WHERE a.grantee = $1
UNION ALL
SELECT 'function ' || ('"' || replace(current_database(), '"', '""') || '"') || '.' || p.oid::regprocedure::text, a.privilege_type, a.is_grantable
  FROM pg_proc p, aclexplode(p.proacl) a WHERE a.grantee = $1
UNION ALL
SELECT 'type ' || ('"' || replace(current_database(), '"', '""') || '"') || '.' || t.oid::regtype::text, a.privilege_type, a.is_grantable
  FROM pg_type t, aclexplode(t.typacl) a WHERE a.grantee = $1
UNION ALL
SELECT 'language ' || ('"' || replace(current_database(), '"', '""') || '"') || '.' || ('"' || replace(l.lanname, '"', '""') || '"'), a.privilege_type, a.is_grantable
  FROM pg_language l, aclexplode(l.lanacl) a WHERE a.grantee = $1
UNION ALL
SELECT 'large object ' || ('"' || replace(current_database(), '"', '""') || '"') || '.' || m.oid::text, a.privilege_type, a.is_grantable
  FROM pg_largeobject_metadata m, aclexplode(m.lomacl) a WHERE a.grantee = $1
UNION ALL
SELECT 'default privileges ' || ('"' || replace(current_database(), '"', '""') || '"') || ' of ' || ('"' || replace(pg_get_userbyid(d.defaclrole), '"', '""') || '"') || ' on ' || d.defaclobjtype::text, a.privilege_type, a.is_grantable
  FROM pg_default_acl d, aclexplode(d.defaclacl) a WHERE a.grantee = $1`;

/** Every privilege granted to the role in the cluster and every role it is a member of. */
async function liveGrants(ctx: CheckContext, roleOid: number): Promise<string[]> {
  const out: string[] = [];
  const fmt = (r: { object: string; privilege_type: string; is_grantable: boolean }) => `${r.object}: ${r.privilege_type}${r.is_grantable ? " WITH GRANT OPTION" : ""}`;
  const shared = await ctx.pg.query(
    `SELECT 'database ' || ('"' || replace(d.datname, '"', '""') || '"') AS object, a.privilege_type, a.is_grantable FROM pg_database d, aclexplode(d.datacl) a WHERE a.grantee = $1
     UNION ALL
     SELECT 'tablespace ' || ('"' || replace(s.spcname, '"', '""') || '"'), a.privilege_type, a.is_grantable FROM pg_tablespace s, aclexplode(s.spcacl) a WHERE a.grantee = $1
     UNION ALL
     SELECT 'parameter ' || p.parname, a.privilege_type, a.is_grantable FROM pg_parameter_acl p, aclexplode(p.paracl) a WHERE a.grantee = $1`,
    [roleOid],
  );
  out.push(...shared.rows.map(fmt));
  const members = await ctx.pg.query(`SELECT ('"' || replace(pg_get_userbyid(roleid), '"', '""') || '"') AS g FROM pg_auth_members WHERE member = $1`, [roleOid]);
  out.push(...members.rows.map((r) => `member of ${r.g}`));
  // Databases whose catalogs hold an ACL naming the role (pg_shdepend is cluster-wide).
  const dbs = await ctx.pg.query(
    `SELECT DISTINCT d.datname FROM pg_shdepend s JOIN pg_database d ON d.oid = s.dbid
      WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = $1 AND s.deptype = 'a'`,
    [roleOid],
  );
  for (const { datname } of dbs.rows) {
    await withDatabase(ctx, datname, async (c) => out.push(...(await c.query(DATABASE_ACLS, [roleOid])).rows.map(fmt)));
  }
  return [...new Set(out)].sort();
}

/** Objects the role owns anywhere in the cluster (pg_shdepend 'o' entries), described. */
async function liveOwned(ctx: CheckContext, roleOid: number): Promise<string[]> {
  const deps = await ctx.pg.query(
    `SELECT coalesce(d.datname, '') AS datname, s.classid::int AS classid, s.objid::int AS objid, s.objsubid
       FROM pg_shdepend s LEFT JOIN pg_database d ON d.oid = s.dbid
      WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = $1 AND s.deptype = 'o'`,
    [roleOid],
  );
  const out: string[] = [];
  const byDb = new Map<string, Array<{ classid: number; objid: number; objsubid: number }>>();
  for (const r of deps.rows) byDb.set(r.datname, [...(byDb.get(r.datname) ?? []), r]);
  for (const [datname, objs] of byDb) {
    const describe = async (c: { query: Client["query"] } & object) => {
      // pg_identify_object: the type and the schema-qualified identity, whatever the search_path;
      // every object of the database in one query.
      const r = await (c as Client).query(
        `SELECT i.type || ' ' || i.identity AS d
           FROM unnest($1::oid[], $2::oid[], $3::int[]) AS o(classid, objid, objsubid), pg_identify_object(o.classid, o.objid, o.objsubid) i`,
        [objs.map((o) => o.classid), objs.map((o) => o.objid), objs.map((o) => o.objsubid)],
      );
      for (const row of r.rows) out.push(datname ? `${row.d} in database ${ident(datname)}` : String(row.d));
    };
    if (datname === "") await describe(ctx.pg as unknown as Client);
    else await withDatabase(ctx, datname, describe);
  }
  return out.sort();
}

/** What the program declared the role owns: databases and schemas whose declared owner it is. */
function declaredOwned(t: TenantState): string[] {
  const role = t.names.pgRole;
  const out: string[] = [];
  for (const d of t.of(RESOURCE_TYPES.database)) if (d.inputs.owner === role) out.push(`database ${ident(String(d.inputs.name))}`);
  for (const s of t.of("postgresql:index/schema:Schema")) {
    if (s.inputs.owner === role) out.push(`schema ${ident(String(s.inputs.name))} in database ${ident(String(s.inputs.database))}`);
  }
  return out.sort();
}

async function roleChecks(ctx: CheckContext, t: TenantState): Promise<{ checks: CheckResult[]; drift: string[] }> {
  const role = t.names.pgRole;
  const declared = declaredRoleOf(t) ?? {};
  const checks: CheckResult[] = [];
  const drift: string[] = [];
  const live = (await ctx.pg.query("SELECT oid::int AS oid, * FROM pg_roles WHERE rolname = $1", [role])).rows[0];
  if (!live) {
    checks.push({ component: "postgres", check: `role ${ident(role)}`, ok: false, expected: "exists", actual: "missing" });
    drift.push(`postgres: role ${ident(role)} does not exist`);
    return { checks, drift };
  }
  for (const a of ROLE_ATTRIBUTES) {
    const want = (declared[a.input] as boolean | number | undefined) ?? a.default;
    const got = live[a.column];
    const ok = got === want;
    checks.push({ component: "postgres", check: `role ${a.check}`, ok, expected: want, actual: got });
    if (!ok) drift.push(`postgres: role ${ident(role)} ${a.check} is ${got}, declared ${want}`);
  }
  const wantOwned = declaredOwned(t);
  const owned = await liveOwned(ctx, live.oid);
  const ownsOk = same(owned, wantOwned);
  checks.push({ component: "postgres", check: "role owns", ok: ownsOk, expected: wantOwned, actual: owned });
  for (const o of owned) if (!wantOwned.includes(o)) drift.push(`postgres: role ${ident(role)} owns ${o}, which is not declared`);
  for (const o of wantOwned) if (!owned.includes(o)) drift.push(`postgres: role ${ident(role)} does not own ${o} as declared`);
  const wantGrants = await declaredGrants(ctx, t);
  const grants = await liveGrants(ctx, live.oid);
  const grantsOk = same(grants, wantGrants);
  checks.push({ component: "postgres", check: "role grants", ok: grantsOk, expected: wantGrants, actual: grants });
  for (const g of grants) if (!wantGrants.includes(g)) drift.push(`postgres: role ${ident(role)} has undeclared privilege ${g}`);
  for (const g of wantGrants) if (!grants.includes(g)) drift.push(`postgres: role ${ident(role)} lacks declared privilege ${g}`);
  return { checks, drift };
}

async function redisChecks(ctx: CheckContext, t: TenantState): Promise<{ checks: CheckResult[]; drift: string[] }> {
  const user = declaredRedisUserOf(t);
  if (!user) return { checks: [], drift: [] };
  return withAdminRedis(ctx, async (r) => {
    const expected = await normalisedAccessString(r, user.accessString);
    const actual = aclUserOf(await r.call("ACL", "GETUSER", user.userName));
    if (!actual) {
      return {
        checks: [{ component: "redis" as const, check: `acl user ${user.userName}`, ok: false, expected, actual: null }],
        drift: [`redis: ACL user ${user.userName} does not exist`],
      };
    }
    const drift: string[] = [];
    for (const f of ACL_FIELDS) {
      if (!same(expected[f], actual[f])) {
        drift.push(`redis: ACL user ${user.userName} ${f} differ from the declared access string: declared ${JSON.stringify(expected[f])}, live ${JSON.stringify(actual[f])}`);
      }
    }
    const pick = (u: Record<string, unknown>) => Object.fromEntries(ACL_FIELDS.map((f) => [f, u[f]]));
    return { checks: [{ component: "redis" as const, check: `acl user ${user.userName}`, ok: drift.length === 0, expected: pick(expected), actual: pick(actual) }], drift };
  });
}

/**
 * The tenant's live isolation checks. Throws TenantNotFoundError (schemas.ts) when the platform
 * has no state for the tenant, and an InputError for a malformed tenant ID.
 */
export async function tenantHealth(ctx: CheckContext, tenantId: string): Promise<TenantHealth> {
  const t = await loadTenant(ctx, tenantId);
  // Independent reads (different connections): concurrently, the parts' order kept.
  const parts = await Promise.all([tableChecks(ctx, t), roleChecks(ctx, t), redisChecks(ctx, t)]);
  const checks = parts.flatMap((p) => p.checks);
  const drift = parts.flatMap((p) => p.drift);
  return { tenant: t.names.id, healthy: drift.length === 0 && checks.every((c) => c.ok), checks, drift };
}
