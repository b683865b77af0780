/**
 * What a pooled tenant's command may COST the shared Redis, not only which keys it may touch.
 *
 * Redis runs commands on one thread: while one command runs, every other tenant of the cell
 * waits. Redis ACLs (and ElastiCache RBAC) cannot look at argument sizes or counts, so the only
 * structural guard is the command set itself plus the server settings below. The rule:
 *
 * - a granted command's main-thread time depends only on the bytes of its own request (each
 *   argument O(1) or O(log N) — GET, SET, HSET, SADD, MGET, ZADD, ...) or on a string value, which
 *   `proto-max-bulk-len` caps (GETRANGE, BITCOUNT, SETRANGE, ...);
 * - a command whose time depends on what a key holds (SMEMBERS, HGETALL, LRANGE, ZRANGE, LREM,
 *   LINDEX ...), on a numeric argument (COUNT of LPOP/SPOP/SRANDMEMBER/HRANDFIELD/ZPOPMIN/SCAN,
 *   the area of GEOSEARCH), or on several keys' contents (SINTER, SUNION, ZUNION, BITOP, LCS,
 *   PFCOUNT over many keys) is refused: a tenant builds a 10-million-member set with cheap SADDs
 *   (no Redis or ElastiCache setting caps a collection's size), then one such command holds the
 *   server for seconds;
 * - freeing a big value is moved off the main thread: DEL is refused (UNLINK is granted and frees
 *   big values in a background thread), and the implicit deletions (overwrite by SET/RENAME,
 *   expiry, eviction) are made lazy by the `lazyfree-lazy-*` settings of {@link CELL_SERVER_SETTINGS}.
 *
 * Sources: the time complexity of each command on redis.io (`COMMAND DOCS` on the server shows
 * the same text), Redis 7.0 `src/lazyfree.c` (free effort), measurements in
 * `tests/redis/redis-command-cost.test.ts`.
 */

/** Server time each granted command may hold the server for, at most, on the measured server. */
export const COMMAND_BUDGET_MS = 50;

/**
 * Commands of the granted data categories refused for their cost, each with the reason (its time
 * complexity; N = elements in the key, M = elements returned or removed).
 */
export const COST_REFUSED_COMMANDS: Readonly<Record<string, string>> = {
  // @set
  sdiff: "O(total members of all keys): set algebra over tenant-built sets",
  sdiffstore: "O(total members of all keys)",
  sinter: "O(N*M) worst case: smallest set times number of sets (keys may repeat)",
  sintercard: "O(N*M) worst case; the issue's measured 1.5 s stall",
  sinterstore: "O(N*M) worst case",
  sunion: "O(total members of all keys)",
  sunionstore: "O(total members of all keys)",
  smembers: "O(N): returns the whole set",
  spop: "O(count) with COUNT: pops any number of members",
  srandmember: "O(count) with a negative COUNT, whatever the set size (amplification)",
  sscan: "O(COUNT) per call: COUNT is a hint the client chooses, unbounded",
  // @sortedset
  zdiff: "O(L + (N-K)log(N)) over all input keys",
  zdiffstore: "O(L + (N-K)log(N)) over all input keys",
  zinter: "O(N*K)+O(M*log(M)) over all input keys",
  zintercard: "O(N*K) over all input keys",
  zinterstore: "O(N*K)+O(M*log(M))",
  zunion: "O(N)+O(M*log(M)) over all input keys",
  zunionstore: "O(N)+O(M*log(M))",
  zrange: "O(log(N)+M): M = the range the client asks for (0 -1 = everything)",
  zrangebylex: "O(log(N)+M)",
  zrangebyscore: "O(log(N)+M)",
  zrangestore: "O(log(N)+M)",
  zrevrange: "O(log(N)+M)",
  zrevrangebylex: "O(log(N)+M)",
  zrevrangebyscore: "O(log(N)+M)",
  zremrangebylex: "O(log(N)+M): M removed",
  zremrangebyrank: "O(log(N)+M): M removed",
  zremrangebyscore: "O(log(N)+M): M removed",
  zpopmin: "O(log(N)*M) with COUNT",
  zpopmax: "O(log(N)*M) with COUNT",
  zmpop: "O(K)+O(M*log(N)) with COUNT",
  bzmpop: "O(K)+O(M*log(N)) with COUNT",
  zrandmember: "O(count) with a negative COUNT, whatever the zset size",
  zscan: "O(COUNT) per call, unbounded",
  // @list
  lrange: "O(S+N): the range the client asks for",
  lindex: "O(N): walks the list",
  linsert: "O(N): walks the list",
  lpos: "O(N): scans the list (MAXLEN 0 = all)",
  lrem: "O(N+M): scans the list",
  lset: "O(N): walks the list",
  ltrim: "O(N): N removed",
  lpop: "O(count) with COUNT (BLPOP and LMOVE pop one element)",
  rpop: "O(count) with COUNT (BRPOP and LMOVE pop one element)",
  lmpop: "O(N+M) with COUNT",
  blmpop: "O(N+M) with COUNT",
  // @hash
  hgetall: "O(N): returns the whole hash",
  hkeys: "O(N)",
  hvals: "O(N)",
  hrandfield: "O(count) with a negative COUNT, whatever the hash size",
  hscan: "O(COUNT) per call, unbounded",
  // @string
  lcs: "O(N*M) over two strings of up to proto-max-bulk-len each",
  // @bitmap
  bitop: "O(N) per source key, any number of keys (the same key may repeat)",
  // @geo
  georadius: "O(N+log(M)): N = members in the searched area, unbounded",
  georadius_ro: "O(N+log(M))",
  georadiusbymember: "O(N+log(M))",
  georadiusbymember_ro: "O(N+log(M))",
  geosearch: "O(N+log(M))",
  geosearchstore: "O(N+log(M))",
};

