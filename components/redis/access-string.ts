/**
 * The ElastiCache RBAC access string (a Redis ACL rule list) of a tenant's Redis user: the one
 * place that decides what a tenant's credentials may do on a shared Redis.
 *
 * Design: an allow-list. `-@all` first, then only the command families an application needs on
 * its own data; every command that takes no key (and so cannot be confined by a key pattern) is
 * left out unless it is harmless connection plumbing. Keys are confined by `~<prefix>*` and
 * pub/sub channels by `resetchannels &<prefix>*`.
 *
 * What an attacker with the tenant's credentials and a redis-cli can NOT do, and why:
 * - read, write, delete, rename or copy another tenant's keys: every key argument is checked
 *   against `~<prefix>*` (RENAME, LMOVE, SMOVE, *STORE destinations included);
 * - enumerate or count keys: KEYS, SCAN, RANDOMKEY, DBSIZE, INFO (keyspace), MEMORY, OBJECT,
 *   CLUSTER COUNTKEYSINSLOT/GETKEYSINSLOT, CLIENT TRACKING (BCAST prefixes), SLOWLOG and MONITOR
 *   (both show other clients' arguments) are not granted;
 * - reach another tenant's pub/sub: PUBLISH/SUBSCRIBE/PSUBSCRIBE/SPUBLISH/SSUBSCRIBE are checked
 *   against `&<prefix>*` (PSUBSCRIBE patterns must literally be one of the user's patterns) and
 *   PUBSUB CHANNELS/NUMSUB/NUMPAT/SHARD* introspection is not granted;
 * - run scripts or functions: the script cache and function libraries are shared by all users
 *   (SCRIPT FLUSH/KILL, FUNCTION DELETE/FLUSH reach other tenants; EVALSHA/SCRIPT EXISTS tell
 *   whether another tenant loaded a script) and a script blocks the server for everyone;
 * - escape the database: SELECT, SWAPDB, MOVE and COPY (its DB option) are not granted;
 * - administer the server: no `@admin` or `@dangerous` command is granted. The granted data
 *   categories contain two of them on Redis 7.0 (SORT/SORT_RO, whose BY/GET patterns read
 *   arbitrary keys), removed one by one right after the categories (a live test proves the list
 *   equals what the server flags); DUMP/RESTORE (crafted payloads) and WAIT are not granted;
 * - hold the shared server: commands whose time depends on what a key holds, on a COUNT the
 *   client picks or on several keys' contents are removed by name too, DEL is replaced by UNLINK,
 *   and the HyperLogLog and stream categories are not granted (`./command-cost.ts`).
 *
 * AUTH, HELLO, QUIT and RESET carry Redis's `no-auth` flag: ACL command rules never apply to
 * them, so the string does not mention them.
 *
 * ElastiCache syntax (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.RBAC.html):
 * the string must say `on` (or the user is off), may not contain `reset` or passwords (local
 * mode prepends those), may not name forbidden or renamed commands (ElastiCache's restricted
 * commands are administrative — CONFIG, DEBUG, SAVE, SHUTDOWN, ... — and none is named here),
 * `&` channel rules need Redis OSS 6.2+ and `cmd|subcommand` rules need 7.0+
 * ({@link accessStringVersionProblems} refuses a cell whose engine lacks them). Every command
 * named here exists in Redis 7.0. Selectors and `%R~`/`%W~` are supported from 7.0 but not
 * needed: the tenant reads and writes its own keys.
 *
 * Canonical form. ElastiCache stores and returns (DescribeUsers `AccessString`) a rewritten
 * string, and the AWS provider compares that text with the declared one (no diff suppression on
 * `access_string`), so a declared string in another form shows a change on every `up`. The
 * rewrites observed (AWS CLI `create-user` example: `on ~app::* -@all +@read` comes back as
 * `on ~app::* -@all +@read +@hash +@bitmap +@geo -setbit ... -georadiusbymember`; provider
 * issue #20334: a perpetual diff for `on allkeys allcommands`) are those of Redis's own ACL
 * describe: the `on`/`off` flag first, then key patterns, then `resetchannels` and channel
 * patterns, then `-@all` (or `+@all`), then only `+@category` grants in Redis's category-table
 * order, then single-command `-cmd`/`+cmd` corrections — never a `-@category` after `-@all`.
 * {@link tenantAccessString} emits exactly that shape.
 */
import { type Problem, show, throwIfProblems } from "../errors";
import { COST_REFUSED_COMMANDS } from "./command-cost";


/**
 * Data-type categories granted whole; their commands all take keys, checked against the pattern.
 * In the order of Redis's category table (`ACLCommandCategories` in src/acl.c: keyspace, read,
 * write, set, sortedset, list, hash, string, bitmap, hyperloglog, geo, stream, pubsub, admin,
 * fast, slow, blocking, dangerous, connection, transaction, scripting), the order ACL describe
 * and ElastiCache list granted categories in.
 */
export const DATA_CATEGORIES = [
  "set",
  "sortedset",
  "list",
  "hash",
  "string",
  "bitmap",
  "geo",
  "transaction",
] as const;

