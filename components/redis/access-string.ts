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
 * - administer the server: everything in `@admin` and `@dangerous` is removed after the data
 *   categories (this also removes SORT/SORT_RO, whose BY/GET patterns read arbitrary keys, and
 *   PFDEBUG/PFSELFTEST); DUMP/RESTORE (crafted payloads) and WAIT are not granted.
 *
 * AUTH, HELLO, QUIT and RESET carry Redis's `no-auth` flag: ACL command rules never apply to
 * them, so the string does not mention them.
 *
 * ElastiCache syntax (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.RBAC.html):
 * the string must say `on` (or the user is off), may not contain `reset` or passwords (local
 * mode prepends those), may not name forbidden or renamed commands (so restricted commands are
 * only ever removed through categories, never named), `&` channel rules need Redis OSS 6.2+ and
 * `cmd|subcommand` rules need 7.0+. Every command named here exists in Redis 7.0. Selectors and
 * `%R~`/`%W~` are supported from 7.0 but not needed: the tenant reads and writes its own keys.
 */

/** Data-type categories granted whole; their commands all take keys, checked against the pattern. */
export const DATA_CATEGORIES = [
  "string",
  "hash",
  "list",
  "set",
  "sortedset",
  "bitmap",
  "hyperloglog",
  "geo",
  "stream",
  "transaction",
] as const;

/**
 * Categories removed after the data categories: administration, and the commands Redis itself
 * marks dangerous (SORT and SORT_RO, whose BY/GET patterns read other keys; PFDEBUG; PFSELFTEST).
 */
export const REMOVED_CATEGORIES = ["dangerous", "admin"] as const;

/** Keyspace commands granted one by one; every one takes key arguments. */
export const KEYSPACE_COMMANDS = [
  "del",
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

/** The error every prefix refusal throws. */
export class RedisPrefixError extends Error {
  constructor(
    readonly prefix: string,
    readonly reason: string,
  ) {
    super(`invalid Redis key prefix ${JSON.stringify(prefix)}: ${reason}`);
    this.name = "RedisPrefixError";
  }
}

/**
 * Returns the prefix if it can safely confine a tenant, or throws {@link RedisPrefixError}.
 *
 * The prefix becomes the glob patterns `~<prefix>*` and `&<prefix>*`, so it must not contain
 * glob metacharacters (`* ? [ ] \`, which would widen the pattern) or whitespace (which would
 * split the access string), and it must end with `:`: tenant IDs cannot contain `:`, so no
 * tenant's prefix is then a prefix of another's (`tenant:{acme}:` never matches `tenant:acme-x:`).
 * Hash-tag braces (`tenant:{acme}:`) are literal in ACL globs and allowed.
 */
export function validateRedisPrefix(prefix: unknown): string {
  if (typeof prefix !== "string") throw new RedisPrefixError(String(prefix), `expected a string, got ${typeof prefix}`);
  if (prefix.length === 0) throw new RedisPrefixError(prefix, "it is empty; an empty prefix would grant every key");
  if (prefix.length > MAX_PREFIX_LENGTH) {
    throw new RedisPrefixError(prefix, `it is ${prefix.length} characters long; expected at most ${MAX_PREFIX_LENGTH}`);
  }
  const glob = [...prefix].find((c) => "*?[]\\".includes(c));
  if (glob !== undefined) {
    throw new RedisPrefixError(prefix, `it contains the glob metacharacter ${JSON.stringify(glob)}, which would widen the ACL pattern`);
  }
  if (/\s/.test(prefix)) throw new RedisPrefixError(prefix, "it contains whitespace, which would split the access string");
  const bad = [...prefix].find((c) => !/[A-Za-z0-9:{}_.-]/.test(c));
  if (bad !== undefined) {
    throw new RedisPrefixError(prefix, `it contains ${JSON.stringify(bad)}; expected letters, digits and : { } _ . -`);
  }
  if (!prefix.endsWith(":")) {
    throw new RedisPrefixError(prefix, `it must end with ":" so that it is not a prefix of another tenant's prefix`);
  }
  return prefix;
}

/**
 * The access string of a tenant's Redis user: on, confined to `<prefix>*` keys and channels,
 * allowed only the command families listed in this module. Deterministic: the same prefix
 * always gives the same string (the ElastiCache resource and local mode apply this exact text).
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
    ...REMOVED_CATEGORIES.map((c) => `-@${c}`),
    ...KEYSPACE_COMMANDS.map((c) => `+${c}`),
    ...PUBSUB_COMMANDS.map((c) => `+${c}`),
    ...CONNECTION_COMMANDS.map((c) => `+${c}`),
    ...CLUSTER_TOPOLOGY_COMMANDS.map((c) => `+${c}`),
  ].join(" ");
}

/** The access string of a dedicated cache's mandatory `default` user: off, no command, no key. */
export const DISABLED_DEFAULT_USER_ACCESS_STRING = "off -@all";
