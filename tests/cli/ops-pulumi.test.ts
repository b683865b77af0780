/**
 * The operations commands with the Pulumi engine where no Pulumi CLI is installed (run for real
 * with a PATH lacking `pulumi`): the message, the hint and exit 5; settings refused before the
 * engine runs (exit 2); and `init`, which writes a validated Pulumi.<tenant>.yaml.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { EXIT, exitCodeOf } from "../../cli/ops/exit-codes";
import type { EngineErrorKind } from "../../cli/ops/engine";
import { ensureBuilt, ROOT, tenantctl } from "./built";

beforeAll(ensureBuilt, 300_000);

/** A PATH with node but without `pulumi` (asserted). */
const NO_PULUMI = (() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "path-"));
  fs.symlinkSync(process.execPath, path.join(dir, "node"));
  return dir;
})();
const noCli = { PATH: NO_PULUMI, CONTROLCORE_POSTGRES_ADMIN_PASSWORD: "admin-pw", PULUMI_ORG: "", TENANTCTL_REMOTE_URL: "" };

const lastJson = (stdout: string) => JSON.parse(stdout.trimEnd().split("\n").at(-1)!);

describe("--engine pulumi without the Pulumi CLI", () => {
  it.each([["up"], ["preview"], ["refresh"], ["destroy"], ["status"], ["outputs"]])("%s exits 5, saying how to install the CLI and what works without it", (op) => {
    expect(fs.existsSync(path.join(NO_PULUMI, "pulumi"))).toBe(false);
    const r = tenantctl([op, "acme", "--engine", "pulumi", "--json"], noCli);
    expect(r.status).toBe(5);
    const summary = lastJson(r.stdout);
    expect(summary).toMatchObject({ version: 1, type: "summary", tenant: "acme", engine: "pulumi", operation: op, result: "failed", exitCode: 5 });
    expect(summary.error.kind).toBe("unavailable");
    expect(summary.error.message).toBe("the Pulumi CLI is not installed (no `pulumi` on PATH): the Pulumi engine runs it through the Automation API");
    expect(r.stderr).toBe(
      "tenantctl: the Pulumi CLI is not installed (no `pulumi` on PATH): the Pulumi engine runs it through the Automation API\n" +
        "  hint: Install it: https://www.pulumi.com/docs/iac/download-install/ (e.g. `curl -fsSL https://get.pulumi.com | sh`), then `pulumi login`. " +
        "Without it these commands work: `tenantctl plan <tenant>` (offline plan), `tenantctl <preview|up|refresh|destroy|outputs|status> <tenant> --engine local` " +
        "and `tenantctl local up|down` (local PostgreSQL and Redis), `tenantctl dashboards <tenant>`.\n",
    );
  });

  it("the engine is the default", () => {
    const r = tenantctl(["status", "acme"], noCli);
    expect(r.status).toBe(5);
    expect(r.stdout).toBe("");
  });

  it("a missing admin password is invalid input (exit 2) naming the variable, before any CLI is looked for", () => {
    const r = tenantctl(["up", "acme", "--json"], { ...noCli, CONTROLCORE_POSTGRES_ADMIN_PASSWORD: "" });
    expect(r.status).toBe(2);
    expect(lastJson(r.stdout).error.kind).toBe("invalid-input");
    expect(r.stderr).toContain("CONTROLCORE_POSTGRES_ADMIN_PASSWORD: missing; the Pulumi engine sets controlcore-tenant:postgresAdminPassword as a secret");
  });

  it("--remote without an org or repository is invalid input (exit 2)", () => {
    const r = tenantctl(["up", "acme", "--remote", "--json"], noCli);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("PULUMI_ORG: missing; --remote needs the Pulumi Cloud organization");
    expect(r.stderr).toContain("TENANTCTL_REMOTE_URL: missing");
  });
});

