/**
 * Local mode for Redis: applies the tenant's recorded `aws:elasticache/user:User` to the Redis at
 * REDIS_URL with `ACL SETUSER`, using the access string the Pulumi resource declares, verbatim.
 *
 * ElastiCache keeps passwords outside the access string and forbids `reset` in it; `ACL SETUSER`
 * needs both, so the one translation is: `reset` before the declared rules, `>password` after.
 * Every other token of the declared string is a valid Redis 7.0 ACL rule and passes unchanged.
 */
import { Redis } from "ioredis";
import { validateRedisPrefix } from "../../components/redis/access-string";
import { cellServerFlags } from "../../components/redis/command-cost";
import { REDIS_SETTING_TAGS } from "../../components/redis/app-config";
import type { TenantNames } from "../../components/naming";
import type { AppliedResource, LocalApplier, LocalContext } from "./applier";

export const ELASTICACHE_USER_TYPE = "aws:elasticache/user:User";

/**
 * How to start a local Redis on `port` (the port of the URL that could not be reached), with the
 * server settings of a pooled cell (output-buffer limits, value size cap, lazy free: the
 * parameter group `PooledRedisUserGroup` ships). Local mode itself never changes the server's
 * configuration: `up` of one tenant must not reconfigure a Redis other tenants and tests share.
 */
export function startRedisHint(port: number | string = 6379): string {
  return `start it with: redis-server --daemonize yes --port ${port} --save "" --appendonly no ${cellServerFlags()}`;
}

/** How to start the local Redis the integration tests and local mode expect by default (port 6379). */
export const START_REDIS_HINT = startRedisHint(6379);

