import { describe, expect, it } from "vitest";
import { metricAlarmSpecs, pagingCompositeSpec } from "../../components/monitoring/alarms";
import { parseMonitoringPlanSettings } from "../../components/monitoring/config";
import { tenantDashboards } from "../../components/monitoring/dashboards";
import { filterPattern, kebab, LOG_METRICS, logGroupSpecs, metricFilterSpecs } from "../../components/monitoring/metrics";
import { tenantNames } from "../../components/naming";
import { dashboardInputs, plan } from "./fixtures";

const acme = tenantNames("acme");

describe("log groups", () => {
  it("are named under the tenant's prefix, with the plan's retention", () => {
    expect(logGroupSpecs(acme, 30)).toEqual([
      { kind: "application", name: "/controlcore/tenants/acme/application", retentionInDays: 30 },
      { kind: "audit", name: "/controlcore/tenants/acme/audit", retentionInDays: 30 },
    ]);
  });

  it("refuse a retention CloudWatch does not accept", () => {
    expect(() => logGroupSpecs(acme, 10)).toThrow(
      "invalid log retention: 1 problem\n  - plan.monitoring.log_retention_days: got 10, a retention CloudWatch Logs does not accept (nearest: 7 or 14); expected one of ",
    );
  });
});

describe("metric filters", () => {
  const filters = metricFilterSpecs(acme, "ControlCore/Tenants", "tenant_id");

  it("turn the tenant's JSON events into exactly these metrics", () => {
    expect(filters.map((f) => [f.name, f.logGroupName, f.pattern, f.metricTransformation.value, f.metricTransformation.unit])).toEqual([
      ["cc-tenant-acme--api-calls", "/controlcore/tenants/acme/application", '{ $.tenant_id = "acme" && $.event = "api_call" }', "1", "Count"],
      [
        "cc-tenant-acme--api-server-errors",
        "/controlcore/tenants/acme/application",
        '{ $.tenant_id = "acme" && $.event = "api_call" && $.status >= 500 }',
        "1",
        "Count",
      ],
      ["cc-tenant-acme--rate-limited", "/controlcore/tenants/acme/application", '{ $.tenant_id = "acme" && $.event = "api_call" && $.status = 429 }', "1", "Count"],
      [
        "cc-tenant-acme--api-latency",
        "/controlcore/tenants/acme/application",
        '{ $.tenant_id = "acme" && $.event = "api_call" && $.latency_ms = * }',
        "$.latency_ms",
        "Milliseconds",
      ],
      ["cc-tenant-acme--errors", "/controlcore/tenants/acme/application", '{ $.tenant_id = "acme" && $.level = "ERROR" }', "1", "Count"],
      ["cc-tenant-acme--policy-evaluations", "/controlcore/tenants/acme/application", '{ $.tenant_id = "acme" && $.event = "policy_evaluation" }', "1", "Count"],
      [
        "cc-tenant-acme--policy-denials",
        "/controlcore/tenants/acme/application",
        '{ $.tenant_id = "acme" && $.event = "policy_evaluation" && $.decision = "deny" }',
        "1",
        "Count",
      ],
      [
        "cc-tenant-acme--policy-evaluation-latency",
        "/controlcore/tenants/acme/application",
        '{ $.tenant_id = "acme" && $.event = "policy_evaluation" && $.latency_ms = * }',
        "$.latency_ms",
        "Milliseconds",
      ],
      ["cc-tenant-acme--auth-failures", "/controlcore/tenants/acme/audit", '{ $.tenant_id = "acme" && $.event = "auth_failure" }', "1", "Count"],
      ["cc-tenant-acme--access-denied", "/controlcore/tenants/acme/audit", '{ $.tenant_id = "acme" && $.event = "access_denied" }', "1", "Count"],
    ]);
  });

  it("every metric carries the Tenant dimension, and the pattern pins its field to the tenant's ID", () => {
    for (const f of filters) {
      expect(f.metricTransformation.namespace).toBe("ControlCore/Tenants");
      expect(f.metricTransformation.dimensions).toEqual({ Tenant: "$.tenant_id" });
      // The dimension's value is read from $.tenant_id; only events where it equals "acme" match.
      expect(f.pattern.startsWith('{ $.tenant_id = "acme" && ')).toBe(true);
    }
  });

  it("a field used as the metric value is matched by the pattern (CloudWatch requires it)", () => {
    for (const f of filters.filter((x) => x.metricTransformation.value !== "1")) {
      expect(f.pattern).toContain(`${f.metricTransformation.value} = *`);
    }
  });

  it("names and namespaces use only characters CloudWatch Logs accepts", () => {
    for (const f of filters) {
      expect(f.name).toMatch(/^[^:*]{1,512}$/);
      expect(f.metricTransformation.name).toMatch(/^[^:*$]{1,255}$/);
      expect(f.metricTransformation.namespace).toMatch(/^[^:*$]{1,255}$/);
    }
  });

  it("follows the platform's tenant field", () => {
    const f = metricFilterSpecs(acme, "ControlCore/Tenants", "tenant")[0]!;
    expect(f.pattern).toBe('{ $.tenant = "acme" && $.event = "api_call" }');
    expect(f.metricTransformation.dimensions).toEqual({ Tenant: "$.tenant" });
  });

  it("quotes the tenant ID as a JSON string", () => {
    expect(filterPattern("acme-corp", "tenant_id", LOG_METRICS.Errors)).toBe('{ $.tenant_id = "acme-corp" && $.level = "ERROR" }');
    expect(kebab("PolicyEvaluationLatency")).toBe("policy-evaluation-latency");
  });
});

