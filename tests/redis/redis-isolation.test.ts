/**
 * Against the real Redis: tenant A (pooled, pro) and tenant B (dedicated, custom) are set up
 * through the local-mode applier from the program's own recorded resources. Connected as A, an
 * attacker with redis-cli is refused every cross-tenant and dangerous command, with Redis 7.0's
 * exact refusal; A's own-namespace work succeeds.
 *
 * Before running a destructive command as A, the test asks Redis (ACL DRYRUN, which executes
 * nothing) whether A may run it, and stops if so: a wrong ACL cannot wipe or stop the server.
 */
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenantNames } from "../../components/naming";
import { adminClient, applyTenant, cleanupTenants, clientFor, type LiveTenant, randomTenantIds } from "./live";

const KEY = "NOPERM this user has no permissions to access one of the keys used as arguments";
const CHANNEL = "NOPERM this user has no permissions to access one of the channels used as arguments";
const cmd = (name: string) => `NOPERM this user has no permissions to run the '${name}' command`;
const dryCmd = (name: string) => `This user has no permissions to run the '${name}' command`;

const ids = randomTenantIds();
const pA = tenantNames(ids.a).redisPrefix;
const pB = tenantNames(ids.b).redisPrefix;

let admin: Redis;
let A: LiveTenant;
let B: LiveTenant;
let a: Redis;
let b: Redis;
let debugRefusal: string;
let moduleRefusal: string;
const opened: Redis[] = [];

async function open(url: string): Promise<Redis> {
  const c = await clientFor(url);
  opened.push(c);
  return c;
}

beforeAll(async () => {
  admin = await adminClient();
  A = await applyTenant(ids.a, "pro");
  B = await applyTenant(ids.b, "custom");
  a = await open(A.description.url);
  b = await open(B.description.url);
  // B's data, written by B itself.
  await b.set(`${pB}secret`, "b-secret");
  await b.hset(`${pB}hash`, "f", "v");
  await b.rpush(`${pB}list`, "x", "y");
  await b.sadd(`${pB}set`, "m");
  await b.zadd(`${pB}zset`, 1, "m");
  await admin.xadd(`${pB}stream`, "*", "f", "v"); // streams are not granted to tenants
  // A's data.
  await a.set(`${pA}k`, "a-value");
  await a.rpush(`${pA}list`, "3", "1", "2");
  await a.sadd(`${pA}set`, "m");
  await a.zadd(`${pA}zset`, 1, "m");
  await a.geoadd(`${pA}geo`, 13.361389, 38.115556, "palermo");
  // DEBUG and MODULE are "protected" commands: a server with them disabled refuses them before the ACL.
  const [, dbg] = (await admin.call("CONFIG", "GET", "enable-debug-command")) as string[];
  const [, mod] = (await admin.call("CONFIG", "GET", "enable-module-command")) as string[];
  debugRefusal =
    dbg === "no"
      ? 'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.'
      : cmd("debug");
  moduleRefusal =
    mod === "no"
      ? 'ERR MODULE command not allowed. If the enable-module-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.'
      : cmd("module|load");
});

afterAll(async () => {
  for (const c of opened) c.disconnect();
  if (admin) {
    await cleanupTenants(admin, [ids.a, ids.b]);
    admin.disconnect();
  }
});

/** Asks Redis whether A may run `args` without running it; throws (stopping the test) if A may. */
async function dryRunAsA(args: string[]): Promise<string> {
  const verdict = String(await admin.call("ACL", "DRYRUN", tenantNames(ids.a).elasticacheUserId, ...args));
  if (verdict === "OK") throw new Error(`ACL DRYRUN says tenant A may run ${args.join(" ")}; not running it`);
  return verdict;
}

type Row = [label: string, args: () => string[], refusal: () => string];

