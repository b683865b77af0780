/**
 * The access string is kept in ElastiCache's canonical shape (no `-@dangerous -@admin`
 * after `-@all`; categories in Redis's table order). Against the real Redis: the canonical string
 * grants exactly what the string it replaced granted — same keys, channels and command bitmap
 * (ACL GETUSER), the same ACL DRYRUN verdict for every command and subcommand the server knows —
 * and the commands it removes one by one are exactly the `@admin`/`@dangerous` part of the
 * granted data categories on this server.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DANGEROUS_DATA_COMMANDS, DATA_CATEGORIES, REMOVED_DATA_COMMANDS, tenantAccessString } from "../../components/redis/access-string";
import { COST_REFUSED_COMMANDS } from "../../components/redis/command-cost";
import { adminClient } from "./live";

/**
 * The same grants in the form declared before the canonical rewrite (commit 3e28bc5: `-@dangerous
 * -@admin` after the categories), written out by hand, with the cost refusals of issue 8 (the
 * HyperLogLog and stream categories and DEL left out, the costly data commands removed by name).
 */
const COST_REMOVALS =
  "-sdiff -sdiffstore -sinter -sintercard -sinterstore -sunion -sunionstore -smembers -spop -srandmember -sscan " +
  "-zdiff -zdiffstore -zinter -zintercard -zinterstore -zunion -zunionstore -zrange -zrangebylex -zrangebyscore -zrangestore " +
  "-zrevrange -zrevrangebylex -zrevrangebyscore -zremrangebylex -zremrangebyrank -zremrangebyscore -zpopmin -zpopmax -zmpop " +
  "-bzmpop -zrandmember -zscan -lrange -lindex -linsert -lpos -lrem -lset -ltrim -lpop -rpop -lmpop -blmpop " +
  "-hgetall -hkeys -hvals -hrandfield -hscan -lcs -bitop " +
  "-georadius -georadius_ro -georadiusbymember -georadiusbymember_ro -geosearch -geosearchstore ";
const previousAccessString = (p: string) =>
  `on ~${p}* resetchannels &${p}* -@all ` +
  "+@string +@hash +@list +@set +@sortedset +@bitmap +@geo +@transaction " +
  "-@dangerous -@admin " +
  COST_REMOVALS +
  "+unlink +exists +type +touch +expire +pexpire +expireat +pexpireat +expiretime +pexpiretime +ttl +pttl +persist +rename +renamenx " +
  "+publish +subscribe +unsubscribe +psubscribe +punsubscribe +spublish +ssubscribe +sunsubscribe " +
  "+ping +echo +client|setname +client|getname +client|id +client|info " +
  "+asking +readonly +readwrite +cluster|slots +cluster|shards +cluster|nodes +cluster|myid +cluster|info +cluster|keyslot";

const run = randomBytes(3).toString("hex");
const prefix = `tenant:{rc-${run}}:`;
const OLD = `rc-${run}-old`;
const NEW = `rc-${run}-new`;
let admin: Redis;

/** ACL GETUSER as a plain object (flags, passwords, commands, keys, channels, selectors). */
async function getUser(name: string): Promise<Record<string, unknown>> {
  const reply = (await admin.call("ACL", "GETUSER", name)) as unknown[];
  const out: Record<string, unknown> = {};
  for (let i = 0; i < reply.length; i += 2) out[String(reply[i])] = reply[i + 1];
  return out;
}

async function dryRun(user: string, args: string[]): Promise<string> {
  try {
    return String(await admin.call("ACL", "DRYRUN", user, ...args));
  } catch (e) {
    return `ERR ${(e as Error).message}`;
  }
}

/** Commands of an ACL category on this server, subcommands as `cmd|sub`. */
async function category(name: string): Promise<string[]> {
  return ((await admin.call("ACL", "CAT", name)) as string[]).map((c) => c.toLowerCase());
}

beforeAll(async () => {
  admin = await adminClient();
  // Local mode's translation: reset + declared tokens (no password: nobody logs in as these users).
  await admin.call("ACL", "SETUSER", OLD, "reset", ...previousAccessString(prefix).split(" "));
  await admin.call("ACL", "SETUSER", NEW, "reset", ...tenantAccessString(prefix).split(" "));
});

