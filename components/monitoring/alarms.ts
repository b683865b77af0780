/**
 * The tenant's alarms, derived from its plan: usage against the plan's limits (API calls and
 * policy evaluations per hour, storage), error rate and latency, each at a warning and a
 * critical level, and one composite alarm that pages when any critical alarm fires.
 *
 * Alarm-storm control: metric alarms carry no actions of their own; only the composite notifies,
 * so N critical alarms of one incident page once. Each metric alarm needs M of N breaching
 * periods (`datapointsToAlarm` of `evaluationPeriods`) so that one noisy period does not page,
 * and a platform-wide suppressor alarm can hold tenant pages while the platform itself is down.
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Composite_Alarm.html
 */
import type { PlanLimits } from "../../plans/schema";
import type { TenantNames } from "../naming";
import { type MonitoringAlertSettings, TENANT_DIMENSION } from "./config";
import { BYTES_PER_GB, STORAGE_METRIC, type TenantMetricName } from "./metrics";

export type AlarmLevel = "warning" | "critical";
export const ALARM_LEVELS: readonly AlarmLevel[] = ["warning", "critical"];
export type TreatMissingData = "missing" | "ignore" | "breaching" | "notBreaching";

/** What an alarm watches; also the stable part of its names. */
export const ALARM_SIGNALS = [
  "api-calls-per-hour",
  "policy-evaluations-per-hour",
  "storage",
  "error-rate",
  "latency-p95",
  "latency-p99",
] as const;
export type AlarmSignal = (typeof ALARM_SIGNALS)[number];

/** The plan settings alarms are derived from. */
export interface AlarmInputs {
  readonly names: TenantNames;
  readonly namespace: string;
  readonly limits: Pick<PlanLimits, "api_calls_per_hour" | "policy_evaluations_per_hour" | "storage_gb">;
  readonly alerts: MonitoringAlertSettings;
}

/** Warning and critical thresholds of one signal, in the signal's unit. */
export interface Thresholds {
  readonly warning: number;
  readonly critical: number;
  /** Unit shown to people: `calls/h`, `GiB`, `%`, `ms`. */
  readonly unit: string;
}

/** Seconds per evaluation period of the rate alarms. */
export const RATE_PERIOD = 300;
/** Fewest API calls in a period for the error rate to count (1 failure in 2 calls is not an incident). */
export const MIN_CALLS_FOR_ERROR_RATE = 10;

/** The error rate in percent, from the metric IDs `errors` (5xx) and `calls`; shared by the alarm and the dashboard. */
export const ERROR_RATE_EXPRESSION = `IF(calls >= ${MIN_CALLS_FOR_ERROR_RATE}, 100 * FILL(errors, 0) / calls, 0)`;

/** Every signal's thresholds, in the unit a person reads (storage in GiB). Dashboards draw these. */
export function alarmThresholds(i: AlarmInputs): Record<AlarmSignal, Thresholds> {
  const pct = i.alerts.usage_warning_percent;
  // Integer arithmetic first: 3 × 80 / 100 is 2.4, 3 × 0.8 is 2.4000000000000004.
  const usage = (limit: number, unit: string): Thresholds => ({ warning: Math.ceil((limit * pct) / 100), critical: limit, unit });
  return {
    "api-calls-per-hour": usage(i.limits.api_calls_per_hour, "calls/h"),
    "policy-evaluations-per-hour": usage(i.limits.policy_evaluations_per_hour, "evaluations/h"),
    storage: { warning: (i.limits.storage_gb * pct) / 100, critical: i.limits.storage_gb, unit: "GiB" },
    "error-rate": { warning: i.alerts.error_rate_warning_percent, critical: i.alerts.error_rate_critical_percent, unit: "%" },
    "latency-p95": { warning: i.alerts.latency_p95_warning_ms, critical: i.alerts.latency_p95_critical_ms, unit: "ms" },
    "latency-p99": { warning: i.alerts.latency_p99_warning_ms, critical: i.alerts.latency_p99_critical_ms, unit: "ms" },
  };
}

/** One query of a metric-math alarm (the shape of `aws.cloudwatch.MetricAlarm` `metricQueries`). */
export interface AlarmQuery {
  readonly id: string;
  readonly label?: string;
  readonly expression?: string;
  readonly returnData: boolean;
  readonly metric?: {
    readonly namespace: string;
    readonly metricName: TenantMetricName;
    readonly dimensions: Readonly<Record<string, string>>;
    readonly period: number;
    readonly stat: string;
  };
}

