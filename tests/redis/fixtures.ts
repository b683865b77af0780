/**
 * Shared inputs of the Redis tests: the real plans and a platform section with three cells.
 */
import { loadPlan } from "../../plans/load";
import type { Plan } from "../../plans/schema";
import { RedisPlatformSchema, type RedisPlatform } from "../../components/redis/config";
import { tenantTags } from "../../components/naming";
import { tenantNames } from "../../components/naming";

/** Loads a built-in plan file (plans/<name>.yaml) through the project's own loader. */
export async function loadPlanFile(name: "pro" | "custom"): Promise<Plan> {
  return loadPlan(name).plan;
}

/** The raw `platform.redis` section used by the tests (defaults filled by the schema). */
export const PLATFORM_REDIS_RAW = {
  cells: [
    { name: "cell-a", userGroupId: "cc-redis-cell-a", host: "cell-a.abc123.use1.cache.amazonaws.com", engineVersion: "7.1" },
    { name: "cell-b", userGroupId: "cc-redis-cell-b", host: "cell-b.abc123.use1.cache.amazonaws.com", port: 6380, engineVersion: "7.0" },
    { name: "cell-c", userGroupId: "cc-redis-cell-c", host: "cell-c.abc123.use1.cache.amazonaws.com", capacity: 50, engineVersion: "7.1" },
  ],
  dedicated: { subnetIds: ["subnet-0a", "subnet-0b"], securityGroupIds: ["sg-0redis"], ecpuPerSecondMax: 10000 },
};

export const PLATFORM_REDIS: RedisPlatform = RedisPlatformSchema.parse(PLATFORM_REDIS_RAW);

/** The tags TenantStack would pass (tenantTags(names, plan)). */
export function tagsFor(id: string, plan: string): Record<string, string> {
  return tenantTags(tenantNames(id), plan);
}
