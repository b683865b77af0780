/**
 * The tenant's log groups and the metric filters that turn its structured JSON logs into
 * CloudWatch metrics. Pure: names come from `naming.ts`, numbers from the plan.
 *
 * Isolation of metrics: CloudWatch Logs takes a metric filter's dimension values from fields of
 * the matched event (`$.tenant_id`), not from constants. Every pattern therefore also requires
 * `$.tenant_id = "<id>"`, so the only value the `Tenant` dimension can ever take is the tenant's
 * own ID: an event that names another tenant (a bug or a forgery in the tenant's log group)
 * matches no filter and publishes nothing under anyone's dimension.
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
 */
import type { TenantNames } from "../naming";
import { type RetentionDays, TENANT_DIMENSION, validateLogRetentionDays } from "./config";

/** The tenant's log groups by purpose. */
export const LOG_GROUP_KINDS = ["application", "audit"] as const;
export type LogGroupKind = (typeof LOG_GROUP_KINDS)[number];

/** A log group to create. */
export interface LogGroupSpec {
  readonly kind: LogGroupKind;
  /** Physical name: `<logGroupPrefix><kind>`. */
  readonly name: string;
  readonly retentionInDays: RetentionDays;
}

/** The tenant's log groups; throws when the retention is not one CloudWatch accepts. */
export function logGroupSpecs(names: TenantNames, retentionDays: number): LogGroupSpec[] {
  const retentionInDays = validateLogRetentionDays(retentionDays);
  return LOG_GROUP_KINDS.map((kind) => ({ kind, name: `${names.logGroupPrefix}${kind}`, retentionInDays }));
}

/** CloudWatch metric units used here. */
export type MetricUnit = "Count" | "Milliseconds" | "Bytes";

/** How one metric is derived from the tenant's log events. */
export interface LogMetricDefinition {
  /** Log group the events are in. */
  readonly logGroup: LogGroupKind;
  /** Pattern terms besides the tenant match, joined with `&&`. */
  readonly match: readonly string[];
  /** Value published per matched event: `1` or a numeric field of the event. */
  readonly value: string;
  readonly unit: MetricUnit;
  readonly description: string;
}

/**
 * The metrics derived from log events, by CloudWatch metric name. The event schema the
 * platform's services log (`event`, `level`, `status`, `latency_ms`, `decision`) is the contract.
 */
export const LOG_METRICS = {
  ApiCalls: {
    logGroup: "application",
    match: ['$.event = "api_call"'],
    value: "1",
    unit: "Count",
    description: "API calls the tenant made.",
  },
  ApiServerErrors: {
    logGroup: "application",
    match: ['$.event = "api_call"', "$.status >= 500"],
    value: "1",
    unit: "Count",
    description: "API calls answered with a 5xx status.",
  },
  RateLimited: {
    logGroup: "application",
    match: ['$.event = "api_call"', "$.status = 429"],
    value: "1",
    unit: "Count",
    description: "API calls refused by the rate limit (429).",
  },
  ApiLatency: {
    logGroup: "application",
    match: ['$.event = "api_call"', "$.latency_ms = *"],
    value: "$.latency_ms",
    unit: "Milliseconds",
    description: "Latency of each API call.",
  },
  Errors: {
    logGroup: "application",
    match: ['$.level = "ERROR"'],
    value: "1",
    unit: "Count",
    description: "Log events at level ERROR.",
  },
  PolicyEvaluations: {
    logGroup: "application",
    match: ['$.event = "policy_evaluation"'],
    value: "1",
    unit: "Count",
    description: "Policy evaluations.",
  },
  PolicyDenials: {
    logGroup: "application",
    match: ['$.event = "policy_evaluation"', '$.decision = "deny"'],
    value: "1",
    unit: "Count",
    description: "Policy evaluations that denied the request.",
  },
  PolicyEvaluationLatency: {
    logGroup: "application",
    match: ['$.event = "policy_evaluation"', "$.latency_ms = *"],
    value: "$.latency_ms",
    unit: "Milliseconds",
    description: "Latency of each policy evaluation.",
  },
  AuthFailures: {
    logGroup: "audit",
    match: ['$.event = "auth_failure"'],
    value: "1",
    unit: "Count",
    description: "Failed authentications (bad API key, expired or forged JWT).",
  },
  AccessDenied: {
    logGroup: "audit",
    match: ['$.event = "access_denied"'],
    value: "1",
    unit: "Count",
    description: "Requests refused by tenant isolation (RBAC, RLS, prefix or namespace checks).",
  },
} as const satisfies Record<string, LogMetricDefinition>;
export type LogMetricName = keyof typeof LOG_METRICS;

/**
 * Stored bytes of the tenant, published by the platform (not derived from logs). S3's
 * `BucketSizeBytes` is per bucket, not per prefix, so it cannot measure one tenant in the shared
 * bucket; the platform's storage job sums the tenant's prefix (S3 Inventory or ListObjectsV2)
 * and calls PutMetricData with the `Tenant` dimension at least hourly.
 */
export const STORAGE_METRIC = "TenantStorageBytes";
export type TenantMetricName = LogMetricName | typeof STORAGE_METRIC;

/** Bytes per GB as the plan's `storage_gb` is counted (GiB, as S3 billing counts a GB). */
export const BYTES_PER_GB = 1024 ** 3;

/** A metric filter to create. */
export interface MetricFilterSpec {
  /** Stable key for the logical name. */
  readonly key: string;
  /** Physical name: `<monitoringPrefix><metric>` (`cc-tenant-acme--api-calls`). */
  readonly name: string;
  readonly logGroup: LogGroupKind;
  readonly logGroupName: string;
  readonly pattern: string;
  readonly metricTransformation: {
    readonly name: LogMetricName;
    readonly namespace: string;
    readonly value: string;
    readonly unit: MetricUnit;
    /** Always `{ Tenant: "$.<tenantField>" }`; the pattern pins the field to the tenant's ID. */
    readonly dimensions: Readonly<Record<string, string>>;
  };
}

/** `ApiServerErrors` → `api-server-errors`. */
export function kebab(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

/** The JSON filter pattern of one metric for one tenant. */
export function filterPattern(tenantId: string, tenantField: string, def: LogMetricDefinition): string {
  return `{ ${[`$.${tenantField} = ${JSON.stringify(tenantId)}`, ...def.match].join(" && ")} }`;
}

/** Every metric filter of the tenant. */
export function metricFilterSpecs(names: TenantNames, namespace: string, tenantField: string): MetricFilterSpec[] {
  return (Object.keys(LOG_METRICS) as LogMetricName[]).map((metric) => {
    const def: LogMetricDefinition = LOG_METRICS[metric];
    return {
      key: kebab(metric),
      name: `${names.monitoringPrefix}${kebab(metric)}`,
      logGroup: def.logGroup,
      logGroupName: `${names.logGroupPrefix}${def.logGroup}`,
      pattern: filterPattern(names.id, tenantField, def),
      metricTransformation: {
        name: metric,
        namespace,
        value: def.value,
        unit: def.unit,
        dimensions: { [TENANT_DIMENSION]: `$.${tenantField}` },
      },
    };
  });
}