/** The arguments of one `aws.cloudwatch.MetricAlarm`, plain and checked. */
export interface MetricAlarmSpec {
  readonly signal: AlarmSignal;
  readonly level: AlarmLevel;
  /** Stable key for the logical name: `<signal>-<level>`. */
  readonly key: string;
  /** Physical name: `<monitoringPrefix><signal>-<level>` (`cc-tenant-acme--storage-critical`). */
  readonly name: string;
  readonly alarmDescription: string;
  readonly comparisonOperator: "GreaterThanOrEqualToThreshold" | "GreaterThanThreshold";
  /** In the metric's unit (storage in bytes); {@link alarmThresholds} has the readable value. */
  readonly threshold: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: TreatMissingData;
  /** Why `treatMissingData` is what it is (goes into the description). */
  readonly missingDataReason: string;
  readonly namespace?: string;
  readonly metricName?: TenantMetricName;
  readonly dimensions?: Readonly<Record<string, string>>;
  readonly period?: number;
  readonly statistic?: string;
  readonly extendedStatistic?: string;
  readonly evaluateLowSampleCountPercentiles?: "ignore" | "evaluate";
  readonly metricQueries?: readonly AlarmQuery[];
}

/** How one signal is measured; the builder adds names, levels and thresholds. */
type SignalShape = Omit<MetricAlarmSpec, "signal" | "level" | "key" | "name" | "alarmDescription" | "threshold">;

const NO_TRAFFIC = "no data means no traffic in the period, which is not a breach";

function signalShapes(i: AlarmInputs): Record<AlarmSignal, SignalShape> {
  const dimensions = { [TENANT_DIMENSION]: i.names.id };
  const metric = (metricName: TenantMetricName, stat: string, period = RATE_PERIOD) => ({
    namespace: i.namespace,
    metricName,
    dimensions,
    period,
    stat,
  });
  const perHour = (metricName: TenantMetricName, label: string): SignalShape => ({
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    treatMissingData: "notBreaching",
    missingDataReason: NO_TRAFFIC,
    metricQueries: [
      { id: "count", returnData: false, metric: metric(metricName, "Sum") },
      // The hourly rate the last 5 minutes project: 3 of 5 such periods at the level means a
      // sustained pace, not a burst, and fires within 15 minutes instead of after the hour.
      { id: "per_hour", label, expression: `count * ${3600 / RATE_PERIOD}`, returnData: true },
    ],
  });
  const latency = (p: string): SignalShape => ({
    comparisonOperator: "GreaterThanThreshold",
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    treatMissingData: "notBreaching",
    missingDataReason: NO_TRAFFIC,
    namespace: i.namespace,
    metricName: "ApiLatency",
    dimensions,
    period: RATE_PERIOD,
    extendedStatistic: p,
    // A percentile of a handful of requests is noise: keep the state until there are enough.
    evaluateLowSampleCountPercentiles: "ignore",
  });
  return {
    "api-calls-per-hour": perHour("ApiCalls", "API calls per hour (projected)"),
    "policy-evaluations-per-hour": perHour("PolicyEvaluations", "Policy evaluations per hour (projected)"),
    storage: {
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: "ignore",
      missingDataReason:
        "the platform publishes storage hourly; a missed measurement must neither clear an over-quota alarm nor raise one",
      namespace: i.namespace,
      metricName: STORAGE_METRIC,
      dimensions,
      period: 3600,
      statistic: "Maximum",
    },
    "error-rate": {
      comparisonOperator: "GreaterThanThreshold",
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: "notBreaching",
      missingDataReason: NO_TRAFFIC,
      metricQueries: [
        { id: "errors", returnData: false, metric: metric("ApiServerErrors", "Sum") },
        { id: "calls", returnData: false, metric: metric("ApiCalls", "Sum") },
        {
          id: "rate",
          label: "API error rate (%)",
          expression: ERROR_RATE_EXPRESSION,
          returnData: true,
        },
      ],
    },
    "latency-p95": latency("p95"),
    "latency-p99": latency("p99"),
  };
}

