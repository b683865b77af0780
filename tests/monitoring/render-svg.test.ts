import { describe, expect, it } from "vitest";
import type { DashboardSpec, TextWidget } from "../../components/monitoring/dashboard-model";
import { tenantDashboards } from "../../components/monitoring/dashboards";
import { escapeXml, mergeAnnotations, renderDashboardSvg, truncate, widgetPixels, wrap } from "../../cli/dashboards/render-svg";
import { dashboardInputs, plan } from "./fixtures";

const [overview, performance] = tenantDashboards(dashboardInputs("acme", plan("pro")));

/** The data-* attributes of each widget group, in order. */
function widgetGroups(svg: string): Array<Record<string, string>> {
  return [...svg.matchAll(/<g class="widget" ([^>]*)>/g)].map((m) => Object.fromEntries([...m[1]!.matchAll(/data-([a-z]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])));
}

/** The widget-box rectangles, in order. */
function boxes(svg: string): number[][] {
  return [...svg.matchAll(/<rect class="widget-box" x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)"/g)].map((m) => m.slice(1, 5).map(Number));
}

/** All visible text, unescaped. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1]!.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&"),
  );
}

describe("renderDashboardSvg", () => {
  const svg = renderDashboardSvg(overview!);

  it("is one SVG document sized to the 24-column grid and the body's rows", () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="1232" height="872" viewBox="0 0 1232 872">')).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    // 16 + 24 × 50 + 16 wide; 56 header + 20 rows × 40 + 16 tall.
  });

  it("draws one group per widget, with the widget's own grid position", () => {
    expect(widgetGroups(svg)).toEqual(
      overview!.body.widgets.map((w) => ({ type: w.type, x: String(w.x), y: String(w.y), width: String(w.width), height: String(w.height) })),
    );
  });

  it("places each box at x·50+16, y·40+56 (minus a 4 px gap) with its grid size", () => {
    expect(boxes(svg)).toEqual(overview!.body.widgets.map((w) => [16 + w.x * 50 + 4, 56 + w.y * 40 + 4, w.width * 50 - 8, w.height * 40 - 8]));
    expect(widgetPixels({ x: 12, y: 2, width: 12, height: 6 })).toEqual({ x: 616, y: 136, w: 600, h: 240 });
  });

  it("shows every widget title, the dashboard name, the metrics with the tenant dimension and the thresholds", () => {
    const t = texts(svg);
    expect(t).toContain("cc-tenant-acme--overview");
    expect(t).toContain("Tenant acme · Overview");
    for (const title of ["API calls per hour vs plan quota", "Policy evaluations per hour vs plan quota", "API error rate (%)", "Alarm status", "Recent errors"]) {
      expect(t).toContain(title);
    }
    expect(t).toContain("ApiCalls · Sum · Tenant=acme");
    expect(t).toContain("warning 8,000 calls/h");
    expect(t).toContain("critical 10,000 calls/h");
    expect(t).toContain("SOURCE '/controlcore/tenants/acme/application'");
    expect(t).toContain("cc-tenant-acme--critical");
  });

  it("draws one dashed line per distinct threshold value", () => {
    // overview: 2 (API) + 2 (evaluations) + 2 (error rate) + 2 (storage).
    expect(svg.match(/<line class="annotation"/g)).toHaveLength(8);
    // performance: p95 500/1000 and p99 1500/3000 are four distinct values.
    expect(renderDashboardSvg(performance!).match(/<line class="annotation"/g)).toHaveLength(4);
  });

  it("escapes text, so a title cannot break the document", () => {
    const spec: DashboardSpec = {
      ...overview!,
      body: { ...overview!.body, widgets: [{ ...(overview!.body.widgets[0] as TextWidget), properties: { markdown: '# <script>&"x"' } }] },
    };
    const out = renderDashboardSvg(spec);
    expect(out).toContain("&lt;script&gt;&amp;&quot;x&quot;");
    expect(out).not.toContain("<script>");
  });
});

describe("text helpers", () => {
  it("escapeXml, truncate and wrap", () => {
    expect(escapeXml(`a<b>&"c'`)).toBe("a&lt;b&gt;&amp;&quot;c&apos;");
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(truncate("abc", 4)).toBe("abc");
    expect(wrap("one two three four", 9)).toEqual(["one two", "three", "four"]);
    expect(wrap("abcdefghij", 4)).toEqual(["abcd", "efgh", "ij"]);
  });

  it("mergeAnnotations shares one line between thresholds of the same value", () => {
    expect(
      mergeAnnotations([
        { label: "p95 critical 1,000 ms", value: 1000 },
        { label: "p99 warning 1,000 ms", value: 1000 },
        { label: "p95 warning 500 ms", value: 500 },
      ]),
    ).toEqual([
      { label: "p95 critical 1,000 ms · p99 warning 1,000 ms", value: 1000 },
      { label: "p95 warning 500 ms", value: 500 },
    ]);
  });
});
