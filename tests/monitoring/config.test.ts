import { describe, expect, it } from "vitest";
import { InputError } from "../../components/errors";
import {
  CLOUDWATCH_RETENTION_DAYS,
  logRetentionProblems,
  MonitoringPlatformSchema,
  monitoringPlanSettingsProblems,
  monitoringPlatformProblems,
  parseMonitoringPlanSettings,
  parseMonitoringPlatform,
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
    const message = `got ${days}, a retention CloudWatch Logs does not accept (nearest: ${nearest}); expected one of ${ALLOWED}`;
    expect(logRetentionProblems(days)).toEqual([{ path: "plan.monitoring.log_retention_days", message }]);
    expect(() => validateLogRetentionDays(days)).toThrow(InputError);
    expect(() => validateLogRetentionDays(days)).toThrow(`invalid log retention: 1 problem\n  - plan.monitoring.log_retention_days: ${message}`);
  });

  it.each([[30.5, "30.5"], ["30", '"30"'], [null, "null"], [undefined, "nothing"]])("refuses a non-integer %j", (days, shown) => {
    expect(logRetentionProblems(days)).toEqual([
      { path: "plan.monitoring.log_retention_days", message: `got ${shown}; expected a whole number of days, one of ${ALLOWED}` },
    ]);
    expect(() => validateLogRetentionDays(days)).toThrow(InputError);
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

  it("refuses a retention CloudWatch does not accept, at the plan key, naming the nearest values", () => {
    expect(() => parseMonitoringPlanSettings({ log_retention_days: 45 })).toThrow(
      "invalid plan monitoring settings: 1 problem\n" +
        `  - plan.monitoring.log_retention_days: got 45, a retention CloudWatch Logs does not accept (nearest: 30 or 60); expected one of ${ALLOWED}`,
    );
    expect(() => parseMonitoringPlanSettings({ log_retention_days: 45 })).toThrow(InputError);
    // A non-integer is one problem, not two.
    expect(monitoringPlanSettingsProblems({ log_retention_days: 30.5 })).toEqual([
      { path: "plan.monitoring.log_retention_days", message: "got 30.5; Invalid input: expected int, received number" },
    ]);
  });

  it("refuses a warning level at or above its critical level, listing every problem", () => {
    expect(() =>
      parseMonitoringPlanSettings({ log_retention_days: 30, latency_p95_warning_ms: 1000, error_rate_warning_percent: 7 }),
    ).toThrow(
      "invalid plan monitoring settings: 2 problems\n" +
        "  - plan.monitoring.error_rate_warning_percent: got 7; expected less than error_rate_critical_percent (5): a warning comes before the page\n" +
        "  - plan.monitoring.latency_p95_warning_ms: got 1000; expected less than latency_p95_critical_ms (1000): a warning comes before the page",
    );
  });

  it("refuses unknown keys (a typo must not silently fall back to a default), with the schema's keys", () => {
    expect(monitoringPlanSettingsProblems({ log_retention_days: 30, latency_p95_warn_ms: 10 })).toEqual([
      {
        path: "plan.monitoring.latency_p95_warn_ms",
        message:
          'unknown key (value 10); did you mean "latency_p95_warning_ms"? Expected one of: usage_warning_percent, error_rate_warning_percent, ' +
          "error_rate_critical_percent, latency_p95_warning_ms, latency_p95_critical_ms, latency_p99_warning_ms, latency_p99_critical_ms, log_retention_days",
      },
    ]);
  });
});

describe("platform monitoring settings", () => {
  it("absent is the defaults", () => {
    expect(parseMonitoringPlatform(undefined)).toEqual({ namespace: "ControlCore/Tenants", tenantField: "tenant_id", dashboardLayout: "separate" });
    expect(monitoringPlatformProblems(undefined)).toEqual([]);
  });

  it("reports every problem at platform.monitoring.<key>, with the value", () => {
    expect(() => parseMonitoringPlatform({ namespace: "AWS/Logs", dashboardLayout: "one" })).toThrow(
      "invalid platform monitoring settings: 2 problems\n" +
        '  - platform.monitoring.namespace: got "AWS/Logs"; namespaces starting with AWS/ are reserved for AWS services; expected a namespace of your own such as ControlCore/Tenants\n' +
        '  - platform.monitoring.dashboardLayout: got "one"; Invalid option: expected one of "separate"|"combined"',
    );
    expect(monitoringPlatformProblems({ tenantFeild: "tenant" })).toEqual([
      {
        path: "platform.monitoring.tenantFeild",
        message: 'unknown key (value "tenant"); did you mean "tenantField"? Expected one of: namespace, tenantField, dashboardLayout, pagingSuppressorAlarm',
      },
    ]);
  });
});

describe("MonitoringPlatformSchema", () => {
  it("has safe defaults", () => {
    expect(MonitoringPlatformSchema.parse({})).toEqual({ namespace: "ControlCore/Tenants", tenantField: "tenant_id", dashboardLayout: "separate" });
  });

  it.each([
    [{ namespace: "AWS/Logs" }, 'got "AWS/Logs"; namespaces starting with AWS/ are reserved for AWS services; expected a namespace of your own such as ControlCore/Tenants'],
    [{ namespace: "a:b" }, "1 to 255 letters, digits and . / _ # - (a namespace metric filters accept: no : * $)"],
    [{ tenantField: "tenant.id" }, "a JSON field name (letters, digits, underscores)"],
    [{ dashboardLayout: "one" }, 'Invalid option: expected one of "separate"|"combined"'],
  ])("refuses %j", (raw, message) => {
    const r = MonitoringPlatformSchema.safeParse(raw);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message)).toContain(message);
  });
});
