/**
 * Exhaustive check against the real Redis: for every command and subcommand the server knows,
 * ask ACL DRYRUN (which executes nothing) whether the tenant's user may run it, and compare the
 * commands it may run with the reviewed list below. A server version that adds commands to a
 * granted category fails here until the new commands are reviewed.
 */
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenantNames } from "../../components/naming";
import { COST_REFUSED_CATEGORIES, COST_REFUSED_COMMANDS, COST_REFUSED_KEYSPACE, GRANTED_COMMAND_COST } from "../../components/redis/command-cost";
import { adminClient, applyTenant, cleanupTenants, randomTenantIds } from "./live";

/**
 * The commands a tenant may run on Redis 7.0, reviewed: every one takes keys or channels
 * (checked against the tenant's patterns) or concerns only the caller's connection or the
 * cluster topology, and its cost on the shared server does not depend on what a key holds
 * (components/redis/command-cost.ts). auth, hello, quit and reset carry Redis's no-auth flag
 * (never ACL-checked).
 */
const REVIEWED_ALLOWED_7_0 = `
append asking auth bitcount bitfield bitfield_ro bitpos blmove blpop brpop brpoplpush bzpopmax bzpopmin
client|getname client|id client|info client|setname cluster|info cluster|keyslot cluster|myid cluster|nodes cluster|shards
cluster|slots decr decrby discard echo exec exists expire expireat expiretime geoadd geodist geohash geopos
get getbit getdel getex getrange getset hdel
hello hexists hget hincrby hincrbyfloat hlen hmget hmset hset hsetnx hstrlen incr
incrby incrbyfloat llen lmove lpush lpushx mget mset msetnx multi
persist pexpire pexpireat pexpiretime ping psetex psubscribe pttl publish punsubscribe quit readonly
readwrite rename renamenx reset rpoplpush rpush rpushx sadd scard set setbit setex setnx setrange
sismember smismember smove srem spublish ssubscribe strlen
subscribe substr sunsubscribe touch ttl type unlink unsubscribe unwatch watch zadd
zcard zcount zincrby zlexcount zmscore zrank zrem zrevrank zscore
`
  .trim()
  .split(/\s+/);

/** Commands Redis never ACL-checks (no-auth flag). */
const NO_AUTH = ["auth", "hello", "quit", "reset"];

const ids = randomTenantIds();
let admin: Redis;
let version: string;
/** command -> DRYRUN verdict, for every runnable command and subcommand. */
const verdicts = new Map<string, string>();

beforeAll(async () => {
  admin = await adminClient();
  await applyTenant(ids.a, "pro");
  const info = String(await admin.info("server"));
  version = /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown";
  const user = tenantNames(ids.a).elasticacheUserId;
  const filler = `${tenantNames(ids.a).redisPrefix}x`;
  const names = (await admin.call("COMMAND", "LIST")) as string[];
  const infos = (await admin.call("COMMAND", "INFO", ...names)) as Array<unknown[] | null>;
  names.forEach((name, i) => {
    const arity = Number(infos[i]?.[1] ?? 2);
    const parts = name.split("|");
    const n = Math.max(Math.abs(arity), parts.length);
    // Own-prefix keys and channels in every argument: only the command rule can refuse.
    verdicts.set(name, [...parts, ...Array<string>(n - parts.length).fill(filler)].join("\u0000"));
  });
  for (const [name, joined] of verdicts) {
    try {
      verdicts.set(name, String(await admin.call("ACL", "DRYRUN", user, ...joined.split("\u0000"))));
    } catch (e) {
      // Container commands (CLIENT, CONFIG...) are checked through their subcommands.
      if (/^ERR Command '.*' not found$/.test((e as Error).message)) verdicts.delete(name);
      else throw e;
    }
  }
});

afterAll(async () => {
  if (admin) {
    await cleanupTenants(admin, [ids.a]);
    admin.disconnect();
  }
});