/** Every physical monitoring name of a tenant (log groups, filters, alarms, topic, dashboards of both layouts). */
function physicalNames(id: string): string[] {
  const p = plan("pro");
  const names = tenantNames(id);
  const alarms = metricAlarmSpecs({ names, namespace: "ControlCore/Tenants", limits: p.limits, alerts: parseMonitoringPlanSettings(p.monitoring) });
  return [
    ...logGroupSpecs(names, 30).map((g) => g.name),
    ...alarms.map((a) => a.name),
    pagingCompositeSpec(names, alarms).name,
    `${names.monitoringPrefix}alarms`,
    ...tenantDashboards(dashboardInputs(id, p), "separate").map((d) => d.name),
    ...tenantDashboards(dashboardInputs(id, p), "combined").map((d) => d.name),
  ];
}

describe("names of different tenants never collide", () => {
  // Each of these IDs is `acme` plus a suffix one of acme's names ends with: with a plain `-`
  // separator, acme's `storage-critical` alarm would be acme-storage's `critical` composite.
  const adversarial = ["acme", "acme-storage", "acme-error-rate", "acme-latency-p95", "acme-api-calls-per-hour", "acme-critical", "acme-all", "acme-alarms"];

  it("no two tenants share a physical name", () => {
    const owner = new Map<string, string>();
    for (const id of adversarial) {
      for (const n of physicalNames(id)) {
        expect(owner.get(n), `${n} is both ${owner.get(n)}'s and ${id}'s`).toBeUndefined();
        owner.set(n, id);
      }
    }
  });

  it("no tenant's name starts with another tenant's prefix (so prefix patterns in IAM and KMS conditions stay per tenant)", () => {
    for (const a of adversarial) {
      for (const b of adversarial.filter((x) => x !== a)) {
        const nb = tenantNames(b);
        for (const n of physicalNames(a)) {
          expect(n.startsWith(nb.monitoringPrefix), `${n} (${a}) starts with ${b}'s prefix`).toBe(false);
          expect(n.startsWith(nb.logGroupPrefix), `${n} (${a}) starts with ${b}'s log group prefix`).toBe(false);
        }
      }
    }
  });
});
