/** tenantctl as a user runs it: a separate process, stdout for results, stderr and exit codes for errors. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

function tenantctl(args: string[], env: Record<string, string> = {}) {
  return spawnSync(TSX, [path.join(ROOT, "cli/tenantctl.ts"), ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
}

describe("tenantctl plan", () => {
  it("--json prints exactly one JSON object with every secret redacted", () => {
    const r = tenantctl(["plan", "acme", "--plan", "pro", "--json"]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const plan = JSON.parse(lines[0]!);
    expect(Object.keys(plan)).toEqual(["tenant", "plan", "resources"]);
    expect(plan.tenant).toBe("acme");
    expect(plan.plan.name).toBe("pro");
    for (const res of plan.resources) expect(Object.keys(res)).toEqual(["urn", "type", "name", "parent", "inputs"]);
    const role = plan.resources.find((x: { type: string }) => x.type === "postgresql:index/role:Role");
    expect(role.inputs.password).toBe("[secret]");
    const provider = plan.resources.find((x: { type: string }) => x.type === "pulumi:providers:postgresql");
    expect(provider.inputs.password).toBe("[secret]");
    // No secret value reaches stdout in any form.
    expect(r.stdout).not.toMatch(/placeholder-(password|secret)/);
    const stack = plan.resources.find((x: { type: string }) => x.type === "controlcore:tenant:TenantStack");
    expect(plan.resources.filter((x: { parent: string }) => x.parent === stack.urn).map((x: { type: string }) => x.type)).toContain(
      "controlcore:postgres:PostgresSchemaWithRls",
    );
  }, 60_000);

  it("prints a human tree by default", () => {
    const r = tenantctl(["plan", "acme", "--plan", "custom"]);
    expect(r.status).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(/^Tenant acme · plan custom · isolation database · \d+ resources$/);
    expect(r.stdout).toContain("controlcore:postgres:PostgresSchemaWithRls  acme-postgres");
    expect(r.stdout).toContain('password: "[secret]"');
  }, 60_000);

  it("accepts a user's plan file relative to where the user ran it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-"));
    // A user's variant of the pro tier (the platform has edge rate limits per tier name).
    fs.writeFileSync(path.join(dir, "team.yaml"), fs.readFileSync(path.join(ROOT, "plans/pro.yaml"), "utf8").replace("max_policies: 100", "max_policies: 40"));
    const r = tenantctl(["plan", "acme", "--plan", "team.yaml", "--json"], { INIT_CWD: dir });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).plan.limits.max_policies).toBe(40);
    // A plan tier the platform has no edge limits for is refused, naming what is missing.
    fs.writeFileSync(path.join(dir, "team2.yaml"), fs.readFileSync(path.join(ROOT, "plans/pro.yaml"), "utf8").replace("name: pro", "name: team"));
    const bad = tenantctl(["plan", "acme", "--plan", "team2.yaml"], { INIT_CWD: dir });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('network.rateLimiting.usagePlanIds has no entry for plan "team"');
  }, 60_000);

  it.each([
    [["plan", "Admin"], 1, "tenantctl: invalid stack config controlcore-tenant:tenantId: 1 problem\n  - tenantId: it contains \"A\": uppercase letters are not allowed (DNS and Kubernetes names are lowercase)\n"],
    [["plan", "acme", "--plan", "gold"], 1, 'tenantctl: invalid plan gold: 1 problem\n  - (plan): unknown plan "gold"; expected one of pro, custom or a path to a .yaml file\n'],
  ])("refuses bad input %j with a clear error and no output", (args, code, stderr) => {
    const r = tenantctl(args as string[]);
    expect(r.status).toBe(code);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(stderr);
  }, 60_000);

  it("refuses an unknown isolation level with usage exit code 2", () => {
    const r = tenantctl(["plan", "acme", "--isolation", "galaxy"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("error: option '--isolation <level>' argument 'galaxy' is invalid. Allowed choices are database, schema, table, row.");
  }, 60_000);
});

describe("tenantctl local", () => {
  it("says how to start PostgreSQL when it is unreachable", () => {
    const r = tenantctl(["local", "up", "acme"], { DATABASE_URL: "postgresql://postgres@127.0.0.1:1/controlcore", TENANTCTL_STATE_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "st-")) });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^tenantctl: cannot connect to PostgreSQL at 127\.0\.0\.1:1 as postgres \(connect ECONNREFUSED 127\.0\.0\.1:1\)\. Start it \(e\.g\. pg_ctlcluster 15 main start\) or set DATABASE_URL\.\n$/);
  }, 60_000);

  it("down of a tenant that is not up says so and succeeds", () => {
    const r = tenantctl(["local", "down", "nobody"], { TENANTCTL_STATE_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "st-")) });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("tenant nobody has no local state; nothing to remove\n");
  }, 60_000);
});
