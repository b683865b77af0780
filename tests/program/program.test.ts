/**
 * The Pulumi program itself: index.ts loads under the loader Pulumi's Node.js runtime uses
 * (ts-node with this tsconfig, type checking on), reads stack config, and refuses bad config
 * with errors that name the key.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { readStackFile } from "../../cli/engine/stack-file";

const ROOT = path.resolve(__dirname, "..", "..");
const NS = "controlcore-tenant";
// The example stack's platform section: every service a Pro tenant uses.
const platform = readStackFile(path.join(ROOT, "Pulumi.dev.yaml")).values[`${NS}:platform`] as Record<string, unknown>;
const config = (over: Record<string, unknown> = {}) => ({
  [`${NS}:tenantId`]: "acme",
  [`${NS}:plan`]: "pro",
  [`${NS}:platform`]: JSON.stringify(platform),
  [`${NS}:postgresAdminPassword`]: "admin-pw",
  ...over,
});
const SECRET = [`${NS}:postgresAdminPassword`];

function run(cfg: Record<string, unknown>) {
  return spawnSync(process.execPath, [path.join(ROOT, "tests/program/ts-node-run.cjs"), JSON.stringify(cfg), JSON.stringify(SECRET)], {
    cwd: ROOT,
    encoding: "utf8",
  });
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
      "isolationLevel", "kubernetesNamespace", "monitoring", "network", "plan", "planSource", "postgres", "postgresPassword",
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

  it("refuses bad stack config naming the key, before declaring anything", { timeout: 240_000 }, () => {
    const badId = run(config({ [`${NS}:tenantId`]: "Admin" }));
    expect(badId.status).toBe(1);
    expect(badId.stderr).toContain(`invalid stack config ${NS}:tenantId: 1 problem`);
    expect(badId.stderr).toContain('tenantId: it contains "A": uppercase letters are not allowed');

    const noPassword = run(config({ [`${NS}:postgresAdminPassword`]: "" }));
    expect(noPassword.status).toBe(1);
    expect(noPassword.stderr).toContain(
      "postgresAdminPassword: missing; set it with `pulumi config set --secret postgresAdminPassword <password>`, or set platformStack",
    );

    const badPlatform = run(config({ [`${NS}:platform`]: JSON.stringify({ ...platform, postgres: { host: "", port: 70000, sslMode: "sometimes" } }) }));
    expect(badPlatform.status).toBe(1);
    expect(badPlatform.stderr).toContain(`invalid stack config ${NS}:platform: 3 problems`);
    expect(badPlatform.stderr).toContain('postgres.host: got ""; Too small: expected string to have >=1 characters');
    expect(badPlatform.stderr).toContain("postgres.port: got 70000; Too big: expected number to be <=65535");
    expect(badPlatform.stderr).toContain('postgres.sslMode: got "sometimes"; Invalid option: expected one of "disable"|"require"|"verify-ca"|"verify-full"');
  });
});