/**
 * Data categories not granted at all, with the reason. A category left out does not need its
 * commands named one by one.
 */
export const COST_REFUSED_CATEGORIES: Readonly<Record<string, string>> = {
  hyperloglog:
    "PFCOUNT and PFMERGE over many keys merge a 12 KB register set per key: 5,000 keys (a 100 KB request) held the server 99 ms here; PFADD alone is of no use",
  stream:
    "reading a stream (XRANGE, XREAD, XREADGROUP without COUNT, XPENDING, XAUTOCLAIM, XINFO STREAM FULL) is O(entries returned), which only the client bounds; a stream without reads is of no use",
};

/** Keyspace commands refused for their cost. */
export const COST_REFUSED_KEYSPACE: Readonly<Record<string, string>> = {
  del: "O(N) for a collection of N elements, freed on the main thread; UNLINK frees it in a background thread",
};

/**
 * Cost class of every granted command (the reviewed list in tests/redis/redis-acl-coverage.test.ts),
 * as the docs and tests describe it.
 */
export type CostClass =
  /** O(1) or O(log N), whatever the key holds. */
  | "constant"
  /** O(1)/O(log N) per argument: the time grows with the request's own bytes (see the residual in docs/redis.md). */
  | "per-argument"
  /** O(length of a string value), which proto-max-bulk-len caps. */
  | "string-capped"
  /** The queued commands' cost; client-query-buffer-limit caps their argument bytes. */
  | "transaction"
  /** O(subscribers of the channel): the tenant's own connections. */
  | "fan-out"
  /** Connection or cluster-topology plumbing. */
  | "plumbing";

const classes: Record<CostClass, string> = {
  constant:
    "bitfield_ro getbit decr decrby incr incrby incrbyfloat getset getdel getex psetex setex setnx set strlen " +
    "hexists hget hincrby hincrbyfloat hlen hsetnx hstrlen llen lmove blmove rpoplpush brpoplpush blpop brpop " +
    "scard sismember smove zcard zcount zincrby zlexcount zrank zrevrank zscore bzpopmin bzpopmax geodist " +
    "type ttl pttl expire pexpire expireat pexpireat expiretime pexpiretime persist rename renamenx",
  "per-argument":
    "bitfield hdel hmget hmset hset lpush lpushx rpush rpushx sadd smismember srem zadd zmscore zrem geoadd geohash geopos " +
    "mget mset msetnx exists touch unlink watch unwatch subscribe unsubscribe psubscribe punsubscribe ssubscribe sunsubscribe",
  "string-capped": "append bitcount bitpos getrange substr setrange setbit get echo",
  transaction: "multi exec discard",
  "fan-out": "publish spublish",
  plumbing:
    "ping client|setname client|getname client|id client|info asking readonly readwrite cluster|slots cluster|shards " +
    "cluster|nodes cluster|myid cluster|info cluster|keyslot",
};

/** command -> cost class, for every command the tenant is granted. */
export const GRANTED_COMMAND_COST: Readonly<Record<string, CostClass>> = Object.fromEntries(
  (Object.entries(classes) as [CostClass, string][]).flatMap(([cls, names]) => names.split(" ").map((n) => [n, cls] as const)),
);

