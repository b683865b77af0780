/**
 * The Pulumi engine's mapping from tenant + plan + platform to the stack (name, project, org,
 * config, secrets), and `--remote`'s mapping to RemoteWorkspace: pure functions, and the config
 * they produce read back by the program's own reader (readStackConfig) under mocks.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../../components/stack-config";
import { runUnderMocks } from "../../../cli/engine/mock-engine";
import { readStackFile } from "../../../cli/engine/stack-file";
import { requestOverrides } from "../../../cli/plan-request";
import { DEFAULT_STACK_FILE } from "../../../cli/project-dir";
import {
  remoteSecretEnv,
  remoteStackSettings,
  shellQuote,
  stackFileConfig,
  stackLocationFromEnv,
  stackSecretsFromEnv,
  tenantStackSettings,
} from "../../../cli/ops/stack-settings";

const dev = readStackFile(DEFAULT_STACK_FILE);
const devPlatform = dev.values["controlcore-tenant:platform"];
const PASSWORD = "s3cret-admin-pw";

function settingsOf(tenantId: string, extra: Partial<Parameters<typeof tenantStackSettings>[0]> = {}) {
  return tenantStackSettings({ tenantId, plan: "pro", platform: dev, secrets: { postgresAdminPassword: PASSWORD }, ...extra });
}

describe("tenantStackSettings", () => {
  it("names the stack after the tenant, in the project of Pulumi.yaml; an org qualifies it", () => {
    const plain = settingsOf("globex").settings!;
    expect([plain.stackName, plain.projectName, plain.org, plain.qualifiedName]).toEqual(["globex", "controlcore-tenant", undefined, "globex"]);
    expect(plain.projectSettings).toEqual({ name: "controlcore-tenant", runtime: { name: "nodejs", options: { typescript: true } } });
    const loc = stackLocationFromEnv({ PULUMI_ORG: "controlcore", PULUMI_BACKEND_URL: "s3://cc-state", TENANTCTL_PULUMI_PROJECT: "tenants" });
    const org = settingsOf("globex", { location: loc }).settings!;
    expect(org.qualifiedName).toBe("controlcore/tenants/globex");
    expect(org.projectSettings.backend).toEqual({ url: "s3://cc-state" });
  });

  it("sets the platform, region and the tenant's settings from the file, tenantId and plan from the request", () => {
    const s = settingsOf("globex", { plan: "custom" }).settings!;
    expect(s.config["controlcore-tenant:tenantId"]).toEqual({ value: "globex", secret: false });
    expect(s.config["controlcore-tenant:plan"]).toEqual({ value: "custom", secret: false });
    expect(s.config["aws:region"]).toEqual({ value: "us-east-1", secret: false });
    expect(JSON.parse(s.config["controlcore-tenant:platform"]!.value)).toEqual(devPlatform);
    // The dev file's overrides (max_users 25) are acme's: another tenant does not inherit them.
    expect(s.config["controlcore-tenant:planOverrides"]).toBeUndefined();
  });

  it("keeps a file's own plan overrides for its tenant, under the request's", () => {
    const s = settingsOf("acme", { overrides: requestOverrides({ isolation: "row" }) }).settings!;
    expect(JSON.parse(s.config["controlcore-tenant:planOverrides"]!.value)).toEqual({
      limits: { max_users: 25 },
      isolation_level: "row",
      database_schema: false,
    });
  });

  it("sets the admin password as a secret, from the environment variable; missing, it is a problem naming the variable", () => {
    const s = tenantStackSettings({ tenantId: "acme", plan: "pro", platform: dev, secrets: stackSecretsFromEnv({ CONTROLCORE_POSTGRES_ADMIN_PASSWORD: PASSWORD }) }).settings!;
    expect(s.config["controlcore-tenant:postgresAdminPassword"]).toEqual({ value: PASSWORD, secret: true });
    expect(s.secretKeys).toEqual(["controlcore-tenant:postgresAdminPassword"]);
    expect(Object.entries(s.config).filter(([, v]) => v.secret).map(([k]) => k)).toEqual(s.secretKeys);
    const missing = tenantStackSettings({ tenantId: "acme", plan: "pro", platform: dev, secrets: stackSecretsFromEnv({}) });
    expect(missing.settings).toBeUndefined();
    expect(missing.problems).toEqual([
      {
        path: "CONTROLCORE_POSTGRES_ADMIN_PASSWORD",
        message:
          "missing; the Pulumi engine sets controlcore-tenant:postgresAdminPassword as a secret from this environment variable (or set platformStack in the stack config)",
      },
    ]);
  });

  it("never passes a file's encrypted value on (it cannot be read without the CLI), and needs no password with platformStack", () => {
    const file = {
      values: { ...dev.values, "controlcore-tenant:kubeconfig": "placeholder-secret-kubeconfig", "controlcore-tenant:platformStack": "cc/platform/prod" },
      secretKeys: ["controlcore-tenant:kubeconfig"],
    };
    const r = tenantStackSettings({ tenantId: "acme", plan: "pro", platform: file, secrets: {} });
    expect(r.problems).toEqual([]);
    expect(r.settings!.config["controlcore-tenant:kubeconfig"]).toBeUndefined();
    expect(r.settings!.config["controlcore-tenant:platformStack"]).toEqual({ value: "cc/platform/prod", secret: false });
    expect(JSON.stringify(r.settings)).not.toContain("placeholder-secret");
  });

  it("refuses an org name Pulumi would not accept", () => {
    const r = settingsOf("acme", { location: { org: "my org" } });
    expect(r.problems).toEqual([{ path: "PULUMI_ORG", message: 'got "my org"; expected an organization name (letters, digits, -, _, .)' }]);
  });

  it("is what the program reads: readStackConfig over the mapped config returns the tenant, plan, overrides and a secret password", async () => {
    const s = settingsOf("acme", { overrides: requestOverrides({ isolation: "row" }) }).settings!;
    const values = Object.fromEntries(Object.entries(s.config).map(([k, v]) => [k, v.value]));
    const run = await runUnderMocks(
      async () => {
        pulumi.runtime.setAllConfig(values, [...s.secretKeys]);
        const args = await readStackConfig();
        const secret = pulumi.isSecret(pulumi.output(args.secrets.postgresAdminPassword));
        const password = await new Promise((resolve) => pulumi.output(args.secrets.postgresAdminPassword).apply(resolve));
        return { tenantId: args.tenantId, plan: args.plan.plan.name, level: args.plan.plan.isolation_level, maxUsers: args.plan.plan.limits.max_users, host: args.platform.postgres.host, secret: await secret, password };
      },
      { stack: "acme" },
    );
    expect(run.outputs).toEqual({
      tenantId: "acme",
      plan: "pro",
      level: "row",
      maxUsers: 25,
      host: "controlcore-platform.cluster-c0ffee123456.us-east-1.rds.amazonaws.com",
      secret: true,
      password: PASSWORD,
    });
  });
});

/** The arguments a shell passes to `pulumi` when it runs `command` (a stand-in `pulumi` prints them). */
function shellArgs(command: string): string[] {
  const out = execFileSync("sh", ["-c", `pulumi() { for a in "$@"; do printf '%s\\0' "$a"; done; }; ${command}`], { encoding: "utf8" });
  return out.split("\0").slice(0, -1);
}

