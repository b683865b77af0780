import { describe, expect, it } from "vitest";
import {
  type DashboardSpec,
  type LogWidget,
  type MetricRow,
  type MetricWidget,
  isExpressionRow,
  layoutProblems,
  validateDashboard,
  type Widget,
} from "../../components/monitoring/dashboard-model";
import { formatNumber, tenantDashboards } from "../../components/monitoring/dashboards";
import { dashboardInputs, plan } from "./fixtures";

const titles = (d: DashboardSpec) => d.body.widgets.map((w) => ("title" in w.properties ? w.properties.title : w.properties.markdown.split("\n")[0]));
const metricWidgets = (d: DashboardSpec) => d.body.widgets.filter((w): w is MetricWidget => w.type === "metric");
const byTitle = (d: DashboardSpec, title: string) => d.body.widgets.find((w) => "title" in w.properties && w.properties.title === title) as Widget;
const annotationValues = (w: Widget) => (w as MetricWidget).properties.annotations?.horizontal.map((a) => [a.label, a.value]);

describe("tenant dashboards (pro, separate)", () => {
  const [overview, performance, security] = tenantDashboards(dashboardInputs("acme", plan("pro")));

  it("are the spec's Overview, Performance and Security dashboards, named from the tenant", () => {
    expect([overview!.name, performance!.name, security!.name]).toEqual(["cc-tenant-acme--overview", "cc-tenant-acme--performance", "cc-tenant-acme--security"]);
  });

  it("have exactly these widgets", () => {
    expect(titles(overview!)).toEqual([
      "# Tenant acme · Overview",
      "API calls per hour vs plan quota",
      "Policy evaluations per hour vs plan quota",
      "API error rate (%)",
      "Storage (GiB) vs plan allowance",
      "Alarm status",
      "Recent errors",
    ]);
    expect(titles(performance!)).toEqual([
      "# Tenant acme · Performance",
      "API latency (ms)",
      "Policy evaluation latency (ms)",
      "Throughput per minute",
      "Errors per 5 minutes",
      "Slowest API calls",
    ]);
    expect(titles(security!)).toEqual([
      "# Tenant acme · Security",
      "Authentication failures",
      "Refused by tenant isolation",
      "Policy denials",
      "Requests per minute vs edge rate limit",
      "Recent security events",
    ]);
  });

  it("place widgets on the 24-column grid without overlap", () => {
    for (const d of [overview!, performance!, security!]) expect(layoutProblems(d.body)).toEqual([]);
    expect(overview!.body.widgets.map((w) => [w.x, w.y, w.width, w.height])).toEqual([
      [0, 0, 24, 2],
      [0, 2, 12, 6],
      [12, 2, 12, 6],
      [0, 8, 8, 6],
      [8, 8, 8, 6],
      [16, 8, 8, 6],
      [0, 14, 24, 6],
    ]);
  });

  it("every metric row is [namespace, metric, 'Tenant', 'acme', options]", () => {
    let rows = 0;
    for (const d of [overview!, performance!, security!]) {
      for (const w of metricWidgets(d)) {
        expect(w.properties.region).toBe("us-east-1");
        for (const row of w.properties.metrics) {
          if (isExpressionRow(row)) continue;
          rows++;
          const [namespace, , dim, tenant, options] = row as MetricRow;
          expect([namespace, dim, tenant]).toEqual(["ControlCore/Tenants", "Tenant", "acme"]);
          expect(row).toHaveLength(5);
          expect(typeof options.stat).toBe("string");
        }
      }
    }
    expect(rows).toBe(20);
  });

  it("expressions refer only to metric IDs of the same widget", () => {
    for (const d of [overview!, performance!, security!]) {
      for (const w of metricWidgets(d)) {
        const ids = new Set(w.properties.metrics.filter((r) => !isExpressionRow(r)).map((r) => (r as MetricRow)[4].id).filter(Boolean));
        for (const r of w.properties.metrics.filter(isExpressionRow)) {
          // Metric IDs start lowercase; metric math functions (IF, FILL) are uppercase.
          const refs = r[0].expression.match(/\b[a-z][a-z0-9_]*\b/g) ?? [];
          expect(refs.length).toBeGreaterThan(0);
          for (const ref of refs) expect(ids.has(ref), `${ref} in ${w.properties.title}`).toBe(true);
        }
      }
    }
  });

  it("log widgets query only the tenant's own log groups and filter on the tenant", () => {
    const logs = [overview!, performance!, security!].flatMap((d) => d.body.widgets.filter((w): w is LogWidget => w.type === "log"));
    expect(logs.map((w) => w.properties.query)).toEqual([
      `SOURCE '/controlcore/tenants/acme/application' | filter tenant_id = "acme" | filter level = "ERROR" | fields @timestamp, event, status, message | sort @timestamp desc | limit 50`,
      `SOURCE '/controlcore/tenants/acme/application' | filter tenant_id = "acme" | filter event = "api_call" | fields @timestamp, latency_ms, status, message | sort latency_ms desc | limit 20`,
      `SOURCE '/controlcore/tenants/acme/audit' | filter tenant_id = "acme" | filter event in ["auth_failure", "access_denied"] | fields @timestamp, event, principal, reason | sort @timestamp desc | limit 50`,
    ]);
    for (const w of logs) expect(w.properties.query.match(/SOURCE/g)).toHaveLength(1);
  });

  it("threshold annotations come from the plan", () => {
    expect(annotationValues(byTitle(overview!, "API calls per hour vs plan quota"))).toEqual([
      ["warning 8,000 calls/h", 8000],
      ["critical 10,000 calls/h", 10000],
    ]);
    expect(annotationValues(byTitle(overview!, "Policy evaluations per hour vs plan quota"))).toEqual([
      ["warning 40,000 evaluations/h", 40000],
      ["critical 50,000 evaluations/h", 50000],
    ]);
    expect(annotationValues(byTitle(overview!, "Storage (GiB) vs plan allowance"))).toEqual([
      ["warning 8 GiB", 8],
      ["critical 10 GiB", 10],
    ]);
    expect(annotationValues(byTitle(performance!, "API latency (ms)"))).toEqual([
      ["p95 warning 500 ms", 500],
      ["p95 critical 1,000 ms", 1000],
      ["p99 warning 1,500 ms", 1500],
      ["p99 critical 3,000 ms", 3000],
    ]);
    expect(annotationValues(byTitle(security!, "Requests per minute vs edge rate limit"))).toEqual([
      ["rate limit 1,000/min", 1000],
      ["burst limit 2,000", 2000],
    ]);
  });

  it("the alarm widget lists the alarm ARNs it is given", () => {
    expect(byTitle(overview!, "Alarm status")).toMatchObject({
      type: "alarm",
      properties: { alarms: ["arn:aws:cloudwatch:us-east-1:111122223333:alarm:cc-tenant-acme--critical"] },
    });
  });

  it("the header states the plan's limits and retention", () => {
    expect((overview!.body.widgets[0] as Widget & { type: "text" }).properties.markdown).toBe(
      "# Tenant acme · Overview\nPlan **pro** · 10,000 API calls/h · 50,000 policy evaluations/h · 10 GiB storage · logs kept 30 days",
    );
  });

  it("bodies are plain JSON (what PutDashboard receives)", () => {
    expect(JSON.parse(JSON.stringify(overview!.body))).toEqual(overview!.body);
  });
});

