import { describe, expect, it } from "vitest";
import {
  ALARM_SIGNALS,
  type AlarmInputs,
  alarmProblems,
  alarmThresholds,
  metricAlarmSpecs,
  pagingCompositeSpec,
} from "../../components/monitoring/alarms";
import { parseMonitoringPlanSettings } from "../../components/monitoring/config";
import { tenantNames } from "../../components/naming";
import type { Plan } from "../../plans/schema";
import { plan } from "./fixtures";

function inputs(tenant: string, p: Plan, limits: Partial<Plan["limits"]> = {}, monitoring: Record<string, unknown> = {}): AlarmInputs {
  return {
    names: tenantNames(tenant),
    namespace: "ControlCore/Tenants",
    limits: { ...p.limits, ...limits },
    alerts: parseMonitoringPlanSettings({ ...p.monitoring, ...monitoring }),
  };
}

const GiB = 1024 ** 3;

/** signal → [warning, critical] thresholds as the alarms carry them (storage in bytes). */
function thresholdTable(i: AlarmInputs): Record<string, [number, number]> {
  const specs = metricAlarmSpecs(i);
  return Object.fromEntries(
    ALARM_SIGNALS.map((s) => [s, [specs.find((a) => a.key === `${s}-warning`)!.threshold, specs.find((a) => a.key === `${s}-critical`)!.threshold]]),
  );
}

describe("alarm thresholds follow the plan", () => {
  it("pro: 80% and 100% of each limit, and the alert defaults", () => {
    expect(thresholdTable(inputs("acme", plan("pro")))).toEqual({
      "api-calls-per-hour": [8_000, 10_000],
      "policy-evaluations-per-hour": [40_000, 50_000],
      storage: [8 * GiB, 10 * GiB],
      "error-rate": [1, 5],
      "latency-p95": [500, 1000],
      "latency-p99": [1500, 3000],
    });
  });

  it("custom: the custom plan's limits", () => {
    expect(thresholdTable(inputs("acme", plan("custom")))).toEqual({
      "api-calls-per-hour": [80_000, 100_000],
      "policy-evaluations-per-hour": [400_000, 500_000],
      storage: [80 * GiB, 100 * GiB],
      "error-rate": [1, 5],
      "latency-p95": [500, 1000],
      "latency-p99": [1500, 3000],
    });
  });

  it("change the plan's limits and alert settings, and the thresholds move with them", () => {
    const changed = inputs(
      "acme",
      plan("pro"),
      { api_calls_per_hour: 12_345, policy_evaluations_per_hour: 70, storage_gb: 3 },
      { usage_warning_percent: 90, error_rate_critical_percent: 2.5, latency_p99_critical_ms: 4200 },
    );
    expect(thresholdTable(changed)).toEqual({
      "api-calls-per-hour": [11_111, 12_345], // ceil(12,345 × 0.9) = ceil(11,110.5)
      "policy-evaluations-per-hour": [63, 70],
      storage: [Math.round(2.7 * GiB), 3 * GiB],
      "error-rate": [1, 2.5],
      "latency-p95": [500, 1000],
      "latency-p99": [1500, 4200],
    });
  });

  it("readable thresholds are what the dashboards draw", () => {
    expect(alarmThresholds(inputs("acme", plan("pro"))).storage).toEqual({ warning: 8, critical: 10, unit: "GiB" });
  });

  it("refuses a plan where the warning is not below the critical level", () => {
    // 99% of 1 call rounds up to 1 call: warning and critical would be the same alarm.
    expect(() => metricAlarmSpecs(inputs("acme", plan("pro"), { api_calls_per_hour: 1 }, { usage_warning_percent: 99 }))).toThrow(
      "invalid alarms for tenant acme:\n  - api-calls-per-hour: warning (1 calls/h) must be below critical (1 calls/h)",
    );
  });
});

