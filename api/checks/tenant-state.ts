/**
 * What the program declared for one tenant, read from the one place it is recorded: local
 * mode's state (cli/local/local-mode.ts locateState/readState), which holds every resource the
 * program declared for the tenant with the inputs it was applied with. Nothing here re-derives a
 * rule: the role's attributes are the Role resource's inputs, the grants the Grant/GrantRole
 * resources and the role lifecycle's connect group, the Redis user the ElastiCache User's access
 * string (components/redis/access-string.ts tenantAccessString made it), the S3 identity policy
 * the RolePolicy documents (components/s3/policies.ts tenantAccessPolicy made it), the tables the
 * migrations' `tables` and the layout (components/postgres/sql.ts layoutFor).
 */
import * as fs from "node:fs";
import { Client } from "pg";
import { locateState, postgresPlatform, resolveTargets, type ServerIdentity, type StateFile } from "../../cli/local/local-mode";
import type { AppliedResource } from "../../cli/local/applier";
import { ELASTICACHE_USER_TYPE } from "../../cli/local/redis-applier";
import { tenantNames, validateTenantId, type TenantNames } from "../../components/naming";
import { layoutFor, type PgLayout } from "../../components/postgres/sql";
import type { IsolationLevel } from "../../plans/schema";
import { databasePool } from "./connections";
import type { CheckContext } from "./context";
import { TenantNotFoundError } from "./schemas";

export const RESOURCE_TYPES = {
  provider: "pulumi:providers:postgresql",
  role: "postgresql:index/role:Role",
  database: "postgresql:index/database:Database",
  grant: "postgresql:index/grant:Grant",
  grantRole: "postgresql:index/grantRole:GrantRole",
  migrations: "pulumi-nodejs:dynamic/controlcore:SqlMigrations",
  roleLifecycle: "pulumi-nodejs:dynamic/controlcore:TenantRoleLifecycle",
  redisUser: ELASTICACHE_USER_TYPE,
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
} as const;

/** The tag every taggable resource carries with the tenant's plan (components/naming.ts tenantTags). */
export const PLAN_TAG = "controlcore:plan";

export interface TenantState {
  readonly names: TenantNames;
  readonly state: StateFile;
  readonly stateFile: string;
  readonly level: IsolationLevel;
  /** The platform's shared database (the PostgreSQL provider's database). */
  readonly sharedDatabase: string;
  readonly layout: PgLayout;
  readonly planName: string;
  /** The declared resources of a type. */
  of(type: string): AppliedResource[];
}

/**
 * The server's identity (postgresPlatform's: its system identifier and the database), fixed for
 * the life of a cluster, so asked once per URL; a failed ask is not kept.
 */
const identities = new Map<string, Promise<ServerIdentity>>();
function identityOf(databaseUrl: string): Promise<ServerIdentity> {
  let p = identities.get(databaseUrl);
  if (!p) {
    p = postgresPlatform(databaseUrl, { createDatabase: false }).then((x) => x.identity);
    p.catch(() => identities.delete(databaseUrl));
    identities.set(databaseUrl, p);
  }
  return p;
}

/**
 * Parsed state files by path, kept while the file is unchanged: local mode writes a state file
 * whole and renames it into place (cli/local/local-mode.ts writeState), so a write changes its
 * inode and mtime; the file is stat'ed on every call and re-read when either (or its size) differs.
 */
const parsedStates = new Map<string, { ino: bigint; mtimeNs: bigint; size: bigint; state: StateFile }>();
/** Bound on the cache: beyond it, the oldest entry goes (tests and long-lived servers see many tenants). */
export const STATE_CACHE_MAX = 1_000;

/** cli/local/local-mode.ts readState, cached by inode, mtime and size: undefined when there is no state file. */
export function readStateCached(file: string): StateFile | undefined {
  const st = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
  if (!st) {
    parsedStates.delete(file);
    return undefined;
  }
  const hit = parsedStates.get(file);
  if (hit && hit.ino === st.ino && hit.mtimeNs === st.mtimeNs && hit.size === st.size) return hit.state;
  const state = JSON.parse(fs.readFileSync(file, "utf8")) as StateFile;
  parsedStates.delete(file);
  if (parsedStates.size >= STATE_CACHE_MAX) parsedStates.delete(parsedStates.keys().next().value!);
  parsedStates.set(file, { ino: st.ino, mtimeNs: st.mtimeNs, size: st.size, state });
  return state;
}

/**
 * The tenant's recorded state, or {@link TenantNotFoundError} when this platform (the PostgreSQL
 * server behind `ctx.databaseUrl`, found by its identity) has no state for it. A malformed ID is
 * an InputError (components/naming.ts validateTenantId).
 */
export async function loadTenant(ctx: CheckContext, tenantId: string): Promise<TenantState> {
  const tenant = validateTenantId(tenantId);
  const targets = resolveTargets({ databaseUrl: ctx.databaseUrl, redisUrl: ctx.redisUrl });
  const identity = await identityOf(targets.databaseUrl);
  const stateFile = locateState(tenant, identity, targets, ctx.stateDir);
  const state = readStateCached(stateFile);
  if (!state) throw new TenantNotFoundError(tenant);
  const names = tenantNames(tenant);
  const of = (type: string) => state.resources.filter((r) => r.type === type);
  const provider = of(RESOURCE_TYPES.provider)[0];
  const sharedDatabase = String(provider?.inputs.database ?? identity.database);
  const level = state.isolationLevel as IsolationLevel;
  const planName =
    state.resources.map((r) => (r.inputs.tags as Record<string, string> | undefined)?.[PLAN_TAG]).find((p) => typeof p === "string") ?? "";
  return { names, state, stateFile, level, sharedDatabase, layout: layoutFor(names, level, sharedDatabase), planName, of };
}

/**
 * A client on `database` of the server behind `ctx.databaseUrl`, as its admin: from the pool when
 * it is the URL's database, from the context's pool for that database when it has pools
 * (api/checks/connections.ts), else a client of its own for this call.
 */
export async function withDatabase<T>(ctx: CheckContext, database: string, work: (c: Client) => Promise<T>): Promise<T> {
  const u = new URL(ctx.databaseUrl);
  if (decodeURIComponent(u.pathname.replace(/^\//, "")) === database) {
    const pooled = await ctx.pg.connect();
    try {
      return await work(pooled as unknown as Client);
    } finally {
      pooled.release();
    }
  }
  if (ctx.databasePools) {
    const pooled = await databasePool(ctx, ctx.databasePools, database).connect();
    try {
      return await work(pooled as unknown as Client);
    } finally {
      pooled.release();
    }
  }
  u.pathname = `/${encodeURIComponent(database)}`;
  const c = new Client({ connectionString: u.toString() });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

/** The tenant's declared Redis user (the ElastiCache User resource named after the tenant). */
export function declaredRedisUserOf(t: TenantState): { userName: string; accessString: string; tags: Record<string, string> } | undefined {
  const r = t.of(RESOURCE_TYPES.redisUser).find((u) => u.inputs.userName === t.names.elasticacheUserId);
  if (!r) return undefined;
  return { userName: String(r.inputs.userName), accessString: String(r.inputs.accessString), tags: (r.inputs.tags ?? {}) as Record<string, string> };
}

/** The tenant's declared login role (the Role resource named `tenant_<id>`). */
export function declaredRoleOf(t: TenantState): Record<string, unknown> | undefined {
  return t.of(RESOURCE_TYPES.role).find((r) => r.inputs.name === t.names.pgRole)?.inputs;
}