/**
 * The commands of {@link DATA_CATEGORIES} that Redis 7.0 flags `@dangerous` or `@admin`: SORT and
 * SORT_RO (their BY/GET patterns read other keys). `tests/redis/redis-access-string-canonical.test.ts`
 * proves against the live server that this is exactly the dangerous/admin part of the data categories.
 */
export const DANGEROUS_DATA_COMMANDS = ["sort", "sort_ro"] as const;

/**
 * Removed by name right after the categories: the dangerous ones, then the ones refused for their
 * cost on a shared server (`components/redis/command-cost.ts`: whole-key reads, set algebra, COUNT
 * arguments, geo searches, BITOP, LCS). Named one by one because ACL describe (and so
 * ElastiCache's stored form) never writes `-@category` after `-@all`.
 */
export const REMOVED_DATA_COMMANDS: readonly string[] = [...DANGEROUS_DATA_COMMANDS, ...Object.keys(COST_REFUSED_COMMANDS)];

/**
 * Keyspace commands granted one by one; every one takes key arguments. DEL is not among them: it
 * frees a collection on the main thread (O(N)); UNLINK does the same in a background thread.
 */
export const KEYSPACE_COMMANDS = [
  "unlink",
  "exists",
  "type",
  "touch",
  "expire",
  "pexpire",
  "expireat",
  "pexpireat",
  "expiretime",
  "pexpiretime",
  "ttl",
  "pttl",
  "persist",
  "rename",
  "renamenx",
] as const;

/** Pub/sub commands that name channels, each checked against the channel pattern. */
export const PUBSUB_COMMANDS = [
  "publish",
  "subscribe",
  "unsubscribe",
  "psubscribe",
  "punsubscribe",
  "spublish",
  "ssubscribe",
  "sunsubscribe",
] as const;

/** Connection plumbing that concerns only the caller's own connection. */
export const CONNECTION_COMMANDS = ["ping", "echo", "client|setname", "client|getname", "client|id", "client|info"] as const;

/**
 * What a cluster-mode client (ElastiCache cluster mode, serverless) needs to follow the topology:
 * slot maps and redirections, nothing about keys (COUNTKEYSINSLOT/GETKEYSINSLOT stay refused).
 */
export const CLUSTER_TOPOLOGY_COMMANDS = [
  "asking",
  "readonly",
  "readwrite",
  "cluster|slots",
  "cluster|shards",
  "cluster|nodes",
  "cluster|myid",
  "cluster|info",
  "cluster|keyslot",
] as const;

/** Longest key prefix accepted (it appears twice in the access string). */
export const MAX_PREFIX_LENGTH = 128;

/** The source named by a refused prefix outside a component (e.g. local mode). */
export const PREFIX_SOURCE = "Redis key prefix";

/**
 * Everything that keeps a prefix from safely confining a tenant, as {@link Problem}s at `path`.
 *
 * The prefix becomes the glob patterns `~<prefix>*` and `&<prefix>*`, so it must not contain
 * glob metacharacters (`* ? [ ] \`, which would widen the pattern) or whitespace (which would
 * split the access string), and it must end with `:`: tenant IDs cannot contain `:`, so no
 * tenant's prefix is then a prefix of another's (`tenant:{acme}:` never matches `tenant:acme-x:`).
 * Hash-tag braces (`tenant:{acme}:`) are literal in ACL globs and allowed.
 */
export function redisPrefixProblems(prefix: unknown, path = "redisPrefix"): Problem[] {
  const problem = (message: string): Problem[] => [{ path, message }];
  if (typeof prefix !== "string") return problem(`${show(prefix)} is a ${typeof prefix}; expected a string`);
  const v = show(prefix);
  if (prefix.length === 0) return problem(`${v} is empty, which would grant every key; expected a non-empty prefix ending with ":"`);
  if (prefix.length > MAX_PREFIX_LENGTH) {
    return problem(`${v} is ${prefix.length} characters long; expected at most ${MAX_PREFIX_LENGTH}`);
  }
  const glob = [...prefix].find((c) => "*?[]\\".includes(c));
  if (glob !== undefined) {
    return problem(`${v} contains the glob metacharacter ${show(glob)}, which would widen the ACL pattern; expected none of * ? [ ] \\`);
  }
  if (/\s/.test(prefix)) return problem(`${v} contains whitespace, which would split the access string; expected none`);
  const bad = [...prefix].find((c) => !/[A-Za-z0-9:{}_.-]/.test(c));
  if (bad !== undefined) return problem(`${v} contains ${show(bad)}; expected letters, digits and : { } _ . -`);
  if (!prefix.endsWith(":")) {
    return problem(`${v} does not end with ":"; expected a trailing ":" so that it is not a prefix of another tenant's prefix`);
  }
  return [];
}

/** Returns the prefix if it can safely confine a tenant; throws an {@link InputError} otherwise. */
export function validateRedisPrefix(prefix: unknown): string {
  throwIfProblems(PREFIX_SOURCE, redisPrefixProblems(prefix));
  return prefix as string;
}

