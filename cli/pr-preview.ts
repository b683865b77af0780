/**
 * The node script of the pull-request workflow (.github/workflows/pr-preview.yml), run from the
 * repository root with `npx tsx cli/pr-preview.ts <command>`:
 *
 * - `affected` — changed paths on stdin (one a line, `git diff --name-only`) → prints
 *   `{ tenants, reasons, targets }`; in GitHub Actions also writes `targets` (the matrix) and
 *   `count` to `$GITHUB_OUTPUT` and a table to `$GITHUB_STEP_SUMMARY`.
 * - `pack-config <tenant>` — prints the `--policy-pack-config` file naming the tenant and the
 *   other known tenants for every policy of the pack.
 * - `summary <plan.json>` — the output of `tenantctl plan <t> --policy --json` → a Markdown
 *   section for the job summary (violations, or that every policy passed).
 */
import * as fs from "node:fs";
import { policyPackConfig } from "../policy/crossguard";
import { type AffectedTenants, affectedTenants, type PreviewTarget, previewTargets, readTenants } from "./affected-tenants";
import type { PolicyReport } from "./policy-check";

const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The job summary of the selection. */
export function affectedMarkdown(affected: AffectedTenants, targets: readonly PreviewTarget[]): string {
  if (targets.length === 0) return "### Affected tenant stacks\n\nNone: the change touches no component, plan or tenant stack file.\n";
  const rows = targets.map((t) => `| ${t.tenant} | ${cell(t.plan)} | ${t.stack} | ${cell(affected.reasons[t.tenant]!.join("; "))} |`);
  return ["### Affected tenant stacks", "", "| Tenant | Plan | Stack | Why |", "|---|---|---|---|", ...rows, ""].join("\n");
}

/** The job summary of one tenant's policy check. */
export function policyMarkdown(report: PolicyReport): string {
  const head = report.failed
    ? `### ❌ ${report.tenant}: ${report.violations.length} isolation policy violation(s)`
    : `### ✅ ${report.tenant}: ${report.policies.length} isolation policies passed over ${report.resources} resources`;
  if (report.violations.length === 0) return `${head}\n`;
  const rows = report.violations.map((v) => `| ${v.policy} | ${v.enforcementLevel} | ${cell(`${v.type} ${v.name}`)} | ${cell(v.message)} |`);
  return [head, "", "| Policy | Level | Resource | Violation |", "|---|---|---|---|", ...rows, ""].join("\n");
}

function appendTo(envVar: string, text: string): void {
  const file = process.env[envVar];
  if (file) fs.appendFileSync(file, text);
}

function main(argv: string[]): number {
  const root = process.cwd();
  const [command, arg] = argv;
  if (command === "affected") {
    const tenants = readTenants(root);
    const affected = affectedTenants(fs.readFileSync(0, "utf8").split("\n"), tenants);
    const targets = previewTargets(affected, tenants);
    process.stdout.write(`${JSON.stringify({ ...affected, targets })}\n`);
    appendTo("GITHUB_OUTPUT", `targets=${JSON.stringify(targets)}\ncount=${targets.length}\n`);
    appendTo("GITHUB_STEP_SUMMARY", affectedMarkdown(affected, targets));
    return 0;
  }
  if (command === "pack-config" && arg) {
    const others = readTenants(root).map((t) => t.id).filter((t) => t !== arg);
    process.stdout.write(`${JSON.stringify(policyPackConfig(arg, [...new Set(others)]), null, 2)}\n`);
    return 0;
  }
  if (command === "summary" && arg) {
    const plan = JSON.parse(fs.readFileSync(arg, "utf8")) as { policy?: PolicyReport };
    if (!plan.policy) throw new Error(`${arg} has no policy report; expected the output of tenantctl plan <tenant> --policy --json`);
    process.stdout.write(policyMarkdown(plan.policy));
    return 0;
  }
  process.stderr.write("usage: pr-preview.ts affected < changed.txt | pack-config <tenant> | summary <plan.json>\n");
  return 2;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
