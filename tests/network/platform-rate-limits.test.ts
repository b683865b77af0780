/**
 * PlatformRateLimits under mocks: each plan's numbers reach the resources that enforce them
 * (the tier's web ACL and usage plan), and a changed plan changes those resources' inputs.
 */
import { describe, expect, it } from "vitest";
import { runUnderMocks } from "../../cli/engine/mock-engine";
import { RateLimitPlatformSchema } from "../../components/network/config";
import { loadPlan } from "../../plans/load";
import type { Plan } from "../../plans/schema";
import { byName, providerOf } from "./fixtures";

const PLATFORM_TAGS = { "controlcore:managed-by": "pulumi", "controlcore:scope": "platform" };

async function build(plans: Plan[], config: Record<string, string> = {}) {
  return runUnderMocks(
    async () => {
      const pulumi = await import("@pulumi/pulumi");
      pulumi.runtime.setAllConfig(config);
      const { PlatformRateLimits } = await import("../../platform/platform-rate-limits.js");
      try {
        const p = new PlatformRateLimits("platform-rate-limits", { plans, apiStages: [{ apiId: "a1b2c3", stage: "prod" }], tags: PLATFORM_TAGS });
        return { usagePlanIds: p.usagePlanIds, webAclArns: p.webAclArns } as Record<string, unknown>;
      } catch (e) {
        return { refusal: (e as Error).message } as Record<string, unknown>;
      }
    },
  );
}

const hostKey = [{ header: { name: "host", textTransformations: [{ priority: 0, type: "LOWERCASE" }] } }];
const rule = (name: string, priority: number, evaluationWindowSec: number, limit: number) => ({
  name,
  priority,
  action: { block: { customResponse: { responseCode: 429 } } },
  statement: { rateBasedStatement: { aggregateKeyType: "CUSTOM_KEYS", customKeys: hostKey, evaluationWindowSec, limit } },
  visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: true },
});

describe("PlatformRateLimits for pro and custom", async () => {
  const run = await build([loadPlan("pro").plan, loadPlan("custom").plan]);
  const rs = run.resources;

  it("creates one web ACL and one usage plan per tier, nothing per tenant", () => {
    // Registration order depends on async provider resolution: compare as a set.
    const tree = rs.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => [r.type, r.name]);
    expect(tree.sort((a, b) => a[1]!.localeCompare(b[1]!))).toEqual([
      ["controlcore:network:PlatformRateLimits", "platform-rate-limits"],
      ["aws:apigateway/usagePlan:UsagePlan", "platform-rate-limits-custom-usage-plan"],
      ["aws:wafv2/webAcl:WebAcl", "platform-rate-limits-custom-web-acl"],
      ["aws:apigateway/usagePlan:UsagePlan", "platform-rate-limits-pro-usage-plan"],
      ["aws:wafv2/webAcl:WebAcl", "platform-rate-limits-pro-web-acl"],
      ["pulumi:providers:aws", "platform-rate-limits-us-east-1"],
    ]);
  });

  it("pro's numbers reach pro's web ACL (CLOUDFRONT scope, us-east-1)", () => {
    const acl = byName(rs, "platform-rate-limits-pro-web-acl");
    expect(acl.inputs).toEqual({
      name: "controlcore-tier-pro",
      description: "Control Core edge rate limits of plan pro, counted per tenant host",
      scope: "CLOUDFRONT",
      defaultAction: { allow: {} },
      rules: [rule("controlcore-pro-requests", 0, 60, 2000), rule("controlcore-pro-hourly-quota", 1, 600, 10000)],
      visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: "controlcore-tier-pro", sampledRequestsEnabled: true },
      tags: { ...PLATFORM_TAGS, "controlcore:plan": "pro" },
    });
    expect(providerOf(rs, acl)?.inputs.region).toBe("us-east-1");
  });

  it("custom's hourly quota reaches custom's web ACL", () => {
    expect(byName(rs, "platform-rate-limits-custom-web-acl").inputs.rules).toEqual([
      rule("controlcore-custom-requests", 0, 60, 2000),
      rule("controlcore-custom-hourly-quota", 1, 600, 100000),
    ]);
  });

  it("each plan's throttle and daily quota reach its usage plan", () => {
    expect(byName(rs, "platform-rate-limits-pro-usage-plan").inputs).toEqual({
      name: "controlcore-tier-pro",
      description: "Control Core API limits of plan pro, applied to each tenant's API key",
      throttleSettings: { rateLimit: 1000 / 60, burstLimit: 2000 },
      quotaSettings: { limit: 240000, period: "DAY" },
      apiStages: [{ apiId: "a1b2c3", stage: "prod" }],
      tags: { ...PLATFORM_TAGS, "controlcore:plan": "pro" },
    });
    expect(byName(rs, "platform-rate-limits-custom-usage-plan").inputs.quotaSettings).toEqual({ limit: 2400000, period: "DAY" });
  });

  it("outputs exactly the platform config's network.rateLimiting maps", () => {
    const parsed = RateLimitPlatformSchema.parse({ usagePlanIds: run.outputs.usagePlanIds, webAclArns: run.outputs.webAclArns });
    expect(Object.keys(parsed.usagePlanIds)).toEqual(["pro", "custom"]);
    expect(parsed.usagePlanIds.pro).toBe(byName(rs, "platform-rate-limits-pro-usage-plan").id);
    expect(parsed.webAclArns.custom).toBe(byName(rs, "platform-rate-limits-custom-web-acl").state.arn);
  });
});

describe("a changed plan changes the enforcing resources", () => {
  it("pro with higher limits", async () => {
    const changed = loadPlan("pro", {
      rate_limiting: { requests_per_minute: 3000, burst_limit: 3000, window_size: 120 },
      limits: { api_calls_per_hour: 20000 },
    }).plan;
    const run = await build([changed]);
    expect(byName(run.resources, "platform-rate-limits-pro-web-acl").inputs.rules).toEqual([
      rule("controlcore-pro-requests", 0, 120, 6000),
      rule("controlcore-pro-hourly-quota", 1, 600, 20000),
    ]);
    const plan = byName(run.resources, "platform-rate-limits-pro-usage-plan").inputs;
    expect(plan.throttleSettings).toEqual({ rateLimit: 50, burstLimit: 3000 });
    expect(plan.quotaSettings).toEqual({ limit: 480000, period: "DAY" });
  });
});

describe("the platform side", () => {
  it("its us-east-1 provider carries the platform stack's aws: settings", async () => {
    const run = await build([loadPlan("pro").plan], { "aws:profile": "controlcore-platform", "aws:allowedAccountIds": JSON.stringify(["123456789012"]) });
    const provider = providerOf(run.resources, byName(run.resources, "platform-rate-limits-pro-web-acl"))!;
    expect(provider.inputs.region).toBe("us-east-1");
    expect(provider.inputs.profile).toBe("controlcore-platform");
    expect(JSON.parse(String(provider.inputs.allowedAccountIds))).toEqual(["123456789012"]);
  });

  it("refuses a plan listed twice before registering anything", async () => {
    const run = await build([loadPlan("pro").plan, loadPlan("pro").plan]);
    expect(run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
    expect(run.outputs.refusal).toBe(['invalid PlatformRateLimits platform-rate-limits arguments: 1 problem', '  - plans.1.name: "pro" is listed twice; expected one tier per plan name'].join("\n"));
  });
});
