/**
 * The spec's tenant dashboards (Overview, Performance, Security) as typed CloudWatch dashboard
 * bodies. Pure: the same inputs always give the same bodies, and every body passes
 * {@link validateDashboard} before it leaves this module.
 *
 * Isolation: every metric row names the `Tenant` dimension with the tenant's ID, and every log
 * widget queries only the tenant's own log groups (and filters on the tenant field besides).
 */
import type { Plan, PlanLimits } from "../../plans/schema";
import type { TenantNames } from "../naming";
import { type AlarmSignal, alarmThresholds, ERROR_RATE_EXPRESSION, type Thresholds } from "./alarms";
import type { MonitoringAlertSettings } from "./config";
import { TENANT_DIMENSION } from "./config";
import {
  bodyHeight,
  type DashboardBody,
  type DashboardSpec,
  type HorizontalAnnotation,
  type LogWidget,
  type MetricOptions,
  type MetricRow,
  type MetricsRow,
  type MetricWidget,
  type TextWidget,
  validateDashboard,
  type Widget,
} from "./dashboard-model";
import { BYTES_PER_GB, type LogGroupKind, STORAGE_METRIC, type TenantMetricName } from "./metrics";

/** Everything the dashboards are built from. */
export interface DashboardInputs {
  readonly names: TenantNames;
  readonly planName: string;
  readonly region: string;
  readonly namespace: string;
  readonly tenantField: string;
  readonly limits: Pick<PlanLimits, "api_calls_per_hour" | "policy_evaluations_per_hour" | "storage_gb">;
  readonly rateLimiting: Pick<Plan["rate_limiting"], "requests_per_minute" | "burst_limit">;
  readonly alerts: MonitoringAlertSettings;
  readonly logRetentionDays: number;
  /** ARNs of the tenant's alarms, for the alarm status widget. */
  readonly alarmArns: readonly string[];
}

export const DASHBOARD_KINDS = ["overview", "performance", "security"] as const;
export type DashboardKind = (typeof DASHBOARD_KINDS)[number];
export type DashboardLayout = "separate" | "combined";

const WARNING_COLOR = "#ff7f0e";
const CRITICAL_COLOR = "#d62728";
const INFO_COLOR = "#1f77b4";

/** `12345` → `12,345`, the same on every machine (no locale). */
export function formatNumber(n: number): string {
  const [int, frac] = String(n).split(".");
  return int!.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (frac ? `.${frac}` : "");
}

function row(i: DashboardInputs, metric: TenantMetricName, options: MetricOptions): MetricRow {
  return [i.namespace, metric, TENANT_DIMENSION, i.names.id, options];
}

/** Warning and critical lines of one alarm signal. */
function thresholdLines(t: Thresholds, what = ""): HorizontalAnnotation[] {
  const prefix = what ? `${what} ` : "";
  return [
    { label: `${prefix}warning ${formatNumber(t.warning)} ${t.unit}`, value: t.warning, color: WARNING_COLOR },
    { label: `${prefix}critical ${formatNumber(t.critical)} ${t.unit}`, value: t.critical, color: CRITICAL_COLOR },
  ];
}

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

function graph(
  i: DashboardInputs,
  box: Box,
  title: string,
  metrics: readonly MetricsRow[],
  o: { period: number; annotations?: HorizontalAnnotation[]; yLabel?: string; stacked?: boolean },
): MetricWidget {
  return {
    type: "metric",
    ...box,
    properties: {
      title,
      region: i.region,
      view: "timeSeries",
      stacked: o.stacked ?? false,
      period: o.period,
      metrics,
      ...(o.annotations ? { annotations: { horizontal: o.annotations } } : {}),
      yAxis: { left: { min: 0, ...(o.yLabel ? { label: o.yLabel, showUnits: false } : {}) } },
    },
  };
}

function logTable(i: DashboardInputs, box: Box, title: string, group: LogGroupKind, pipeline: readonly string[]): LogWidget {
  const source = `SOURCE '${i.names.logGroupPrefix}${group}'`;
  const tenantFilter = `filter ${i.tenantField} = ${JSON.stringify(i.names.id)}`;
  return {
    type: "log",
    ...box,
    properties: { title, region: i.region, view: "table", query: [source, tenantFilter, ...pipeline].join(" | ") },
  };
}

