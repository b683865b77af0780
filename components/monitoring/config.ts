/**
 * Monitoring settings: the platform section (shared by every tenant: namespace, log field,
 * dashboard layout, suppressor alarm) and the plan fragment (per plan: log retention and alert
 * thresholds). Both are zod schemas so that their shape is written once.
 */
import { z } from "zod";
import { type Problem, show, throwIfProblems, zodProblems } from "../errors";

/**
 * Retention periods CloudWatch Logs accepts, in days.
 * @see https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
 */
export const CLOUDWATCH_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
export type RetentionDays = (typeof CLOUDWATCH_RETENTION_DAYS)[number];

/** The plan key of the retention. */
export const RETENTION_KEY = "plan.monitoring.log_retention_days";

/**
 * What is wrong with `days` as a retention and what was expected (naming the nearest accepted
 * values), or `undefined` when CloudWatch Logs accepts it.
 */
export function retentionMessage(days: unknown): string | undefined {
  if ((CLOUDWATCH_RETENTION_DAYS as readonly unknown[]).includes(days)) return undefined;
  const allowed = CLOUDWATCH_RETENTION_DAYS.join(", ");
  if (typeof days !== "number" || !Number.isInteger(days)) {
    return `got ${show(days)}; expected a whole number of days, one of ${allowed}`;
  }
  const below = [...CLOUDWATCH_RETENTION_DAYS].reverse().find((d) => d < days);
  const above = CLOUDWATCH_RETENTION_DAYS.find((d) => d > days);
  const nearest = [below, above].filter((d) => d !== undefined).join(" or ");
  return `got ${days}, a retention CloudWatch Logs does not accept (nearest: ${nearest}); expected one of ${allowed}`;
}

/** The problems of a retention (at `plan.monitoring.log_retention_days`); empty when CloudWatch Logs accepts it. */
export function logRetentionProblems(days: unknown): Problem[] {
  const message = retentionMessage(days);
  return message === undefined ? [] : [{ path: RETENTION_KEY, message }];
}

/** Returns `days` typed when CloudWatch Logs accepts it; throws an {@link InputError} (source `log retention`) otherwise. */
export function validateLogRetentionDays(days: unknown): RetentionDays {
  throwIfProblems("log retention", logRetentionProblems(days));
  return days as RetentionDays;
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
    // Non-integers are left to .int(), so that one bad value is one problem.
    .refine((d) => !Number.isInteger(d) || retentionMessage(d) === undefined, { error: (issue) => retentionMessage(issue.input)! })
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
        message: `got ${m[warn]}; expected less than ${crit} (${m[crit]}): a warning comes before the page`,
      });
    }
  }
});
/** What callers pass (defaults not yet applied): the plan's current `monitoring` section fits. */
export type MonitoringPlanSettingsInput = z.input<typeof MonitoringPlanSettingsSchema>;
export type MonitoringPlanSettings = z.output<typeof MonitoringPlanSettingsSchema>;

/** The plan's monitoring section, as a path prefix of its problems. */
const PLAN_MONITORING = ["plan", "monitoring"] as const;

/** The plan's monitoring section parsed (defaults applied), or every problem at `plan.monitoring.<key>`. */
export function checkMonitoringPlanSettings(raw: unknown): { value?: MonitoringPlanSettings; problems: Problem[] } {
  const result = MonitoringPlanSettingsSchema.safeParse(raw);
  return result.success ? { value: result.data, problems: [] } : { problems: zodProblems(result.error.issues, raw, MonitoringPlanSettingsSchema, PLAN_MONITORING) };
}

/** Every problem of the plan's monitoring section (empty when it is valid). */
export function monitoringPlanSettingsProblems(raw: unknown): Problem[] {
  return checkMonitoringPlanSettings(raw).problems;
}

/** Parses the plan's monitoring section; throws one {@link InputError} (source `plan monitoring settings`) listing every problem. */
export function parseMonitoringPlanSettings(raw: unknown): MonitoringPlanSettings {
  const { value, problems } = checkMonitoringPlanSettings(raw);
  throwIfProblems("plan monitoring settings", problems);
  return value!;
}

/** CloudWatch dimension name every tenant metric carries. */
export const TENANT_DIMENSION = "Tenant";

/** The platform's monitoring section (shared by all tenants; the same for every stack). */
export const MonitoringPlatformSchema = z.strictObject({
  namespace: z
    .string()
    .regex(/^[A-Za-z0-9./_#-]{1,255}$/, "1 to 255 letters, digits and . / _ # - (a namespace metric filters accept: no : * $)")
    .refine((n) => !n.startsWith("AWS/"), {
      error: (issue) => `got ${show(issue.input)}; namespaces starting with AWS/ are reserved for AWS services; expected a namespace of your own such as ControlCore/Tenants`,
    })
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

/** The platform's monitoring section parsed (defaults applied; absent is `{}`), or every problem at `platform.monitoring.<key>`. */
export function checkMonitoringPlatform(raw: unknown): { value?: MonitoringPlatform; problems: Problem[] } {
  const input = raw ?? {};
  const result = MonitoringPlatformSchema.safeParse(input);
  return result.success
    ? { value: result.data, problems: [] }
    : { problems: zodProblems(result.error.issues, input, MonitoringPlatformSchema, ["platform", "monitoring"]) };
}

/** Every problem of the platform's monitoring section (empty when it is valid). */
export function monitoringPlatformProblems(raw: unknown): Problem[] {
  return checkMonitoringPlatform(raw).problems;
}

/** Parses the platform's monitoring section; throws one {@link InputError} (source `platform monitoring settings`) listing every problem. */
export function parseMonitoringPlatform(raw: unknown): MonitoringPlatform {
  const { value, problems } = checkMonitoringPlatform(raw);
  throwIfProblems("platform monitoring settings", problems);
  return value!;
}
