/**
 * Against the real Redis: `local down` for tenant A removes A's user and every key under A's
 * prefix, and nothing else — tenant B, keys of look-alike namespaces and unrelated keys survive.
 */
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisApplier } from "../../cli/local/redis-applier";
import { tenantNames } from "../../components/naming";
import { adminClient, applyTenant, cleanupTenants, clientFor, downTenant, type LiveTenant, randomTenantIds } from "./live";

const ids = randomTenantIds();
const nA = tenantNames(ids.a);
const nB = tenantNames(ids.b);
/** Keys that look close to A's namespace but are not in it. */
const bystanders = [`tenant:${ids.a}`, `tenant:${ids.a}x:k`, `tenant:${ids.a}-x:k`, `${ids.a}:k`, `rt-global-${ids.a}`];

let admin: Redis;
let A: LiveTenant;
let B: LiveTenant;
let a: Redis;
let b: Redis;

async function countKeys(prefix: string): Promise<number> {
  let cursor = "0";
  let n = 0;
  do {
    const [next, keys] = await admin.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    n += keys.filter((k) => k.startsWith(prefix)).length;
  } while (cursor !== "0");
  return n;
}

beforeAll(async () => {
  admin = await adminClient();
  A = await applyTenant(ids.a, "pro");
  B = await applyTenant(ids.b, "custom");
  a = await clientFor(A.description.url);
  b = await clientFor(B.description.url);
  // 2,500 keys for A: more than one SCAN page, written by A itself.
  const pipe = a.pipeline();
  for (let i = 0; i < 2500; i++) pipe.set(`${nA.redisPrefix}k${i}`, String(i));
  pipe.hset(`${nA.redisPrefix}h`, "f", "v");
  await pipe.exec();
  await b.set(`${nB.redisPrefix}k`, "b");
  await b.hset(`${nB.redisPrefix}h`, "f", "v");
  for (const k of bystanders) await admin.set(k, "bystander");
});

afterAll(async () => {
  a?.disconnect();
  b?.disconnect();
  if (admin) {
    await cleanupTenants(admin, [ids.a, ids.b]);
    await admin.del(...bystanders);
    admin.disconnect();
  }
});

describe("local down of tenant A", () => {
  it("starts from both tenants applied, with their keys", async () => {
    expect(await countKeys(nA.redisPrefix)).toBe(2501);
    expect(await countKeys(nB.redisPrefix)).toBe(2);
    expect(await admin.call("ACL", "GETUSER", nA.elasticacheUserId)).not.toBeNull();
  });

  it("removes A's user, closes A's connections and deletes every key under A's prefix", async () => {
    await downTenant(A);
    expect(await admin.call("ACL", "GETUSER", nA.elasticacheUserId)).toBeNull();
    expect(await countKeys(nA.redisPrefix)).toBe(0);
    const clients = String(await admin.client("LIST"));
    expect(clients).not.toContain(`user=${nA.elasticacheUserId} `);
  });

  it("A's credentials no longer authenticate", async () => {
    const probe = await clientFor(B.description.url);
    try {
      const url = new URL(A.description.url);
      await expect(probe.call("AUTH", decodeURIComponent(url.username), decodeURIComponent(url.password))).rejects.toThrow(
        "WRONGPASS invalid username-password pair or user is disabled.",
      );
    } finally {
      probe.disconnect();
    }
  });

  it("leaves B's user, B's keys and B's access untouched", async () => {
    expect(await admin.call("ACL", "GETUSER", nB.elasticacheUserId)).not.toBeNull();
    expect(await countKeys(nB.redisPrefix)).toBe(2);
    expect(await b.get(`${nB.redisPrefix}k`)).toBe("b");
    expect(await b.hmget(`${nB.redisPrefix}h`, "f")).toEqual(["v"]);
  });

  it("leaves look-alike and unrelated keys untouched", async () => {
    for (const k of bystanders) expect(await admin.get(k), k).toBe("bystander");
  });

  it("is idempotent: a second down changes nothing else", async () => {
    await downTenant(A);
    expect(await countKeys(nB.redisPrefix)).toBe(2);
    for (const k of bystanders) expect(await admin.get(k), k).toBe("bystander");
  });

  it("up after down restores A with the declared rules (reset first: nothing from before survives)", async () => {
    for (const res of A.applied) await redisApplier.up(res, A.ctx);
    const again = await clientFor(A.description.url);
    try {
      expect(await again.set(`${nA.redisPrefix}back`, "1")).toBe("OK");
      await expect(again.get(`${nB.redisPrefix}k`)).rejects.toThrow(
        "NOPERM this user has no permissions to access one of the keys used as arguments",
      );
    } finally {
      again.disconnect();
    }
  });
});
