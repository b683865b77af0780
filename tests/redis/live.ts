/**
 * Helpers of the tests against the real Redis (REDIS_URL, default 127.0.0.1:6379): tenants are
 * set up the way local mode does it — the real component runs under mocks, with real random
 * passwords, and the recorded ElastiCache users are applied by the Redis applier.
 */
import { randomBytes, randomInt } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { Redis } from "ioredis";
import { runUnderMocks, unwrapSecrets } from "../../cli/engine/mock-engine";
import { PLACEHOLDER_RULES_REDIS } from "../../cli/engine/placeholders-redis";
import type { AppliedResource, LocalContext } from "../../cli/local/applier";
import { deleteKeysWithPrefix, ELASTICACHE_USER_TYPE, redisApplier, START_REDIS_HINT } from "../../cli/local/redis-applier";
import { tenantNames } from "../../components/naming";
import { loadPlanFile, PLATFORM_REDIS, tagsFor } from "./fixtures";

/** The Redis tenantctl uses: REDIS_URL, default as cli/local/local-mode.ts DEFAULT_REDIS_URL. */
export const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";

const quiet = { enableReadyCheck: false, disableClientInfo: true, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true };

/** An admin connection; fails with how to start Redis when it is unreachable. */
export async function adminClient(): Promise<Redis> {
  const r = new Redis(REDIS_URL, quiet);
  r.on("error", () => undefined);
  try {
    await r.connect();
    await r.ping();
  } catch (e) {
    r.disconnect();
    throw new Error(`Redis at ${REDIS_URL} is unreachable (${(e as Error).message}); ${START_REDIS_HINT}`);
  }
  return r;
}

/** A connection authenticated by the URL's credentials (a tenant's `local up` URL). */
export async function clientFor(url: string): Promise<Redis> {
  const r = new Redis(url, quiet);
  r.on("error", () => undefined);
  await r.connect();
  return r;
}

/** Two fresh tenant IDs per run (`rt-<6 hex>-a`, `rt-<6 hex>-b`), so runs never share state. */
export function randomTenantIds(): { a: string; b: string } {
  const run = randomBytes(3).toString("hex");
  return { a: `rt-${run}-a`, b: `rt-${run}-b` };
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** A real random password of the shape RandomPassword makes (40 letters and digits). */
export function realPassword(): string {
  return Array.from({ length: 40 }, () => ALNUM[randomInt(ALNUM.length)]).join("");
}

/** State override: real passwords for RandomPassword, this area's placeholders for the rest. */
function localState(args: pulumi.runtime.MockResourceArgs) {
  if (args.type === "random:index/randomPassword:RandomPassword") {
    return { id: "none", state: { ...args.inputs, result: realPassword() } };
  }
  const rule = PLACEHOLDER_RULES_REDIS[args.type];
  if (!rule) return undefined;
  const { id, extra } = rule(args.name, args.inputs);
  return { id, state: { ...args.inputs, ...extra } };
}

/** A tenant as local mode applied it. */
export interface LiveTenant {
  readonly id: string;
  readonly ctx: LocalContext;
  readonly applied: AppliedResource[];
  /** The `redis` section of `local up --json`. */
  readonly description: Record<string, any>;
}

/** Runs the real RedisNamespace for a tenant under mocks and applies its users with the applier. */
export async function applyTenant(id: string, planName: "pro" | "custom"): Promise<LiveTenant> {
  const plan = await loadPlanFile(planName);
  const run = await runUnderMocks(
    async () => {
      const m = await import("../../components/redis/redis-namespace.js");
      new m.RedisNamespace(`t-${id}-redis`, {
        names: tenantNames(id),
        settings: plan.redis,
        dedicated: plan.dedicated_resources,
        platform: PLATFORM_REDIS,
        tags: tagsFor(id, plan.name),
      });
      return {};
    },
    { stack: id, state: localState },
  );
  const ctx: LocalContext = { targets: { databaseUrl: "", redisUrl: REDIS_URL }, tenant: tenantNames(id), previous: new Map() };
  const applied: AppliedResource[] = [];
  for (const r of run.resources.filter((x) => redisApplier.types.includes(x.type))) {
    const res: AppliedResource = {
      urn: r.urn,
      type: r.type,
      name: r.name,
      inputs: unwrapSecrets(r.inputs) as Record<string, unknown>,
      state: unwrapSecrets(r.state) as Record<string, unknown>,
    };
    const saved = await redisApplier.up(res, ctx);
    applied.push({ ...res, ...(saved ? { saved } : {}) });
  }
  const description = redisApplier.describe!(applied, ctx);
  if (!description) throw new Error(`no Redis user applied for ${id}`);
  return { id, ctx, applied, description };
}

/** `local down` for the tenant's Redis resources. */
export async function downTenant(t: LiveTenant): Promise<void> {
  for (const res of t.applied) await redisApplier.down(res, t.ctx);
}

/** Removes whatever a test left behind for these tenants (users and keys), whatever happened. */
export async function cleanupTenants(admin: Redis, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    const n = tenantNames(id);
    await admin.call("ACL", "DELUSER", n.elasticacheUserId);
    await deleteKeysWithPrefix(admin, n.redisPrefix);
  }
}

/** Every ElastiCache user resource the tenant recorded. */
export function recordedUsers(t: LiveTenant): AppliedResource[] {
  return t.applied.filter((a) => a.type === ELASTICACHE_USER_TYPE);
}
