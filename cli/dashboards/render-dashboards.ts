/**
 * render-dashboards: draws a tenant's CloudWatch dashboards to SVG and PNG without AWS.
 *
 *   npx tsx cli/render-dashboards.ts --plan pro --tenant acme --out out/
 *
 * The bodies are not rebuilt here: the whole program runs under runtime mocks (as the offline
 * plan does) and the `dashboardBody` of each recorded `aws:cloudwatch/dashboard:Dashboard` is what
 * is drawn, so the picture is exactly what `pulumi up` would send to PutDashboard.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, Option } from "commander";
import type { DashboardBody } from "../components/monitoring/dashboard-model";
import { layoutProblems } from "../components/monitoring/dashboard-model";
import { assertTextRenders, svgToPng } from "../components/monitoring/png";
import { renderDashboardSvg } from "../components/monitoring/render-svg";
import { CONFIG_NAMESPACE } from "../components/platform-config";
import { loadPlan } from "../plans/load";
import { readStackFile } from "./engine/stack-file";
import { PROJECT_DIR, runProgram } from "./offline-plan";

export interface RenderDashboardsOptions {
  readonly tenant: string;
  /** Plan name (`pro`, `custom`) or path to a plan YAML. */
  readonly plan: string;
  readonly outDir: string;
  readonly layout?: "separate" | "combined";
  /** Extra font files for the PNG. */
  readonly fontFiles?: readonly string[];
}

/** One dashboard as drawn. */
export interface RenderedDashboard {
  readonly name: string;
  readonly widgets: number;
  readonly json: string;
  readonly svg: string;
  readonly png: string;
}

/**
 * The dashboards the whole program declares for a tenant (the example stack's platform, with the
 * chosen layout): name and parsed body, exactly as `pulumi up` would send them.
 */
export async function recordedDashboards(o: Omit<RenderDashboardsOptions, "outDir" | "fontFiles">): Promise<Array<{ name: string; body: DashboardBody }>> {
  const dev = readStackFile(path.join(PROJECT_DIR, "Pulumi.dev.yaml")).values[`${CONFIG_NAMESPACE}:platform`] as Record<string, any>;
  const platform = { ...dev, monitoring: { ...(dev.monitoring ?? {}), dashboardLayout: o.layout ?? "separate" } };
  const { resources } = await runProgram({ tenantId: o.tenant, plan: o.plan, platform });
  return resources
    .filter((r) => r.type === "aws:cloudwatch/dashboard:Dashboard")
    .map((r) => ({ name: String(r.inputs.dashboardName), body: JSON.parse(String(r.inputs.dashboardBody)) as DashboardBody }));
}

/** Writes `<name>.json`, `<name>.svg` and `<name>.png` for each dashboard of the tenant. */
export async function renderDashboards(o: RenderDashboardsOptions): Promise<RenderedDashboard[]> {
  assertTextRenders({ fontFiles: o.fontFiles });
  const { plan } = loadPlan(o.plan);
  fs.mkdirSync(o.outDir, { recursive: true });
  const out: RenderedDashboard[] = [];
  for (const d of await recordedDashboards(o)) {
    const problems = layoutProblems(d.body);
    if (problems.length > 0) throw new Error(`dashboard ${d.name} has layout problems:\n  - ${problems.join("\n  - ")}`);
    const svg = renderDashboardSvg({ name: d.name, title: `tenant ${o.tenant} · plan ${plan.name}`, body: d.body });
    const file = (ext: string) => path.join(o.outDir, `${d.name}.${ext}`);
    fs.writeFileSync(file("json"), `${JSON.stringify(d.body, null, 2)}\n`);
    fs.writeFileSync(file("svg"), svg);
    fs.writeFileSync(file("png"), svgToPng(svg, { fontFiles: o.fontFiles }));
    out.push({ name: d.name, widgets: d.body.widgets.length, json: file("json"), svg: file("svg"), png: file("png") });
  }
  return out;
}

export function buildCli(): Command {
  return new Command("render-dashboards")
    .description("Render a tenant's CloudWatch dashboards (from the real component under mocks) to JSON, SVG and PNG.")
    .requiredOption("--tenant <id>", "tenant ID")
    .option("--plan <plan>", "plan name (pro, custom) or path to a plan YAML", "pro")
    .option("--out <dir>", "output directory", "out/dashboards")
    .addOption(new Option("--layout <layout>", "three dashboards or one combined").choices(["separate", "combined"]).default("separate"))
    .option("--font <file...>", "extra .ttf/.otf font files (when no system font is installed)")
    .showHelpAfterError()
    .exitOverride();
}

export async function main(argv: readonly string[]): Promise<number> {
  const cli = buildCli();
  try {
    cli.parse([...argv], { from: "user" });
    const o = cli.opts<{ tenant: string; plan: string; out: string; layout: "separate" | "combined"; font?: string[] }>();
    const cwd = process.env.INIT_CWD ?? process.cwd();
    const rendered = await renderDashboards({
      tenant: o.tenant,
      plan: /\.ya?ml$/.test(o.plan) ? path.resolve(cwd, o.plan) : o.plan,
      outDir: path.resolve(cwd, o.out),
      layout: o.layout,
      fontFiles: o.font?.map((f) => path.resolve(cwd, f)),
    });
    for (const r of rendered) process.stdout.write(`${r.name}: ${r.widgets} widgets → ${path.relative(cwd, r.png)} (${path.relative(cwd, r.svg)}, ${path.relative(cwd, r.json)})\n`);
    return 0;
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code?.startsWith("commander.")) return err.code === "commander.helpDisplayed" ? 0 : 2;
    process.stderr.write(`render-dashboards: ${err.message ?? String(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