describe("a refused argument of an operations command", () => {
  it.each([
    [["up", "Admin"]], [["preview", "Admin", "--engine", "local"]], [["destroy", "Admin"]], [["status", "Admin"]], [["outputs", "Admin"]], [["init", "Admin"]],
  ])("%j exits 2 and loads no Pulumi SDK, database or Redis client, nor the progress library", (args) => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "mods-")), "loaded.json");
    const r = tenantctl(args, { LOADED_MODULES_OUT: out }, ["-r", path.join(__dirname, "loaded-modules.cjs")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^tenantctl: invalid argument <tenant>: 1 problem\n/);
    const loaded = (JSON.parse(fs.readFileSync(out, "utf8")) as string[]).map((f) => path.relative(ROOT, f));
    expect(loaded.filter((f) => /node_modules\/(@pulumi|pg|ioredis|listr2)\//.test(f))).toEqual([]);
    expect(loaded.filter((f) => /dist\/cli\/ops\/(commands|pulumi-engine|local-engine|progress)\.js$/.test(f))).toEqual([]);
  });
});

describe("exit codes", () => {
  it("are distinct per outcome and every engine error kind has one", () => {
    expect(EXIT).toEqual({ ok: 0, failed: 1, invalidInput: 2, nothingThere: 3, conflict: 4, unavailable: 5 });
    const kinds: EngineErrorKind[] = ["invalid-input", "conflict", "not-found", "unavailable", "transient", "failed", "pending-operations"];
    expect(Object.fromEntries(kinds.map((k) => [k, exitCodeOf(k)]))).toEqual({
      "invalid-input": 2, conflict: 4, "not-found": 3, unavailable: 5, transient: 1, failed: 1, "pending-operations": 1,
    });
  });

  it("the README documents each", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    for (const [code, words] of [[0, "ok"], [1, "failed"], [2, "invalid input"], [3, "nothing"], [4, "conflict"], [5, "unavailable"]] as const) {
      expect(readme).toMatch(new RegExp(`\\| ${code} \\| [^|]*${words}`, "i"));
    }
  });
});

describe("tenantctl init", () => {
  it("writes Pulumi.<tenant>.yaml from the plan and the platform config, validated, and refuses to overwrite it without --force", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "init-"));
    const file = path.join(dir, "Pulumi.globex.yaml");
    const r = tenantctl(["init", "globex", "--plan", "custom", "--dir", dir, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ version: 1, type: "summary", tenant: "globex", operation: "init", file, plan: { name: "custom", source: "custom", isolationLevel: "database" }, result: "succeeded" });
    expect(summary.resources).toBeGreaterThan(20);
    const written = parse(fs.readFileSync(file, "utf8"));
    const dev = parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8"));
    expect(written.config["controlcore-tenant:tenantId"]).toBe("globex");
    expect(written.config["controlcore-tenant:plan"]).toBe("custom");
    expect(written.config["controlcore-tenant:platform"]).toEqual(dev.config["controlcore-tenant:platform"]);
    expect(written.config["controlcore-tenant:planOverrides"]).toBeUndefined();
    expect(written.config["controlcore-tenant:postgresAdminPassword"]).toBeUndefined();
    // The file is usable as it is: the offline plan reads it.
    const plan = tenantctl(["plan", "globex", "--plan", "custom", "--stack-config", file, "--json"]);
    expect(plan.status).toBe(0);

    const before = fs.readFileSync(file, "utf8");
    const again = tenantctl(["init", "globex", "--plan", "pro", "--dir", dir]);
    expect(again.status).toBe(2);
    expect(again.stderr).toBe(`tenantctl: ${file} exists; refusing to overwrite it (use --force to replace it)\n`);
    expect(fs.readFileSync(file, "utf8")).toBe(before);
    const forced = tenantctl(["init", "globex", "--plan", "pro", "--dir", dir, "--force"]);
    expect(forced.status).toBe(0);
    expect(parse(fs.readFileSync(file, "utf8")).config["controlcore-tenant:plan"]).toBe("pro");
  });

  it("refuses a platform config the plan cannot run on (exit 2), writing nothing", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "init-"));
    const platformFile = path.join(dir, "platform.yaml");
    const dev = parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8"));
    delete dev.config["controlcore-tenant:platform"].s3;
    fs.writeFileSync(platformFile, JSON.stringify(dev));
    const r = tenantctl(["init", "globex", "--plan", "pro", "--stack-config", platformFile, "--dir", dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("platform.s3: missing; plan pro enables");
    expect(fs.existsSync(path.join(dir, "Pulumi.globex.yaml"))).toBe(false);
  });
});
