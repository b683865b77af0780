/**
 * The Redis applier's pure parts: the one ElastiCache -> ACL SETUSER translation, the guards that
 * keep local mode on the tenant's own user and prefix, and the `redis` section of `local up --json`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AppliedResource, LocalContext } from "../../cli/local/applier";
import {
  aclSetUserArgs,
  assertTenantUser,
  declaredRedisUser,
  ELASTICACHE_USER_TYPE,
  redisApplier,
  START_REDIS_HINT,
  startRedisHint,
  withRedis,
} from "../../cli/local/redis-applier";
import { cellServerFlags } from "../../components/redis/command-cost";
import { tenantNames } from "../../components/naming";
import { tenantAccessString } from "../../components/redis/access-string";

const acme = tenantNames("acme");
const ACCESS = tenantAccessString(acme.redisPrefix);

function userResource(inputs: Record<string, unknown>): AppliedResource {
  return { urn: "urn:pulumi:acme::p::aws:elasticache/user:User::t-acme-redis-user", type: ELASTICACHE_USER_TYPE, name: "t-acme-redis-user", inputs, state: {} };
}

const declared = {
  userId: "tenant-acme",
  userName: "tenant-acme",
  engine: "redis",
  accessString: ACCESS,
  authenticationMode: { type: "password", passwords: ["Pw%with/odd@chars"] },
  tags: {
    "controlcore:tenant": "acme",
    "controlcore:redis-ttl-default": "3600",
    "controlcore:redis-ttl-sessions": "86400",
    "controlcore:redis-ttl-cache": "1800",
    "controlcore:redis-memory-limit-mb": "256",
  },
};

const ctx = (redisUrl = "redis://127.0.0.1:6379"): LocalContext => ({ targets: { databaseUrl: "", redisUrl }, tenant: acme, previous: new Map() });

describe("aclSetUserArgs", () => {
  it("is reset + the declared tokens unchanged + the password: no other translation", () => {
    expect(aclSetUserArgs("tenant-acme", ACCESS, "pw")).toEqual(["tenant-acme", "reset", ...ACCESS.split(" "), ">pw"]);
  });

  it.each(["reset", "resetpass", "nopass", ">secret", "<secret", "#abc", "!abc"])("refuses a declared string containing %s", (token) => {
    expect(() => aclSetUserArgs("tenant-acme", `on ${token} ~tenant:{acme}:*`, "pw")).toThrow(
      `access string of tenant-acme contains ${JSON.stringify(token)}; ElastiCache forbids reset and passwords in access strings`,
    );
  });

  it("refuses a password with whitespace (it would split the rule)", () => {
    expect(() => aclSetUserArgs("tenant-acme", ACCESS, "a b")).toThrow("password of tenant-acme contains whitespace");
  });
});

describe("assertTenantUser", () => {
  it("accepts the tenant's own declared user", () => {
    expect(() => assertTenantUser({ userName: "tenant-acme", accessString: ACCESS }, acme)).not.toThrow();
  });

  it.each([
    [{ userName: "tenant-globex", accessString: ACCESS }, 'refusing to apply Redis user "tenant-globex": tenant acme\'s user is tenant-acme'],
    [{ userName: "default", accessString: "on ~* +@all" }, 'refusing to apply Redis user "default": tenant acme\'s user is tenant-acme'],
    [{ userName: "tenant-acme", accessString: "on ~* -@all" }, 'refusing to apply Redis user tenant-acme: rule "~*" reaches outside tenant:{acme}:'],
    [{ userName: "tenant-acme", accessString: `${ACCESS} ~tenant:{globex}:*` }, 'refusing to apply Redis user tenant-acme: rule "~tenant:{globex}:*" reaches outside tenant:{acme}:'],
    [{ userName: "tenant-acme", accessString: `${ACCESS} &*` }, 'refusing to apply Redis user tenant-acme: rule "&*" reaches outside tenant:{acme}:'],
    [{ userName: "tenant-acme", accessString: `${ACCESS} %R~tenant:*` }, 'refusing to apply Redis user tenant-acme: rule "%R~tenant:*" reaches outside tenant:{acme}:'],
    [{ userName: "tenant-acme", accessString: `${ACCESS} allkeys` }, 'refusing to apply Redis user tenant-acme: rule "allkeys" reaches outside tenant:{acme}:'],
    [{ userName: "tenant-acme", accessString: `${ACCESS} allchannels` }, 'refusing to apply Redis user tenant-acme: rule "allchannels" reaches outside tenant:{acme}:'],
  ])("refuses %j", (user, message) => {
    expect(() => assertTenantUser(user, acme)).toThrow(message);
  });
});

describe("declaredRedisUser", () => {
  it("reads the name, the access string and the first password", () => {
    expect(declaredRedisUser(declared)).toEqual({ userName: "tenant-acme", accessString: ACCESS, password: "Pw%with/odd@chars" });
  });

  it.each([
    [{ ...declared, userName: undefined }, "ElastiCache user has no userName input"],
    [{ ...declared, accessString: " " }, "ElastiCache user tenant-acme has no accessString input"],
    [{ ...declared, authenticationMode: { type: "password", passwords: [] } }, "ElastiCache user tenant-acme has no password (authenticationMode.passwords[0]); local mode needs one"],
  ])("explains what is missing (%#)", (inputs, message) => {
    expect(() => declaredRedisUser(inputs)).toThrow(message);
  });
});

describe("redisApplier", () => {
  it("owns ElastiCache users only", () => {
    expect(redisApplier.types).toEqual(["aws:elasticache/user:User"]);
  });

  it("describes the tenant's own URL (password URL-encoded), prefixes, TTLs and memory for local up --json", () => {
    expect(redisApplier.describe!([userResource(declared)], ctx("redis://127.0.0.1:6379/0"))).toEqual({
      url: "redis://tenant-acme:Pw%25with%2Fodd%40chars@127.0.0.1:6379",
      username: "tenant-acme",
      keyPrefix: "tenant:{acme}:",
      channelPrefix: "tenant:{acme}:",
      ttlSeconds: { default: 3600, sessions: 86400, cache: 1800 },
      memoryLimitMb: 256,
    });
  });

  it("describes nothing when the tenant has no Redis user", () => {
    expect(redisApplier.describe!([], ctx())).toBeUndefined();
  });

  it("skips a dedicated cache's disabled default user without touching any server", async () => {
    const def = userResource({ userId: "cc-acme", userName: "default", engine: "redis", accessString: "off -@all", authenticationMode: { type: "password", passwords: ["x".repeat(40)] } });
    // An unreachable URL proves no connection is attempted.
    await expect(redisApplier.up(def, ctx("redis://127.0.0.1:1"))).resolves.toEqual({
      skipped: "the dedicated cache's disabled default user has no local counterpart",
    });
    await expect(redisApplier.down(def, ctx("redis://127.0.0.1:1"))).resolves.toBeUndefined();
  });

  it("refuses to apply or remove another tenant's user before connecting", async () => {
    const other = userResource({ ...declared, userId: "tenant-globex", userName: "tenant-globex", accessString: tenantAccessString("tenant:{globex}:") });
    await expect(redisApplier.up(other, ctx("redis://127.0.0.1:1"))).rejects.toThrow(
      'refusing to apply Redis user "tenant-globex": tenant acme\'s user is tenant-acme',
    );
    await expect(redisApplier.down(other, ctx("redis://127.0.0.1:1"))).rejects.toThrow(
      'refusing to remove Redis user "tenant-globex": tenant acme\'s user is tenant-acme',
    );
  });

  it("says how to start Redis when REDIS_URL is unreachable, on the port it names", async () => {
    await expect(withRedis("redis://:hunter2@127.0.0.1:1", async () => 1)).rejects.toThrow(
      /^cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1 \(.*\); start it with: redis-server --daemonize yes --port 1 --save "" --appendonly no --client-output-buffer-limit "normal 8388608 4194304 10" .* --lazyfree-lazy-eviction yes$/,
    );
    await expect(withRedis("redis://127.0.0.1:6390", async () => 1)).rejects.toThrow(
      /; start it with: redis-server --daemonize yes --port 6390 --save "" --appendonly no --client-output-buffer-limit .* --lazyfree-lazy-eviction yes$/,
    );
    expect(startRedisHint()).toBe(
      'start it with: redis-server --daemonize yes --port 6379 --save "" --appendonly no ' +
        '--client-output-buffer-limit "normal 8388608 4194304 10" --proto-max-bulk-len 4194304 --client-query-buffer-limit 8388608 ' +
        "--lazyfree-lazy-user-del yes --lazyfree-lazy-server-del yes --lazyfree-lazy-expire yes --lazyfree-lazy-eviction yes",
    );
    // CI starts its Redis like a pooled cell too.
    expect(readFileSync(join(__dirname, "../../.ci/run"), "utf8")).toContain(cellServerFlags());
    expect(START_REDIS_HINT).toBe(startRedisHint(6379));
  });
});
