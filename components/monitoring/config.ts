/**
 * Monitoring settings: the platform section (shared by every tenant: namespace, log field,
 * dashboard layout, suppressor alarm) and the plan fragment (per plan: log retention and alert
 * thresholds). Both are zod schemas so that their shape is written once.
 */
import { z } from "zod";

/**
 * Retention periods CloudWatch Logs accepts, in days.
 * @see https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
 */
export const CLOUDWATCH_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
export type RetentionDays = (typeof CLOUDWATCH_RETENTION_DAYS)[number];

/** Thrown when a log retention period is not one CloudWatch Logs accepts. */
export class RetentionError extends Error {
  constructor(readonly days: unknown) {
    super(retentionProblem(days));
    this.name = "RetentionError";
  }
}

/** Why `days` is not an accepted retention, or `undefined` when it is. */
export function retentionProblem(days: unknown): string {
  const allowed = CLOUDWATCH_RETENTION_DAYS.join(", ");
  if (typeof days !== "number" || !Number.isInteger(days)) {
    return `monitoring.log_retention_days must be a whole number of days, got ${JSON.stringify(days)}; expected one of ${allowed}`;
  }
  const below = [...CLOUDWATCH_RETENTION_DAYS].reverse().find((d) => d < days);
  const above = CLOUDWATCH_RETENTION_DAYS.find((d) => d > days);
  const nearest = [below, above].filter((d) => d !== undefined).join(" or ");
  return `monitoring.log_retention_days ${days} is not a retention CloudWatch Logs accepts; nearest: ${nearest}; expected one of ${allowed}`;
}

/** Returns `days` typed when CloudWatch Logs accepts it; throws {@link RetentionError} otherwise. */
export function validateLogRetentionDays(days: unknown): RetentionDays {
  if ((CLOUDWATCH_RETENTION_DAYS as readonly unknown[]).includes(days)) return days as RetentionDays;
  throw new RetentionError(days);
}

const percent = z.number().gt(0).lt(100);
const ms = z.number().int().positive();

/**
 * Alert thresholds per plan, to merge into the plan's `monitoring` section. Every key has a
 * default so that plans written before these keys existed stay valid.
 */
export const MonitoringAlertSettingsSchema = z.strictObject({
  usage_warning_percent: z
    .number()
    .int()
    .min(1)
    .max(99)
    .default(80)
    .describe("Warning level of the usage alarms, as a percentage of each plan limit (critical is 100%)."),
  error_rate_warning_percent: percent.default(1).describe("API error rate (5xx / calls, %) that raises a warning."),
  error_rate_critical_percent: percent.default(5).describe("API error rate (5xx / calls, %) that pages."),
  latency_p95_warning_ms: ms.default(500).describe("p95 API latency in ms that raises a warning."),
  latency_p95_critical_ms: ms.default(1000).describe("p95 API latency in ms that pages."),
  latency_p99_warning_ms: ms.default(1500).describe("p99 API latency in ms that raises a warning."),
  latency_p99_critical_ms: ms.default(3000).describe("p99 API latency in ms that pages."),
});
export type MonitoringAlertSettings = z.infer<typeof MonitoringAlertSettingsSchema>;

/** The plan's whole `monitoring` section as this module needs it. */
export const MonitoringPlanSettingsSchema = MonitoringAlertSettingsSchema.extend({
  log_retention_days: z
    .number()
    .int()
    .refine((d) => (CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(d), {
      message: `a retention CloudWatch Logs accepts: ${CLOUDWATCH_RETENTION_DAYS.join(", ")}`,
    })
    .describe("Days the tenant's logs are kept; one of CloudWatch Logs' accepted retention periods."),
}).superRefine((m, ctx) => {
  const pairs: Array<[keyof MonitoringAlertSettings, keyof MonitoringAlertSettings]> = [
    ["error_rate_warning_percent", "error_rate_critical_percent"],
    ["latency_p95_warning_ms", "latency_p95_critical_ms"],
    ["latency_p99_warning_ms", "latency_p99_critical_ms"],
  ];
  for (const [warn, crit] of pairs) {
    if (m[warn] >= m[crit]) {
      ctx.addIssue({
        code: "custom",
        path: [warn],
        input: m[warn],
        message: `${warn} (${m[warn]}) must be below ${crit} (${m[crit]}): a warning comes before the page`,
      });
    }
  }
});
/** What callers pass (defaults not yet applied): the plan's current `monitoring` section fits. */
export type MonitoringPlanSettingsInput = z.input<typeof MonitoringPlanSettingsSchema>;
export type MonitoringPlanSettings = z.output<typeof MonitoringPlanSettingsSchema>;

/** Parses the plan's monitoring section, throwing one error that lists every problem. */
export function parseMonitoringPlanSettings(raw: unknown): MonitoringPlanSettings {
  const result = MonitoringPlanSettingsSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => {
      const path = ["monitoring", ...i.path.map(String)].join(".");
      // The retention message is clearer from the pure validator (it names the nearest values).
      if (i.path[0] === "log_retention_days" && i.code === "custom") return `  - ${retentionProblem((raw as Record<string, unknown>).log_retention_days)}`;
      return `  - ${path}: ${i.message}`;
    });
    throw new Error(`invalid plan monitoring settings: ${lines.length} problem${lines.length === 1 ? "" : "s"}\n${lines.join("\n")}`);
  }
  return result.data;
}

/** CloudWatch dimension name every tenant metric carries. */
export const TENANT_DIMENSION = "Tenant";

/** The platform's monitoring section (shared by all tenants; the same for every stack). */
export const MonitoringPlatformSchema = z.strictObject({
  namespace: z
    .string()
    .regex(/^[A-Za-z0-9./_#-]{1,255}$/, "1 to 255 letters, digits and . / _ # - (a namespace metric filters accept: no : * $)")
    .refine((n) => !n.startsWith("AWS/"), "namespaces starting with AWS/ are reserved for AWS services")
    .default("ControlCore/Tenants")
    .describe("CloudWatch namespace of the tenant metrics (metric filters and the platform's TenantStorageBytes)."),
  tenantField: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "a JSON field name (letters, digits, underscores)")
    .default("tenant_id")
    .describe(
      "Field of the structured JSON log events that holds the tenant ID. Security: every metric filter matches only events whose field equals the tenant's ID.",
    ),
  dashboardLayout: z
    .enum(["separate", "combined"])
    .default("separate")
    .describe(
      "separate: Overview, Performance and Security dashboards per tenant (3 × $3/month); combined: one dashboard per tenant with the three sections stacked ($3/month, 3× more tenants under a dashboard count quota).",
    ),
  pagingSuppressorAlarm: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Name or ARN of a platform-wide alarm (e.g. 'platform degraded'). While it is in ALARM, tenant pages are suppressed: one incident pages once, not once per tenant.",
    ),
});
export type MonitoringPlatform = z.output<typeof MonitoringPlatformSchema>;
export type MonitoringPlatformInput = z.input<typeof MonitoringPlatformSchema>;

/** Parses the platform's monitoring section, throwing one error that lists every problem. */
export function parseMonitoringPlatform(raw: unknown): MonitoringPlatform {
  const result = MonitoringPlatformSchema.safeParse(raw ?? {});
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  - platform.monitoring.${i.path.map(String).join(".")}: ${i.message}`);
    throw new Error(`invalid platform monitoring settings: ${lines.length} problem${lines.length === 1 ? "" : "s"}\n${lines.join("\n")}`);
  }
  return result.data;
}