/**
 * A server setting every pooled cell needs, as the Redis config directive (local Redis, CONFIG SET)
 * and the ElastiCache parameter-group parameters (AWS "Engine specific parameters" page:
 * `client-output-buffer-limit-normal-*` since 2.8.6, `proto-max-bulk-len` and
 * `client-query-buffer-limit` since 4.0.10 (1048576-536870912 and 1048576-1073741824),
 * `lazyfree-lazy-*` since 4.0.10, `lazyfree-lazy-user-del` since 6.0; all "changes take effect
 * immediately").
 */
export interface CellServerSetting {
  /** Redis config directive (CONFIG SET name). */
  readonly directive: string;
  /** Value for CONFIG SET. */
  readonly value: string;
  /** ElastiCache parameter name -> value. */
  readonly parameters: Readonly<Record<string, string>>;
  /** Why. */
  readonly why: string;
}

const MiB = 1024 * 1024;
/** Largest string value (and any single argument) a tenant may send. */
export const MAX_BULK_BYTES = 4 * MiB;
/** A normal client is disconnected at once when its pending replies reach this. */
export const OUTPUT_HARD_LIMIT_BYTES = 8 * MiB;
/** ... or when they stay above this for {@link OUTPUT_SOFT_SECONDS}. */
export const OUTPUT_SOFT_LIMIT_BYTES = 4 * MiB;
export const OUTPUT_SOFT_SECONDS = 10;
/** Unparsed input per client, and the argument bytes queued in one MULTI. Must exceed MAX_BULK_BYTES. */
export const QUERY_BUFFER_LIMIT_BYTES = 8 * MiB;

export const CELL_SERVER_SETTINGS: readonly CellServerSetting[] = [
  {
    directive: "client-output-buffer-limit",
    value: `normal ${OUTPUT_HARD_LIMIT_BYTES} ${OUTPUT_SOFT_LIMIT_BYTES} ${OUTPUT_SOFT_SECONDS}`,
    parameters: {
      "client-output-buffer-limit-normal-hard-limit": String(OUTPUT_HARD_LIMIT_BYTES),
      "client-output-buffer-limit-normal-soft-limit": String(OUTPUT_SOFT_LIMIT_BYTES),
      "client-output-buffer-limit-normal-soft-seconds": String(OUTPUT_SOFT_SECONDS),
    },
    why: "a client that does not read its replies (pipelined GETs) is disconnected instead of holding memory outside the keyspace; once over the limit, the rest of a command's replies are not even copied",
  },
  {
    directive: "proto-max-bulk-len",
    value: String(MAX_BULK_BYTES),
    parameters: { "proto-max-bulk-len": String(MAX_BULK_BYTES) },
    why: "caps a string value (SET, APPEND, SETRANGE, SETBIT offsets are all checked against it), so every string-capped command stays in budget",
  },
  {
    directive: "client-query-buffer-limit",
    value: String(QUERY_BUFFER_LIMIT_BYTES),
    parameters: { "client-query-buffer-limit": String(QUERY_BUFFER_LIMIT_BYTES) },
    why: "caps unparsed input per connection and the argument bytes of the commands queued in one MULTI (EXEC runs them all at once)",
  },
  ...(["lazyfree-lazy-user-del", "lazyfree-lazy-server-del", "lazyfree-lazy-expire", "lazyfree-lazy-eviction"] as const).map((d) => ({
    directive: d,
    value: "yes",
    parameters: { [d]: "yes" },
    why: "frees a big value in a background thread when it is deleted, overwritten (SET, RENAME), expires or is evicted",
  })),
];

/** The ElastiCache parameters of {@link CELL_SERVER_SETTINGS}, sorted by name. */
export function cellParameters(): { name: string; value: string }[] {
  return CELL_SERVER_SETTINGS.flatMap((s) => Object.entries(s.parameters).map(([name, value]) => ({ name, value }))).sort((a, b) =>
    a.name.localeCompare(b.name),
  );
}

/**
 * {@link CELL_SERVER_SETTINGS} as redis-server command-line flags, for a local or CI Redis that
 * should behave like a pooled cell (cli/local/redis-applier.ts start hint, .ci/run).
 */
export function cellServerFlags(): string {
  return CELL_SERVER_SETTINGS.map((s) => `--${s.directive} ${s.value.includes(" ") ? `"${s.value}"` : s.value}`).join(" ");
}
