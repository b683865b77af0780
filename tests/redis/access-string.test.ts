import { describe, expect, it } from "vitest";
import { InputError } from "../../components/errors";
import {
  accessStringVersionProblems,
  DISABLED_DEFAULT_USER_ACCESS_STRING,
  parseEngineVersion,
  redisPrefixProblems,
  tenantAccessString,
  validateRedisPrefix,
} from "../../components/redis/access-string";
import { tenantNames } from "../../components/naming";

/**
 * The whole reviewed string for tenant acme, written out by hand, in ElastiCache's canonical
 * shape: flag, key pattern, resetchannels + channel pattern, -@all, +@categories in Redis's
 * category-table order, then single-command rules (no -@category after -@all).
 */
const ACME =
  "on ~tenant:{acme}:* resetchannels &tenant:{acme}:* -@all " +
  "+@set +@sortedset +@list +@hash +@string +@bitmap +@geo +@transaction " +
  "-sort -sort_ro " +
  // Refused for their cost on a shared server (components/redis/command-cost.ts).
  "-sdiff -sdiffstore -sinter -sintercard -sinterstore -sunion -sunionstore -smembers -spop -srandmember -sscan " +
  "-zdiff -zdiffstore -zinter -zintercard -zinterstore -zunion -zunionstore -zrange -zrangebylex -zrangebyscore -zrangestore " +
  "-zrevrange -zrevrangebylex -zrevrangebyscore -zremrangebylex -zremrangebyrank -zremrangebyscore -zpopmin -zpopmax -zmpop " +
  "-bzmpop -zrandmember -zscan " +
  "-lrange -lindex -linsert -lpos -lrem -lset -ltrim -lpop -rpop -lmpop -blmpop " +
  "-hgetall -hkeys -hvals -hrandfield -hscan -lcs -bitop " +
  "-georadius -georadius_ro -georadiusbymember -georadiusbymember_ro -geosearch -geosearchstore " +
  "+unlink +exists +type +touch +expire +pexpire +expireat +pexpireat +expiretime +pexpiretime +ttl +pttl +persist +rename +renamenx " +
  "+publish +subscribe +unsubscribe +psubscribe +punsubscribe +spublish +ssubscribe +sunsubscribe " +
  "+ping +echo +client|setname +client|getname +client|id +client|info " +
  "+asking +readonly +readwrite +cluster|slots +cluster|shards +cluster|nodes +cluster|myid +cluster|info +cluster|keyslot";

/** Redis's category table (src/acl.c ACLCommandCategories), the order ACL describe lists categories in. */
const REDIS_CATEGORY_ORDER = [
  "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap", "hyperloglog", "geo", "stream",
  "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection", "transaction", "scripting",
];

