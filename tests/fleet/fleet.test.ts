/**
 * Fleet rollouts as pure functions and with a scripted engine: waves, the stop rule, token
 * buckets per AWS API family, the quota table, and resuming a stopped rollout from its state.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { type Engine, EngineError, type Operation, type OperationResult, type TenantRequest } from "../../cli/ops/engine";
import { readFleetState, renderFleetSummary, runFleet } from "../../cli/fleet/fleet";
import { API_FAMILIES, RateLimiter, costOf, onboardingCeiling, refill, take } from "../../cli/fleet/quotas";
import { planWaves, shouldStop } from "../../cli/fleet/waves";

describe("waves", () => {
  it("puts one canary first, then doubles up to the maximum", () => {
    const ids = Array.from({ length: 20 }, (_, i) => i);
    expect(planWaves(ids).map((w) => w.length)).toEqual([1, 2, 4, 8, 5]);
    expect(planWaves(ids, { canary: 2, growth: 3, maxWave: 6 }).map((w) => w.length)).toEqual([2, 6, 6, 6]);
    expect(planWaves(ids).flat()).toEqual(ids);
    expect(planWaves([])).toEqual([]);
  });

  it("stops on any canary failure, and when failures pass the threshold (count or fraction)", () => {
    expect(shouldStop({ wave: 0, waveFailures: 1, failures: 1, attempted: 1 }, 5)).toBe(true);
    expect(shouldStop({ wave: 2, waveFailures: 2, failures: 2, attempted: 7 }, 2)).toBe(false);
    expect(shouldStop({ wave: 2, waveFailures: 3, failures: 3, attempted: 7 }, 2)).toBe(true);
    expect(shouldStop({ wave: 3, waveFailures: 1, failures: 1, attempted: 15 }, 0.1)).toBe(false);
    expect(shouldStop({ wave: 3, waveFailures: 2, failures: 2, attempted: 15 }, 0.1)).toBe(true);
  });
});

describe("quotas", () => {
  it("lists every family with a rate and an AWS documentation source", () => {
    expect(API_FAMILIES.map((f) => [f.family, f.ratePerSecond])).toEqual([
      ["cloudwatch-alarms", 3], ["kms-control", 5], ["route53", 5], ["acm", 5], ["wafv2", 1], ["apigateway-keys", 5],
    ]);
    for (const f of API_FAMILIES) expect(f.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
  });

  it("counts a tenant's calls per family from its resource types, and the family that bounds onboarding", () => {
    const types = [
      ...Array(5).fill("aws:cloudwatch/metricAlarm:MetricAlarm"), "aws:cloudwatch/compositeAlarm:CompositeAlarm",
      "aws:kms/key:Key", "aws:kms/alias:Alias", "aws:route53/record:Record", "aws:route53/record:Record", "aws:acm/certificate:Certificate",
      "aws:s3/bucket:Bucket",
    ];
    const cost = costOf(types);
    expect(cost).toEqual({ "cloudwatch-alarms": 6, "kms-control": 2, route53: 2, acm: 1 });
    // 3/s ÷ 6 alarms = 0.5 tenants/s = 1,800 an hour; Route 53 would allow 9,000.
    expect(onboardingCeiling(cost)).toEqual({ tenantsPerHour: 1800, boundBy: "cloudwatch-alarms" });
  });

  it("token bucket: refills at the rate up to the burst, and says how long to wait", () => {
    expect(refill({ tokens: 0, at: 0 }, 500, 3, 3)).toEqual({ tokens: 1.5, at: 500 });
    expect(refill({ tokens: 2, at: 0 }, 10_000, 3, 3)).toEqual({ tokens: 3, at: 10_000 });
    expect(take({ tokens: 3, at: 0 }, 2, 0, 3, 3)).toEqual({ bucket: { tokens: 1, at: 0 }, waitMs: 0 });
    expect(take({ tokens: 1, at: 0 }, 2, 0, 3, 3)).toEqual({ bucket: { tokens: 1, at: 0 }, waitMs: 334 });
    expect(() => take({ tokens: 3, at: 0 }, 6, 0, 3, 3)).toThrow("cannot take 6 tokens from a bucket of 3; take them in parts");
  });

  it("the limiter holds a family to its rate across concurrent operations (fake clock)", async () => {
    let now = 0;
    const limiter = new RateLimiter(API_FAMILIES, { now: () => now, sleep: async (ms) => void (now += ms) });
    // 10 tenants of 6 alarms each at 3/s: the first 3 calls go at once, the other 57 take 19 s.
    await Promise.all(Array.from({ length: 10 }, () => limiter.acquire({ "cloudwatch-alarms": 6, route53: 1 })));
    expect(now).toBeGreaterThanOrEqual(19_000);
    expect(now).toBeLessThan(19_100);
  });
});

class Scripted implements Engine {
  readonly name = "local" as const;
  runs: string[] = [];
  constructor(private readonly fail: (id: string) => boolean = () => false) {}
  async run(op: Operation, req: TenantRequest): Promise<OperationResult> {
    this.runs.push(req.tenantId);
    if (this.fail(req.tenantId)) throw new EngineError("failed", `aws:kms/key:Key refused for ${req.tenantId}`);
    return { tenantId: req.tenantId, operation: op, changes: { update: 1 }, unchanged: false, durationSeconds: 0 };
  }
  async outputs() {
    return {};
  }
  async status(r: Pick<TenantRequest, "tenantId">) {
    return { tenantId: r.tenantId, exists: true, resourceCount: 0, pendingOperations: 0 };
  }
}

describe("runFleet", () => {
  const targets = Array.from({ length: 10 }, (_, i) => ({ tenantId: `t${i}aa`, plan: "pro" }));
  const tmp = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "fleet-")), "state.json");

  it("resumes an interrupted rollout without redoing the tenants that succeeded", async () => {
    const stateFile = tmp();
    const ac = new AbortController();
    const e1 = new Scripted();
    const s1 = await runFleet({ engine: e1, operation: "up", targets, stateFile, concurrency: 1, signal: ac.signal, onTenant: (_id, _o) => (e1.runs.length === 3 ? ac.abort() : undefined) });
    expect(s1.stoppedReason).toBe("interrupted");
    expect(e1.runs).toEqual(["t0aa", "t1aa", "t2aa"]);
    expect(readFleetState(stateFile)!.finishedAt).toBeUndefined();
    const e2 = new Scripted();
    const s2 = await runFleet({ engine: e2, operation: "up", targets, stateFile, concurrency: 1 });
    expect(s2.resumed).toBe(true);
    expect(s2.skipped).toBe(3);
    expect(e2.runs).toEqual(targets.slice(3).map((t) => t.tenantId));
    expect(s2.waves.map((w) => w.length)).toEqual([1, 2, 4]);
    expect(s2).toMatchObject({ succeeded: 10, failed: 0, pending: 0 });
    expect(readFleetState(stateFile)!.finishedAt).toBeDefined();
    // A finished rollout run again starts over.
    const e3 = new Scripted();
    expect((await runFleet({ engine: e3, operation: "up", targets, stateFile, concurrency: 1 })).resumed).toBe(false);
    expect(e3.runs).toHaveLength(10);
  });

  it("stops after a failed canary, leaving the rest pending", async () => {
    const e = new Scripted((id) => id === "t0aa");
    const s = await runFleet({ engine: e, operation: "up", targets, stateFile: tmp() });
    expect(s.stoppedReason).toBe("canary failed");
    expect(e.runs).toEqual(["t0aa"]);
    expect(s).toMatchObject({ succeeded: 0, failed: 1, pending: 9 });
    expect(renderFleetSummary(s)).toContain("t0aa    failed   0     -        0.0s  failed: aws:kms/key:Key refused for t0aa");
  });

  it("stops when failures pass the threshold after a wave", async () => {
    const e = new Scripted((id) => id === "t1aa" || id === "t2aa");
    const s = await runFleet({ engine: e, operation: "up", targets, stateFile: tmp(), maxFailures: 1 });
    expect(s.stoppedReason).toBe("failures (2) passed the threshold");
    expect(e.runs.sort()).toEqual(["t0aa", "t1aa", "t2aa"]);
  });
});
