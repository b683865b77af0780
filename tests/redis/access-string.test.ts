import { describe, expect, it } from "vitest";
import {
  DISABLED_DEFAULT_USER_ACCESS_STRING,
  RedisPrefixError,
  tenantAccessString,
  validateRedisPrefix,
} from "../../components/redis/access-string";
import { tenantNames } from "../../components/naming";

/** The whole reviewed string for tenant acme, written out by hand. */
const ACME =
  "on ~tenant:{acme}:* resetchannels &tenant:{acme}:* -@all " +
  "+@string +@hash +@list +@set +@sortedset +@bitmap +@hyperloglog +@geo +@stream +@transaction " +
  "-@dangerous -@admin " +
  "+del +unlink +exists +type +touch +expire +pexpire +expireat +pexpireat +expiretime +pexpiretime +ttl +pttl +persist +rename +renamenx " +
  "+publish +subscribe +unsubscribe +psubscribe +punsubscribe +spublish +ssubscribe +sunsubscribe " +
  "+ping +echo +client|setname +client|getname +client|id +client|info " +
  "+asking +readonly +readwrite +cluster|slots +cluster|shards +cluster|nodes +cluster|myid +cluster|info +cluster|keyslot";

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
    expect(() => tenantAccessString("tenant:acme")).toThrow(RedisPrefixError);
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
    ["", 'invalid Redis key prefix "": it is empty; an empty prefix would grant every key'],
    ["tenant:*:", 'invalid Redis key prefix "tenant:*:": it contains the glob metacharacter "*", which would widen the ACL pattern'],
    ["tenant:a?:", 'invalid Redis key prefix "tenant:a?:": it contains the glob metacharacter "?", which would widen the ACL pattern'],
    ["tenant:[ab]:", 'invalid Redis key prefix "tenant:[ab]:": it contains the glob metacharacter "[", which would widen the ACL pattern'],
    ["tenant:a\\:", 'invalid Redis key prefix "tenant:a\\\\:": it contains the glob metacharacter "\\\\", which would widen the ACL pattern'],
    ["tenant:a b:", 'invalid Redis key prefix "tenant:a b:": it contains whitespace, which would split the access string'],
    ["tenant:a~b:", 'invalid Redis key prefix "tenant:a~b:": it contains "~"; expected letters, digits and : { } _ . -'],
    ["tenant:acme", 'invalid Redis key prefix "tenant:acme": it must end with ":" so that it is not a prefix of another tenant\'s prefix'],
    ["t".repeat(127) + ":x:", `invalid Redis key prefix "${"t".repeat(127)}:x:": it is 130 characters long; expected at most 128`],
  ])("refuses %j", (prefix, message) => {
    expect(() => validateRedisPrefix(prefix)).toThrow(message);
  });

  it("refuses a non-string", () => {
    expect(() => validateRedisPrefix(42)).toThrow('invalid Redis key prefix "42": expected a string, got number');
  });

  it("keeps prefixes of similar tenant IDs disjoint (no prefix is a prefix of another)", () => {
    const ids = ["acme", "acme-x", "acm", "acme1", "a-cme"];
    const prefixes = ids.map((id) => tenantNames(id).redisPrefix);
    for (const a of prefixes) {
      for (const b of prefixes) if (a !== b) expect(b.startsWith(a), `${b} starts with ${a}`).toBe(false);
    }
  });
});
