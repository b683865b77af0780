/**
 * The Pulumi program itself: index.ts loads under the loader Pulumi's Node.js runtime uses
 * (ts-node with this tsconfig, type checking on), reads stack config, and refuses bad config
 * with errors that name the key.
 *
 * Only the first test starts ts-node (type-checking the whole program takes most of a minute
 * here); the refusals run index.ts's own expression, `readStackConfig().then(tenantProgram)`,
 * in this process under runtime mocks, with the same config and the same assertions.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { runUnderMocks, type RecordedResource } from "../../cli/engine/mock-engine";
import { readStackFile } from "../../cli/engine/stack-file";
import { readStackConfig } from "../../components/stack-config";
import { tenantProgram } from "../../components/tenant-program";

const ROOT = path.resolve(__dirname, "..", "..");
const NS = "controlcore-tenant";
// The example stack's platform section: every service a Pro tenant uses.
const platform = readStackFile(path.join(ROOT, "Pulumi.dev.yaml")).values[`${NS}:platform`] as Record<string, unknown>;
const config = (over: Record<string, unknown> = {}): Record<string, string> => ({
  [`${NS}:tenantId`]: "acme",
  [`${NS}:plan`]: "pro",
  [`${NS}:platform`]: JSON.stringify(platform),
  [`${NS}:postgresAdminPassword`]: "admin-pw",
  ...(over as Record<string, string>),
});
const SECRET = [`${NS}:postgresAdminPassword`];

/** index.ts's program under mocks in this process: what it registered, or the error it threw. */
async function runIndex(cfg: Record<string, string>): Promise<{ error: unknown; resources: RecordedResource[] }> {
  const resources: RecordedResource[] = [];
  const error = await runUnderMocks(
    async () => {
      pulumi.runtime.setAllConfig(cfg, SECRET);
      // index.ts: `export = readStackConfig().then(tenantProgram);`
      return readStackConfig().then(tenantProgram);
    },
    { stack: "acme", onRegistered: (r) => resources.push(r) },
  ).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, resources };
}

/** The problems of a refusal: one InputError whose message lists them. */
function problemsOf(error: unknown): Array<{ path: string; message: string }> {
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).name).toBe("InputError");
  return (error as { problems: Array<{ path: string; message: string }> }).problems;
}

describe("index.ts under Pulumi's TypeScript loader", () => {
  it("type-checks, reads stack config and declares the tenant", { timeout: 240_000 }, () => {
    const out = execFileSync(process.execPath, [path.join(ROOT, "tests/program/ts-node-run.cjs"), JSON.stringify(config()), JSON.stringify(SECRET)], {
      cwd: ROOT,
      encoding: "utf8",
    });
    const result = JSON.parse(out);
    expect(result.tenantId).toBe("acme");
    expect(result.outputs).toEqual([
      "identity", "isolationLevel", "kubernetesNamespace", "monitoring", "network", "plan", "planSource", "postgres", "postgresPassword",
      "postgresUrl", "redis", "redisConnection", "s3", "security", "tenantId",
    ]);
    expect(result.types).toContain("controlcore:tenant:TenantStack");
    for (const t of [
      "controlcore:postgres:PostgresSchemaWithRls", "controlcore:redis:RedisNamespace", "controlcore:s3:S3TenantPrefix",
      "controlcore:security:SecurityCredentials", "controlcore:network:TenantNetwork", "controlcore:kubernetes:TenantNamespace",
      "controlcore:monitoring:TenantMonitoring",
    ]) {
      expect(result.types).toContain(t);
    }
  });
});

describe("index.ts refuses bad stack config naming the key, before declaring anything", () => {
  it("(the same run with good config registers the tenant, so an empty list below means nothing was declared)", async () => {
    const { error, resources } = await runIndex(config());
    expect(error).toBeUndefined();
    expect(resources.map((r) => r.type)).toContain("controlcore:tenant:TenantStack");
    expect(resources.length).toBeGreaterThan(50);
  });

  it("a tenant ID that is not a DNS label", async () => {
    const { error, resources } = await runIndex(config({ [`${NS}:tenantId`]: "Admin" }));
    expect(problemsOf(error)).toContainEqual({ path: "tenantId", message: expect.stringContaining('it contains "A": uppercase letters are not allowed') });
    expect(resources.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
  });

  it("a missing admin password", async () => {
    const { error, resources } = await runIndex(config({ [`${NS}:postgresAdminPassword`]: "" }));
    expect(problemsOf(error)).toContainEqual({
      path: "postgresAdminPassword",
      message: expect.stringContaining("missing; set it with `pulumi config set --secret postgresAdminPassword <password>`, or set platformStack"),
    });
    expect(resources.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
  });

  it("three bad platform keys, all reported at once", async () => {
    const { error, resources } = await runIndex(config({ [`${NS}:platform`]: JSON.stringify({ ...platform, postgres: { host: "", port: 70000, sslMode: "sometimes" } }) }));
    const problems = problemsOf(error);
    expect((error as Error).message).toMatch(/: 3 problems\n/);
    const at = (key: string) => problems.find((p) => p.path === key || p.path.endsWith(`.${key}`));
    expect(at("postgres.host")?.message).toContain('got ""; Too small: expected string to have >=1 characters');
    expect(at("postgres.port")?.message).toContain("got 70000; Too big: expected number to be <=65535");
    expect(at("postgres.sslMode")?.message).toContain('got "sometimes"; Invalid option: expected one of "disable"|"require"|"verify-ca"|"verify-full"');
    expect(resources.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
  });
});