const keyRows: Row[] = [
  ["GET B's key", () => ["GET", `${pB}secret`], () => KEY],
  ["SET B's key", () => ["SET", `${pB}secret`, "x"], () => KEY],
  ["DEL B's key (DEL is refused for its cost)", () => ["DEL", `${pB}secret`], () => cmd("del")],
  ["UNLINK B's key", () => ["UNLINK", `${pB}secret`], () => KEY],
  ["EXISTS B's key", () => ["EXISTS", `${pB}secret`], () => KEY],
  ["TYPE B's key", () => ["TYPE", `${pB}secret`], () => KEY],
  ["TTL B's key", () => ["TTL", `${pB}secret`], () => KEY],
  ["PTTL B's key", () => ["PTTL", `${pB}secret`], () => KEY],
  ["EXPIRE B's key", () => ["EXPIRE", `${pB}secret`, "1"], () => KEY],
  ["PERSIST B's key", () => ["PERSIST", `${pB}secret`], () => KEY],
  ["TOUCH B's key", () => ["TOUCH", `${pB}secret`], () => KEY],
  ["STRLEN B's key", () => ["STRLEN", `${pB}secret`], () => KEY],
  ["GETDEL B's key", () => ["GETDEL", `${pB}secret`], () => KEY],
  ["GETEX B's key", () => ["GETEX", `${pB}secret`], () => KEY],
  ["APPEND to B's key", () => ["APPEND", `${pB}secret`, "x"], () => KEY],
  ["HGETALL B's hash (refused for its cost)", () => ["HGETALL", `${pB}hash`], () => cmd("hgetall")],
  ["HMGET B's hash", () => ["HMGET", `${pB}hash`, "f"], () => KEY],
  ["HSET B's hash", () => ["HSET", `${pB}hash`, "f", "w"], () => KEY],
  ["HSCAN B's hash (refused for its cost)", () => ["HSCAN", `${pB}hash`, "0"], () => cmd("hscan")],
  ["LRANGE B's list (refused for its cost)", () => ["LRANGE", `${pB}list`, "0", "-1"], () => cmd("lrange")],
  ["LLEN B's list", () => ["LLEN", `${pB}list`], () => KEY],
  ["LPUSH B's list", () => ["LPUSH", `${pB}list`, "z"], () => KEY],
  ["BLPOP B's list", () => ["BLPOP", `${pB}list`, "0.01"], () => KEY],
  ["SMEMBERS B's set (refused for its cost)", () => ["SMEMBERS", `${pB}set`], () => cmd("smembers")],
  ["SISMEMBER B's set", () => ["SISMEMBER", `${pB}set`, "m"], () => KEY],
  ["SSCAN B's set (refused for its cost)", () => ["SSCAN", `${pB}set`, "0"], () => cmd("sscan")],
  ["ZRANGE B's zset (refused for its cost)", () => ["ZRANGE", `${pB}zset`, "0", "-1"], () => cmd("zrange")],
  ["ZSCORE B's zset", () => ["ZSCORE", `${pB}zset`, "m"], () => KEY],
  ["ZSCAN B's zset (refused for its cost)", () => ["ZSCAN", `${pB}zset`, "0"], () => cmd("zscan")],
  ["XRANGE B's stream (streams are not granted)", () => ["XRANGE", `${pB}stream`, "-", "+"], () => cmd("xrange")],
  ["XREAD B's stream (streams are not granted)", () => ["XREAD", "STREAMS", `${pB}stream`, "0"], () => cmd("xread")],
  ["XINFO STREAM B's stream (streams are not granted)", () => ["XINFO", "STREAM", `${pB}stream`], () => cmd("xinfo|stream")],
  ["MGET own and B's key", () => ["MGET", `${pA}k`, `${pB}secret`], () => KEY],
  ["MSET own and B's key", () => ["MSET", `${pA}k`, "1", `${pB}secret`, "2"], () => KEY],
  ["RENAME own key into B's prefix", () => ["RENAME", `${pA}k`, `${pB}stolen`], () => KEY],
  ["RENAMENX own key into B's prefix", () => ["RENAMENX", `${pA}k`, `${pB}stolen`], () => KEY],
  ["RENAME B's key into own prefix", () => ["RENAME", `${pB}secret`, `${pA}stolen`], () => KEY],
  ["LMOVE own list into B's list", () => ["LMOVE", `${pA}list`, `${pB}list`, "LEFT", "LEFT"], () => KEY],
  ["SMOVE own set into B's set", () => ["SMOVE", `${pA}set`, `${pB}set`, "m"], () => KEY],
  ["SINTERSTORE into B's prefix (refused for its cost)", () => ["SINTERSTORE", `${pB}dest`, `${pA}set`], () => cmd("sinterstore")],
  ["SMOVE B's member into own set", () => ["SMOVE", `${pB}set`, `${pA}set`, "m"], () => KEY],
  ["SUNION with B's set (refused for its cost)", () => ["SUNION", `${pA}set`, `${pB}set`], () => cmd("sunion")],
  ["ZUNIONSTORE into B's prefix (refused for its cost)", () => ["ZUNIONSTORE", `${pB}dest`, "1", `${pA}zset`], () => cmd("zunionstore")],
  ["BITOP into B's prefix (refused for its cost)", () => ["BITOP", "AND", `${pB}dest`, `${pA}k`], () => cmd("bitop")],
  ["PFMERGE into B's prefix (HyperLogLog is not granted)", () => ["PFMERGE", `${pB}dest`, `${pA}hll`], () => cmd("pfmerge")],
  ["GEOSEARCHSTORE into B's prefix (refused for its cost)", () => ["GEOSEARCHSTORE", `${pB}dest`, `${pA}geo`, "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"], () => cmd("geosearchstore")],
  ["GEOPOS B's key", () => ["GEOPOS", `${pB}zset`, "m"], () => KEY],
  ["LCS own and B's key (refused for its cost)", () => ["LCS", `${pA}k`, `${pB}secret`], () => cmd("lcs")],
  ["WATCH B's key", () => ["WATCH", `${pB}secret`], () => KEY],
  ["GET an unprefixed key", () => ["GET", "global:config"], () => KEY],
  ["GET the tenant root without the trailing colon", () => ["GET", pA.slice(0, -1)], () => KEY],
];