function header(i: DashboardInputs, y: number, section: string, lines: readonly string[]): TextWidget {
  return {
    type: "text",
    x: 0,
    y,
    width: 24,
    height: 2,
    properties: { markdown: [`# Tenant ${i.names.id} · ${section}`, ...lines].join("\n") },
  };
}

function summary(i: DashboardInputs): string {
  return (
    `Plan **${i.planName}** · ${formatNumber(i.limits.api_calls_per_hour)} API calls/h · ` +
    `${formatNumber(i.limits.policy_evaluations_per_hour)} policy evaluations/h · ${formatNumber(i.limits.storage_gb)} GiB storage · ` +
    `logs kept ${i.logRetentionDays} days`
  );
}

function overviewWidgets(i: DashboardInputs, t: Record<AlarmSignal, Thresholds>): Widget[] {
  return [
    header(i, 0, "Overview", [summary(i)]),
    graph(i, { x: 0, y: 2, width: 12, height: 6 }, "API calls per hour vs plan quota", [row(i, "ApiCalls", { stat: "Sum", label: "API calls" })], {
      period: 3600,
      annotations: thresholdLines(t["api-calls-per-hour"]),
    }),
    graph(
      i,
      { x: 12, y: 2, width: 12, height: 6 },
      "Policy evaluations per hour vs plan quota",
      [row(i, "PolicyEvaluations", { stat: "Sum", label: "Policy evaluations" })],
      { period: 3600, annotations: thresholdLines(t["policy-evaluations-per-hour"]) },
    ),
    graph(
      i,
      { x: 0, y: 8, width: 8, height: 6 },
      "API error rate (%)",
      [
        row(i, "ApiServerErrors", { stat: "Sum", label: "5xx responses", id: "errors", visible: false }),
        row(i, "ApiCalls", { stat: "Sum", label: "API calls", id: "calls", visible: false }),
        [{ expression: ERROR_RATE_EXPRESSION, label: "Error rate (%)", id: "rate" }],
      ],
      { period: 300, annotations: thresholdLines(t["error-rate"]), yLabel: "%" },
    ),
    graph(
      i,
      { x: 8, y: 8, width: 8, height: 6 },
      "Storage (GiB) vs plan allowance",
      [
        row(i, STORAGE_METRIC, { stat: "Maximum", label: "Stored bytes", id: "bytes", visible: false }),
        [{ expression: `bytes / ${BYTES_PER_GB}`, label: "Storage (GiB)", id: "gib" }],
      ],
      { period: 3600, annotations: thresholdLines(t.storage), yLabel: "GiB" },
    ),
    {
      type: "alarm",
      x: 16,
      y: 8,
      width: 8,
      height: 6,
      properties: { title: "Alarm status", alarms: [...i.alarmArns], sortBy: "stateUpdatedTimestamp" },
    },
    logTable(i, { x: 0, y: 14, width: 24, height: 6 }, "Recent errors", "application", [
      'filter level = "ERROR"',
      "fields @timestamp, event, status, message",
      "sort @timestamp desc",
      "limit 50",
    ]),
  ];
}

function performanceWidgets(i: DashboardInputs, t: Record<AlarmSignal, Thresholds>): Widget[] {
  const percentiles = (metric: TenantMetricName, what: string): MetricRow[] =>
    ["p50", "p95", "p99"].map((p) => row(i, metric, { stat: p, label: `${what} ${p}` }));
  return [
    header(i, 0, "Performance", ["Latency percentiles, throughput and errors of the tenant's API and policy engine."]),
    graph(i, { x: 0, y: 2, width: 12, height: 6 }, "API latency (ms)", percentiles("ApiLatency", "API"), {
      period: 300,
      annotations: [...thresholdLines(t["latency-p95"], "p95"), ...thresholdLines(t["latency-p99"], "p99")],
      yLabel: "ms",
    }),
    graph(
      i,
      { x: 12, y: 2, width: 12, height: 6 },
      "Policy evaluation latency (ms)",
      percentiles("PolicyEvaluationLatency", "Evaluation"),
      { period: 300, yLabel: "ms" },
    ),
    graph(
      i,
      { x: 0, y: 8, width: 12, height: 6 },
      "Throughput per minute",
      [row(i, "ApiCalls", { stat: "Sum", label: "API calls" }), row(i, "PolicyEvaluations", { stat: "Sum", label: "Policy evaluations" })],
      { period: 60 },
    ),
    graph(
      i,
      { x: 12, y: 8, width: 12, height: 6 },
      "Errors per 5 minutes",
      [row(i, "ApiServerErrors", { stat: "Sum", label: "5xx responses" }), row(i, "Errors", { stat: "Sum", label: "ERROR log events" })],
      { period: 300, stacked: true },
    ),
    logTable(i, { x: 0, y: 14, width: 24, height: 6 }, "Slowest API calls", "application", [
      'filter event = "api_call"',
      "fields @timestamp, latency_ms, status, message",
      "sort latency_ms desc",
      "limit 20",
    ]),
  ];
}

