/**
 * Offline plans never mix accounts: placeholders live in the platform's account and region when
 * the stack config names them, and in the placeholder account only when it does not.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { placeholderLocation, PLACEHOLDER_ACCOUNT } from "../../cli/engine/placeholders";
import { readStackFile } from "../../cli/engine/stack-file";
import { runProgram } from "../../cli/offline-plan";

const ROOT = path.resolve(__dirname, "..", "..");
const NS = "controlcore-tenant";
const DEV = readStackFile(path.join(ROOT, "Pulumi.dev.yaml"));
const DEV_PLATFORM = DEV.values[`${NS}:platform`] as Record<string, any>;

/** The account field of every ARN in a JSON-like tree (strings, and JSON documents inside strings). */
function arnAccounts(v: unknown, out: Map<string, string[]> = new Map()): Map<string, string[]> {
  const text = JSON.stringify(v);
  // arn:partition:service:region:account:resource; IAM, CloudFront and S3 leave the region (or both) empty.
  for (const m of text.matchAll(/arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}|):[^"\\,]+/g)) {
    const list = out.get(m[1]!) ?? [];
    list.push(m[0]);
    out.set(m[1]!, list);
  }
  return out;
}

describe("placeholder location", () => {
  it("is the platform's s3 account and region; aws:region when s3 names none; the placeholder account otherwise", () => {
    expect(placeholderLocation(DEV.values, NS)).toEqual({ account: "123456789012", region: "us-east-1" });
    expect(placeholderLocation({ [`${NS}:platform`]: { s3: { accountId: "210987654321", region: "eu-west-1" } }, "aws:region": "us-east-1" }, NS)).toEqual({
      account: "210987654321",
      region: "eu-west-1",
    });
    expect(placeholderLocation({ [`${NS}:platform`]: { postgres: {} }, "aws:region": "eu-central-1" }, NS)).toEqual({
      account: PLACEHOLDER_ACCOUNT,
      region: "eu-central-1",
    });
    // Malformed values are not copied into ARNs (the program refuses them with its own errors).
    expect(placeholderLocation({ [`${NS}:platform`]: { s3: { accountId: "12345", region: "Mars" } } }, NS)).toEqual({
      account: PLACEHOLDER_ACCOUNT,
      region: "us-east-1",
    });
  });
});

describe("the offline plan with Pulumi.dev.yaml's platform", () => {
  it.each(["pro", "custom"])("plan %s: every ARN in every input and output is in account 123456789012", async (plan) => {
    const run = await runProgram({ tenantId: "acme", plan });
    expect(run.placeholders).toEqual({ account: "123456789012", region: "us-east-1" });
    const accounts = arnAccounts(run.resources.map((r) => [r.inputs, r.state]));
    expect(accounts.get(PLACEHOLDER_ACCOUNT)).toBeUndefined();
    expect([...accounts.keys()].filter((a) => a !== "")).toEqual(["123456789012"]);
    // Placeholders made by the engine are among them: the tenant key and role.
    const all = accounts.get("123456789012")!;
    expect(all.some((a) => /^arn:aws:kms:us-east-1:123456789012:key\/[0-9a-f-]{36}$/.test(a))).toBe(true);
    expect(all).toContain("arn:aws:iam::123456789012:role/cc-tenant-acme");
  });

  it("a stack file in another account and region moves every placeholder there", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-"));
    const file = path.join(dir, "Pulumi.eu.yaml");
    const swap = (v: unknown): unknown => JSON.parse(JSON.stringify(v).replaceAll("123456789012", "210987654321").replace(/(?<!wafv2:)us-east-1/g, "eu-west-1"));
    // CLOUDFRONT-scope web ACLs stay in us-east-1, as AWS requires.
    fs.writeFileSync(file, stringify({ config: { ...DEV.values, "aws:region": "eu-west-1", [`${NS}:platform`]: swap(DEV_PLATFORM) } }));
    const run = await runProgram({ tenantId: "acme", plan: "pro", stackFile: file });
    const accounts = arnAccounts(run.resources.map((r) => [r.inputs, r.state]));
    expect([...accounts.keys()].filter((a) => a !== "")).toEqual(["210987654321"]);
    expect(accounts.get("210987654321")!.some((a) => a.startsWith("arn:aws:kms:eu-west-1:210987654321:key/"))).toBe(true);
  });
});

describe("the offline plan without a platform account", () => {
  it("uses the placeholder account 000000000000", async () => {
    // A plan with neither S3 nor anything that needs it: the platform has no s3 section.
    const { s3: _s3, ...platform } = DEV_PLATFORM;
    const run = await runProgram({
      tenantId: "acme",
      plan: "pro",
      platform,
      overrides: { s3_prefix: false, security_isolation: false, monitoring_isolation: false, network_isolation: false },
    });
    expect(run.placeholders).toEqual({ account: PLACEHOLDER_ACCOUNT, region: "us-east-1" });
    const accounts = arnAccounts(run.resources.map((r) => [r.inputs, r.state]));
    expect([...accounts.keys()].filter((a) => a !== "")).toEqual([PLACEHOLDER_ACCOUNT]);
    expect(accounts.get(PLACEHOLDER_ACCOUNT)).toContain("arn:aws:elasticache:us-east-1:000000000000:user:tenant-acme");
  });
});