describe("tenantAccessString", () => {
  it("builds the exact reviewed string from the tenant's prefix", () => {
    expect(tenantAccessString(tenantNames("acme").redisPrefix)).toBe(ACME);
  });

  it("confines keys and channels of another tenant to that tenant's prefix only", () => {
    const s = tenantAccessString(tenantNames("globex-2").redisPrefix);
    expect(s).toBe(ACME.replaceAll("tenant:{acme}:", "tenant:{globex-2}:"));
    expect(s).not.toContain("acme");
  });

  it("starts with on, key pattern, resetchannels, channel pattern, -@all in that order", () => {
    expect(tenantAccessString("tenant:{acme}:").split(" ").slice(0, 5)).toEqual([
      "on",
      "~tenant:{acme}:*",
      "resetchannels",
      "&tenant:{acme}:*",
      "-@all",
    ]);
  });

  it("has exactly one key pattern and one channel pattern, both under the prefix", () => {
    const tokens = tenantAccessString("tenant:{acme}:").split(" ");
    expect(tokens.filter((t) => t.startsWith("~") || t.startsWith("%"))).toEqual(["~tenant:{acme}:*"]);
    expect(tokens.filter((t) => t.startsWith("&"))).toEqual(["&tenant:{acme}:*"]);
  });

  it("never grants a command or category that enumerates, administers or escapes", () => {
    const granted = tenantAccessString("tenant:{acme}:")
      .split(" ")
      .filter((t) => t.startsWith("+"))
      .map((t) => t.slice(1));
    const never = [
      "@all", "@keyspace", "@admin", "@dangerous", "@scripting", "@pubsub", "@connection", "@read", "@write", "@slow", "@fast",
      "keys", "scan", "randomkey", "dbsize", "info", "memory", "object", "debug", "monitor", "client", "client|list",
      "client|kill", "client|tracking", "config", "acl", "flushall", "flushdb", "swapdb", "move", "copy", "migrate",
      "dump", "restore", "select", "eval", "evalsha", "fcall", "function", "script", "sort", "sort_ro", "pubsub",
      "wait", "cluster", "cluster|countkeysinslot", "cluster|getkeysinslot", "slowlog", "latency", "shutdown",
      "replicaof", "slaveof", "module", "save", "bgsave", "bgrewriteaof", "lastsave", "role", "failover", "reset",
      // cost on a shared server: DEL (UNLINK instead), whole categories whose reads are unbounded
      "del", "@hyperloglog", "@stream",
    ];
    for (const n of never) expect(granted, n).not.toContain(n);
  });

  it("contains no token ElastiCache forbids in an access string (reset, passwords)", () => {
    for (const t of tenantAccessString("tenant:{acme}:").split(" ")) {
      expect(t).not.toMatch(/^(reset|resetpass|nopass|[<>#!].*)$/);
    }
  });

  it("accepts hash-tag braces (literal in ACL globs)", () => {
    expect(tenantAccessString("tenant:{acme}:").split(" ").slice(1, 4)).toEqual(["~tenant:{acme}:*", "resetchannels", "&tenant:{acme}:*"]);
  });

  it("refuses a bad prefix before building anything", () => {
    expect(() => tenantAccessString("tenant:acme")).toThrow(InputError);
  });

  it("is in the canonical shape: no -@category after -@all, categories in Redis's table order, commands after categories", () => {
    const tokens = tenantAccessString("tenant:{acme}:").split(" ");
    const all = tokens.indexOf("-@all");
    const rules = tokens.slice(all + 1);
    expect(rules.filter((t) => t.startsWith("-@"))).toEqual([]);
    const categories = rules.filter((t) => t.startsWith("+@")).map((t) => t.slice(2));
    expect(categories).toEqual([...categories].sort((a, b) => REDIS_CATEGORY_ORDER.indexOf(a) - REDIS_CATEGORY_ORDER.indexOf(b)));
    expect(categories.every((c) => REDIS_CATEGORY_ORDER.includes(c))).toBe(true);
    const firstCommand = rules.findIndex((t) => !t.startsWith("+@"));
    expect(rules.slice(firstCommand).filter((t) => t.startsWith("+@"))).toEqual([]);
  });

  it("gives the dedicated cache's default user nothing", () => {
    expect(DISABLED_DEFAULT_USER_ACCESS_STRING).toBe("off -@all");
  });
});

describe("validateRedisPrefix", () => {
  it("returns a valid prefix unchanged", () => {
    expect(validateRedisPrefix("tenant:{acme}:")).toBe("tenant:{acme}:");
    expect(validateRedisPrefix("tenant:{acme}:")).toBe("tenant:{acme}:");
  });

  it.each([
    ["", '"" is empty, which would grant every key; expected a non-empty prefix ending with ":"'],
    ["tenant:*:", '"tenant:*:" contains the glob metacharacter "*", which would widen the ACL pattern; expected none of * ? [ ] \\'],
    ["tenant:a?:", '"tenant:a?:" contains the glob metacharacter "?", which would widen the ACL pattern; expected none of * ? [ ] \\'],
    ["tenant:[ab]:", '"tenant:[ab]:" contains the glob metacharacter "[", which would widen the ACL pattern; expected none of * ? [ ] \\'],
    ["tenant:a\\:", '"tenant:a\\\\:" contains the glob metacharacter "\\\\", which would widen the ACL pattern; expected none of * ? [ ] \\'],
    ["tenant:a b:", '"tenant:a b:" contains whitespace, which would split the access string; expected none'],
    ["tenant:a~b:", '"tenant:a~b:" contains "~"; expected letters, digits and : { } _ . -'],
    ["tenant:acme", '"tenant:acme" does not end with ":"; expected a trailing ":" so that it is not a prefix of another tenant\'s prefix'],
    ["t".repeat(127) + ":x:", `"${"t".repeat(127)}:x:" is 130 characters long; expected at most 128`],
  ])("refuses %j with one problem at redisPrefix", (prefix, message) => {
    expect(redisPrefixProblems(prefix)).toEqual([{ path: "redisPrefix", message }]);
    expect(() => validateRedisPrefix(prefix)).toThrow(`invalid Redis key prefix: 1 problem\n  - redisPrefix: ${message}`);
  });

  it("refuses a non-string", () => {
    expect(() => validateRedisPrefix(42)).toThrow("invalid Redis key prefix: 1 problem\n  - redisPrefix: 42 is a number; expected a string");
  });

  it("keeps prefixes of similar tenant IDs disjoint (no prefix is a prefix of another)", () => {
    const ids = ["acme", "acme-x", "acm", "acme1", "a-cme"];
    const prefixes = ids.map((id) => tenantNames(id).redisPrefix);
    for (const a of prefixes) {
      for (const b of prefixes) if (a !== b) expect(b.startsWith(a), `${b} starts with ${a}`).toBe(false);
    }
  });
});

describe("accessStringVersionProblems", () => {
  const acme = () => tenantAccessString("tenant:{acme}:");
  const path = "platform.redis.cells[0].engineVersion";

  it.each(["7.0", "7.1", "7.0.7", "7"])("accepts the tenant string on Redis OSS %s", (v) => {
    expect(accessStringVersionProblems(acme(), v, path)).toEqual([]);
  });

  it("refuses subcommand rules on 6.2, naming the key, the version and the tokens", () => {
    expect(accessStringVersionProblems(acme(), "6.2", path)).toEqual([
      {
        path,
        message:
          '"6.2" does not support subcommand rules (+command|subcommand), which the access string uses (+client|setname +client|getname +client|id and 7 more); expected Redis OSS 7.0 or later',
      },
    ]);
  });

  it("refuses channel rules and subcommand rules on 6.0", () => {
    expect(accessStringVersionProblems(acme(), "6.0", path).map((p) => p.message)).toEqual([
      '"6.0" does not support channel rules (&pattern, allchannels, resetchannels), which the access string uses (resetchannels &tenant:{acme}:*); expected Redis OSS 6.2 or later',
      '"6.0" does not support subcommand rules (+command|subcommand), which the access string uses (+client|setname +client|getname +client|id and 7 more); expected Redis OSS 7.0 or later',
    ]);
  });

  it("refuses selectors and %R~/%W~ key permissions before 7.0", () => {
    expect(accessStringVersionProblems("on %R~a:* (+get ~b:*) -@all +get", "6.2", "p").map((p) => p.message)).toEqual([
      '"6.2" does not support read/write key permissions (%R~, %W~, %RW~), which the access string uses (%R~a:*); expected Redis OSS 7.0 or later',
      '"6.2" does not support selectors ((...), clearselectors), which the access string uses ((+get ~b:*)); expected Redis OSS 7.0 or later',
    ]);
    expect(accessStringVersionProblems("on %R~a:* (+get ~b:*) -@all +get", "7.0", "p")).toEqual([]);
  });

  it("refuses an engine without RBAC, a newer unreviewed major and a malformed version", () => {
    expect(accessStringVersionProblems(acme(), "5.0.6", path)).toEqual([
      { path, message: '"5.0.6" has no ElastiCache RBAC (users and user groups); expected Redis OSS 6.0 or later' },
    ]);
    expect(accessStringVersionProblems(acme(), "8.0", path)).toEqual([
      {
        path,
        message:
          '"8.0" is newer than the engine the tenant ACL was reviewed on; expected Redis OSS 7.x (review tests/redis/redis-acl-coverage.test.ts on the new engine first)',
      },
    ]);
    expect(accessStringVersionProblems(acme(), "latest", path)).toEqual([
      { path, message: '"latest" is not an engine version; expected major.minor, e.g. "7.1"' },
    ]);
  });

  it("parses major.minor[.patch] and a bare major", () => {
    expect([parseEngineVersion("7.1"), parseEngineVersion("6.2.6"), parseEngineVersion("7"), parseEngineVersion("v7")]).toEqual([
      { major: 7, minor: 1 },
      { major: 6, minor: 2 },
      { major: 7, minor: 0 },
      undefined,
    ]);
  });
});
