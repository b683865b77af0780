/**
 * The Redis configuration published to the tenant's application: where its keys and channels
 * live and how long they should live. Pure, so it is tested without Pulumi.
 */
import type { TenantNames } from "../naming";
import type { RedisSettingsSchema } from "../../plans/schema";
import type { z } from "zod";
import { type Problem, show, throwIfProblems } from "../errors";
import { redisPrefixProblems } from "./access-string";

/** The plan's Redis settings (`plan.redis`). */
export type RedisSettings = z.infer<typeof RedisSettingsSchema>;

/** What the application needs to use its namespace. No credentials here. */
export interface RedisAppConfig {
  /** Every key the tenant writes starts with this; the ACL refuses any other key. */
  readonly keyPrefix: string;
  /** Every pub/sub channel starts with this; the ACL refuses any other channel. */
  readonly channelPrefix: string;
  /** TTLs in seconds the application applies to its keys (the plan's ttl_default, ttl_sessions, ttl_cache). */
  readonly ttlSeconds: { readonly default: number; readonly sessions: number; readonly cache: number };
  /**
   * Memory allocated to the tenant's keys, in MiB (the plan's memory_limit_mb). Enforced by the
   * cache's usage limit on a dedicated cache; on a pooled cell it is the budget a sampled
   * measurement compares against (Redis has no per-user memory limit).
   */
  readonly memoryLimitMb: number;
}

const SETTING_KEYS = ["ttl_default", "ttl_sessions", "ttl_cache", "memory_limit_mb"] as const;

/** Largest data storage limit of a serverless cache, in GB (CreateServerlessCache `DataStorage.Maximum`). */
export const MAX_SERVERLESS_STORAGE_GB = 5000;

/** Every plan Redis setting that is not a positive integer, at `redis.<key>` (the plan's key path). */
export function redisSettingsProblems(settings: RedisSettings): Problem[] {
  const problems: Problem[] = [];
  for (const key of SETTING_KEYS) {
    const v: unknown = (settings as Record<string, unknown>)[key];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0) {
      problems.push({ path: `redis.${key}`, message: `${show(v)} is not a positive integer; expected a positive integer` });
    }
  }
  return problems;
}

/**
 * What keeps `memory_limit_mb` from becoming a dedicated serverless cache's storage limit: it
 * must be a positive integer and at most {@link MAX_SERVERLESS_STORAGE_GB} GB once rounded up.
 */
export function dataStorageLimitProblems(memoryLimitMb: number): Problem[] {
  const path = "redis.memory_limit_mb";
  if (!Number.isSafeInteger(memoryLimitMb) || memoryLimitMb <= 0) {
    return [{ path, message: `${show(memoryLimitMb)} is not a positive integer; expected a positive integer` }];
  }
  const gb = Math.ceil(memoryLimitMb / 1024);
  if (gb > MAX_SERVERLESS_STORAGE_GB) {
    return [
      { path, message: `${memoryLimitMb} MiB is ${gb} GB; expected at most ${MAX_SERVERLESS_STORAGE_GB} GB, the most a serverless cache holds` },
    ];
  }
  return [];
}

/** The source of a refusal by the pure functions of this module. */
export const SETTINGS_SOURCE = "Redis settings";

/**
 * Validates the tenant's prefix and the plan's Redis settings and returns the configuration the
 * application receives. Collects every problem before throwing one {@link InputError}.
 */
export function redisAppConfig(names: Pick<TenantNames, "redisPrefix">, settings: RedisSettings): RedisAppConfig {
  throwIfProblems(SETTINGS_SOURCE, [...redisPrefixProblems(names.redisPrefix), ...redisSettingsProblems(settings)]);
  return {
    keyPrefix: names.redisPrefix,
    channelPrefix: names.redisPrefix,
    ttlSeconds: { default: settings.ttl_default, sessions: settings.ttl_sessions, cache: settings.ttl_cache },
    memoryLimitMb: settings.memory_limit_mb,
  };
}

/**
 * Data storage limit of a dedicated serverless cache, in whole GB: the plan's MiB rounded up,
 * at least 1 (the Redis OSS serverless minimum) and at most 5,000 (the API's maximum).
 */
export function dataStorageLimitGb(memoryLimitMb: number): number {
  throwIfProblems(SETTINGS_SOURCE, dataStorageLimitProblems(memoryLimitMb));
  return Math.max(1, Math.ceil(memoryLimitMb / 1024));
}

/** Tag keys on the tenant's ElastiCache user that record its namespace settings for tooling. */
export const REDIS_SETTING_TAGS = {
  ttlDefault: "controlcore:redis-ttl-default",
  ttlSessions: "controlcore:redis-ttl-sessions",
  ttlCache: "controlcore:redis-ttl-cache",
  memoryLimitMb: "controlcore:redis-memory-limit-mb",
} as const;

/**
 * The settings as tags of the tenant's ElastiCache user, so that the platform's sampled memory
 * measurement (and local mode) can read a tenant's budget and TTLs from the user itself.
 * The prefix is not a tag: AWS tag values refuse `{` and `}` (hash tags).
 */
export function redisSettingTags(config: RedisAppConfig): Record<string, string> {
  return {
    [REDIS_SETTING_TAGS.ttlDefault]: String(config.ttlSeconds.default),
    [REDIS_SETTING_TAGS.ttlSessions]: String(config.ttlSeconds.sessions),
    [REDIS_SETTING_TAGS.ttlCache]: String(config.ttlSeconds.cache),
    [REDIS_SETTING_TAGS.memoryLimitMb]: String(config.memoryLimitMb),
  };
}
