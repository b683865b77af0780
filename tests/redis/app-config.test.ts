import { describe, expect, it } from "vitest";
import { InputError } from "../../components/errors";
import { dataStorageLimitGb, redisAppConfig, redisSettingsProblems, redisSettingTags } from "../../components/redis/app-config";
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
      new InputError("Redis settings", [
        { path: "redis.ttl_default", message: "0 is not a positive integer; expected a positive integer" },
        { path: "redis.ttl_sessions", message: "1.5 is not a positive integer; expected a positive integer" },
        { path: "redis.memory_limit_mb", message: "-1 is not a positive integer; expected a positive integer" },
      ]),
    );
    expect(redisSettingsProblems({ ttl_default: 1, ttl_sessions: 1, ttl_cache: 1, memory_limit_mb: 1 })).toEqual([]);
  });

  it("reports a bad prefix and bad settings together", () => {
    expect(() => redisAppConfig({ redisPrefix: "tenant:*" }, { ttl_default: 1, ttl_sessions: 1, ttl_cache: 0, memory_limit_mb: 1 })).toThrow(
      "invalid Redis settings: 2 problems\n" +
        '  - redisPrefix: "tenant:*" contains the glob metacharacter "*", which would widen the ACL pattern; expected none of * ? [ ] \\\n' +
        "  - redis.ttl_cache: 0 is not a positive integer; expected a positive integer",
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
      "invalid Redis settings: 1 problem\n  - redis.memory_limit_mb: 5120001 MiB is 5001 GB; expected at most 5000 GB, the most a serverless cache holds",
    );
    expect(() => dataStorageLimitGb(0)).toThrow(
      "invalid Redis settings: 1 problem\n  - redis.memory_limit_mb: 0 is not a positive integer; expected a positive integer",
    );
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