/** Every problem of one alarm spec (CloudWatch's own limits and our consistency rules). */
export function alarmProblems(a: MetricAlarmSpec): string[] {
  const p: string[] = [];
  const period = a.period ?? Math.max(...(a.metricQueries ?? []).map((q) => q.metric?.period ?? 0));
  if (a.datapointsToAlarm < 1 || a.datapointsToAlarm > a.evaluationPeriods) {
    p.push(`${a.name}: datapointsToAlarm ${a.datapointsToAlarm} must be 1..evaluationPeriods (${a.evaluationPeriods})`);
  }
  if (period * a.evaluationPeriods > 86_400) {
    p.push(`${a.name}: period ${period} s × ${a.evaluationPeriods} periods exceeds CloudWatch's one-day evaluation range`);
  }
  if (!(a.threshold > 0) || !Number.isFinite(a.threshold)) p.push(`${a.name}: threshold must be a positive number, got ${a.threshold}`);
  const usesMath = a.metricQueries !== undefined;
  if (usesMath === (a.metricName !== undefined)) p.push(`${a.name}: needs exactly one of metricName or metricQueries`);
  if (usesMath && a.metricQueries!.filter((q) => q.returnData).length !== 1) p.push(`${a.name}: exactly one query must return data`);
  if (a.name.length > 255) p.push(`${a.name}: alarm names are at most 255 characters`);
  return p;
}

/** The tenant's metric alarms: one warning and one critical per signal, validated. */
export function metricAlarmSpecs(i: AlarmInputs): MetricAlarmSpec[] {
  const thresholds = alarmThresholds(i);
  const shapes = signalShapes(i);
  const specs: MetricAlarmSpec[] = [];
  const problems: string[] = [];
  for (const signal of ALARM_SIGNALS) {
    const t = thresholds[signal];
    if (t.warning >= t.critical) problems.push(`${signal}: warning (${t.warning} ${t.unit}) must be below critical (${t.critical} ${t.unit})`);
    for (const level of ALARM_LEVELS) {
      const shape = shapes[signal];
      const readable = t[level];
      const threshold = signal === "storage" ? Math.round(readable * BYTES_PER_GB) : readable;
      const name = `${i.names.monitoringPrefix}${signal}-${level}`;
      const spec: MetricAlarmSpec = {
        ...shape,
        signal,
        level,
        key: `${signal}-${level}`,
        name,
        threshold,
        alarmDescription:
          `Tenant ${i.names.id}: ${signal} ${shape.comparisonOperator === "GreaterThanThreshold" ? ">" : ">="} ${readable} ${t.unit} ` +
          `(${level}) in ${shape.datapointsToAlarm} of ${shape.evaluationPeriods} periods. ` +
          `Missing data: ${shape.treatMissingData}, because ${shape.missingDataReason}.`,
      };
      problems.push(...alarmProblems(spec));
      specs.push(spec);
    }
  }
  if (problems.length > 0) throw new Error(`invalid alarms for tenant ${i.names.id}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  return specs;
}

/** The composite alarm that pages. */
export interface CompositeAlarmSpec {
  readonly key: "critical";
  readonly name: string;
  readonly alarmDescription: string;
  readonly alarmRule: string;
  readonly actionsSuppressor?: { readonly alarm: string; readonly waitPeriod: number; readonly extensionPeriod: number };
}

/** Seconds the composite waits for the suppressor to go into ALARM, and after it leaves ALARM. */
export const SUPPRESSOR_WAIT_PERIOD = 120;
export const SUPPRESSOR_EXTENSION_PERIOD = 300;

/**
 * The paging composite: ALARM when any critical metric alarm is in ALARM. Warnings never page;
 * they show on the dashboards. With a suppressor, pages wait while the platform-wide alarm fires.
 */
export function pagingCompositeSpec(names: TenantNames, alarms: readonly MetricAlarmSpec[], suppressor?: string): CompositeAlarmSpec {
  const critical = alarms.filter((a) => a.level === "critical");
  if (critical.length === 0) throw new Error(`tenant ${names.id}: a paging composite needs at least one critical alarm`);
  const alarmRule = critical.map((a) => `ALARM(${JSON.stringify(a.name)})`).join(" OR ");
  if (alarmRule.length > 10_240) throw new Error(`tenant ${names.id}: composite alarm rule is ${alarmRule.length} characters; at most 10240`);
  return {
    key: "critical",
    name: `${names.monitoringPrefix}critical`,
    alarmDescription: `Tenant ${names.id}: pages when any critical alarm fires (${critical.map((a) => a.signal).join(", ")}).`,
    alarmRule,
    ...(suppressor === undefined
      ? {}
      : { actionsSuppressor: { alarm: suppressor, waitPeriod: SUPPRESSOR_WAIT_PERIOD, extensionPeriod: SUPPRESSOR_EXTENSION_PERIOD } }),
  };
}

/** ARN of an alarm from its name (alarm ARNs are not random, so dashboards can name them). */
export function alarmArn(region: string, accountId: string, name: string): string {
  return `arn:aws:cloudwatch:${region}:${accountId}:alarm:${name}`;
}