const commandRows: Row[] = [
  ["DUMP B's key", () => ["DUMP", `${pB}secret`], () => cmd("dump")],
  ["RESTORE a crafted payload", () => ["RESTORE", `${pA}r`, "0", "payload"], () => cmd("restore")],
  ["COPY own key into B's prefix", () => ["COPY", `${pA}k`, `${pB}copy`], () => cmd("copy")],
  ["COPY own key into another DB", () => ["COPY", `${pA}k`, `${pA}k2`, "DB", "1"], () => cmd("copy")],
  ["OBJECT ENCODING B's key", () => ["OBJECT", "ENCODING", `${pB}secret`], () => cmd("object|encoding")],
  ["OBJECT FREQ own key", () => ["OBJECT", "FREQ", `${pA}k`], () => cmd("object|freq")],
  ["OBJECT IDLETIME B's key", () => ["OBJECT", "IDLETIME", `${pB}secret`], () => cmd("object|idletime")],
  ["MEMORY USAGE B's key", () => ["MEMORY", "USAGE", `${pB}secret`], () => cmd("memory|usage")],
  ["MEMORY STATS", () => ["MEMORY", "STATS"], () => cmd("memory|stats")],
  ["MEMORY DOCTOR", () => ["MEMORY", "DOCTOR"], () => cmd("memory|doctor")],
  ["KEYS *", () => ["KEYS", "*"], () => cmd("keys")],
  ["KEYS B's prefix", () => ["KEYS", `${pB}*`], () => cmd("keys")],
  ["SCAN", () => ["SCAN", "0"], () => cmd("scan")],
  ["SCAN MATCH B's prefix", () => ["SCAN", "0", "MATCH", `${pB}*`], () => cmd("scan")],
  ["RANDOMKEY", () => ["RANDOMKEY"], () => cmd("randomkey")],
  ["DBSIZE", () => ["DBSIZE"], () => cmd("dbsize")],
  ["INFO", () => ["INFO"], () => cmd("info")],
  ["INFO keyspace", () => ["INFO", "keyspace"], () => cmd("info")],
  ["FLUSHALL", () => ["FLUSHALL"], () => cmd("flushall")],
  ["FLUSHALL ASYNC", () => ["FLUSHALL", "ASYNC"], () => cmd("flushall")],
  ["FLUSHDB", () => ["FLUSHDB"], () => cmd("flushdb")],
  ["CONFIG GET", () => ["CONFIG", "GET", "*"], () => cmd("config|get")],
  ["CONFIG SET", () => ["CONFIG", "SET", "maxmemory", "1"], () => cmd("config|set")],
  ["CONFIG RESETSTAT", () => ["CONFIG", "RESETSTAT"], () => cmd("config|resetstat")],
  ["CONFIG REWRITE", () => ["CONFIG", "REWRITE"], () => cmd("config|rewrite")],
  ["ACL LIST", () => ["ACL", "LIST"], () => cmd("acl|list")],
  ["ACL USERS", () => ["ACL", "USERS"], () => cmd("acl|users")],
  ["ACL WHOAMI", () => ["ACL", "WHOAMI"], () => cmd("acl|whoami")],
  ["ACL GETUSER B", () => ["ACL", "GETUSER", tenantNames(ids.b).elasticacheUserId], () => cmd("acl|getuser")],
  ["ACL SETUSER (escalate)", () => ["ACL", "SETUSER", tenantNames(ids.a).elasticacheUserId, "~*", "+@all"], () => cmd("acl|setuser")],
  ["ACL DELUSER B", () => ["ACL", "DELUSER", tenantNames(ids.b).elasticacheUserId], () => cmd("acl|deluser")],
  ["ACL LOG", () => ["ACL", "LOG"], () => cmd("acl|log")],
  ["ACL DRYRUN as B", () => ["ACL", "DRYRUN", tenantNames(ids.b).elasticacheUserId, "GET", `${pB}secret`], () => cmd("acl|dryrun")],
  ["CLIENT LIST", () => ["CLIENT", "LIST"], () => cmd("client|list")],
  ["CLIENT KILL", () => ["CLIENT", "KILL", "ID", "1"], () => cmd("client|kill")],
  ["CLIENT PAUSE", () => ["CLIENT", "PAUSE", "10"], () => cmd("client|pause")],
  ["CLIENT UNBLOCK", () => ["CLIENT", "UNBLOCK", "1"], () => cmd("client|unblock")],
  ["CLIENT NO-EVICT", () => ["CLIENT", "NO-EVICT", "on"], () => cmd("client|no-evict")],
  ["CLIENT TRACKING BCAST on B's prefix", () => ["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", pB], () => cmd("client|tracking")],
  ["MONITOR", () => ["MONITOR"], () => cmd("monitor")],
  ["SELECT 1", () => ["SELECT", "1"], () => cmd("select")],
  ["SELECT 0", () => ["SELECT", "0"], () => cmd("select")],
  ["SWAPDB", () => ["SWAPDB", "0", "1"], () => cmd("swapdb")],
  ["MOVE own key to DB 1", () => ["MOVE", `${pA}k`, "1"], () => cmd("move")],
  ["MIGRATE own key", () => ["MIGRATE", "127.0.0.1", "6379", `${pA}k`, "0", "1000"], () => cmd("migrate")],
  ["EVAL reading B's key through KEYS", () => ["EVAL", "return redis.call('get', KEYS[1])", "1", `${pB}secret`], () => cmd("eval")],
  ["EVAL reading B's key by name", () => ["EVAL", `return redis.call('get', '${pB}secret')`, "0"], () => cmd("eval")],
  ["EVAL listing keys", () => ["EVAL", "return redis.call('keys', '*')", "0"], () => cmd("eval")],
  ["EVAL on own key", () => ["EVAL", "return redis.call('get', KEYS[1])", "1", `${pA}k`], () => cmd("eval")],
  ["EVAL_RO", () => ["EVAL_RO", "return 1", "0"], () => cmd("eval_ro")],
  ["EVALSHA", () => ["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"], () => cmd("evalsha")],
  ["SCRIPT LOAD", () => ["SCRIPT", "LOAD", "return 1"], () => cmd("script|load")],
  ["SCRIPT EXISTS (probe another tenant's scripts)", () => ["SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"], () => cmd("script|exists")],
  ["SCRIPT FLUSH", () => ["SCRIPT", "FLUSH"], () => cmd("script|flush")],
  ["SCRIPT KILL", () => ["SCRIPT", "KILL"], () => cmd("script|kill")],
  ["FUNCTION LOAD", () => ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('f', function() return 1 end)"], () => cmd("function|load")],
  ["FUNCTION LIST", () => ["FUNCTION", "LIST"], () => cmd("function|list")],
  ["FUNCTION DELETE", () => ["FUNCTION", "DELETE", "x"], () => cmd("function|delete")],
  ["FUNCTION FLUSH", () => ["FUNCTION", "FLUSH"], () => cmd("function|flush")],
  ["FCALL", () => ["FCALL", "f", "0"], () => cmd("fcall")],
  ["SORT own list BY/GET B's keys", () => ["SORT", `${pA}list`, "BY", `${pB}*`, "GET", `${pB}*`], () => cmd("sort")],
  ["SORT own list", () => ["SORT", `${pA}list`], () => cmd("sort")],
  ["SORT_RO own list GET B's keys", () => ["SORT_RO", `${pA}list`, "GET", `${pB}*`], () => cmd("sort_ro")],
  ["PUBSUB CHANNELS", () => ["PUBSUB", "CHANNELS"], () => cmd("pubsub|channels")],
  ["PUBSUB CHANNELS B's prefix", () => ["PUBSUB", "CHANNELS", `${pB}*`], () => cmd("pubsub|channels")],
  ["PUBSUB NUMSUB B's channel", () => ["PUBSUB", "NUMSUB", `${pB}events`], () => cmd("pubsub|numsub")],
  ["PUBSUB NUMPAT", () => ["PUBSUB", "NUMPAT"], () => cmd("pubsub|numpat")],
  ["PUBSUB SHARDCHANNELS", () => ["PUBSUB", "SHARDCHANNELS"], () => cmd("pubsub|shardchannels")],
  ["SHUTDOWN", () => ["SHUTDOWN", "NOSAVE"], () => cmd("shutdown")],
  ["REPLICAOF", () => ["REPLICAOF", "127.0.0.1", "1"], () => cmd("replicaof")],
  ["SLAVEOF", () => ["SLAVEOF", "NO", "ONE"], () => cmd("slaveof")],
  ["FAILOVER", () => ["FAILOVER"], () => cmd("failover")],
  ["SYNC", () => ["SYNC"], () => cmd("sync")],
  ["SAVE", () => ["SAVE"], () => cmd("save")],
  ["BGSAVE", () => ["BGSAVE"], () => cmd("bgsave")],
  ["BGREWRITEAOF", () => ["BGREWRITEAOF"], () => cmd("bgrewriteaof")],
  ["LASTSAVE", () => ["LASTSAVE"], () => cmd("lastsave")],
  ["ROLE", () => ["ROLE"], () => cmd("role")],
  ["WAIT", () => ["WAIT", "0", "0"], () => cmd("wait")],
  ["SLOWLOG GET (others' arguments)", () => ["SLOWLOG", "GET"], () => cmd("slowlog|get")],
  ["SLOWLOG RESET", () => ["SLOWLOG", "RESET"], () => cmd("slowlog|reset")],
  ["LATENCY LATEST", () => ["LATENCY", "LATEST"], () => cmd("latency|latest")],
  ["LATENCY RESET", () => ["LATENCY", "RESET"], () => cmd("latency|reset")],
  ["CLUSTER COUNTKEYSINSLOT", () => ["CLUSTER", "COUNTKEYSINSLOT", "0"], () => cmd("cluster|countkeysinslot")],
  ["CLUSTER GETKEYSINSLOT", () => ["CLUSTER", "GETKEYSINSLOT", "0", "10"], () => cmd("cluster|getkeysinslot")],
  ["CLUSTER RESET", () => ["CLUSTER", "RESET"], () => cmd("cluster|reset")],
  ["MODULE LIST", () => ["MODULE", "LIST"], () => cmd("module|list")],
  ["PFDEBUG", () => ["PFDEBUG", "GETREG", `${pA}hll`], () => cmd("pfdebug")],
  ["PFSELFTEST", () => ["PFSELFTEST"], () => cmd("pfselftest")],
  ["COMMAND", () => ["COMMAND", "COUNT"], () => cmd("command|count")],
  ["TIME", () => ["TIME"], () => cmd("time")],
  ["LOLWUT", () => ["LOLWUT"], () => cmd("lolwut")],
];

const protectedRows: Row[] = [
  ["DEBUG OBJECT B's key", () => ["DEBUG", "OBJECT", `${pB}secret`], () => debugRefusal],
  ["DEBUG SLEEP", () => ["DEBUG", "SLEEP", "0"], () => debugRefusal],
  ["MODULE LOAD", () => ["MODULE", "LOAD", "/tmp/none.so"], () => moduleRefusal],
];

describe("tenant A is refused every command on B's keys", () => {
  it.each(keyRows)("%s", async (_label, args, refusal) => {
    await dryRunAsA(args());
    await expect(a.call(args()[0]!, ...args().slice(1))).rejects.toThrow(refusal());
  });

  it("and B's data is exactly as B wrote it afterwards", async () => {
    expect(await b.get(`${pB}secret`)).toBe("b-secret");
    expect(await admin.hgetall(`${pB}hash`)).toEqual({ f: "v" });
    expect(await admin.lrange(`${pB}list`, 0, -1)).toEqual(["x", "y"]);
    expect(await admin.smembers(`${pB}set`)).toEqual(["m"]);
    expect(await b.ttl(`${pB}secret`)).toBe(-1);
    expect(await admin.exists(`${pB}stolen`, `${pB}dest`, `${pB}copy`, `${pA}stolen`)).toBe(0);
  });
});

describe("tenant A is refused every enumerating, scripting, administrative and dangerous command", () => {
  it.each(commandRows)("%s", async (_label, args, refusal) => {
    const verdict = await dryRunAsA(args());
    expect(verdict).toBe(dryCmd(refusal().replace(/^.*run the '(.*)' command$/, "$1")));
    await expect(a.call(args()[0]!, ...args().slice(1))).rejects.toThrow(refusal());
  });

  it.each(protectedRows)("%s (the ACL refuses it too)", async (_label, args, refusal) => {
    expect(await dryRunAsA(args())).toBe(dryCmd(args()[0]!.toLowerCase() === "debug" ? "debug" : "module|load"));
    await expect(a.call(args()[0]!, ...args().slice(1))).rejects.toThrow(refusal());
  });
});

describe("tenant A is refused other tenants' channels", () => {
  const rows: Array<[string, (c: Redis) => Promise<unknown>]> = [
    ["PUBLISH to B's channel", (c) => c.publish(`${pB}events`, "x")],
    ["SPUBLISH to B's channel", (c) => c.call("SPUBLISH", `${pB}events`, "x")],
    ["PUBLISH to an unprefixed channel", (c) => c.publish("global", "x")],
    ["SUBSCRIBE to B's channel", (c) => c.subscribe(`${pB}events`)],
    ["SSUBSCRIBE to B's channel", (c) => c.call("SSUBSCRIBE", `${pB}events`)],
    ["PSUBSCRIBE *", (c) => c.psubscribe("*")],
    ["PSUBSCRIBE B's prefix", (c) => c.psubscribe(`${pB}*`)],
    ["PSUBSCRIBE every tenant", (c) => c.psubscribe("tenant:*")],
    ["PSUBSCRIBE a narrower own pattern (patterns must be literally granted)", (c) => c.psubscribe(`${pA}x*`)],
  ];
  it.each(rows)("%s", async (_label, op) => {
    const c = await open(A.description.url);
    await expect(op(c)).rejects.toThrow(CHANNEL);
  });

  it("B's subscriber hears nothing A sends", async () => {
    const sub = await open(B.description.url);
    const heard: string[] = [];
    sub.on("message", (ch: string, m: string) => heard.push(`${ch}:${m}`));
    await sub.subscribe(`${pB}events`);
    await expect(a.publish(`${pB}events`, "spoof")).rejects.toThrow(CHANNEL);
    expect(await a.publish(`${pA}events`, "own")).toBe(0);
    await b.publish(`${pB}events`, "from-b");
    await new Promise((r) => setTimeout(r, 100));
    expect(heard).toEqual([`${pB}events:from-b`]);
  });
});

describe("a transaction cannot smuggle a refused command", () => {
  it.each([
    ["KEYS inside MULTI", (c: Redis) => c.multi().set(`${pA}tx`, "1").keys("*").exec()],
    ["B's key inside MULTI", (c: Redis) => c.multi().set(`${pA}tx`, "1").get(`${pB}secret`).exec()],
    ["FLUSHALL inside MULTI", (c: Redis) => c.multi().set(`${pA}tx`, "1").flushall().exec()],
  ])("%s: EXEC aborts and the allowed part never runs", async (_label, tx) => {
    await expect(tx(a)).rejects.toThrow("EXECABORT Transaction discarded because of previous errors.");
    expect(await a.exists(`${pA}tx`)).toBe(0);
  });
});

describe("tenant A's own namespace works", () => {
  it("strings, counters, expiry and deletion", async () => {
    expect(await a.set(`${pA}s`, "v", "EX", 100)).toBe("OK");
    expect(await a.get(`${pA}s`)).toBe("v");
    expect(await a.ttl(`${pA}s`)).toBeGreaterThan(90);
    expect(await a.expire(`${pA}s`, 50)).toBe(1);
    expect(await a.ttl(`${pA}s`)).toBeLessThanOrEqual(50);
    expect(await a.incr(`${pA}n`)).toBe(1);
    expect(await a.incrby(`${pA}n`, 4)).toBe(5);
    expect(await a.unlink(`${pA}s`, `${pA}n`)).toBe(2);
  });

  it("hashes, lists, sets, sorted sets, geo, bitmaps (with the commands whose cost stays bounded)", async () => {
    expect(await a.hset(`${pA}h`, "f", "v")).toBe(1);
    expect(await a.hmget(`${pA}h`, "f", "g")).toEqual(["v", null]);
    expect(await a.lpush(`${pA}l`, "x", "y")).toBe(2);
    expect(await a.llen(`${pA}l`)).toBe(2);
    expect(await a.blpop(`${pA}l`, 1)).toEqual([`${pA}l`, "y"]);
    expect(await a.lmove(`${pA}l`, `${pA}l2`, "LEFT", "RIGHT")).toBe("x");
    expect(await a.sadd(`${pA}st`, "a", "b")).toBe(2);
    expect(await a.smismember(`${pA}st`, "a", "c")).toEqual([1, 0]);
    expect(await a.zadd(`${pA}z`, "2", "b", "1", "a")).toBe(2);
    expect(await a.zrank(`${pA}z`, "b")).toBe(1);
    expect(await a.zmscore(`${pA}z`, "a", "b")).toEqual(["1", "2"]);
    expect(await a.geodist(`${pA}geo`, "palermo", "palermo")).toBe("0.0000");
    expect(await a.setbit(`${pA}bits`, 7, 1)).toBe(0);
    expect(await a.bitcount(`${pA}bits`)).toBe(1);
  });

  it("multi-key commands, RENAME and transactions inside the namespace", async () => {
    await a.mset(`${pA}m1`, "1", `${pA}m2`, "2");
    expect(await a.mget(`${pA}m1`, `${pA}m2`)).toEqual(["1", "2"]);
    expect(await a.rename(`${pA}m1`, `${pA}m3`)).toBe("OK");
    expect(await a.smove(`${pA}set`, `${pA}st`, "m")).toBe(1);
    await a.watch(`${pA}m2`);
    expect(await a.multi().incr(`${pA}m2`).get(`${pA}m3`).exec()).toEqual([
      [null, 3],
      [null, "1"],
    ]);
  });

  it("pub/sub on its own channels, and PSUBSCRIBE with exactly its granted pattern", async () => {
    const sub = await open(A.description.url);
    const heard: string[] = [];
    sub.on("message", (ch: string, m: string) => heard.push(`${ch}:${m}`));
    sub.on("pmessage", (p: string, ch: string, m: string) => heard.push(`${p}|${ch}:${m}`));
    await sub.subscribe(`${pA}events`);
    await sub.psubscribe(`${pA}*`);
    expect(await a.publish(`${pA}events`, "hello")).toBe(2);
    await new Promise((r) => setTimeout(r, 100));
    expect(heard.sort()).toEqual([`${pA}*|${pA}events:hello`, `${pA}events:hello`].sort());
  });

  it("connection plumbing: PING, ECHO, CLIENT SETNAME/GETNAME/ID/INFO", async () => {
    expect(await a.ping()).toBe("PONG");
    expect(await a.echo("e")).toBe("e");
    expect(await a.client("SETNAME", "app")).toBe("OK");
    expect(await a.client("GETNAME")).toBe("app");
    expect(typeof (await a.client("ID"))).toBe("number");
    expect(String(await a.client("INFO"))).toContain(`user=${tenantNames(ids.a).elasticacheUserId}`);
  });
});

describe("the user Redis holds is the user the program declares", () => {
  it("has exactly the declared key and channel patterns, and is on", async () => {
    const info = (await admin.call("ACL", "GETUSER", tenantNames(ids.a).elasticacheUserId)) as unknown[];
    const rec = Object.fromEntries(Array.from({ length: info.length / 2 }, (_, i) => [String(info[2 * i]), info[2 * i + 1]]));
    expect(rec.flags).toContain("on");
    expect(rec.keys).toBe(`~${pA}*`);
    expect(rec.channels).toBe(`&${pA}*`);
    expect(rec.selectors).toEqual([]);
  });

  it("the dedicated tenant's disabled default user was not applied to the shared server", async () => {
    const acl = (await admin.call("ACL", "LIST")) as string[];
    expect(acl.filter((l) => l.startsWith("user default ")).length).toBe(1);
    expect(acl.find((l) => l.startsWith("user default "))).not.toContain("off -@all");
  });
});
