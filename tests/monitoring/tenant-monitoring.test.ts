import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { type RecordedResource, runUnderMocks } from "../../cli/engine/mock-engine";
import { metricAlarmSpecs } from "../../components/monitoring/alarms";
import { parseMonitoringPlanSettings } from "../../components/monitoring/config";
import { tenantDashboards } from "../../components/monitoring/dashboards";
import { alarmTopicPolicy } from "../../components/monitoring/policies";
import { InputError } from "../../components/errors";
import { type TenantMonitoringArgs, smallestLimitWithWarning, tenantMonitoringProblems } from "../../components/monitoring/tenant-monitoring";
import { tenantNames } from "../../components/naming";
import { dashboardInputs, kmsKeyArn, plan, tagsFor } from "./fixtures";

const PLACEHOLDER = "000000000000";
const TOKEN = "controlcore:monitoring:TenantMonitoring";

function args(tenant: string, planName: "pro" | "custom", over: Partial<TenantMonitoringArgs> = {}): TenantMonitoringArgs {
  const p = plan(planName);
  return {
    names: tenantNames(tenant),
    planName: p.name,
    limits: p.limits,
    rateLimiting: p.rate_limiting,
    monitoring: p.monitoring,
    region: "us-east-1",
    kmsKeyArn: kmsKeyArn(tenant),
    tags: tagsFor(tenant, p.name),
    ...over,
  };
}

async function run(tenants: Array<[string, "pro" | "custom", Partial<TenantMonitoringArgs>?]>): Promise<RecordedResource[]> {
  const r = await runUnderMocks(
    async () => {
      const m = await import("../../components/monitoring/tenant-monitoring.js");
      for (const [t, p, over] of tenants) new m.TenantMonitoring(`t-${t}-monitoring`, args(t, p, over));
      return {};
    },
    { stack: tenants[0]![0] },
  );
  return r.resources.filter((x) => x.type !== "pulumi:pulumi:Stack");
}

const named = (rs: RecordedResource[], name: string) => {
  const r = rs.find((x) => x.name === name);
  if (!r) throw new Error(`no resource ${name}; have ${rs.map((x) => x.name).join(", ")}`);
  return r;
};

/** Whether the Args interface of a resource type accepts `tags` (read from the provider's d.ts). */
function taggable(type: string): boolean {
  const [, mod, res] = /^aws:([a-zA-Z0-9]+)\/([a-zA-Z0-9]+):([A-Za-z0-9]+)$/.exec(type)!;
  const dts = fs.readFileSync(path.join("node_modules/@pulumi/aws", mod!, `${res}.d.ts`), "utf8");
  const argsBlock = /export interface [A-Za-z0-9]+Args \{([\s\S]*?)\n\}/.exec(dts)![1]!;
  return /\n\s+tags\?:/.test(argsBlock);
}

/**
 * Every tenant ID a value names: in log group paths, physical names and log queries (by
 * pattern), the Tenant dimension (a `Tenant` key, or `"Tenant", id` in a metric row) and the
 * tenant tag. JSON documents inside strings (dashboard bodies, policies) are searched too.
 */
function tenantRefs(v: unknown, out: string[] = []): string[] {
  if (typeof v === "string") {
    for (const re of [/tenants\/([a-z0-9-]+)\//g, /cc-tenant-([a-z0-9-]+?)--/g, /tenant_id = "([a-z0-9-]+)"/g]) {
      for (const m of v.matchAll(re)) out.push(m[1]!);
    }
    if (v.startsWith('{"')) tenantRefs(JSON.parse(v), out);
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => {
      if (x === "Tenant" && typeof v[i + 1] === "string") out.push(v[i + 1]);
      tenantRefs(x, out);
    });
  } else if (typeof v === "object" && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      if ((k === "Tenant" || k === "controlcore:tenant") && typeof x === "string" && !x.startsWith("$.")) out.push(x);
      tenantRefs(x, out);
    }
  }
  return out;
}