describe("the tenant's ACL over every command the server knows", () => {
  it("checks a full command table (over 300 commands and subcommands)", () => {
    expect(verdicts.size).toBeGreaterThan(300);
  });

  it("grants exactly the reviewed commands, nothing more and nothing less", () => {
    const allowed = [...verdicts].filter(([, v]) => !v.includes("no permissions to run the")).map(([n]) => n).sort();
    const extra = allowed.filter((n) => !REVIEWED_ALLOWED_7_0.includes(n));
    const missing = REVIEWED_ALLOWED_7_0.filter((n) => !allowed.includes(n));
    expect({ version, extra, missing }).toEqual({ version, extra: [], missing: [] });
    expect(allowed).toEqual([...REVIEWED_ALLOWED_7_0].sort());
  });

  it("refuses every command Redis flags admin or dangerous, every scripting and every keyless keyspace command", async () => {
    const flagged = new Set<string>();
    for (const cat of ["admin", "dangerous", "scripting"]) {
      for (const c of (await admin.call("ACL", "CAT", cat)) as string[]) flagged.add(c);
    }
    for (const c of ["keys", "scan", "randomkey", "dbsize", "flushall", "flushdb", "swapdb", "move", "copy", "dump", "restore", "migrate"]) {
      flagged.add(c);
    }
    for (const c of flagged) {
      if (!verdicts.has(c)) continue;
      expect(verdicts.get(c), c).toBe(`This user has no permissions to run the '${c}' command`);
    }
    expect(flagged.size).toBeGreaterThan(100);
  });

  it("the only allowed commands that take no key or channel are connection and topology plumbing", async () => {
    const keyless: string[] = [];
    for (const [name, verdict] of verdicts) {
      if (verdict.includes("no permissions to run the")) continue;
      const [info] = (await admin.call("COMMAND", "INFO", name)) as unknown[][];
      const firstKey = Number(info?.[3] ?? 0);
      const flags = (info?.[2] ?? []) as string[];
      if (firstKey === 0 && !flags.includes("pubsub") && !flags.includes("movablekeys")) keyless.push(name);
    }
    expect(keyless.sort()).toEqual(
      [
        "asking", "auth", "client|getname", "client|id", "client|info", "client|setname", "cluster|info", "cluster|keyslot",
        "cluster|myid", "cluster|nodes", "cluster|shards", "cluster|slots", "discard", "echo", "exec", "hello", "multi", "ping",
        "quit", "readonly", "readwrite", "reset", "unwatch",
      ].sort(),
    );
  });

  it("every allowed command has a reviewed cost class, and no allowed command is one refused for its cost", () => {
    const allowed = [...verdicts].filter(([, v]) => !v.includes("no permissions to run the")).map(([n]) => n);
    expect(allowed.filter((n) => !NO_AUTH.includes(n) && GRANTED_COMMAND_COST[n] === undefined)).toEqual([]);
    expect(Object.keys(GRANTED_COMMAND_COST).sort()).toEqual(allowed.filter((n) => !NO_AUTH.includes(n)).sort());
    const costly = [...Object.keys(COST_REFUSED_COMMANDS), ...Object.keys(COST_REFUSED_KEYSPACE)];
    for (const c of costly) expect(verdicts.get(c), c).toBe(`This user has no permissions to run the '${c}' command`);
    expect(costly.length).toBe(59);
  });

  it("grants no command of the categories refused for cost (HyperLogLog, stream)", async () => {
    for (const cat of Object.keys(COST_REFUSED_CATEGORIES)) {
      const cmds = ((await admin.call("ACL", "CAT", cat)) as string[]).map((c) => c.toLowerCase());
      expect(cmds.length, cat).toBeGreaterThan(3);
      for (const c of cmds) {
        if (verdicts.has(c)) expect(verdicts.get(c), c).toBe(`This user has no permissions to run the '${c}' command`);
      }
    }
  });
});