afterAll(async () => {
  if (admin) {
    await admin.call("ACL", "DELUSER", OLD, NEW);
    admin.disconnect();
  }
});

describe("the canonical access string against the real Redis", () => {
  it("differs from the previous one only in form", () => {
    expect(tenantAccessString(prefix)).not.toBe(previousAccessString(prefix));
    expect(tenantAccessString(prefix).split(" ").sort()).not.toEqual(previousAccessString(prefix).split(" ").sort());
  });

  it("gives the same flags, key and channel patterns and command bitmap (ACL GETUSER is identical)", async () => {
    const [before, after] = [await getUser(OLD), await getUser(NEW)];
    expect(after).toEqual(before);
    expect(after.keys).toBe(`~${prefix}*`);
    expect(after.channels).toBe(`&${prefix}*`);
  });

  it("gets the same ACL DRYRUN verdict for every command and subcommand the server knows", async () => {
    const names = (await admin.call("COMMAND", "LIST")) as string[];
    const key = `${prefix}k`;
    let compared = 0;
    for (const name of names) {
      // Own-prefix keys everywhere: only the command rules decide.
      const args = [...name.split("|"), key, key, key];
      const [a, b] = [await dryRun(OLD, args), await dryRun(NEW, args)];
      expect(b, name).toBe(a);
      compared++;
    }
    expect(compared).toBeGreaterThan(200);
  });

  it.each([
    [["GET", "k"], "OK"],
    [["HSET", "k", "f", "v"], "OK"],
    [["UNLINK", "k"], "OK"],
    [["SADD", "k", "m"], "OK"],
    [["LMOVE", "k", "k", "LEFT", "RIGHT"], "OK"],
    [["PFADD", "k", "x"], "This user has no permissions to run the 'pfadd' command"],
    [["XADD", "k", "*", "f", "v"], "This user has no permissions to run the 'xadd' command"],
    [["DEL", "k"], "This user has no permissions to run the 'del' command"],
    [["SINTERCARD", "2", "k", "k"], "This user has no permissions to run the 'sintercard' command"],
    [["HGETALL", "k"], "This user has no permissions to run the 'hgetall' command"],
    [["LPOP", "k"], "This user has no permissions to run the 'lpop' command"],
    [["PUBLISH", "c", "m"], "OK"],
    [["CLIENT", "SETNAME", "x"], "OK"],
    [["SORT", "k"], "This user has no permissions to run the 'sort' command"],
    [["SORT_RO", "k"], "This user has no permissions to run the 'sort_ro' command"],
    [["PFDEBUG", "GETREG", "k"], "This user has no permissions to run the 'pfdebug' command"],
    [["PFSELFTEST"], "This user has no permissions to run the 'pfselftest' command"],
    [["FLUSHALL"], "This user has no permissions to run the 'flushall' command"],
    [["KEYS", "*"], "This user has no permissions to run the 'keys' command"],
    [["CLIENT", "LIST"], "This user has no permissions to run the 'client|list' command"],
  ])("representative: %j is %s for both", async (cmd, verdict) => {
    const args = cmd.map((a) => (a === "k" ? `${prefix}k` : a === "c" ? `${prefix}c` : a));
    for (const user of [OLD, NEW]) expect(await dryRun(user, args)).toBe(verdict);
  });

  it("removes by name exactly the @admin/@dangerous commands of the granted data categories on this server, then the costly ones", async () => {
    const granted = new Set((await Promise.all(DATA_CATEGORIES.map(category))).flat());
    const restricted = new Set([...(await category("admin")), ...(await category("dangerous"))]);
    const expected = [...granted].filter((c) => restricted.has(c)).sort();
    expect([...DANGEROUS_DATA_COMMANDS].sort()).toEqual(expected);
    const costly = Object.keys(COST_REFUSED_COMMANDS);
    expect(REMOVED_DATA_COMMANDS).toEqual([...DANGEROUS_DATA_COMMANDS, ...costly]);
    // Each costly command is in a granted category (so removing it by name matters) and is not a dangerous one.
    expect(costly.filter((c) => !granted.has(c) || restricted.has(c))).toEqual([]);
  });
});