describe("TenantMonitoring (pro)", async () => {
  const rs = await run([["acme", "pro"]]);
  const component = rs.find((r) => r.type === TOKEN)!;

  it("registers exactly these children, each parented to the component", () => {
    expect(component.name).toBe("t-acme-monitoring");
    const children = rs.filter((r) => r !== component);
    for (const c of children) expect(c.parent).toBe(component.urn);
    const count = (type: string) => children.filter((c) => c.type === type).map((c) => c.name).sort();
    expect(count("aws:cloudwatch/logGroup:LogGroup")).toEqual(["t-acme-monitoring-logs-application", "t-acme-monitoring-logs-audit"]);
    expect(count("aws:cloudwatch/logMetricFilter:LogMetricFilter")).toHaveLength(10);
    expect(count("aws:sns/topic:Topic")).toEqual(["t-acme-monitoring-alarm-topic"]);
    expect(count("aws:sns/topicPolicy:TopicPolicy")).toEqual(["t-acme-monitoring-alarm-topic-policy"]);
    expect(count("aws:cloudwatch/metricAlarm:MetricAlarm")).toHaveLength(12);
    expect(count("aws:cloudwatch/compositeAlarm:CompositeAlarm")).toEqual(["t-acme-monitoring-alarm-critical"]);
    expect(count("aws:cloudwatch/dashboard:Dashboard")).toEqual([
      "t-acme-monitoring-dashboard-overview",
      "t-acme-monitoring-dashboard-performance",
      "t-acme-monitoring-dashboard-security",
    ]);
    expect(children).toHaveLength(2 + 10 + 1 + 1 + 12 + 1 + 3);
  });

  it("log groups: tenant names, the plan's retention, encrypted with the given key", () => {
    expect(named(rs, "t-acme-monitoring-logs-application").inputs).toEqual({
      name: "/controlcore/tenants/acme/application",
      retentionInDays: 30,
      kmsKeyId: kmsKeyArn("acme"),
      tags: tagsFor("acme", "pro"),
    });
    expect(named(rs, "t-acme-monitoring-logs-audit").inputs.kmsKeyId).toBe(kmsKeyArn("acme"));
  });

  it("metric filters read the tenant's log group and publish with the Tenant dimension", () => {
    expect(named(rs, "t-acme-monitoring-filter-api-latency").inputs).toEqual({
      name: "cc-tenant-acme--api-latency",
      logGroupName: "/controlcore/tenants/acme/application",
      pattern: '{ $.tenant_id = "acme" && $.event = "api_call" && $.latency_ms = * }',
      metricTransformation: { name: "ApiLatency", namespace: "ControlCore/Tenants", value: "$.latency_ms", unit: "Milliseconds", dimensions: { Tenant: "$.tenant_id" } },
    });
    for (const f of rs.filter((r) => r.type === "aws:cloudwatch/logMetricFilter:LogMetricFilter")) {
      expect((f.inputs.metricTransformation as { dimensions: unknown }).dimensions).toEqual({ Tenant: "$.tenant_id" });
      expect(String(f.inputs.pattern).startsWith('{ $.tenant_id = "acme" && ')).toBe(true);
    }
  });

  it("the alarm topic is encrypted with the tenant key, and only acme's paging alarm may publish", () => {
    const topicArn = `arn:aws:sns:us-east-1:${PLACEHOLDER}:cc-tenant-acme--alarms`;
    expect(named(rs, "t-acme-monitoring-alarm-topic").inputs).toEqual({ name: "cc-tenant-acme--alarms", kmsMasterKeyId: kmsKeyArn("acme"), tags: tagsFor("acme", "pro") });
    const policy = named(rs, "t-acme-monitoring-alarm-topic-policy").inputs;
    expect(policy.arn).toBe(topicArn);
    expect(JSON.parse(String(policy.policy))).toEqual(alarmTopicPolicy({ names: tenantNames("acme"), region: "us-east-1", accountId: PLACEHOLDER, topicArn }));
  });

  it("metric alarms carry the builder's specs and no actions; only the composite notifies", () => {
    const specs = metricAlarmSpecs({ names: tenantNames("acme"), namespace: "ControlCore/Tenants", limits: plan("pro").limits, alerts: parseMonitoringPlanSettings(plan("pro").monitoring) });
    for (const s of specs) {
      const r = named(rs, `t-acme-monitoring-alarm-${s.key}`).inputs;
      expect([r.name, r.threshold, r.comparisonOperator, r.evaluationPeriods, r.datapointsToAlarm, r.treatMissingData]).toEqual([
        s.name,
        s.threshold,
        s.comparisonOperator,
        s.evaluationPeriods,
        s.datapointsToAlarm,
        s.treatMissingData,
      ]);
      expect(r.alarmActions).toBeUndefined();
      expect(r.okActions).toBeUndefined();
      expect(r.tags).toEqual(tagsFor("acme", "pro"));
    }
    expect(named(rs, "t-acme-monitoring-alarm-storage-critical").inputs).toMatchObject({
      namespace: "ControlCore/Tenants",
      metricName: "TenantStorageBytes",
      dimensions: { Tenant: "acme" },
      period: 3600,
      statistic: "Maximum",
      threshold: 10 * 1024 ** 3,
    });
    const composite = named(rs, "t-acme-monitoring-alarm-critical").inputs;
    expect(composite.alarmName).toBe("cc-tenant-acme--critical");
    expect(composite.alarmActions).toEqual([`arn:aws:sns:us-east-1:${PLACEHOLDER}:cc-tenant-acme--alarms`]);
    expect(composite.okActions).toEqual(composite.alarmActions);
    expect(composite.actionsSuppressor).toBeUndefined();
    expect(String(composite.alarmRule).match(/ALARM\(/g)).toHaveLength(6);
  });

  it("dashboards carry the builders' bodies with the alarm ARNs the provider reports", () => {
    const alarmArns = [
      `arn:aws:cloudwatch:us-east-1:${PLACEHOLDER}:alarm:cc-tenant-acme--critical`,
      ...metricAlarmSpecs({ names: tenantNames("acme"), namespace: "ControlCore/Tenants", limits: plan("pro").limits, alerts: parseMonitoringPlanSettings(plan("pro").monitoring) }).map(
        (a) => `arn:aws:cloudwatch:us-east-1:${PLACEHOLDER}:alarm:${a.name}`,
      ),
    ];
    const expected = tenantDashboards(dashboardInputs("acme", plan("pro"), { alarmArns }));
    for (const d of expected) {
      const r = named(rs, `t-acme-monitoring-dashboard-${d.key}`).inputs;
      expect(r.dashboardName).toBe(d.name);
      expect(JSON.parse(String(r.dashboardBody))).toEqual(d.body);
    }
  });

  it("every taggable resource carries the tenant tag; the rest cannot take tags", () => {
    const children = rs.filter((r) => r.custom);
    const untaggable = [...new Set(children.filter((r) => !taggable(r.type)).map((r) => r.type))].sort();
    expect(untaggable).toEqual(["aws:cloudwatch/dashboard:Dashboard", "aws:cloudwatch/logMetricFilter:LogMetricFilter", "aws:sns/topicPolicy:TopicPolicy"]);
    for (const r of children.filter((x) => taggable(x.type))) expect(r.inputs.tags, r.name).toEqual(tagsFor("acme", "pro"));
  });
});

describe("TenantMonitoring (custom)", async () => {
  const rs = await run([["globex", "custom"]]);

  it("takes the custom plan's retention and limits", () => {
    expect(named(rs, "t-globex-monitoring-logs-application").inputs.retentionInDays).toBe(90);
    expect(named(rs, "t-globex-monitoring-alarm-storage-warning").inputs.threshold).toBe(80 * 1024 ** 3);
    expect(named(rs, "t-globex-monitoring-alarm-api-calls-per-hour-critical").inputs.threshold).toBe(100_000);
    const overview = JSON.parse(String(named(rs, "t-globex-monitoring-dashboard-overview").inputs.dashboardBody));
    expect(overview.widgets[0].properties.markdown).toContain("Plan **custom** · 100,000 API calls/h");
  });
});

describe("two tenants in one program", async () => {
  const rs = await run([
    ["acme", "pro"],
    ["acme-corp", "custom"],
  ]);
  const components = rs.filter((r) => r.type === TOKEN);

  it("nothing of one tenant names the other", () => {
    expect(components.map((c) => c.name)).toEqual(["t-acme-monitoring", "t-acme-corp-monitoring"]);
    const [acme, corp] = components;
    const inputsOf = (owner: RecordedResource) => rs.filter((r) => r.parent === owner.urn).map((r) => r.inputs);
    const text = (owner: RecordedResource) => JSON.stringify(inputsOf(owner));
    // acme's IDs are a prefix of acme-corp's: look for every way acme-corp is named.
    expect(text(acme!)).not.toMatch(/acme-corp|acme_corp/);
    // Every tenant reference in acme's inputs is acme's own (tenant IDs end at a quote, slash or `--`).
    const refs = tenantRefs(inputsOf(acme!));
    expect(refs.length).toBeGreaterThan(100);
    expect(new Set(refs)).toEqual(new Set(["acme"]));
    const corpRefs = tenantRefs(inputsOf(corp!));
    expect(corpRefs.length).toBe(refs.length);
    expect(new Set(corpRefs)).toEqual(new Set(["acme-corp"]));
  });
});

describe("TenantMonitoring options and refusals", () => {
  it("combined layout: one dashboard; a platform suppressor holds pages", async () => {
    const rs = await run([["acme", "pro", { platform: { dashboardLayout: "combined", pagingSuppressorAlarm: "platform-degraded" } }]]);
    expect(rs.filter((r) => r.type === "aws:cloudwatch/dashboard:Dashboard").map((r) => r.inputs.dashboardName)).toEqual(["cc-tenant-acme--all"]);
    expect(named(rs, "t-acme-monitoring-alarm-critical").inputs.actionsSuppressor).toEqual({ alarm: "platform-degraded", waitPeriod: 120, extensionPeriod: 300 });
  });

  /** The refusal of these arguments under the Pulumi runtime, and what was registered. */
  async function refusal(a: TenantMonitoringArgs): Promise<{ error: InputError; types: string[] }> {
    let error: unknown;
    const r = await runUnderMocks(
      async () => {
        const m = await import("../../components/monitoring/tenant-monitoring.js");
        try {
          new m.TenantMonitoring("t-acme-monitoring", a);
        } catch (e) {
          error = e;
        }
        return {};
      },
      { stack: "acme" },
    );
    if (!InputError.isInstance(error)) throw new Error(`expected an InputError, got ${String(error)}`);
    return { error, types: r.resources.map((x) => x.type) };
  }

  it("refuses bad arguments all at once, before registering anything", async () => {
    const { error, types } = await refusal(
      args("acme", "pro", { region: "useast1", kmsKeyArn: "alias/controlcore/tenant/acme", tags: tagsFor("globex", "pro") }),
    );
    expect(error.message).toBe(
      "invalid TenantMonitoring t-acme-monitoring arguments: 3 problems\n" +
        '  - platform.s3.region: got "useast1"; expected an AWS region name such as us-east-1\n' +
        '  - tags.controlcore:tenant: got "globex"; expected the tenant ID "acme"\n' +
        '  - kmsKeyArn: got "alias/controlcore/tenant/acme"; expected a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>): CloudWatch Logs refuses aliases and key IDs',
    );
    expect(types).toEqual(["pulumi:pulumi:Stack"]);
  });

  it("refuses plan, platform and limit problems together with the argument problems, before registering anything", async () => {
    const pro = plan("pro");
    const { error, types } = await refusal(
      args("acme", "pro", {
        kmsKeyArn: kmsKeyArn("acme", "eu-west-1"),
        monitoring: { ...pro.monitoring, log_retention_days: 31, latency_p99_warning_ms: 4000 },
        platform: { namespace: "AWS/Logs", dashboardLayot: "combined" } as TenantMonitoringArgs["platform"],
        limits: { ...pro.limits, api_calls_per_hour: 1, storage_gb: 0 },
      }),
    );
    expect(error.problems).toEqual([
      {
        path: "plan.monitoring.log_retention_days",
        message:
          "got 31, a retention CloudWatch Logs does not accept (nearest: 30 or 60); expected one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
      },
      { path: "plan.monitoring.latency_p99_warning_ms", message: "got 4000; expected less than latency_p99_critical_ms (3000): a warning comes before the page" },
      {
        path: "platform.monitoring.namespace",
        message: 'got "AWS/Logs"; namespaces starting with AWS/ are reserved for AWS services; expected a namespace of your own such as ControlCore/Tenants',
      },
      {
        path: "platform.monitoring.dashboardLayot",
        message: 'unknown key (value "combined"); did you mean "dashboardLayout"? Expected one of: namespace, tenantField, dashboardLayout, pagingSuppressorAlarm',
      },
      {
        path: "plan.limits.api_calls_per_hour",
        message:
          "got 1: at plan.monitoring.usage_warning_percent 80 the warning level (1) is not below the critical level (1); expected at least 5, or a lower usage_warning_percent",
      },
      { path: "plan.limits.storage_gb", message: "got 0; expected a positive whole number" },
      {
        path: "kmsKeyArn",
        message: "got a key in eu-west-1; expected a key in us-east-1, the log groups' region (CloudWatch Logs needs a key in the same region)",
      },
    ]);
    expect(types).toEqual(["pulumi:pulumi:Stack"]);
  });

  it("refuses a usage limit too small for a warning below it (the alarms would refuse after registering)", async () => {
    const pro = plan("pro");
    const tiny = args("acme", "pro", { limits: { ...pro.limits, api_calls_per_hour: 1, policy_evaluations_per_hour: 4 } });
    // 80% of 1 rounds up to 1 (= the limit); 80% of 4 is 3.2, rounded up to 4 (= the limit).
    const expected = (limit: number, key: string) => ({
      path: `plan.limits.${key}`,
      message: `got ${limit}: at plan.monitoring.usage_warning_percent 80 the warning level (${limit}) is not below the critical level (${limit}); expected at least 5, or a lower usage_warning_percent`,
    });
    expect(tenantMonitoringProblems(tiny)).toEqual([expected(1, "api_calls_per_hour"), expected(4, "policy_evaluations_per_hour")]);
    const { error, types } = await refusal(tiny);
    expect(error.problems).toEqual(tenantMonitoringProblems(tiny));
    expect(types).toEqual(["pulumi:pulumi:Stack"]);
    // The smallest accepted limit is exactly where the alarms' own check passes.
    expect(smallestLimitWithWarning(80)).toBe(5);
    expect(smallestLimitWithWarning(50)).toBe(2);
    expect(smallestLimitWithWarning(99)).toBe(100);
    const five = { ...pro.limits, api_calls_per_hour: 5, policy_evaluations_per_hour: 5 };
    expect(tenantMonitoringProblems(args("acme", "pro", { limits: five }))).toEqual([]);
    expect(() => metricAlarmSpecs({ names: tenantNames("acme"), namespace: "ControlCore/Tenants", limits: five, alerts: parseMonitoringPlanSettings(pro.monitoring) })).not.toThrow();
    expect(() =>
      metricAlarmSpecs({ names: tenantNames("acme"), namespace: "ControlCore/Tenants", limits: { ...five, api_calls_per_hour: 4 }, alerts: parseMonitoringPlanSettings(pro.monitoring) }),
    ).toThrow("api-calls-per-hour: warning (4 calls/h) must be below critical (4 calls/h)");
  });

  it("accepts the shipped plans' arguments", () => {
    expect(tenantMonitoringProblems(args("acme", "pro"))).toEqual([]);
    expect(tenantMonitoringProblems(args("globex", "custom"))).toEqual([]);
  });
});
