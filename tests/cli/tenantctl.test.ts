/**
 * tenantctl as a user runs it: the JavaScript build (dist/) the package's `bin` runs, a separate
 * process, stdout for results, stderr and exit codes for errors.
 */
import { execSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase, runTag } from "../helpers/pg";
import { BIN, bestOf, ensureBuilt, ROOT, tenantctl } from "./built";

beforeAll(ensureBuilt, 300_000);

const UPPERCASE = 'it contains "A": uppercase letters are not allowed (DNS and Kubernetes names are lowercase)';

describe("tenantctl plan", () => {
  it("--json prints exactly one JSON object, versioned, with the plan summary and every secret redacted", () => {
    const r = tenantctl(["plan", "acme", "--plan", "pro", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const plan = JSON.parse(lines[0]!);
    expect(Object.keys(plan)).toEqual(["version", "tenant", "plan", "planSettings", "placeholders", "resources"]);
    expect(plan.version).toBe(1);
    expect(plan.tenant).toBe("acme");
    expect(plan.plan).toEqual({ name: "pro", source: "pro", isolationLevel: "schema" });
    expect(plan.planSettings.limits.max_policies).toBe(100);
    // Pulumi.dev.yaml's platform names the account and region: placeholders live there.
    expect(plan.placeholders).toEqual({ account: "123456789012", region: "us-east-1" });
    for (const res of plan.resources) expect(Object.keys(res)).toEqual(["urn", "type", "name", "parent", "inputs"]);
    const role = plan.resources.find((x: { type: string }) => x.type === "postgresql:index/role:Role");
    expect(role.inputs.password).toBe("[secret]");
    const provider = plan.resources.find((x: { type: string }) => x.type === "pulumi:providers:postgresql");
    expect(provider.inputs.password).toBe("[secret]");
    // No secret value reaches stdout in any form.
    expect(r.stdout).not.toMatch(/placeholder-(password|secret)/);
    expect(r.stdout).not.toContain("000000000000");
    const stack = plan.resources.find((x: { type: string }) => x.type === "controlcore:tenant:TenantStack");
    expect(plan.resources.filter((x: { parent: string }) => x.parent === stack.urn).map((x: { type: string }) => x.type)).toContain(
      "controlcore:postgres:PostgresSchemaWithRls",
    );
  });

  it("prints a human tree by default, marking values known only after deployment", () => {
    const r = tenantctl(["plan", "acme", "--plan", "custom"]);
    expect(r.status).toBe(0);
    const [title, note] = r.stdout.split("\n");
    expect(title).toMatch(/^Tenant acme · plan custom · isolation database · \d+ resources$/);
    expect(note).toContain("placeholder ARNs are in account 123456789012, region us-east-1");
    expect(r.stdout).toContain("controlcore:postgres:PostgresSchemaWithRls  acme-postgres");
    expect(r.stdout).toContain('password: "[secret]"');
    // The tenant role's ARN is an output of the role: marked, in the platform's account.
    expect(r.stdout).toMatch(/"arn:aws:iam::123456789012:role\/cc-tenant-acme" {2}⟵ placeholder/);
    // The platform's own role ARN comes from config: not marked.
    expect(r.stdout).toMatch(/"arn:aws:iam::123456789012:role\/controlcore-platform-admin"\n/);
  });

  it("accepts a user's plan file relative to where the user ran it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-"));
    // A user's variant of the pro tier (the platform has edge rate limits per tier name).
    fs.writeFileSync(path.join(dir, "team.yaml"), fs.readFileSync(path.join(ROOT, "plans/pro.yaml"), "utf8").replace("max_policies: 100", "max_policies: 40"));
    const r = tenantctl(["plan", "acme", "--plan", "team.yaml", "--json"], { INIT_CWD: dir });
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.plan).toEqual({ name: "pro", source: path.join(dir, "team.yaml"), isolationLevel: "schema" });
    expect(out.planSettings.limits.max_policies).toBe(40);
  });

  it("refuses an unknown plan before running anything, naming the plan", () => {
    const r = tenantctl(["plan", "acme", "--plan", "gold"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^tenantctl: invalid plan "?gold"?: 1 problem\n {2}- \(plan\): unknown plan "gold"; expected one of pro, custom or a path to a \.yaml file\n$/);
  });

  it("refuses a missing stack config file as stack config, not as a plan", () => {
    const missing = path.join(os.tmpdir(), `no-such-${runTag()}.yaml`);
    const r = tenantctl(["plan", "acme", "--stack-config", missing]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`tenantctl: invalid stack config file ${missing}: 1 problem\n  - (file): file not found: ${missing}\n`);
  });

  it("refuses an unknown isolation level with usage exit code 2", () => {
    const r = tenantctl(["plan", "acme", "--isolation", "galaxy"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("error: option '--isolation <level>' argument 'galaxy' is invalid. Allowed choices are database, schema, table, row.");
  });
});

describe("a refused argument", () => {
  it.each([
    [["fleet", "up", "--plan", "pro", "--growth", "fast"], "--growth", 'got "fast"; expected a number >= 1'],
    [["fleet", "up", "--plan", "pro", "--max-failures", "many"], "--max-failures", 'got "many"; expected a number >= 0'],
    [["fleet", "up", "--plan", "pro", "--canary", "0"], "--canary", 'got "0"; expected a whole number >= 1'],
    [["fleet", "up", "--plan", "pro", "--concurrency", "0"], "--concurrency", 'got "0"; expected a whole number >= 1'],
    [["worker", "--engine", "local", "--concurrency", "two"], "--concurrency", 'got "two"; expected a whole number >= 1'],
  ])("%j names the option and exits 2 (a NaN growth used to reach the wave planner)", (args, option, message) => {
    const r = tenantctl(args);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`tenantctl: invalid option ${option}: 1 problem\n  - ${option}: ${message}\n`);
    expect(r.status).toBe(2);
  });

  it.each([
    [["plan", "Admin"], "<tenant>"],
    [["plan", "Admin", "--json"], "<tenant>"],
    [["local", "up", "Admin"], "<tenant>"],
    [["local", "down", "Admin"], "<tenant>"],
    [["dashboards", "Admin"], "[tenant]"],
    [["dashboards", "--tenant", "Admin"], "--tenant"],
  ])("%j names the argument, exits 2 and loads no Pulumi SDK, database or Redis client", (args, argument) => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "mods-")), "loaded.json");
    const r = tenantctl(args, { LOADED_MODULES_OUT: out }, ["-r", path.join(__dirname, "loaded-modules.cjs")]);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`tenantctl: invalid argument ${argument}: 1 problem\n  - ${argument}: got "Admin"; ${UPPERCASE}\n`);
    expect(r.status).toBe(2);
    const loaded = (JSON.parse(fs.readFileSync(out, "utf8")) as string[]).map((f) => path.relative(ROOT, f));
    expect(loaded.filter((f) => /node_modules\/(@pulumi|pg|ioredis|@resvg|typescript|tsx)\//.test(f))).toEqual([]);
  });

  it("the bin runs the compiled command when the build is current, not the TypeScript sources", () => {
    ensureBuilt();
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "mods-")), "loaded.json");
    const r = tenantctl(["plan", "Admin"], { LOADED_MODULES_OUT: out }, ["-r", path.join(__dirname, "loaded-modules.cjs")], BIN);
    expect(r.stderr).toBe(`tenantctl: invalid argument <tenant>: 1 problem\n  - <tenant>: got "Admin"; ${UPPERCASE}\n`);
    expect(r.status).toBe(2);
    const loaded = (JSON.parse(fs.readFileSync(out, "utf8")) as string[]).map((f) => path.relative(ROOT, f));
    expect(loaded).toContain(path.join("dist", "cli", "tenantctl.js"));
    expect(loaded.filter((f) => f.endsWith(".ts") || f.includes("node_modules/tsx/"))).toEqual([]);
  }, 300_000);

  it("a missing --font file is refused as that option, before anything runs", () => {
    const missing = path.join(os.tmpdir(), `no-such-font-${runTag()}.ttf`);
    const r = tenantctl(["dashboards", "acme", "--font", missing]);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`tenantctl: invalid option --font: 1 problem\n  - --font: got ${JSON.stringify(missing)}; no such file (expected a .ttf or .otf font file)\n`);
    expect(r.status).toBe(2);
  });

  it("answers well under a second, faster than loading @pulumi/pulumi alone", () => {
    ensureBuilt();
    const refuse = bestOf(3, () => expect(tenantctl(["plan", "Admin"], {}, [], BIN).status).toBe(2));
    const sdk = bestOf(3, () => {
      const r = spawnSync(process.execPath, ["-e", 'require("@pulumi/pulumi")'], { cwd: ROOT });
      expect(r.status).toBe(0);
    });
    console.info(`refusing a bad tenant ID: ${refuse.toFixed(0)} ms; require("@pulumi/pulumi"): ${sdk.toFixed(0)} ms; ratio ${(refuse / sdk).toFixed(2)}`);
    expect(refuse).toBeLessThan(1500);
    expect(refuse).toBeLessThan(sdk);
  }, 300_000);
});