function securityWidgets(i: DashboardInputs): Widget[] {
  const rate = i.rateLimiting;
  return [
    header(i, 0, "Security", [
      `Authentication failures, isolation refusals and policy denials · edge limit ${formatNumber(rate.requests_per_minute)} requests/min (burst ${formatNumber(rate.burst_limit)})`,
    ]),
    graph(i, { x: 0, y: 2, width: 8, height: 6 }, "Authentication failures", [row(i, "AuthFailures", { stat: "Sum", label: "Auth failures" })], {
      period: 300,
    }),
    graph(
      i,
      { x: 8, y: 2, width: 8, height: 6 },
      "Refused by tenant isolation",
      [row(i, "AccessDenied", { stat: "Sum", label: "Access denied" })],
      { period: 300 },
    ),
    graph(i, { x: 16, y: 2, width: 8, height: 6 }, "Policy denials", [row(i, "PolicyDenials", { stat: "Sum", label: "Deny decisions" })], {
      period: 300,
    }),
    graph(
      i,
      { x: 0, y: 8, width: 12, height: 6 },
      "Requests per minute vs edge rate limit",
      [row(i, "ApiCalls", { stat: "Sum", label: "API calls" }), row(i, "RateLimited", { stat: "Sum", label: "Refused (429)" })],
      {
        period: 60,
        annotations: [
          { label: `rate limit ${formatNumber(rate.requests_per_minute)}/min`, value: rate.requests_per_minute, color: WARNING_COLOR },
          { label: `burst limit ${formatNumber(rate.burst_limit)}`, value: rate.burst_limit, color: INFO_COLOR },
        ],
      },
    ),
    logTable(i, { x: 12, y: 8, width: 12, height: 6 }, "Recent security events", "audit", [
      'filter event in ["auth_failure", "access_denied"]',
      "fields @timestamp, event, principal, reason",
      "sort @timestamp desc",
      "limit 50",
    ]),
  ];
}

const TITLES: Record<DashboardKind, string> = { overview: "Overview", performance: "Performance", security: "Security" };

function body(widgets: readonly Widget[]): DashboardBody {
  return { start: "-PT3H", periodOverride: "inherit", widgets };
}

/** The widgets of one dashboard kind. */
export function dashboardWidgets(i: DashboardInputs, kind: DashboardKind): Widget[] {
  const t = alarmThresholds({ names: i.names, namespace: i.namespace, limits: i.limits, alerts: i.alerts });
  if (kind === "overview") return overviewWidgets(i, t);
  if (kind === "performance") return performanceWidgets(i, t);
  return securityWidgets(i);
}

/** Moves widgets down by `dy` rows. */
function shift(widgets: readonly Widget[], dy: number): Widget[] {
  return widgets.map((w) => ({ ...w, y: w.y + dy }));
}

/**
 * The tenant's dashboards: three (`separate`) or one with the three sections stacked
 * (`combined`, a third of the cost and of the count against a dashboard quota).
 */
export function tenantDashboards(i: DashboardInputs, layout: DashboardLayout = "separate"): DashboardSpec[] {
  if (layout === "separate") {
    return DASHBOARD_KINDS.map((kind) =>
      validateDashboard({
        key: kind,
        title: `${i.names.id} · ${TITLES[kind]}`,
        name: `${i.names.monitoringPrefix}${kind}`,
        body: body(dashboardWidgets(i, kind)),
      }),
    );
  }
  let y = 0;
  const widgets: Widget[] = [];
  for (const kind of DASHBOARD_KINDS) {
    const section = dashboardWidgets(i, kind);
    widgets.push(...shift(section, y));
    y += bodyHeight(body(section));
  }
  return [validateDashboard({ key: "all", title: `${i.names.id} · Overview, Performance, Security`, name: `${i.names.monitoringPrefix}all`, body: body(widgets) })];
}
