import { describe, expect, it } from "vitest";
import {
  clampWafLimit,
  edgeRateLimits,
  nearestWafWindow,
  platformTiers,
  tierWafRules,
  WAF_RATE_LIMIT_MAX,
  WAF_RATE_LIMIT_MIN,
} from "../../components/network/rate-limits";
import { loadPlan } from "../../plans/load";
import { planFile } from "./fixtures";

describe("nearestWafWindow", () => {
  it.each([
    [1, 60],
    [60, 60],
    [90, 60], // tie: the shorter window reacts sooner
    [91, 120],
    [200, 120],
    [210, 120], // tie
    [300, 300],
    [450, 300], // tie
    [451, 600],
    [3600, 600],
  ])("window_size %d → %d s", (size, window) => {
    expect(nearestWafWindow(size)).toBe(window);
  });

  it.each([0, -5, Number.NaN])("refuses %d", (size) => {
    expect(() => nearestWafWindow(size)).toThrow(`rate_limiting.window_size must be a positive number of seconds, got ${size}`);
  });
});

describe("clampWafLimit", () => {
  it("keeps limits inside WAF's range [10, 2,000,000,000] and rounds up", () => {
    expect(clampWafLimit(1)).toBe(WAF_RATE_LIMIT_MIN);
    expect(clampWafLimit(3e9)).toBe(WAF_RATE_LIMIT_MAX);
    expect(clampWafLimit(10.2)).toBe(11);
  });
});

describe("edgeRateLimits from the shipped plans", () => {
  it("pro", () => {
    const p = planFile("pro");
    expect(edgeRateLimits(p.rate_limiting, p.limits)).toEqual({
      waf: {
        requests: { evaluationWindowSec: 60, limit: 2000 },
        hourlyQuota: { evaluationWindowSec: 600, limit: 10000 },
      },
      apiGateway: {
        throttle: { rateLimit: 1000 / 60, burstLimit: 2000 },
        quota: { limit: 240000, period: "DAY" },
      },
    });
  });

  it("custom", () => {
    const p = planFile("custom");
    expect(edgeRateLimits(p.rate_limiting, p.limits)).toEqual({
      waf: {
        requests: { evaluationWindowSec: 60, limit: 2000 },
        hourlyQuota: { evaluationWindowSec: 600, limit: 100000 },
      },
      apiGateway: {
        throttle: { rateLimit: 1000 / 60, burstLimit: 2000 },
        quota: { limit: 2400000, period: "DAY" },
      },
    });
  });

  it("scales the sustained rate to the window when it exceeds the burst", () => {
    const p = loadPlan("pro", { rate_limiting: { requests_per_minute: 6000, burst_limit: 8000, window_size: 300 } }).plan;
    expect(edgeRateLimits(p.rate_limiting, p.limits).waf.requests).toEqual({ evaluationWindowSec: 300, limit: 30000 });
    expect(edgeRateLimits(p.rate_limiting, p.limits).apiGateway.throttle).toEqual({ rateLimit: 100, burstLimit: 8000 });
  });
});

describe("platform tiers", () => {
  it("one web ACL with two Host-keyed rate rules and one usage plan per plan", () => {
    const tiers = platformTiers([planFile("pro"), planFile("custom")]);
    expect(tiers.map((t) => [t.plan, t.webAcl.name, t.usagePlan.name])).toEqual([
      ["pro", "controlcore-tier-pro", "controlcore-tier-pro"],
      ["custom", "controlcore-tier-custom", "controlcore-tier-custom"],
    ]);
    expect(tiers[1]!.usagePlan).toEqual({
      name: "controlcore-tier-custom",
      throttleSettings: { rateLimit: 1000 / 60, burstLimit: 2000 },
      quotaSettings: { limit: 2400000, period: "DAY" },
    });
  });

  it("each rule counts per Host header (lowercased), blocks with 429, and carries the plan's numbers", () => {
    expect(tierWafRules(planFile("pro"))).toEqual([
      {
        name: "controlcore-pro-requests",
        priority: 0,
        action: { block: { customResponse: { responseCode: 429 } } },
        statement: {
          rateBasedStatement: {
            aggregateKeyType: "CUSTOM_KEYS",
            customKeys: [{ header: { name: "host", textTransformations: [{ priority: 0, type: "LOWERCASE" }] } }],
            evaluationWindowSec: 60,
            limit: 2000,
          },
        },
        visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: "controlcore-pro-requests", sampledRequestsEnabled: true },
      },
      {
        name: "controlcore-pro-hourly-quota",
        priority: 1,
        action: { block: { customResponse: { responseCode: 429 } } },
        statement: {
          rateBasedStatement: {
            aggregateKeyType: "CUSTOM_KEYS",
            customKeys: [{ header: { name: "host", textTransformations: [{ priority: 0, type: "LOWERCASE" }] } }],
            evaluationWindowSec: 600,
            limit: 10000,
          },
        },
        visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: "controlcore-pro-hourly-quota", sampledRequestsEnabled: true },
      },
    ]);
  });

  it("holds a tier's rules within WAF's 10 rate-based rules per web ACL, whatever the number of tenants", () => {
    for (const t of platformTiers([planFile("pro"), planFile("custom")])) expect(t.webAcl.rules.length).toBeLessThanOrEqual(10);
  });

  it("refuses a plan listed twice", () => {
    expect(() => platformTiers([planFile("pro"), planFile("pro")])).toThrow('plan "pro" is listed twice; expected one tier per plan name');
  });
});
