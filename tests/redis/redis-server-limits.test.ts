/**
 * Issue 8 items 10 and 11 against the real Redis: what a pooled tenant can COST the shared server.
 *
 * The cell's server settings are applied here exactly as shipped (`CELL_SERVER_SETTINGS`, the same
 * values `PooledRedisUserGroup` puts in the cell's ElastiCache parameter group) with CONFIG SET and
 * restored afterwards. Tenant A (applied through local mode, the real access string) builds the
 * worst case it can within its own keyspace (bounded loops: two 100k-member sets, a 100k hash,
 * list and zset, four 1M-member sets, an 4 MiB string), then attacks.
 *
 * Two measures per attack: the attacking command's server time (SLOWLOG, microseconds, main thread
 * only) and the slowest PING round trip of another client, in another process (tests/redis/pinger.mjs),
 * while the attack runs. Both must stay under COMMAND_BUDGET_MS.
 */
import { type ChildProcess, fork } from "node:child_process";
import net from "node:net";
import path from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenantNames } from "../../components/naming";
import {
  CELL_SERVER_SETTINGS,
  COMMAND_BUDGET_MS,
  COST_REFUSED_COMMANDS,
  MAX_BULK_BYTES,
  OUTPUT_HARD_LIMIT_BYTES,
} from "../../components/redis/command-cost";
import { adminClient, applyTenant, cleanupTenants, clientFor, type LiveTenant, REDIS_URL, randomTenantIds } from "./live";

const ids = randomTenantIds();
const p = tenantNames(ids.a).redisPrefix;
const user = tenantNames(ids.a).elasticacheUserId;
const MiB = 1024 * 1024;
const cmd = (name: string) => `NOPERM this user has no permissions to run the '${name}' command`;

let admin: Redis;
let A: LiveTenant;
let a: Redis;
let pinger: ChildProcess;
const opened: Redis[] = [];
/** Config values before the test, restored afterwards. */
const saved = new Map<string, string>();
const SLOWLOG = ["slowlog-log-slower-than", "slowlog-max-len"];

/** The password in the tenant's `local up` URL (redis://user:password@host:port). */
const password = () => decodeURIComponent(new URL(A.description.url as string).password);

async function setShippedSettings(): Promise<void> {
  for (const s of CELL_SERVER_SETTINGS) await admin.config("SET", s.directive, s.value);
}

function tell(msg: string): Promise<unknown> {
  return new Promise((resolve) => {
    pinger.once("message", resolve);
    pinger.send(msg);
  });
}

interface Measured {
  /** The attacker's slowest command, on the server's main thread (SLOWLOG), in ms. */
  serverMs: number;
  /** The other client's slowest PING round trip during the attack, in ms. */
  pingMs: number;
  pings: number;
  /** How long the background thread was still freeing after the command returned, in ms. */
  backgroundMs: number;
  error?: string;
}

/** Waits until the background (lazy-free) thread has freed everything queued; how long that took. */
async function settle(): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < 20_000) {
    const pending = Number(/lazyfree_pending_objects:(\d+)/.exec(String(await admin.info("memory")))?.[1] ?? 0);
    if (pending === 0) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - start;
}

/**
 * Runs `attack` (as the client named "attacker") while the other client pings, until the
 * background thread has also freed whatever the attack queued; what it cost.
 */
async function measure(attack: () => Promise<unknown>): Promise<Measured> {
  await settle();
  await admin.call("SLOWLOG", "RESET");
  await tell("reset");
  await new Promise((r) => setTimeout(r, 20));
  let error: string | undefined;
  try {
    await attack();
  } catch (e) {
    error = (e as Error).message;
  }
  const backgroundMs = await settle();
  await new Promise((r) => setTimeout(r, 20));
  const { maxMs, pings } = (await tell("report")) as { maxMs: number; pings: number };
  const log = (await admin.call("SLOWLOG", "GET", "-1")) as [number, number, number, unknown[], string, string][];
  const serverUs = Math.max(0, ...log.filter((e) => e[5] === "attacker").map((e) => e[2]));
  const m = { serverMs: serverUs / 1000, pingMs: maxMs, pings, backgroundMs, ...(error !== undefined ? { error } : {}) };
  recorded.push([expect.getState().currentTestName ?? "?", m]);
  return m;
}

/** Every measurement, printed at the end (docs/redis.md quotes them). */
const recorded: [string, Measured][] = [];
const members = (tag: string, n: number, from = 0) => Array.from({ length: n }, (_, i) => `${tag}${from + i}`);

/** SADD in chunks of 10k (each chunk a cheap command): how a tenant builds a big set. */
async function buildSet(c: Redis, key: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 10_000) await c.call("SADD", [key, ...members("m", Math.min(10_000, n - i), i)]);
}