/**
 * The access string of a tenant's Redis user: on, confined to `<prefix>*` keys and channels,
 * allowed only the command families listed in this module, in ElastiCache's canonical shape
 * (see the module comment). Deterministic: the same prefix always gives the same string (the
 * ElastiCache resource and local mode apply this exact text).
 */
export function tenantAccessString(prefix: string): string {
  const p = validateRedisPrefix(prefix);
  return [
    "on",
    `~${p}*`,
    "resetchannels",
    `&${p}*`,
    "-@all",
    ...DATA_CATEGORIES.map((c) => `+@${c}`),
    ...REMOVED_DATA_COMMANDS.map((c) => `-${c}`),
    ...KEYSPACE_COMMANDS.map((c) => `+${c}`),
    ...PUBSUB_COMMANDS.map((c) => `+${c}`),
    ...CONNECTION_COMMANDS.map((c) => `+${c}`),
    ...CLUSTER_TOPOLOGY_COMMANDS.map((c) => `+${c}`),
  ].join(" ");
}

/** The access string of a dedicated cache's mandatory `default` user: off, no command, no key. */
export const DISABLED_DEFAULT_USER_ACCESS_STRING = "off -@all";

/** A Redis OSS engine version as `major.minor` (`"7.1"`; a bare major such as `"7"` means `7.0`). */
export interface EngineVersion {
  readonly major: number;
  readonly minor: number;
}

/** Parses `"7.1"`, `"6.2.6"` or `"7"`; undefined when it is not a version. */
export function parseEngineVersion(v: string): EngineVersion | undefined {
  const m = /^(\d+)(?:\.(\d+))?(?:\.\d+)?$/.exec(v);
  return m ? { major: Number(m[1]), minor: Number(m[2] ?? 0) } : undefined;
}

const atLeast = (v: EngineVersion, major: number, minor: number) => v.major > major || (v.major === major && v.minor >= minor);

/**
 * Access-string features and the Redis OSS version that introduced them (Redis release notes;
 * ElastiCache RBAC page: "`&` channel rules need 6.2", subcommand rules, selectors and `%R~`/`%W~`
 * key permissions are Redis 7.0 ACL v2). ElastiCache RBAC itself needs 6.0.
 */
export const ACCESS_STRING_FEATURES: readonly {
  readonly feature: string;
  readonly since: readonly [number, number];
  readonly matches: (token: string) => boolean;
}[] = [
  { feature: "channel rules (&pattern, allchannels, resetchannels)", since: [6, 2], matches: (t) => t.startsWith("&") || t === "allchannels" || t === "resetchannels" },
  { feature: "subcommand rules (+command|subcommand)", since: [7, 0], matches: (t) => /^[+-][^@|\s]+\|\S+$/.test(t) },
  { feature: "read/write key permissions (%R~, %W~, %RW~)", since: [7, 0], matches: (t) => /^%(R|W|RW)~/i.test(t) },
  { feature: "selectors ((...), clearselectors)", since: [7, 0], matches: (t) => t.startsWith("(") || t.endsWith(")") || t === "clearselectors" },
];

/**
 * The newest Redis OSS major version whose command table the granted command set was reviewed
 * against (`tests/redis/redis-acl-coverage.test.ts`, run on 7.0). A newer major may add commands
 * to a granted category; it needs a new review before tenants run on it.
 */
export const REVIEWED_ENGINE_MAJOR = 7;

/**
 * Refuses an access string the engine at `path` cannot apply: each feature the version lacks is
 * one problem naming the key, the version, the tokens that use it and the version needed. Also
 * refuses a version without RBAC (< 6.0) and a major above {@link REVIEWED_ENGINE_MAJOR}.
 */
export function accessStringVersionProblems(accessString: string, engineVersion: string, path: string): Problem[] {
  const v = parseEngineVersion(engineVersion);
  if (!v) return [{ path, message: `${show(engineVersion)} is not an engine version; expected major.minor, e.g. "7.1"` }];
  if (!atLeast(v, 6, 0)) {
    return [{ path, message: `${show(engineVersion)} has no ElastiCache RBAC (users and user groups); expected Redis OSS 6.0 or later` }];
  }
  if (v.major > REVIEWED_ENGINE_MAJOR) {
    return [
      {
        path,
        message: `${show(engineVersion)} is newer than the engine the tenant ACL was reviewed on; expected Redis OSS ${REVIEWED_ENGINE_MAJOR}.x (review tests/redis/redis-acl-coverage.test.ts on the new engine first)`,
      },
    ];
  }
  const tokens = accessString.trim().split(/\s+/);
  const problems: Problem[] = [];
  for (const f of ACCESS_STRING_FEATURES) {
    if (atLeast(v, f.since[0], f.since[1])) continue;
    const used = tokens.filter(f.matches);
    if (used.length === 0) continue;
    const shown = used.length > 3 ? `${used.slice(0, 3).join(" ")} and ${used.length - 3} more` : used.join(" ");
    problems.push({
      path,
      message: `${show(engineVersion)} does not support ${f.feature}, which the access string uses (${shown}); expected Redis OSS ${f.since[0]}.${f.since[1]} or later`,
    });
  }
  return problems;
}
