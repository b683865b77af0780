import { describe, expect, it } from "vitest";
import { dataStorageLimitGb, redisAppConfig, redisSettingTags, RedisSettingsError } from "../../components/redis/app-config";
import { tenantNames } from "../../components/naming";
import { loadPlanFile } from "./fixtures";

describe("redisAppConfig", () => {
  it("publishes the pro plan's prefix, TTLs and memory", async () => {
    const plan = await loadPlanFile("pro");
    expect(redisAppConfig(tenantNames("acme"), plan.redis)).toEqual({
      keyPrefix: "tenant:{acme}:",
      channelPrefix: "tenant:{acme}:",
      ttlSeconds: { default: 3600, sessions: 86400, cache: 1800 },
      memoryLimitMb: 256,
    });
  });

  it("publishes the custom plan's memory allocation", async () => {
    const plan = await loadPlanFile("custom");
    expect(redisAppConfig(tenantNames("globex"), plan.redis).memoryLimitMb).toBe(2048);
  });

  it("collects every bad setting before throwing", () => {
    const bad = { ttl_default: 0, ttl_sessions: 1.5, ttl_cache: 10, memory_limit_mb: -1 };
    expect(() => redisAppConfig(tenantNames("acme"), bad)).toThrow(
      new RedisSettingsError([
        "redis.ttl_default is 0; expected a positive integer",
        "redis.ttl_sessions is 1.5; expected a positive integer",
        "redis.memory_limit_mb is -1; expected a positive integer",
      ]),
    );
  });

  it("refuses a prefix that could not confine the tenant", () => {
    expect(() => redisAppConfig({ redisPrefix: "tenant:*" }, { ttl_default: 1, ttl_sessions: 1, ttl_cache: 1, memory_limit_mb: 1 })).toThrow(
      'invalid Redis key prefix "tenant:*": it contains the glob metacharacter "*", which would widen the ACL pattern',
    );
  });
});

describe("dataStorageLimitGb", () => {
  it.each([
    [1, 1],
    [256, 1],
    [1024, 1],
    [1025, 2],
    [2048, 2],
    [5000 * 1024, 5000],
  ])("%i MiB -> %i GB (rounded up, at least 1)", (mb, gb) => {
    expect(dataStorageLimitGb(mb)).toBe(gb);
  });

  it("refuses more than a serverless cache can hold, and non-positive values", () => {
    expect(() => dataStorageLimitGb(5000 * 1024 + 1)).toThrow(
      "invalid Redis settings: redis.memory_limit_mb is 5120001 (5001 GB); a serverless cache holds at most 5000 GB",
    );
    expect(() => dataStorageLimitGb(0)).toThrow("invalid Redis settings: redis.memory_limit_mb is 0; expected a positive integer");
  });
});

describe("redisSettingTags", () => {
  it("records TTLs and memory as string tags", () => {
    const config = redisAppConfig(tenantNames("acme"), { ttl_default: 3600, ttl_sessions: 86400, ttl_cache: 1800, memory_limit_mb: 256 });
    expect(redisSettingTags(config)).toEqual({
      "controlcore:redis-ttl-default": "3600",
      "controlcore:redis-ttl-sessions": "86400",
      "controlcore:redis-ttl-cache": "1800",
      "controlcore:redis-memory-limit-mb": "256",
    });
  });
});