async function attackerClient(): Promise<Redis> {
  const c = await clientFor(A.description.url as string);
  opened.push(c);
  await c.client("SETNAME", "attacker");
  return c;
}

beforeAll(async () => {
  admin = await adminClient();
  for (const d of [...CELL_SERVER_SETTINGS.map((s) => s.directive), ...SLOWLOG]) {
    const [, v] = (await admin.config("GET", d)) as [string, string];
    saved.set(d, v);
  }
  await admin.config("SET", "slowlog-log-slower-than", "0");
  await admin.config("SET", "slowlog-max-len", "100000");
  await setShippedSettings();
  A = await applyTenant(ids.a, "pro");
  a = await attackerClient();
  // The worst case tenant A can build in its own keyspace, with commands it is granted.
  await buildSet(a, `${p}s1`, 100_000);
  await buildSet(a, `${p}s2`, 100_000);
  for (let i = 0; i < 100_000; i += 10_000) {
    const m = members("f", 10_000, i);
    await a.call("HSET", [`${p}h`, ...m.flatMap((f) => [f, "v"])]);
    await a.call("RPUSH", [`${p}l`, ...m]);
    await a.call("ZADD", [`${p}z`, ...m.flatMap((f, j) => [String(i + j), f])]);
  }
  for (const k of ["big1", "big2", "big3", "big4"]) await buildSet(a, `${p}${k}`, 1_000_000);
  await a.setrange(`${p}str`, MAX_BULK_BYTES - 1, "x");
  pinger = fork(path.join(__dirname, "pinger.mjs"), [REDIS_URL], { stdio: "ignore" });
  await new Promise((resolve) => pinger.once("message", resolve));
}, 300_000);

afterAll(async () => {
  console.info(recorded.map(([t, m]) => `${m.serverMs.toFixed(1).padStart(7)} ms server ${m.pingMs.toFixed(1).padStart(7)} ms ping ${String(m.backgroundMs).padStart(5)} ms background  ${t}`).join("\n"));
  pinger?.send("stop");
  for (const c of opened) c.disconnect();
  if (admin) {
    for (const [d, v] of saved) await admin.config("SET", d, v);
    await cleanupTenants(admin, [ids.a]);
    admin.disconnect();
  }
}, 120_000);

