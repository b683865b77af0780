/**
 * Reading stack config: every key is validated before any problem is reported, all problems
 * come in one error whose paths are the config keys a user edits, and an unknown key is
 * answered with the schema's keys and a "did you mean". (The stack's `aws:` settings reaching the
 * explicit providers: tests/network/tenant-stack-wiring.test.ts.)
 */
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runUnderMocks } from "../../cli/engine/mock-engine";
import { readStackFile } from "../../cli/engine/stack-file";

const ROOT = path.resolve(__dirname, "..", "..");
const NS = "controlcore-tenant";
const platform = readStackFile(path.join(ROOT, "Pulumi.dev.yaml")).values[`${NS}:platform`] as Record<string, any>;

/** Runs readStackConfig under mocks with `config` as the stack's config. */
async function read(config: Record<string, unknown>, secretKeys: string[] = [`${NS}:postgresAdminPassword`]) {
  const run = await runUnderMocks(async () => {
    const pulumi = await import("@pulumi/pulumi");
    pulumi.runtime.setAllConfig(
      Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
      secretKeys,
    );
    const { readStackConfig } = await import("../../components/stack-config.js");
    try {
      const args = await readStackConfig();
      return { ok: true as const, tenantId: args.tenantId, plan: args.plan.plan.name };
    } catch (e) {
      return { ok: false as const, message: (e as Error).message, problems: (e as { problems?: unknown }).problems };
    }
  });
  return run.outputs;
}

const base = {
  [`${NS}:tenantId`]: "acme",
  [`${NS}:plan`]: "pro",
  [`${NS}:platform`]: platform,
  [`${NS}:postgresAdminPassword`]: "admin-pw",
};

afterEach(async () => {
  const pulumi = await import("@pulumi/pulumi");
  pulumi.runtime.setAllConfig({}, []);
});

describe("readStackConfig", () => {
  it("accepts the example stack", async () => {
    const out = await read(base);
    expect(out).toMatchObject({ ok: true, tenantId: "acme", plan: "pro" });
  });

  it("reports every bad key at once, named as the user writes it, with the stack as source", async () => {
    const out = await read({
      ...base,
      [`${NS}:tenantId`]: "Acme",
      [`${NS}:platform`]: { ...platform, postgres: { ...platform.postgres, sslmode: "require", port: 70000 } },
      [`${NS}:corsAllowedOrigins`]: ["https://*.acme.example"],
      [`${NS}:planOverrides`]: { limits: { max_users: 0 } },
      [`${NS}:postgresAdminPassword`]: "",
    });
    expect(out.ok).toBe(false);
    const message = (out as { message: string }).message;
    expect(message.split("\n")[0]).toBe(`invalid stack config of stack "dev" (namespace ${NS}): 6 problems`);
    expect((out as { problems: Array<{ path: string; message: string }> }).problems).toEqual([
      { path: "tenantId", message: 'got "Acme"; it contains "A": uppercase letters are not allowed (DNS and Kubernetes names are lowercase)' },
      { path: "plan.limits.max_users", message: "got 0; Too small: expected number to be >0 (plan pro + overrides)" },
      {
        path: "postgresAdminPassword",
        message: "missing; set it with `pulumi config set --secret postgresAdminPassword <password>`, or set platformStack",
      },
      { path: "platform.postgres.port", message: "got 70000; Too big: expected number to be <=65535" },
      {
        path: "platform.postgres.sslmode",
        message: 'unknown key (value "require"); did you mean "sslMode"? Expected one of: host, port, database, adminUser, sslMode, superuser',
      },
      {
        path: "corsAllowedOrigins.0",
        message: expect.stringContaining("wildcards are refused because credentials are allowed"),
      },
    ]);
  });
});
