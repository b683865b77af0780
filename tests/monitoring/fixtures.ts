/** Shared inputs of the monitoring tests: the shipped plans and the tenant's argument set. */
import { stableUuid } from "../../cli/engine/placeholders";
import { loadPlan } from "../../plans/load";
import type { Plan } from "../../plans/schema";
import { tenantNames, tenantTags, type TenantNames } from "../../components/naming";
import { type MonitoringPlanSettings, parseMonitoringPlanSettings } from "../../components/monitoring/config";
import type { DashboardInputs } from "../../components/monitoring/dashboards";

export const ACCOUNT = "111122223333";
export const REGION = "us-east-1";

export function plan(name: "pro" | "custom"): Plan {
  return loadPlan(name).plan;
}

export function kmsKeyArn(tenant: string, region = REGION): string {
  return `arn:aws:kms:${region}:${ACCOUNT}:key/${stableUuid("kms", tenant)}`;
}

export function tagsFor(tenant: string, planName: string): Record<string, string> {
  return tenantTags(tenantNames(tenant), planName);
}

/** The dashboard builder inputs of a tenant on a plan. */
export function dashboardInputs(tenant: string, p: Plan, over: Partial<DashboardInputs> = {}): DashboardInputs {
  const names: TenantNames = tenantNames(tenant);
  const monitoring: MonitoringPlanSettings = parseMonitoringPlanSettings(p.monitoring);
  return {
    names,
    planName: p.name,
    region: REGION,
    namespace: "ControlCore/Tenants",
    tenantField: "tenant_id",
    limits: p.limits,
    rateLimiting: p.rate_limiting,
    alerts: monitoring,
    logRetentionDays: monitoring.log_retention_days,
    alarmArns: [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${names.monitoringPrefix}critical`],
    ...over,
  };
}
