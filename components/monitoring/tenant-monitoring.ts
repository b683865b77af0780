/**
 * TenantMonitoring: the tenant's own logs, metrics, dashboards and alarms (the spec's
 * "Monitoring Isolation"). Every name comes from `naming.ts`; every document from the pure
 * builders beside this file; this component only wires them to resources.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Plan, PlanLimits } from "../../plans/schema";
import { InputError, type Problem, show } from "../errors";
import type { TenantNames } from "../naming";
import { metricAlarmSpecs, pagingCompositeSpec } from "./alarms";
import {
  type MonitoringPlanSettingsInput,
  type MonitoringPlatformInput,
  MonitoringAlertSettingsSchema,
  checkMonitoringPlanSettings,
  monitoringPlatformProblems,
  parseMonitoringPlanSettings,
  parseMonitoringPlatform,
} from "./config";
import { type DashboardInputs, tenantDashboards } from "./dashboards";
import { LOG_GROUP_KINDS, type LogGroupKind, logGroupSpecs, metricFilterSpecs } from "./metrics";
import { alarmTopicPolicy } from "./policies";

/** The tag that names the tenant on every taggable resource. */
export const TENANT_TAG = "controlcore:tenant";

export interface TenantMonitoringArgs {
  /** The tenant's physical names (`tenantNames(id)`); decide every log group, alarm and dashboard name. */
  readonly names: TenantNames;
  /** The plan's name, shown on the dashboards. */
  readonly planName: string;
  /** The plan's limits; the usage alarms and dashboard annotations are derived from them. */
  readonly limits: Pick<PlanLimits, "api_calls_per_hour" | "policy_evaluations_per_hour" | "storage_gb">;
  /** The plan's edge rate limits, drawn on the Security dashboard. */
  readonly rateLimiting: Pick<Plan["rate_limiting"], "requests_per_minute" | "burst_limit">;
  /**
   * The plan's `monitoring` section: `log_retention_days` (one of CloudWatch's accepted values)
   * and the alert thresholds of {@link MonitoringAlertSettingsSchema} (defaults apply when absent).
   */
  readonly monitoring: MonitoringPlanSettingsInput;
  /**
   * The platform's monitoring section (namespace, tenant log field, dashboard layout, suppressor).
   * @default `MonitoringPlatformSchema` defaults: namespace `ControlCore/Tenants`, field `tenant_id`, `separate` dashboards, no suppressor.
   */
  readonly platform?: MonitoringPlatformInput;
  /**
   * Region the resources are created in (the AWS provider's region); dashboard widgets query it.
   * Must match the provider's region, or the dashboards show another region's (empty) metrics.
   */
  readonly region: string;
  /**
   * ARN of the tenant's KMS key. Encrypts the log groups and the alarm topic.
   * Security: the key policy must allow `logs.<region>.amazonaws.com` (bound to this tenant's log
   * groups) and `cloudwatch.amazonaws.com` (bound to this tenant's paging alarm); see
   * `monitoringKeyPolicyStatements` in `policies.ts`. CloudWatch Logs needs a key ARN, not an alias.
   */
  readonly kmsKeyArn: pulumi.Input<string>;
  /**
   * Tags of every taggable resource; must contain `controlcore:tenant` = the tenant ID.
   * Security: the tag is how cost, ABAC and audits attribute a resource to its tenant.
   */
  readonly tags: Record<string, string>;
}

/**
 * Where each argument comes from, as a problem path: the user's config keys for what a user
 * sets (TenantStack passes the s3 platform section's region), the argument's name for what the
 * program derives (the tenant key ARN from TenantIdentity, the tags from `tenantTags`).
 */
export const TENANT_MONITORING_PATHS = {
  region: "platform.s3.region",
  kmsKeyArn: "kmsKeyArn",
  tenantTag: `tags.${TENANT_TAG}`,
  limits: "plan.limits",
  usageWarningPercent: "plan.monitoring.usage_warning_percent",
} as const;

/** The plan limits the usage alarms are derived from. */
const USAGE_LIMITS = ["api_calls_per_hour", "policy_evaluations_per_hour", "storage_gb"] as const;

/** The smallest whole limit whose warning level (`ceil(limit × percent / 100)`, as the alarms compute it) is below the limit. */
export function smallestLimitWithWarning(percent: number): number {
  let limit = 1;
  while (Math.ceil((limit * percent) / 100) >= limit) limit++;
  return limit;
}

/**
 * Every problem of the arguments (empty when they are valid), at the user's config keys
 * (`plan.monitoring.<key>`, `plan.limits.<key>`, `platform.monitoring.<key>`,
 * `platform.s3.region`) or, for what the program derives, the argument's name. Checks everything
 * the constructor would otherwise refuse after registering: the plan's monitoring section, the
 * platform's, the limits the alarms are derived from, the region, the tenant tag, and the key
 * ARN when it is a plain string. Pure.
 */
