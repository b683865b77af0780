/**
 * The AWS API rates that bound onboarding, and a token bucket per API family that the fleet
 * scheduler respects. Rates are the published account-wide defaults per region (several can be
 * raised in Service Quotas; check yours). Each family names the resource types of the program
 * whose create/update/delete calls it throttles, so a tenant's cost per family is counted from
 * the program's own resources (the offline plan), not written down twice.
 */

/** One API family: a rate limit shared by every call of its APIs in one account and region. */
export interface ApiFamily {
  readonly family: string;
  /** The API calls that share the limit. */
  readonly apis: readonly string[];
  /** Sustained requests per second (the default quota). */
  readonly ratePerSecond: number;
  /** Tokens the bucket holds (calls that may go at once after a quiet period). */
  readonly burst: number;
  /** Resource types of this program whose create/update/delete is one call of the family. */
  readonly resourceTypes: readonly string[];
  /** Where the rate is published. */
  readonly source: string;
}

export const API_FAMILIES: readonly ApiFamily[] = [
  {
    family: "cloudwatch-alarms",
    apis: ["PutMetricAlarm", "PutCompositeAlarm", "DeleteAlarms"],
    ratePerSecond: 3,
    burst: 3,
    resourceTypes: ["aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm"],
    source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html (PutMetricAlarm: 3 TPS)",
  },
  {
    family: "kms-control",
    apis: ["CreateKey", "CreateAlias", "ScheduleKeyDeletion", "DeleteAlias", "EnableKeyRotation"],
    ratePerSecond: 5,
    burst: 5,
    resourceTypes: ["aws:kms/key:Key", "aws:kms/alias:Alias"],
    source: "https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html (CreateKey 5/s; CreateAlias and the other control-plane calls 5/s)",
  },
  {
    family: "route53",
    apis: ["ChangeResourceRecordSets"],
    ratePerSecond: 5,
    burst: 5,
    resourceTypes: ["aws:route53/record:Record"],
    source: "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html#limits-api-requests (5 requests per second per account)",
  },
  {
    family: "acm",
    apis: ["RequestCertificate", "DeleteCertificate"],
    ratePerSecond: 5,
    burst: 5,
    resourceTypes: ["aws:acm/certificate:Certificate"],
    source: "https://docs.aws.amazon.com/acm/latest/userguide/acm-limits.html (API rate quotas: RequestCertificate 5/s)",
  },
  {
    family: "wafv2",
    apis: ["CreateWebACL", "UpdateWebACL", "AssociateWebACL"],
    ratePerSecond: 1,
    burst: 1,
    resourceTypes: ["aws:wafv2/webAcl:WebAcl", "aws:wafv2/webAclAssociation:WebAclAssociation"],
    source: "https://docs.aws.amazon.com/waf/latest/developerguide/limits.html (create/update calls: 1 per second per account)",
  },
  {
    family: "apigateway-keys",
    apis: ["CreateApiKey", "DeleteApiKey", "CreateUsagePlanKey"],
    ratePerSecond: 5,
    burst: 5,
    resourceTypes: ["aws:apigateway/apiKey:ApiKey", "aws:apigateway/usagePlanKey:UsagePlanKey"],
    source: "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html (CreateApiKey, DeleteApiKey: 5 requests per second per account)",
  },
];

/** Calls per family of one tenant's operation: its resources of each family's types. Pure. */
export function costOf(resourceTypes: readonly string[], families: readonly ApiFamily[] = API_FAMILIES): Record<string, number> {
  const cost: Record<string, number> = {};
  for (const f of families) {
    const n = resourceTypes.filter((t) => f.resourceTypes.includes(t)).length;
    if (n > 0) cost[f.family] = n;
  }
  return cost;
}

/**
 * Tenants per hour one account can onboard, bounded by the slowest family: rate / calls per
 * tenant, over every family the tenant uses; and the family that binds. Pure.
 */
export function onboardingCeiling(cost: Readonly<Record<string, number>>, families: readonly ApiFamily[] = API_FAMILIES): { tenantsPerHour: number; boundBy: string | undefined } {
  let best = Infinity;
  let boundBy: string | undefined;
  for (const f of families) {
    const n = cost[f.family] ?? 0;
    if (n === 0) continue;
    const perHour = (f.ratePerSecond * 3600) / n;
    if (perHour < best) {
      best = perHour;
      boundBy = f.family;
    }
  }
  return { tenantsPerHour: best, boundBy };
}

/** A token bucket's state: tokens now, at time `at` (ms). */
export interface Bucket {
  readonly tokens: number;
  readonly at: number;
}

/** The bucket refilled to time `now` at `rate` tokens/s, capped at `burst`. Pure. */
export function refill(b: Bucket, now: number, rate: number, burst: number): Bucket {
  const elapsed = Math.max(0, now - b.at) / 1000;
  return { tokens: Math.min(burst, b.tokens + elapsed * rate), at: Math.max(now, b.at) };
}

/**
 * Takes `n` tokens (at most the burst) at `now`: the new bucket and 0, or the unchanged
 * (refilled) bucket and the milliseconds to wait until `n` are there. Pure.
 */
export function take(b: Bucket, n: number, now: number, rate: number, burst: number): { bucket: Bucket; waitMs: number } {
  if (n > burst) throw new RangeError(`cannot take ${n} tokens from a bucket of ${burst}; take them in parts`);
  const r = refill(b, now, rate, burst);
  if (r.tokens >= n) return { bucket: { tokens: r.tokens - n, at: r.at }, waitMs: 0 };
  return { bucket: r, waitMs: Math.ceil(((n - r.tokens) / rate) * 1000) };
}

/** Token buckets for every family, shared by one scheduler's concurrent operations. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  constructor(
    private readonly families: readonly ApiFamily[] = API_FAMILIES,
    private readonly clock: { now(): number; sleep(ms: number): Promise<void> } = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
  ) {}

  /** Waits until every family of `cost` has its tokens, then takes them; returns the ms waited. */
  async acquire(cost: Readonly<Record<string, number>>): Promise<number> {
    let waited = 0;
    for (const f of this.families) {
      // More calls than the burst are taken in parts, each when the bucket has it.
      for (let left = cost[f.family] ?? 0; left > 0; ) {
        const part = Math.min(left, f.burst);
        const now = this.clock.now();
        const cur = this.buckets.get(f.family) ?? { tokens: f.burst, at: now };
        const r = take(cur, part, now, f.ratePerSecond, f.burst);
        this.buckets.set(f.family, r.bucket);
        if (r.waitMs === 0) {
          left -= part;
          continue;
        }
        waited += r.waitMs;
        await this.clock.sleep(r.waitMs);
      }
    }
    return waited;
  }
}