describe("README commands", () => {
  /** The README's runnable `npx tenantctl ... --json` lines (no [optional] parts), without redirection. */
  function readmeJsonCommands(): string[] {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const blocks = [...readme.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!);
    return blocks
      .flatMap((b) => b.split("\n"))
      .map((l) => l.replace(/\s+#.*$/, "").trim())
      .filter((l) => l.startsWith("npx tenantctl ") && l.includes(" --json") && !l.includes("["))
      .map((l) => l.replace(/\s*>\s*\S+$/, ""));
  }

  it("the README shows `npx tenantctl plan ... --json`, and it prints clean JSON on stdout", () => {
    ensureBuilt();
    const commands = readmeJsonCommands();
    expect(commands.filter((c) => c.startsWith("npx tenantctl plan "))).not.toEqual([]);
    for (const command of commands.filter((c) => !c.includes(" local "))) {
      const stdout = execSync(command, { cwd: ROOT, encoding: "utf8", env: { ...process.env, npm_config_yes: "false" } });
      const out = JSON.parse(stdout);
      expect(out.version).toBe(1);
      expect(out.tenant).toBe("acme");
    }
  }, 300_000);
});

describe("tenantctl dashboards", () => {
  it("--json names the files it wrote, with the same plan summary as `plan`", () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "dash-"));
    try {
      const r = tenantctl(["dashboards", "acme", "--out", outDir, "--json"]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(Object.keys(out)).toEqual(["version", "tenant", "plan", "dashboards"]);
      expect(out).toMatchObject({ version: 1, tenant: "acme", plan: { name: "pro", source: "pro", isolationLevel: "schema" } });
      expect(out.dashboards.map((d: { name: string; widgets: number }) => [d.name, d.widgets])).toEqual([
        ["cc-tenant-acme--overview", 7],
        ["cc-tenant-acme--performance", 6],
        ["cc-tenant-acme--security", 6],
      ]);
      for (const d of out.dashboards) for (const f of [d.json, d.svg, d.png]) expect(fs.statSync(f).size).toBeGreaterThan(0);
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  });

  it("npm run render-dashboards is the same command (--tenant form)", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(pkg.scripts["render-dashboards"]).toBe("node bin/tenantctl.cjs dashboards");
    expect(pkg.bin).toEqual({ tenantctl: "bin/tenantctl.cjs" });
    expect(pkg.scripts.tenantctl).toBe("node bin/tenantctl.cjs");
  });
});

