/**
 * `tenantctl plan <tenant> --policy` as a user runs it (a separate process, from the sources):
 * exit 0 with every policy passed on the shipped plans; exit 1, the violation printed, when the
 * platform config makes the program name another tenant (its role as the key administrator).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { POLICY_VIOLATION_EXIT_CODE } from "../../cli/policy-check";
import { affectedMarkdown, policyMarkdown } from "../../cli/pr-preview";

const ROOT = path.resolve(__dirname, "../..");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");
const tenantctl = (...args: string[]) => spawnSync(TSX, [path.join(ROOT, "cli/tenantctl.ts"), ...args], { cwd: ROOT, encoding: "utf8" });

describe("tenantctl plan --policy", () => {
  it("the shipped pro plan passes: exit 0, the plan then the verdict", () => {
    const r = tenantctl("plan", "acme", "--policy");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\n\npolicy check of tenant acme: 8 policies passed over \d+ resources\n$/);
  });

  it("--json: the plan object with a policy report, no violation", () => {
    const r = tenantctl("plan", "acme", "--plan", "custom", "--policy", "--json");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.tenant).toBe("acme");
    expect(out.policy).toMatchObject({ tenant: "acme", violations: [], failed: false, resources: out.resources.length });
  });

  it("a stack config whose key administrator is another tenant's role: exit 1, the violation named, the refusal on stderr", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-cli-"));
    const file = path.join(dir, "Pulumi.acme.yaml");
    const text = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
    expect(text).toContain("keyAdminRoleArn: arn:aws:iam::123456789012:role/controlcore-platform-admin");
    fs.writeFileSync(file, text.replace("role/controlcore-platform-admin", "role/cc-tenant-bob"));
    const r = tenantctl("plan", "acme", "--stack-config", file, "--policy");
    fs.rmSync(dir, { recursive: true });
    expect(POLICY_VIOLATION_EXIT_CODE).toBe(1);
    expect(r.status).toBe(POLICY_VIOLATION_EXIT_CODE);
    expect(r.stdout).toContain('✗ [mandatory] no-other-tenant-names: aws:kms/key:Key acme-identity-key: policy: names tenant "bob" (role/cc-tenant-<id>); expected only "acme"');
    expect(r.stderr).toMatch(/tenantctl: tenant acme: \d+ mandatory isolation policy violation\(s\); the plan is refused/);
  });
});

describe("the workflow's summaries", () => {
  it("a violation becomes a table row; a pass one line", () => {
    const violation = { policy: "kms-rotation-and-deletion-window", enforcementLevel: "mandatory" as const, urn: "u", type: "aws:kms/key:Key", name: "k", message: "a|b" };
    expect(policyMarkdown({ tenant: "acme", policies: ["p"], resources: 3, violations: [violation], failed: true })).toBe(
      [
        "### ❌ acme: 1 isolation policy violation(s)",
        "",
        "| Policy | Level | Resource | Violation |",
        "|---|---|---|---|",
        "| kms-rotation-and-deletion-window | mandatory | aws:kms/key:Key k | a\\|b |",
        "",
      ].join("\n"),
    );
    expect(policyMarkdown({ tenant: "acme", policies: ["p", "q"], resources: 3, violations: [], failed: false })).toBe("### ✅ acme: 2 isolation policies passed over 3 resources\n");
    expect(affectedMarkdown({ tenants: [], reasons: {} }, [])).toContain("None");
  });
});