export function tenantMonitoringProblems(args: TenantMonitoringArgs): Problem[] {
  const P = TENANT_MONITORING_PATHS;
  const problems: Problem[] = [];
  if (typeof args.region !== "string" || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(args.region)) {
    problems.push({ path: P.region, message: `got ${show(args.region)}; expected an AWS region name such as us-east-1` });
  }
  problems.push(...checkMonitoringPlanSettings(args.monitoring).problems, ...monitoringPlatformProblems(args.platform));
  // The warning percentage, also when another key of the section is wrong (all problems at once).
  const rawPercent = (args.monitoring as { usage_warning_percent?: unknown } | undefined)?.usage_warning_percent;
  const percent = MonitoringAlertSettingsSchema.shape.usage_warning_percent.safeParse(rawPercent);
  const pct = percent.success ? percent.data : undefined;
  for (const key of USAGE_LIMITS) {
    const limit: unknown = args.limits?.[key];
    const path = `${P.limits}.${key}`;
    if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1) {
      problems.push({ path, message: `got ${show(limit)}; expected a positive whole number` });
      continue;
    }
    // Storage thresholds are fractional GiB; the per-hour ones are rounded up to whole calls.
    if (key !== "storage_gb" && pct !== undefined && Math.ceil((limit * pct) / 100) >= limit) {
      problems.push({
        path,
        message:
          `got ${limit}: at ${P.usageWarningPercent} ${pct} the warning level (${Math.ceil((limit * pct) / 100)}) is not below the critical level (${limit}); ` +
          `expected at least ${smallestLimitWithWarning(pct)}, or a lower usage_warning_percent`,
      });
    }
  }
  if (args.tags?.[TENANT_TAG] !== args.names.id) {
    problems.push({ path: P.tenantTag, message: `got ${show(args.tags?.[TENANT_TAG])}; expected the tenant ID ${show(args.names.id)}` });
  }
  if (typeof args.kmsKeyArn === "string") {
    const m = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\/[A-Za-z0-9-]+$/.exec(args.kmsKeyArn);
    if (!m) {
      problems.push({
        path: P.kmsKeyArn,
        message: `got ${show(args.kmsKeyArn)}; expected a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>): CloudWatch Logs refuses aliases and key IDs`,
      });
    } else if (m[1] !== args.region) {
      problems.push({
        path: P.kmsKeyArn,
        message: `got a key in ${m[1]}; expected a key in ${args.region}, the log groups' region (CloudWatch Logs needs a key in the same region)`,
      });
    }
  }
  return problems;
}

/** The 12-digit account of an ARN; throws on anything else. */
function accountOf(arn: string): string {
  const account = arn.split(":")[4] ?? "";
  if (!/^\d{12}$/.test(account)) throw new Error(`cannot read an account ID from ARN ${JSON.stringify(arn)}`);
  return account;
}

export class TenantMonitoring extends pulumi.ComponentResource {
  /** Log group names by kind (`application`, `audit`). */
  readonly logGroupNames: Record<LogGroupKind, pulumi.Output<string>>;
  /** ARN of the tenant's alarm topic (subscribe on-call endpoints here). */
  readonly topicArn: pulumi.Output<string>;
  /** ARN of the composite alarm that pages. */
  readonly pagingAlarmArn: pulumi.Output<string>;
  /** Names of the tenant's dashboards. */
  readonly dashboardNames: pulumi.Output<string>[];
  /** Names of the metric alarms (warning and critical). */
  readonly alarmNames: string[];