describe("tenantctl local", () => {
  it("says how to start PostgreSQL when it is unreachable", () => {
    const r = tenantctl(["local", "up", "acme"], { DATABASE_URL: "postgresql://postgres@127.0.0.1:1/controlcore", TENANTCTL_STATE_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "st-")) });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^tenantctl: cannot connect to PostgreSQL at 127\.0\.0\.1:1 as postgres \(connect ECONNREFUSED 127\.0\.0\.1:1\)\./);
  });

  it("up --json is versioned; down removes the tenant", async () => {
    const db = await freshDatabase("cc_it_cli");
    const env = { DATABASE_URL: db.url, TENANTCTL_STATE_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "st-")) };
    const tenant = `cli-${runTag()}`;
    try {
      const up = tenantctl(["local", "up", tenant, "--isolation", "row", "--json"], env);
      expect(up.stderr).toBe("");
      expect(up.status).toBe(0);
      const out = JSON.parse(up.stdout);
      expect(Object.keys(out).slice(0, 3)).toEqual(["version", "tenant", "plan"]);
      expect(out.version).toBe(1);
      expect(out.tenant).toBe(tenant);
      // The same plan shape as `plan --json`.
      expect(out.plan).toEqual({ name: "pro", source: "pro", isolationLevel: "row" });
      expect(out.postgres.url).toMatch(/^postgresql:\/\//);
    } finally {
      const down = tenantctl(["local", "down", tenant], env);
      await db.drop();
      expect(down.status).toBe(0);
    }
  });
});