describe("item 10: no granted command holds the shared server beyond the budget", () => {
  it("the worst case the issue measured is real here: SINTERCARD over 200 copies of two 100k sets stalls everyone (run as admin)", async () => {
    const keys = Array.from({ length: 200 }, () => [`${p}s1`, `${p}s2`]).flat();
    await admin.call("CLIENT", "SETNAME", "attacker");
    const m = await measure(() => admin.call("SINTERCARD", [String(keys.length), ...keys]));
    await admin.call("CLIENT", "SETNAME", "admin");
    expect(m.serverMs).toBeGreaterThan(COMMAND_BUDGET_MS);
    expect(m.pingMs).toBeGreaterThan(COMMAND_BUDGET_MS);
  });

  it("the tenant is refused it, and every other command refused for its cost, before it runs", async () => {
    const keys = Array.from({ length: 200 }, () => [`${p}s1`, `${p}s2`]).flat();
    const m = await measure(() => a.call("SINTERCARD", [String(keys.length), ...keys]));
    expect(m.error).toBe(cmd("sintercard"));
    expect(m.serverMs).toBe(0);
    const worst: [string, string[]][] = [
      ["smembers", ["SMEMBERS", `${p}s1`]],
      ["sunionstore", ["SUNIONSTORE", `${p}u`, `${p}s1`, `${p}s2`]],
      ["hgetall", ["HGETALL", `${p}h`]],
      ["lrange", ["LRANGE", `${p}l`, "0", "-1"]],
      ["zrange", ["ZRANGE", `${p}z`, "0", "-1"]],
      ["srandmember", ["SRANDMEMBER", `${p}s1`, "-10000000"]],
      ["lpop", ["LPOP", `${p}l`, "100000"]],
      ["sscan", ["SSCAN", `${p}s1`, "0", "COUNT", "100000000"]],
      ["del", ["DEL", `${p}big1`]],
      ["pfcount", ["PFCOUNT", `${p}hll`]],
      ["xrange", ["XRANGE", `${p}x`, "-", "+"]],
    ];
    for (const [name, [command, ...rest]] of worst) {
      await expect(a.call(command!, ...rest), name).rejects.toThrow(cmd(name));
    }
    for (const name of Object.keys(COST_REFUSED_COMMANDS)) {
      // ACL DRYRUN executes nothing: the command rule alone decides (own keys in every argument).
      const [info] = (await admin.call("COMMAND", "INFO", name)) as [unknown[]];
      const arity = Number(info[1]);
      const args = Array<string>(Math.max(Math.abs(arity) - 1, 4)).fill(`${p}s1`);
      const verdict = await admin.call("ACL", "DRYRUN", user, name, ...(arity > 0 ? args.slice(0, arity - 1) : args));
      expect(verdict, name).toBe(`This user has no permissions to run the '${name}' command`);
    }
    expect(await a.scard(`${p}s1`)).toBe(100_000);
  });

  it("freeing a 1M-member set: an overwrite holds the server beyond the budget with Redis's default (lazyfree off), not with the shipped settings", async () => {
    await admin.config("SET", "lazyfree-lazy-server-del", "no");
    const before = await measure(() => a.set(`${p}big1`, "x"));
    await setShippedSettings();
    const after = await measure(() => a.set(`${p}big2`, "x"));
    expect(before.serverMs).toBeGreaterThan(COMMAND_BUDGET_MS);
    expect(after.serverMs).toBeLessThan(COMMAND_BUDGET_MS);
    expect(after.pingMs).toBeLessThan(COMMAND_BUDGET_MS);
  });

  const n = 5_000; // requests of ~100-150 KB
  const attacks: [string, () => Promise<unknown>][] = [
    ["per-argument: SADD 5k new members into a 100k set", () => a.call("SADD", [`${p}s1`, ...members("n", n)])],
    ["per-argument: HSET 5k fields", () => a.call("HSET", [`${p}h`, ...members("g", n).flatMap((f) => [f, "v"])])],
    ["per-argument: ZADD 5k members", () => a.call("ZADD", [`${p}z`, ...members("n", n).flatMap((f, i) => [String(i), f])])],
    ["per-argument: RPUSH 5k elements", () => a.call("RPUSH", [`${p}l`, ...members("n", n)])],
    ["per-argument: MGET 5k keys", () => a.call("MGET", members(`${p}k`, n))],
    ["per-argument: HMGET 5k fields", () => a.call("HMGET", [`${p}h`, ...members("f", n)])],
    ["per-argument: SMISMEMBER 5k", () => a.call("SMISMEMBER", [`${p}s1`, ...members("m", n)])],
    ["per-argument: EXISTS 5k keys", () => a.call("EXISTS", members(`${p}k`, n))],
    ["per-argument: UNLINK a 100k set and 5k keys", () => a.call("UNLINK", [`${p}s2`, ...members(`${p}k`, n)])],
    ["string-capped: GET the 4 MiB string", () => a.getBuffer(`${p}str`)],
    ["string-capped: GETRANGE the whole 4 MiB", () => a.getrangeBuffer(`${p}str`, 0, -1)],
    ["string-capped: BITCOUNT 4 MiB", () => a.bitcount(`${p}str`)],
    ["string-capped: BITPOS over 4 MiB", () => a.bitpos(`${p}str`, 1)],
    ["string-capped: SETRANGE allocating 4 MiB", () => a.setrange(`${p}str2`, MAX_BULK_BYTES - 1, "x")],
    ["lazy free: RENAME onto a 1M-member set", async () => (await a.set(`${p}r`, "x"), a.rename(`${p}r`, `${p}big3`))],
    ["lazy free: EXPIRE a 1M-member set into the past", () => a.pexpireat(`${p}big4`, 1)],
    ["transaction: MULTI with 5k INCRs, EXEC", () => a.multi(members(`${p}c`, n).map((k) => ["incr", k])).exec()],
  ];

  it.each(attacks)("%s stays under the budget, for the server and for another client", async (_label, attack) => {
    const m = await measure(attack);
    expect(m.error).toBeUndefined();
    expect(m.serverMs).toBeLessThan(COMMAND_BUDGET_MS);
    expect(m.pingMs).toBeLessThan(COMMAND_BUDGET_MS);
    expect(m.pings).toBeGreaterThan(0);
  });

  it("string-capped: a string cannot grow past proto-max-bulk-len (4 MiB)", async () => {
    await expect(a.append(`${p}str`, "y")).rejects.toThrow("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    await expect(a.setrange(`${p}str3`, MAX_BULK_BYTES, "x")).rejects.toThrow("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    expect(await a.strlen(`${p}str`)).toBe(MAX_BULK_BYTES);
  });

  it("reply copying stops at the output limit: MGET of the 4 MiB string 50 times disconnects the client within the budget", async () => {
    const c = await attackerClient();
    const m = await measure(() => c.call("MGET", Array<string>(50).fill(`${p}str`)));
    expect(m.error).toBe("Connection is closed.");
    expect(m.serverMs).toBeLessThan(COMMAND_BUDGET_MS);
    expect(m.pingMs).toBeLessThan(COMMAND_BUDGET_MS);
  });

  it("residual: one variadic command's time grows with its own request size; client-query-buffer-limit does not bound it (a 4 MB SADD)", async () => {
    const m = await measure(() => a.call("SADD", [`${p}s3`, ...members("x", 300_000)]));
    expect(m.error).toBeUndefined();
    expect(await a.scard(`${p}s3`)).toBe(300_000);
    // Recorded, not a guarantee: docs/redis.md states it as the residual (measured 60-110 ms here).
    expect(m.serverMs).toBeGreaterThan(10);
  });
});

/**
 * A raw tenant connection that pipelines `count` GETs of `key` and never reads the replies (the
 * socket is paused), named so CLIENT LIST finds it.
 */
function unreadGets(name: string, key: string, count: number): { sock: net.Socket } {
  const url = new URL(REDIS_URL);
  const sock = net.connect(Number(url.port || 6379), url.hostname);
  const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
  const command = (...args: string[]) => `*${args.length}\r\n${args.map(bulk).join("")}`;
  sock.write(command("AUTH", user, password()) + command("CLIENT", "SETNAME", name) + command("GET", key).repeat(count));
  sock.pause();
  sock.on("error", () => undefined);
  return { sock };
}

/** CLIENT LIST of the clients named `name`: their output-buffer memory (omem) in bytes. */
async function omem(name: string): Promise<number[]> {
  const list = String(await admin.call("CLIENT", "LIST"));
  return list
    .split("\n")
    .filter((l) => l.includes(` name=${name} `))
    .map((l) => Number(/ omem=(\d+)/.exec(l)?.[1] ?? -1));
}

async function usedMemory(): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(String(await admin.info("memory")))?.[1]);
}