describe("alarm shape", () => {
  const specs = metricAlarmSpecs(inputs("acme", plan("pro")));

  it("one warning and one critical alarm per signal, named after the tenant", () => {
    expect(specs.map((a) => a.name)).toEqual(ALARM_SIGNALS.flatMap((s) => [`cc-tenant-acme--${s}-warning`, `cc-tenant-acme--${s}-critical`]));
  });

  it("the API-calls alarm projects 5-minute sums to an hourly rate, 3 of 5 periods, missing data not breaching", () => {
    expect(specs.find((a) => a.key === "api-calls-per-hour-critical")).toEqual({
      signal: "api-calls-per-hour",
      level: "critical",
      key: "api-calls-per-hour-critical",
      name: "cc-tenant-acme--api-calls-per-hour-critical",
      alarmDescription:
        "Tenant acme: api-calls-per-hour >= 10000 calls/h (critical) in 3 of 5 periods. Missing data: notBreaching, because no data means no traffic in the period, which is not a breach.",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 10_000,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: "notBreaching",
      missingDataReason: "no data means no traffic in the period, which is not a breach",
      metricQueries: [
        {
          id: "count",
          returnData: false,
          metric: { namespace: "ControlCore/Tenants", metricName: "ApiCalls", dimensions: { Tenant: "acme" }, period: 300, stat: "Sum" },
        },
        { id: "per_hour", label: "API calls per hour (projected)", expression: "count * 12", returnData: true },
      ],
    });
  });

  it("error rate is metric math over 5xx and calls, ignoring periods with fewer than 10 calls", () => {
    const a = specs.find((x) => x.key === "error-rate-warning")!;
    expect(a.metricQueries!.map((q) => q.expression ?? q.metric!.metricName)).toEqual([
      "ApiServerErrors",
      "ApiCalls",
      "IF(calls >= 10, 100 * FILL(errors, 0) / calls, 0)",
    ]);
    expect([a.comparisonOperator, a.threshold, a.treatMissingData]).toEqual(["GreaterThanThreshold", 1, "notBreaching"]);
  });

  it("latency alarms use p95/p99 and ignore percentiles of too few samples", () => {
    const p99 = specs.find((x) => x.key === "latency-p99-critical")!;
    expect([p99.metricName, p99.extendedStatistic, p99.statistic, p99.evaluateLowSampleCountPercentiles, p99.period, p99.threshold]).toEqual([
      "ApiLatency",
      "p99",
      undefined,
      "ignore",
      300,
      3000,
    ]);
  });

  it("storage keeps its state when the hourly measurement is missing (treatMissingData ignore)", () => {
    const s = specs.find((x) => x.key === "storage-critical")!;
    expect([s.metricName, s.statistic, s.period, s.evaluationPeriods, s.datapointsToAlarm, s.treatMissingData]).toEqual([
      "TenantStorageBytes",
      "Maximum",
      3600,
      3,
      2,
      "ignore",
    ]);
  });

  it("every metric of every alarm is filtered by the tenant dimension alone", () => {
    for (const a of specs) {
      const dims = a.metricQueries ? a.metricQueries.filter((q) => q.metric).map((q) => q.metric!.dimensions) : [a.dimensions];
      expect(dims.length).toBeGreaterThan(0);
      for (const d of dims) expect(d).toEqual({ Tenant: "acme" });
    }
  });

  it("every alarm needs several breaching periods (no single-datapoint pages)", () => {
    for (const a of specs) expect(a.datapointsToAlarm).toBeGreaterThanOrEqual(2);
  });
});

describe("alarmProblems", () => {
  const base = metricAlarmSpecs(inputs("acme", plan("pro"))).find((a) => a.key === "storage-critical")!;

  it("refuses an evaluation range over one day, and datapoints beyond the evaluation periods", () => {
    expect(alarmProblems({ ...base, evaluationPeriods: 25, datapointsToAlarm: 26 })).toEqual([
      "cc-tenant-acme--storage-critical: datapointsToAlarm 26 must be 1..evaluationPeriods (25)",
      "cc-tenant-acme--storage-critical: period 3600 s × 25 periods exceeds CloudWatch's one-day evaluation range",
    ]);
  });

  it("refuses both or neither of metricName and metricQueries", () => {
    expect(alarmProblems({ ...base, metricName: undefined })).toEqual(["cc-tenant-acme--storage-critical: needs exactly one of metricName or metricQueries"]);
  });
});

describe("paging composite", () => {
  const specs = metricAlarmSpecs(inputs("acme", plan("pro")));

  it("fires when any critical alarm fires, never on warnings", () => {
    const c = pagingCompositeSpec(tenantNames("acme"), specs);
    expect(c).toEqual({
      key: "critical",
      name: "cc-tenant-acme--critical",
      alarmDescription:
        "Tenant acme: pages when any critical alarm fires (api-calls-per-hour, policy-evaluations-per-hour, storage, error-rate, latency-p95, latency-p99).",
      alarmRule: ALARM_SIGNALS.map((s) => `ALARM("cc-tenant-acme--${s}-critical")`).join(" OR "),
    });
    expect(c.alarmRule).not.toContain("warning");
  });

  it("with a platform suppressor, waits for it and holds pages while it is in ALARM", () => {
    expect(pagingCompositeSpec(tenantNames("acme"), specs, "platform-degraded").actionsSuppressor).toEqual({
      alarm: "platform-degraded",
      waitPeriod: 120,
      extensionPeriod: 300,
    });
  });

  it("refuses to build a composite without a critical alarm", () => {
    expect(() => pagingCompositeSpec(tenantNames("acme"), specs.filter((a) => a.level === "warning"))).toThrow(
      "tenant acme: a paging composite needs at least one critical alarm",
    );
  });
});
