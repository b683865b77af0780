/**
 * Edge rate limits computed from a plan: the numbers every enforcing resource carries, and the
 * platform's per-tier definitions (one WAF web ACL and one API Gateway usage plan per plan
 * tier), so the platform stack is generated from the same plans as the tenants.
 *
 * Scale (SCALE.md): a web ACL holds 10 rate-based rules and a region 300 usage plans, so
 * nothing here is per tenant. Each tier's rate rule aggregates by the `Host` header: the limit
 * applies to each host separately, so one rule serves every tenant of the tier. A tenant
 * reaches its tier through its own resources only (its API key's usage plan association and
 * its CloudFront distribution tenant's web ACL), never through an entry in a shared document.
 *
 * Principle for every number: the tightest bound the AWS primitive can express that never
 * refuses a tenant staying within its plan.
 */
import type * as aws from "@pulumi/aws";
import type { Plan } from "../../plans/schema";

/** Evaluation windows WAF accepts, in seconds. */
export const WAF_EVALUATION_WINDOWS = [60, 120, 300, 600] as const;
export type WafEvaluationWindow = (typeof WAF_EVALUATION_WINDOWS)[number];
/** Smallest and largest rate limit WAF accepts per window. */
export const WAF_RATE_LIMIT_MIN = 10;
export const WAF_RATE_LIMIT_MAX = 2_000_000_000;
/** The longest WAF window: the one the hourly quota is checked over. */
export const WAF_LONGEST_WINDOW: WafEvaluationWindow = 600;
/** HTTP status of a rate-limited request. */
export const RATE_LIMITED_STATUS = 429;
/** The header each tier's rate rule counts by: one count per tenant host. */
export const RATE_LIMIT_KEY_HEADER = "host";

/** The plan settings rate limiting reads. */
export type RateLimitSettings = Pick<Plan["rate_limiting"], "requests_per_minute" | "burst_limit" | "window_size">;
export type QuotaSettings = Pick<Plan["limits"], "api_calls_per_hour">;

/** The allowed WAF window nearest to `windowSize` seconds; on a tie, the shorter (reacts sooner). */
export function nearestWafWindow(windowSize: number): WafEvaluationWindow {
  if (!Number.isFinite(windowSize) || windowSize <= 0) {
    throw new Error(`rate_limiting.window_size must be a positive number of seconds, got ${windowSize}`);
  }
  let best: WafEvaluationWindow = WAF_EVALUATION_WINDOWS[0];
  for (const w of WAF_EVALUATION_WINDOWS) {
    if (Math.abs(w - windowSize) < Math.abs(best - windowSize)) best = w;
  }
  return best;
}

/** Clamps a limit into WAF's accepted range [10, 2,000,000,000]. */
export function clampWafLimit(limit: number): number {
  return Math.min(WAF_RATE_LIMIT_MAX, Math.max(WAF_RATE_LIMIT_MIN, Math.ceil(limit)));
}

/** One WAF rate-based rule's numbers. */
export interface WafRate {
  readonly evaluationWindowSec: WafEvaluationWindow;
  readonly limit: number;
}

/** Every number the edge enforces for one plan. */
export interface EdgeRateLimits {
  readonly waf: {
    /**
     * Requests per host per window: the sustained rate scaled to the window, raised to the
     * burst so one burst the plan allows always fits in a window.
     */
    readonly requests: WafRate;
    /**
     * Requests per host per 10 minutes: a tenant within its hourly quota never sends more than
     * an hour's calls in 10 minutes (WAF looks back at most 600 s).
     */
    readonly hourlyQuota: WafRate;
  };
  readonly apiGateway: {
    /** Token bucket per API key: steady requests per second and bucket depth. */
    readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
    /**
     * Usage plan quotas count per DAY, WEEK or MONTH, never per hour: the daily quota is 24 ×
     * the hourly one (a tenant within its hourly quota never exceeds it).
     */
    readonly quota: { readonly limit: number; readonly period: "DAY" };
  };
}

/** Computes every enforced number from a plan's rate limiting and hourly quota. */
export function edgeRateLimits(rate: RateLimitSettings, quota: QuotaSettings): EdgeRateLimits {
  const window = nearestWafWindow(rate.window_size);
  const perWindow = (rate.requests_per_minute * window) / 60;
  return {
    waf: {
      requests: { evaluationWindowSec: window, limit: clampWafLimit(Math.max(perWindow, rate.burst_limit)) },
      hourlyQuota: { evaluationWindowSec: WAF_LONGEST_WINDOW, limit: clampWafLimit(quota.api_calls_per_hour) },
    },
    apiGateway: {
      throttle: { rateLimit: rate.requests_per_minute / 60, burstLimit: rate.burst_limit },
      quota: { limit: quota.api_calls_per_hour * 24, period: "DAY" },
    },
  };
}

/** The plan fields a tier definition reads. */
export type TierPlan = Pick<Plan, "name" | "rate_limiting"> & { readonly limits: QuotaSettings };

function rateRule(name: string, priority: number, rate: WafRate): aws.types.input.wafv2.WebAclRule {
  return {
    name,
    priority,
    action: { block: { customResponse: { responseCode: RATE_LIMITED_STATUS } } },
    statement: {
      rateBasedStatement: {
        aggregateKeyType: "CUSTOM_KEYS",
        customKeys: [{ header: { name: RATE_LIMIT_KEY_HEADER, textTransformations: [{ priority: 0, type: "LOWERCASE" }] } }],
        evaluationWindowSec: rate.evaluationWindowSec,
        limit: rate.limit,
      },
    },
    visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: true },
  };
}

/** The two rate-based rules of one tier's web ACL (2 of the 10 a web ACL may hold). */
export function tierWafRules(plan: TierPlan): aws.types.input.wafv2.WebAclRule[] {
  const limits = edgeRateLimits(plan.rate_limiting, plan.limits);
  return [
    rateRule(`controlcore-${plan.name}-requests`, 0, limits.waf.requests),
    rateRule(`controlcore-${plan.name}-hourly-quota`, 1, limits.waf.hourlyQuota),
  ];
}

/** One platform tier: what the platform stack creates for every tenant of a plan. */
export interface PlatformTier {
  readonly plan: string;
  readonly webAcl: { readonly name: string; readonly rules: aws.types.input.wafv2.WebAclRule[] };
  readonly usagePlan: {
    readonly name: string;
    readonly throttleSettings: { rateLimit: number; burstLimit: number };
    readonly quotaSettings: { limit: number; period: string };
  };
}

/** The platform's per-tier definitions; refuses duplicate plan names (one tier per plan). */
export function platformTiers(plans: readonly TierPlan[]): PlatformTier[] {
  const seen = new Set<string>();
  return plans.map((plan) => {
    if (seen.has(plan.name)) throw new Error(`plan ${JSON.stringify(plan.name)} is listed twice; expected one tier per plan name`);
    seen.add(plan.name);
    const limits = edgeRateLimits(plan.rate_limiting, plan.limits);
    return {
      plan: plan.name,
      webAcl: { name: `controlcore-tier-${plan.name}`, rules: tierWafRules(plan) },
      usagePlan: {
        name: `controlcore-tier-${plan.name}`,
        throttleSettings: { ...limits.apiGateway.throttle },
        quotaSettings: { ...limits.apiGateway.quota },
      },
    };
  });
}
