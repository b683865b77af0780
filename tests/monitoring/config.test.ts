import { describe, expect, it } from "vitest";
import {
  CLOUDWATCH_RETENTION_DAYS,
  MonitoringPlatformSchema,
  parseMonitoringPlanSettings,
  RetentionError,
  validateLogRetentionDays,
} from "../../components/monitoring/config";
import { plan } from "./fixtures";

const ALLOWED = "1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653";

describe("validateLogRetentionDays", () => {
  it("accepts exactly CloudWatch Logs' retention values", () => {
    expect(CLOUDWATCH_RETENTION_DAYS.join(", ")).toBe(ALLOWED);
    for (const d of CLOUDWATCH_RETENTION_DAYS) expect(validateLogRetentionDays(d)).toBe(d);
  });

  it.each([
    [31, "30 or 60"],
    [2, "1 or 3"],
    [366, "365 or 400"],
    [0, "1"],
    [3654, "3653"],
    [-7, "1"],
  ])("refuses %s days, naming the nearest accepted values (%s)", (days, nearest) => {
    expect(() => validateLogRetentionDays(days)).toThrow(RetentionError);
    expect(() => validateLogRetentionDays(days)).toThrow(
      `monitoring.log_retention_days ${days} is not a retention CloudWatch Logs accepts; nearest: ${nearest}; expected one of ${ALLOWED}`,
    );
  });

  it.each([[30.5], ["30"], [null], [undefined]])("refuses a non-integer %j", (days) => {
    expect(() => validateLogRetentionDays(days)).toThrow(
      `monitoring.log_retention_days must be a whole number of days, got ${JSON.stringify(days)}; expected one of ${ALLOWED}`,
    );
  });
});

describe("plan monitoring settings", () => {
  it("the shipped plans parse, with the alert defaults filled in", () => {
    expect(parseMonitoringPlanSettings(plan("pro").monitoring)).toEqual({
      log_retention_days: 30,
      usage_warning_percent: 80,
      error_rate_warning_percent: 1,
      error_rate_critical_percent: 5,
      latency_p95_warning_ms: 500,
      latency_p95_critical_ms: 1000,
      latency_p99_warning_ms: 1500,
      latency_p99_critical_ms: 3000,
    });
    expect(parseMonitoringPlanSettings(plan("custom").monitoring).log_retention_days).toBe(90);
  });

  it("refuses a retention CloudWatch does not accept with the validator's message", () => {
    expect(() => parseMonitoringPlanSettings({ log_retention_days: 45 })).toThrow(
      `invalid plan monitoring settings: 1 problem\n  - monitoring.log_retention_days 45 is not a retention CloudWatch Logs accepts; nearest: 30 or 60; expected one of ${ALLOWED}`,
    );
  });

  it("refuses a warning level at or above its critical level, listing every problem", () => {
    expect(() =>
      parseMonitoringPlanSettings({ log_retention_days: 30, latency_p95_warning_ms: 1000, error_rate_warning_percent: 7 }),
    ).toThrow(
      "invalid plan monitoring settings: 2 problems\n" +
        "  - monitoring.error_rate_warning_percent: error_rate_warning_percent (7) must be below error_rate_critical_percent (5): a warning comes before the page\n" +
        "  - monitoring.latency_p95_warning_ms: latency_p95_warning_ms (1000) must be below latency_p95_critical_ms (1000): a warning comes before the page",
    );
  });

  it("refuses unknown keys (a typo must not silently fall back to a default)", () => {
    expect(() => parseMonitoringPlanSettings({ log_retention_days: 30, latency_p95_warn_ms: 10 })).toThrow(/Unrecognized key: "latency_p95_warn_ms"/);
  });
});

describe("MonitoringPlatformSchema", () => {
  it("has safe defaults", () => {
    expect(MonitoringPlatformSchema.parse({})).toEqual({ namespace: "ControlCore/Tenants", tenantField: "tenant_id", dashboardLayout: "separate" });
  });

  it.each([
    [{ namespace: "AWS/Logs" }, "namespaces starting with AWS/ are reserved for AWS services"],
    [{ namespace: "a:b" }, "1 to 255 letters, digits and . / _ # - (a namespace metric filters accept: no : * $)"],
    [{ tenantField: "tenant.id" }, "a JSON field name (letters, digits, underscores)"],
    [{ dashboardLayout: "one" }, 'Invalid option: expected one of "separate"|"combined"'],
  ])("refuses %j", (raw, message) => {
    const r = MonitoringPlatformSchema.safeParse(raw);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message)).toContain(message);
  });
});