/** Polls omem and used_memory for `ms`; the largest values seen, and whether the client was still connected at the end. */
async function watch(name: string, ms: number): Promise<{ maxOmem: number; maxUsed: number; connected: boolean }> {
  let maxOmem = 0;
  let maxUsed = 0;
  const end = Date.now() + ms;
  let connected = true;
  while (Date.now() < end) {
    const o = await omem(name);
    connected = o.length > 0;
    maxOmem = Math.max(maxOmem, ...o);
    maxUsed = Math.max(maxUsed, await usedMemory());
    await new Promise((r) => setTimeout(r, 25));
  }
  return { maxOmem, maxUsed, connected };
}

describe("item 11: memory outside the keyspace (client output buffers)", () => {
  const VALUE = `${p}one-mib`;
  const GETS = 100; // 100 MiB of replies

  beforeAll(async () => {
    await a.set(VALUE, "v".repeat(MiB));
  });

  it("without a limit (Redis's default normal 0 0 0), a client pipelining GETs it never reads holds tens of MB and stays connected", async () => {
    await admin.config("SET", "client-output-buffer-limit", "normal 0 0 0");
    const base = await usedMemory();
    const { sock } = unreadGets("hoarder-before", VALUE, GETS);
    try {
      const seen = await watch("hoarder-before", 1500);
      expect(seen.connected).toBe(true);
      expect(seen.maxOmem).toBeGreaterThan(2 * OUTPUT_HARD_LIMIT_BYTES);
      expect(seen.maxUsed - base).toBeGreaterThan(2 * OUTPUT_HARD_LIMIT_BYTES);
    } finally {
      sock.destroy();
      for (let i = 0; i < 100 && (await omem("hoarder-before")).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
      await setShippedSettings();
    }
  });

  it("with the shipped limit, the client is disconnected once past it and the server's memory stays bounded", async () => {
    await setShippedSettings();
    const [, limit] = (await admin.config("GET", "client-output-buffer-limit")) as [string, string];
    expect(limit).toContain(`normal ${OUTPUT_HARD_LIMIT_BYTES} `);
    await new Promise((r) => setTimeout(r, 200));
    const base = await usedMemory();
    const { sock } = unreadGets("hoarder-after", VALUE, GETS);
    const seen = await watch("hoarder-after", 1500);
    sock.destroy();
    expect(seen.connected).toBe(false);
    // One reply may be added before the check closes the client: hard limit + one value.
    expect(seen.maxOmem).toBeLessThanOrEqual(OUTPUT_HARD_LIMIT_BYTES + 2 * MiB);
    expect(seen.maxUsed - base).toBeLessThan(OUTPUT_HARD_LIMIT_BYTES + 16 * MiB);
    expect(await omem("hoarder-after")).toEqual([]);
  });
});