describe("remoteStackSettings (--remote through Pulumi Deployments)", () => {
  const s = settingsOf("acme", { location: { org: "controlcore" } }).settings!;

  it("needs an org (remote stack names are org/project/stack) and the repository URL", () => {
    const r = remoteStackSettings(settingsOf("acme").settings!, {});
    expect(r.problems.map((p) => p.path)).toEqual(["PULUMI_ORG", "TENANTCTL_REMOTE_URL"]);
  });

  it("sets plain config in a pre-run command and secrets only through secret env vars", () => {
    const r = remoteStackSettings(s, { url: "https://github.com/controlcore/tenants.git", branch: "refs/heads/main", projectPath: "infra", token: "ghp_token" });
    const { args, opts } = r.settings!;
    expect(args).toEqual({
      stackName: "controlcore/controlcore-tenant/acme",
      url: "https://github.com/controlcore/tenants.git",
      projectPath: "infra",
      branch: "refs/heads/main",
      auth: { personalAccessToken: "ghp_token" },
    });
    expect(opts.envVars).toEqual({ TENANTCTL_SECRET_POSTGRESADMINPASSWORD: { secret: PASSWORD } });
    expect(opts.preRunCommands[0]).toMatch(/^pulumi config set-all --stack 'controlcore\/controlcore-tenant\/acme' --plaintext 'controlcore-tenant:tenantId=acme' /);
    // What the deployment's shell passes to `pulumi`: every plain value, byte for byte.
    const argv = shellArgs(opts.preRunCommands[0]!);
    expect(argv.slice(0, 4)).toEqual(["config", "set-all", "--stack", "controlcore/controlcore-tenant/acme"]);
    const set = Object.fromEntries(
      argv.slice(4).filter((_, i) => i % 2 === 1).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    );
    expect(argv.slice(4).filter((_, i) => i % 2 === 0).every((f) => f === "--plaintext")).toBe(true);
    expect(set).toEqual(Object.fromEntries(Object.entries(s.config).filter(([, v]) => !v.secret).map(([k, v]) => [k, v.value])));
    expect(JSON.parse(set["controlcore-tenant:platform"]!)).toEqual(devPlatform);
    expect(opts.preRunCommands[1]).toBe(
      "printenv TENANTCTL_SECRET_POSTGRESADMINPASSWORD | pulumi config set --secret --stack 'controlcore/controlcore-tenant/acme' 'controlcore-tenant:postgresAdminPassword'",
    );
    for (const c of opts.preRunCommands) expect(c).not.toContain(PASSWORD);
    expect(remoteSecretEnv("controlcore-tenant:kubeconfig")).toBe("TENANTCTL_SECRET_KUBECONFIG");
  });

  it("quotes values for the shell, a single quote included", () => {
    expect(shellQuote(`it's {"a":1}`)).toBe(`'it'\\''s {"a":1}'`);
    expect(execFileSync("sh", ["-c", `printf %s ${shellQuote(`it's {"a":1} $HOME`)}`], { encoding: "utf8" })).toBe(`it's {"a":1} $HOME`);
  });
});

describe("stackFileConfig (tenantctl init)", () => {
  it("writes objects as YAML objects, tenantId and plan first, and no secret", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sf-")), "Pulumi.x.yaml");
    fs.writeFileSync(file, "config:\n  controlcore-tenant:postgresAdminPassword:\n    secure: AAABAJ0xyz\n  controlcore-tenant:platform:\n    postgres: {host: db}\n");
    const c = stackFileConfig({ tenantId: "globex", plan: "custom", platform: readStackFile(file) });
    expect(c).toEqual({ "controlcore-tenant:tenantId": "globex", "controlcore-tenant:plan": "custom", "controlcore-tenant:platform": { postgres: { host: "db" } } });
  });
});
