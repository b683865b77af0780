/**
 * The pull-request workflow's structure (GitHub Actions itself does not run here): parsed with
 * the `yaml` package, the jobs and steps the issue relies on are checked, and the scripts it
 * runs are run here on the same inputs.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "../..");
const wf = parse(fs.readFileSync(path.join(ROOT, ".github/workflows/pr-preview.yml"), "utf8"));
type Step = { name?: string; id?: string; uses?: string; run?: string; if?: string; with?: Record<string, unknown>; env?: Record<string, string> };
const step = (job: string, pred: (s: Step) => boolean): Step => {
  const s = (wf.jobs[job].steps as Step[]).find(pred);
  expect(s, `a step of job ${job}`).toBeDefined();
  return s!;
};

describe(".github/workflows/pr-preview.yml", () => {
  it("runs on pull requests, with read access to contents and write access to PR comments", () => {
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    expect(wf.permissions).toEqual({ contents: "read", "pull-requests": "write" });
  });

  it("job affected: checks out the history, installs, and selects tenants with cli/pr-preview.ts from the PR's diff", () => {
    expect(step("affected", (s) => s.uses === "actions/checkout@v4").with).toEqual({ "fetch-depth": 0 });
    expect(step("affected", (s) => s.run === "npm ci")).toBeDefined();
    const select = step("affected", (s) => s.id === "affected");
    expect(select.run).toBe('git diff --name-only "$BASE_SHA"...HEAD | npx tsx cli/pr-preview.ts affected');
    expect(select.env).toEqual({ BASE_SHA: "${{ github.event.pull_request.base.sha }}" });
    expect(wf.jobs.affected.outputs).toEqual({ targets: "${{ steps.affected.outputs.targets }}", count: "${{ steps.affected.outputs.count }}" });
  });

  it("job check: one matrix entry per affected tenant, skipped when none", () => {
    const check = wf.jobs.check;
    expect(check.needs).toBe("affected");
    expect(check.if).toBe("needs.affected.outputs.count != '0'");
    expect(check.strategy.matrix.target).toBe("${{ fromJSON(needs.affected.outputs.targets) }}");
    expect(check.strategy["fail-fast"]).toBe(false);
  });

  it("job check: the offline plan with --policy for the tenant, its exit code kept, its report in the job summary", () => {
    const offline = step("check", (s) => s.id === "offline");
    expect(offline.run).toContain('npx tenantctl plan "$TENANT" --plan "$PLAN" --stack-config "$STACK_CONFIG" --policy --json > plan.json');
    expect(offline.run).toContain('npx tsx cli/pr-preview.ts summary plan.json >> "$GITHUB_STEP_SUMMARY"');
    expect(offline.run).toMatch(/code=\$\?[\s\S]*exit \$code/);
    expect(offline.env).toEqual({ TENANT: "${{ matrix.target.tenant }}", PLAN: "${{ matrix.target.plan }}", STACK_CONFIG: "${{ matrix.target.stackConfig }}" });
  });

  it("job check: pulumi preview with the pack through pulumi/actions only where PULUMI_ACCESS_TOKEN is configured, commenting on the PR", () => {
    expect(wf.jobs.check.env.PULUMI_ACCESS_TOKEN).toBe("${{ secrets.PULUMI_ACCESS_TOKEN }}");
    const preview = step("check", (s) => s.uses?.startsWith("pulumi/actions@") === true);
    expect(preview.uses).toBe("pulumi/actions@v6");
    expect(preview.if).toBe("env.PULUMI_ACCESS_TOKEN != ''");
    expect(preview.with).toMatchObject({ command: "preview", policyPacks: "policy", policyPackConfigs: "policy-config.json", "comment-on-pr": true, "comment-on-summary": true });
    expect(step("check", (s) => s.run?.includes("pr-preview.ts pack-config") === true).if).toBe("env.PULUMI_ACCESS_TOKEN != ''");
    expect(step("check", (s) => s.if === "env.PULUMI_ACCESS_TOKEN == ''").run).toContain("only the offline policy check ran");
  });

  it("no step interpolates a matrix value into a shell script (values reach scripts through env)", () => {
    for (const job of Object.values(wf.jobs) as { steps: Step[] }[]) {
      for (const s of job.steps) expect(s.run ?? "").not.toMatch(/\$\{\{/);
    }
  });

  it("the selection step's script, run here on a plan change: the matrix and count in $GITHUB_OUTPUT", () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gh-")), "output");
    const r = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), ["cli/pr-preview.ts", "affected"], {
      cwd: ROOT,
      input: "plans/pro.yaml\ndocs/s3.md\n",
      encoding: "utf8",
      env: { ...process.env, GITHUB_OUTPUT: out, GITHUB_STEP_SUMMARY: "" },
    });
    expect(r.status).toBe(0);
    const lines = fs.readFileSync(out, "utf8").trim().split("\n");
    expect(lines).toEqual([`targets=${JSON.stringify([{ tenant: "acme", plan: "pro", stackConfig: "Pulumi.dev.yaml", stack: "dev" }])}`, "count=1"]);
  });
});