describe("dashboards follow the plan", () => {
  it("custom plan: its limits in the annotations and header", () => {
    const [overview] = tenantDashboards(dashboardInputs("globex", plan("custom")));
    expect(annotationValues(byTitle(overview!, "API calls per hour vs plan quota"))).toEqual([
      ["warning 80,000 calls/h", 80000],
      ["critical 100,000 calls/h", 100000],
    ]);
    expect(JSON.stringify(overview)).not.toContain("acme");
  });

  it("changing a limit moves the annotation", () => {
    const p = plan("pro");
    const [overview] = tenantDashboards(dashboardInputs("acme", { ...p, limits: { ...p.limits, storage_gb: 25 } }));
    expect(annotationValues(byTitle(overview!, "Storage (GiB) vs plan allowance"))).toEqual([
      ["warning 20 GiB", 20],
      ["critical 25 GiB", 25],
    ]);
  });
});

describe("combined layout", () => {
  const [all] = tenantDashboards(dashboardInputs("acme", plan("pro")), "combined");

  it("is one dashboard with the three sections stacked", () => {
    expect(all!.name).toBe("cc-tenant-acme--all");
    expect(all!.body.widgets).toHaveLength(19);
    expect(layoutProblems(all!.body)).toEqual([]);
    const headers = all!.body.widgets.filter((w) => w.type === "text").map((w) => [w.y, (w as Widget & { type: "text" }).properties.markdown.split("\n")[0]]);
    expect(headers).toEqual([
      [0, "# Tenant acme · Overview"],
      [20, "# Tenant acme · Performance"],
      [40, "# Tenant acme · Security"],
    ]);
  });
});

describe("validateDashboard", () => {
  const [overview] = tenantDashboards(dashboardInputs("acme", plan("pro")));
  const widgets = overview!.body.widgets;

  it("refuses overlapping and out-of-grid widgets and bad names, listing every problem", () => {
    const bad: DashboardSpec = {
      ...overview!,
      name: "cc/tenant",
      body: { ...overview!.body, widgets: [widgets[0]!, { ...widgets[1]!, y: 1 }, { ...widgets[2]!, x: 14 }] },
    };
    expect(() => validateDashboard(bad)).toThrow(
      "invalid dashboard cc/tenant:\n" +
        `  - dashboard name "cc/tenant" may contain only letters, digits, '-' and '_'\n` +
        '  - widget "Policy evaluations per hour vs plan quota" at x=14 width=12 leaves the 24-column grid\n' +
        '  - widgets "text" and "API calls per hour vs plan quota" overlap',
    );
  });

  it("refuses names over 255 characters", () => {
    expect(() => validateDashboard({ ...overview!, name: "a".repeat(256) })).toThrow("is 256 characters long; expected 1 to 255");
  });
});

describe("formatNumber", () => {
  it("groups thousands without a locale", () => {
    expect([formatNumber(1000), formatNumber(500000), formatNumber(2.5), formatNumber(12), formatNumber(1234567.25)]).toEqual(["1,000", "500,000", "2.5", "12", "1,234,567.25"]);
  });
});