/** Tokens that carry or clear credentials, or reset the user: never allowed in a declared access string. */
const CREDENTIAL_TOKEN = /^(reset|resetpass|nopass|[<>#!].*)$/i;

/** The user a recorded ElastiCache user resource declares. */
export interface DeclaredRedisUser {
  readonly userName: string;
  readonly accessString: string;
  readonly password: string;
}

/** Reads the declared user from a recorded resource's (unwrapped) inputs. */
export function declaredRedisUser(inputs: Record<string, unknown>): DeclaredRedisUser {
  const userName = inputs.userName;
  const accessString = inputs.accessString;
  const auth = inputs.authenticationMode as { passwords?: unknown[] } | undefined;
  const password = auth?.passwords?.[0] ?? (inputs.passwords as unknown[] | undefined)?.[0];
  if (typeof userName !== "string" || userName === "") throw new Error("ElastiCache user has no userName input");
  if (typeof accessString !== "string" || accessString.trim() === "") {
    throw new Error(`ElastiCache user ${userName} has no accessString input`);
  }
  if (typeof password !== "string" || password === "") {
    throw new Error(`ElastiCache user ${userName} has no password (authenticationMode.passwords[0]); local mode needs one`);
  }
  return { userName, accessString, password };
}

/**
 * The arguments of `ACL SETUSER` that make `userName` exactly what `accessString` declares:
 * `reset` first (so rules from an earlier run cannot survive), the declared rules unchanged,
 * the password last. Refuses a declared string that itself handles credentials.
 */
export function aclSetUserArgs(userName: string, accessString: string, password: string): string[] {
  const tokens = accessString.trim().split(/\s+/);
  const bad = tokens.find((t) => CREDENTIAL_TOKEN.test(t));
  if (bad !== undefined) {
    throw new Error(`access string of ${userName} contains ${JSON.stringify(bad)}; ElastiCache forbids reset and passwords in access strings`);
  }
  if (/\s/.test(password)) throw new Error(`password of ${userName} contains whitespace`);
  return [userName, "reset", ...tokens, `>${password}`];
}

/**
 * Refuses to apply a user that is not this tenant's, or whose key or channel patterns reach
 * outside this tenant's prefix: local mode never touches another tenant's or the admin's user.
 */
export function assertTenantUser(user: Pick<DeclaredRedisUser, "userName" | "accessString">, tenant: TenantNames): void {
  if (user.userName !== tenant.elasticacheUserId) {
    throw new Error(`refusing to apply Redis user ${JSON.stringify(user.userName)}: tenant ${tenant.id}'s user is ${tenant.elasticacheUserId}`);
  }
  const prefix = validateRedisPrefix(tenant.redisPrefix);
  for (const token of user.accessString.trim().split(/\s+/)) {
    const pattern = /^(?:~|&|%R~|%W~|%RW~)(.*)$/.exec(token)?.[1];
    if (token === "allkeys" || token === "allchannels" || (pattern !== undefined && !pattern.startsWith(prefix))) {
      throw new Error(`refusing to apply Redis user ${user.userName}: rule ${JSON.stringify(token)} reaches outside ${prefix}`);
    }
  }
}

/** Escapes glob metacharacters so SCAN MATCH treats the prefix literally. */
function globLiteral(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** Runs `fn` on a short-lived admin connection, with a clear error when Redis is unreachable. */
export async function withRedis<T>(url: string, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis(url, {
    lazyConnect: true,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    disableClientInfo: true,
  });
  r.on("error", () => undefined);
  try {
    await r.connect();
  } catch (e) {
    r.disconnect();
    throw new Error(`cannot reach Redis at ${redactUrl(url)} (${(e as Error).message}); ${startRedisHint(portOf(url))}`);
  }
  try {
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

/** The port a Redis URL names (6379 when it names none, as Redis clients assume). */
function portOf(url: string): string {
  try {
    return new URL(url).port || "6379";
  } catch {
    return "6379";
  }
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable REDIS_URL)";
  }
}

/** Deletes every key under `prefix` (SCAN MATCH + UNLINK); returns how many were removed. */
export async function deleteKeysWithPrefix(r: Redis, prefix: string): Promise<number> {
  const match = `${globLiteral(validateRedisPrefix(prefix))}*`;
  let cursor = "0";
  let removed = 0;
  do {
    const [next, keys] = await r.scan(cursor, "MATCH", match, "COUNT", 1000);
    cursor = next;
    // SCAN MATCH already filters; the startsWith check keeps a wrong pattern from deleting others' keys.
    const own = keys.filter((k) => k.startsWith(prefix));
    if (own.length > 0) removed += await r.unlink(...own);
  } while (cursor !== "0");
  return removed;
}

/** `true` for the disabled `default` user a dedicated cache's user group must contain. */
function isDedicatedDefaultUser(inputs: Record<string, unknown>): boolean {
  return inputs.userName === "default";
}

export const redisApplier: LocalApplier = {
  types: [ELASTICACHE_USER_TYPE],
  section: "redis",

  async up(resource: AppliedResource, ctx: LocalContext) {
    if (isDedicatedDefaultUser(resource.inputs)) {
      // The local Redis's default user is the admin connection; the cloud-only placeholder is skipped.
      return { skipped: "the dedicated cache's disabled default user has no local counterpart" };
    }
    const user = declaredRedisUser(resource.inputs);
    assertTenantUser(user, ctx.tenant);
    const args = aclSetUserArgs(user.userName, user.accessString, user.password);
    await withRedis(ctx.targets.redisUrl, (r) => r.call("ACL", "SETUSER", ...args));
    return { userName: user.userName, keyPrefix: ctx.tenant.redisPrefix };
  },

  async down(resource: AppliedResource, ctx: LocalContext) {
    if (isDedicatedDefaultUser(resource.inputs)) return;
    const userName = String(resource.saved?.userName ?? resource.inputs.userName);
    if (userName !== ctx.tenant.elasticacheUserId) {
      throw new Error(`refusing to remove Redis user ${JSON.stringify(userName)}: tenant ${ctx.tenant.id}'s user is ${ctx.tenant.elasticacheUserId}`);
    }
    await withRedis(ctx.targets.redisUrl, async (r) => {
      // Delete the user first: it closes the tenant's connections, so no key is written meanwhile.
      await r.call("ACL", "DELUSER", userName);
      await deleteKeysWithPrefix(r, ctx.tenant.redisPrefix);
    });
  },

  describe(applied: readonly AppliedResource[], ctx: LocalContext) {
    const res = applied.find((a) => a.type === ELASTICACHE_USER_TYPE && a.inputs.userName === ctx.tenant.elasticacheUserId);
    if (!res) return undefined;
    const user = declaredRedisUser(res.inputs);
    const target = new URL(ctx.targets.redisUrl);
    const port = target.port === "" ? "6379" : target.port;
    const url = `${target.protocol}//${encodeURIComponent(user.userName)}:${encodeURIComponent(user.password)}@${target.hostname}:${port}`;
    const tags = (res.inputs.tags ?? {}) as Record<string, string>;
    const num = (key: string) => (tags[key] === undefined ? undefined : Number(tags[key]));
    return {
      url,
      username: user.userName,
      keyPrefix: ctx.tenant.redisPrefix,
      channelPrefix: ctx.tenant.redisPrefix,
      ttlSeconds: {
        default: num(REDIS_SETTING_TAGS.ttlDefault),
        sessions: num(REDIS_SETTING_TAGS.ttlSessions),
        cache: num(REDIS_SETTING_TAGS.ttlCache),
      },
      memoryLimitMb: num(REDIS_SETTING_TAGS.memoryLimitMb),
    };
  },
};