  constructor(name: string, args: TenantMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before anything is registered: bad input must not leave half a tenant behind,
    // and every problem is reported at once.
    const problems = tenantMonitoringProblems(args);
    if (problems.length > 0) throw new InputError(`TenantMonitoring ${name} arguments`, problems);
    // Valid from here: these only apply the defaults.
    const monitoring = parseMonitoringPlanSettings(args.monitoring);
    const platform = parseMonitoringPlatform(args.platform);
    super("controlcore:monitoring:TenantMonitoring", name, {}, opts);
    const { names, tags, region } = args;
    const child = { parent: this };

    // 1. Log groups, encrypted with the tenant key, retention from the plan.
    const logGroups = {} as Record<LogGroupKind, aws.cloudwatch.LogGroup>;
    for (const spec of logGroupSpecs(names, monitoring.log_retention_days)) {
      logGroups[spec.kind] = new aws.cloudwatch.LogGroup(
        `${name}-logs-${spec.kind}`,
        { name: spec.name, retentionInDays: spec.retentionInDays, kmsKeyId: args.kmsKeyArn, tags },
        child,
      );
    }
    this.logGroupNames = Object.fromEntries(LOG_GROUP_KINDS.map((k) => [k, logGroups[k].name])) as Record<LogGroupKind, pulumi.Output<string>>;

    // 2. Metric filters: every metric carries the Tenant dimension, pinned to this tenant.
    for (const f of metricFilterSpecs(names, platform.namespace, platform.tenantField)) {
      new aws.cloudwatch.LogMetricFilter(
        `${name}-filter-${f.key}`,
        {
          name: f.name,
          logGroupName: logGroups[f.logGroup].name,
          pattern: f.pattern,
          metricTransformation: { ...f.metricTransformation, dimensions: { ...f.metricTransformation.dimensions } },
        },
        child,
      );
    }

    // 3. The alarm topic, encrypted with the tenant key; only the paging alarm may publish.
    const topic = new aws.sns.Topic(`${name}-alarm-topic`, { name: `${names.monitoringPrefix}alarms`, kmsMasterKeyId: args.kmsKeyArn, tags }, child);
    new aws.sns.TopicPolicy(
      `${name}-alarm-topic-policy`,
      {
        arn: topic.arn,
        policy: topic.arn.apply((topicArn) => JSON.stringify(alarmTopicPolicy({ names, region, accountId: accountOf(topicArn), topicArn }))),
      },
      child,
    );
    this.topicArn = topic.arn;

    // 4. Alarms: metric alarms without actions; one composite pages through the topic.
    const alarmSpecs = metricAlarmSpecs({ names, namespace: platform.namespace, limits: args.limits, alerts: monitoring });
    const alarms = alarmSpecs.map((a) => {
      const common = {
        name: a.name,
        alarmDescription: a.alarmDescription,
        comparisonOperator: a.comparisonOperator,
        threshold: a.threshold,
        evaluationPeriods: a.evaluationPeriods,
        datapointsToAlarm: a.datapointsToAlarm,
        treatMissingData: a.treatMissingData,
        tags,
      };
      const measured = a.metricQueries
        ? { metricQueries: a.metricQueries.map((q) => ({ ...q, metric: q.metric && { ...q.metric, dimensions: { ...q.metric.dimensions } } })) }
        : {
            namespace: a.namespace,
            metricName: a.metricName,
            dimensions: { ...a.dimensions },
            period: a.period,
            statistic: a.statistic,
            extendedStatistic: a.extendedStatistic,
            evaluateLowSampleCountPercentiles: a.evaluateLowSampleCountPercentiles,
          };
      return new aws.cloudwatch.MetricAlarm(`${name}-alarm-${a.key}`, { ...common, ...measured }, child);
    });
    this.alarmNames = alarmSpecs.map((a) => a.name);

    const composite = pagingCompositeSpec(names, alarmSpecs, platform.pagingSuppressorAlarm);
    const paging = new aws.cloudwatch.CompositeAlarm(
      `${name}-alarm-${composite.key}`,
      {
        alarmName: composite.name,
        alarmDescription: composite.alarmDescription,
        alarmRule: composite.alarmRule,
        actionsEnabled: true,
        alarmActions: [topic.arn],
        okActions: [topic.arn],
        ...(composite.actionsSuppressor ? { actionsSuppressor: { ...composite.actionsSuppressor } } : {}),
        tags,
      },
      // The rule names the metric alarms; they must exist first.
      { parent: this, dependsOn: alarms },
    );
    this.pagingAlarmArn = paging.arn;

    // 5. Dashboards: bodies from the typed builders, alarm ARNs as the provider reports them.
    const dashboardInputs = (alarmArns: readonly string[]): DashboardInputs => ({
      names,
      planName: args.planName,
      region,
      namespace: platform.namespace,
      tenantField: platform.tenantField,
      limits: args.limits,
      rateLimiting: args.rateLimiting,
      alerts: monitoring,
      logRetentionDays: monitoring.log_retention_days,
      alarmArns,
    });
    // The set of dashboards does not depend on ARNs: list it now, fill the bodies when known.
    const layout = tenantDashboards(dashboardInputs([]), platform.dashboardLayout);
    const bodies = pulumi.all([paging.arn, ...alarms.map((a) => a.arn)]).apply((arns) => tenantDashboards(dashboardInputs(arns), platform.dashboardLayout));
    this.dashboardNames = layout.map((d) => {
      const dashboard = new aws.cloudwatch.Dashboard(
        `${name}-dashboard-${d.key}`,
        { dashboardName: d.name, dashboardBody: bodies.apply((all) => JSON.stringify(all.find((x) => x.key === d.key)!.body)) },
        child,
      );
      return dashboard.dashboardName;
    });

    this.registerOutputs({
      logGroupNames: this.logGroupNames,
      topicArn: this.topicArn,
      pagingAlarmArn: this.pagingAlarmArn,
      dashboardNames: this.dashboardNames,
      alarmNames: this.alarmNames,
    });
  }
}
