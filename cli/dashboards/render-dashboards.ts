/**
 * `tenantctl dashboards`: draws a tenant's CloudWatch dashboards to SVG and PNG without AWS.
 *
 * The bodies are not rebuilt here: the whole program runs under runtime mocks (as the offline
 * plan does) and the `dashboardBody` of each recorded `aws:cloudwatch/dashboard:Dashboard` is what
 * is drawn, so the picture is exactly what `pulumi up` would send to PutDashboard.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { DashboardBody } from "../../components/monitoring/dashboard-model";
import { layoutProblems } from "../../components/monitoring/dashboard-model";
import { CONFIG_NAMESPACE } from "../../components/platform-config";
import { readStackFile } from "../engine/stack-file";
import { type PlanSummary, planSummary } from "../json-output";
import { runProgram } from "../offline-plan";
import { DEFAULT_STACK_FILE } from "../project-dir";
import { assertTextRenders, svgToPng } from "./png";
import { renderDashboardSvg } from "./render-svg";

export interface RenderDashboardsOptions {
  readonly tenant: string;
  /** Plan name (`pro`, `custom`) or path to a plan YAML. */
  readonly plan: string;
  readonly outDir: string;
  readonly layout?: "separate" | "combined";
  /** Extra font files for the PNG. */
  readonly fontFiles?: readonly string[];
  /** Stack config file whose platform settings to use; default Pulumi.dev.yaml. */
  readonly stackFile?: string;
}

/** One dashboard as drawn. */
export interface RenderedDashboard {
  readonly name: string;
  readonly widgets: number;
  readonly json: string;
  readonly svg: string;
  readonly png: string;
}

/** The dashboards the whole program declares for a tenant, and the plan it ran. */
export interface RecordedDashboards {
  readonly plan: PlanSummary;
  readonly dashboards: Array<{ name: string; body: DashboardBody }>;
}

/**
 * The dashboards the whole program declares for a tenant (the stack file's platform, with the
 * chosen layout): name and parsed body, exactly as `pulumi up` would send them.
 */
export async function recordedDashboards(o: Omit<RenderDashboardsOptions, "outDir" | "fontFiles">): Promise<RecordedDashboards> {
  const stackFile = o.stackFile ?? DEFAULT_STACK_FILE;
  const stack = readStackFile(stackFile).values[`${CONFIG_NAMESPACE}:platform`] as Record<string, any>;
  const platform = { ...stack, monitoring: { ...(stack.monitoring ?? {}), dashboardLayout: o.layout ?? "separate" } };
  const run = await runProgram({ tenantId: o.tenant, plan: o.plan, platform, stackFile });
  return {
    plan: planSummary(run.loadedPlan),
    dashboards: run.resources
      .filter((r) => r.type === "aws:cloudwatch/dashboard:Dashboard")
      .map((r) => ({ name: String(r.inputs.dashboardName), body: JSON.parse(String(r.inputs.dashboardBody)) as DashboardBody })),
  };
}

/** Writes `<name>.json`, `<name>.svg` and `<name>.png` for each dashboard of the tenant. */
export async function renderDashboards(o: RenderDashboardsOptions): Promise<RenderedDashboard[]> {
  return (await renderDashboardsOfPlan(o)).dashboards;
}

/** {@link renderDashboards}, with the plan the program ran (what `--json` prints). */
export async function renderDashboardsOfPlan(o: RenderDashboardsOptions): Promise<{ plan: PlanSummary; dashboards: RenderedDashboard[] }> {
  assertTextRenders({ fontFiles: o.fontFiles });
  const recorded = await recordedDashboards(o);
  fs.mkdirSync(o.outDir, { recursive: true });
  const out: RenderedDashboard[] = [];
  for (const d of recorded.dashboards) {
    const problems = layoutProblems(d.body);
    if (problems.length > 0) throw new Error(`dashboard ${d.name} has layout problems:\n  - ${problems.join("\n  - ")}`);
    const svg = renderDashboardSvg({ name: d.name, title: `tenant ${o.tenant} · plan ${recorded.plan.name}`, body: d.body });
    const file = (ext: string) => path.join(o.outDir, `${d.name}.${ext}`);
    fs.writeFileSync(file("json"), `${JSON.stringify(d.body, null, 2)}\n`);
    fs.writeFileSync(file("svg"), svg);
    fs.writeFileSync(file("png"), svgToPng(svg, { fontFiles: o.fontFiles }));
    out.push({ name: d.name, widgets: d.body.widgets.length, json: file("json"), svg: file("svg"), png: file("png") });
  }
  return { plan: recorded.plan, dashboards: out };
}
