import { describe, expect, it } from "vitest";
import type * as pulumi from "@pulumi/pulumi";
import { isSecretValue, type RecordedResource, runUnderMocks, unwrapSecrets } from "../../cli/engine/mock-engine";
import { PLACEHOLDER_RULES_REDIS } from "../../cli/engine/placeholders-redis";
import { tenantNames } from "../../components/naming";
import { tenantAccessString } from "../../components/redis/access-string";
import { InputError } from "../../components/errors";
import { RedisPlatformSchema } from "../../components/redis/config";
import { loadPlanFile, PLATFORM_REDIS, PLATFORM_REDIS_RAW, tagsFor } from "./fixtures";

/** Until PLACEHOLDER_RULES_REDIS is merged: answer this area's types from it. */
function redisState(args: pulumi.runtime.MockResourceArgs) {
  const rule = PLACEHOLDER_RULES_REDIS[args.type];
  if (!rule) return undefined;
  const { id, extra } = rule(args.name, args.inputs);
  return { id, state: { ...args.inputs, ...extra } };
}

interface Run {
  resources: RecordedResource[];
  outputs: Record<string, any>;
}

async function runNamespace(id: string, planName: "pro" | "custom", cell?: string): Promise<Run> {
  const plan = await loadPlanFile(planName);
  const run = await runUnderMocks(
    async () => {
      const m = await import("../../components/redis/redis-namespace.js");
      const c = new m.RedisNamespace(`t-${id}-redis`, {
        names: tenantNames(id),
        settings: plan.redis,
        dedicated: plan.dedicated_resources,
        platform: PLATFORM_REDIS,
        ...(cell !== undefined ? { cell } : {}),
        tags: tagsFor(id, plan.name),
      });
      return {
        config: c.config,
        placement: c.placement,
        accessString: c.accessString,
        username: c.username,
        endpoint: c.endpoint,
        port: c.port,
        password: c.password,
        connection: c.connection,
        passwordIsSecret: await (c.password as any).isSecret,
        connectionIsSecret: await (c.connection as any).isSecret,
        endpointIsSecret: await (c.endpoint as any).isSecret,
      };
    },
    { stack: id, state: redisState },
  );
  // The stack itself is the runner's; registration order of siblings is not deterministic.
  const resources = run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").sort((a, b) => a.name.localeCompare(b.name));
  return { resources, outputs: run.outputs };
}

const byName = (run: Run, name: string) => {
  const r = run.resources.find((x) => x.name === name);
  if (!r) throw new Error(`no resource ${name}; have ${run.resources.map((x) => x.name).join(", ")}`);
  return r;
};

/** Every string anywhere in a tree (secrets unwrapped). */
function strings(v: unknown): string[] {
  const u = unwrapSecrets(v);
  if (typeof u === "string") return [u];
  if (Array.isArray(u)) return u.flatMap(strings);
  if (typeof u === "object" && u !== null) return Object.entries(u).flatMap(([k, x]) => [k, ...strings(x)]);
  return [];
}

describe("RedisNamespace on a pooled cell (pro plan)", () => {
  it("registers exactly the component, a password, a user and one membership, parented to the component", async () => {
    const run = await runNamespace("acme", "pro");
    expect(run.resources.map((r) => [r.type, r.name])).toEqual([
      ["controlcore:redis:RedisNamespace", "t-acme-redis"],
      ["aws:elasticache/userGroupAssociation:UserGroupAssociation", "t-acme-redis-membership"],
      ["random:index/randomPassword:RandomPassword", "t-acme-redis-password"],
      ["aws:elasticache/user:User", "t-acme-redis-user"],
    ]);
    const component = byName(run, "t-acme-redis");
    for (const r of run.resources.slice(1)) expect(r.parent, r.name).toBe(component.urn);
  });

  it("generates a long URL-safe password", async () => {
    const run = await runNamespace("acme", "pro");
    expect(byName(run, "t-acme-redis-password").inputs).toEqual({
      length: 40,
      special: false,
      minLower: 1,
      minUpper: 1,
      minNumeric: 1,
    });
  });

  it("declares the user with the tenant's names, the pure access string, a secret password and tags", async () => {
    const run = await runNamespace("acme", "pro");
    const user = byName(run, "t-acme-redis-user");
    const password = byName(run, "t-acme-redis-password").state.result;
    // Pulumi marks the whole authenticationMode input secret (it holds a secret).
    expect(isSecretValue(user.inputs.authenticationMode)).toBe(true);
    expect(unwrapSecrets(user.inputs)).toEqual({
      userId: "tenant-acme",
      userName: "tenant-acme",
      engine: "redis",
      accessString: tenantAccessString("tenant:{acme}:"),
      authenticationMode: { type: "password", passwords: [password] },
      tags: {
        "controlcore:tenant": "acme",
        "controlcore:plan": "pro",
        "controlcore:managed-by": "pulumi",
        "controlcore:redis-ttl-default": "3600",
        "controlcore:redis-ttl-sessions": "86400",
        "controlcore:redis-ttl-cache": "1800",
        "controlcore:redis-memory-limit-mb": "256",
      },
    });
  });

  it("joins the placed cell's user group through its own association, never the shared UserGroup", async () => {
    const run = await runNamespace("acme", "pro");
    expect(byName(run, "t-acme-redis-membership").inputs).toEqual({ userGroupId: "cc-redis-cell-c", userId: "tenant-acme" });
    expect(run.resources.some((r) => r.type === "aws:elasticache/userGroup:UserGroup")).toBe(false);
    expect(run.outputs.placement).toEqual({ kind: "pooled", cell: "cell-c", userGroupId: "cc-redis-cell-c", reason: "hash" });
  });

  it("follows the tenant's redisCell override", async () => {
    const run = await runNamespace("acme", "pro", "cell-b");
    expect(byName(run, "t-acme-redis-membership").inputs).toEqual({ userGroupId: "cc-redis-cell-b", userId: "tenant-acme" });
    expect(run.outputs.placement).toEqual({ kind: "pooled", cell: "cell-b", userGroupId: "cc-redis-cell-b", reason: "override" });
    expect([run.outputs.endpoint, run.outputs.port]).toEqual(["cell-b.abc123.use1.cache.amazonaws.com", 6380]);
  });

  it("publishes config, endpoint and credentials; password and connection are secret, the endpoint is not", async () => {
    const run = await runNamespace("acme", "pro");
    const pw = byName(run, "t-acme-redis-password").state.result as string;
    expect(run.outputs.passwordIsSecret).toBe(true);
    expect(run.outputs.connectionIsSecret).toBe(true);
    expect(run.outputs.endpointIsSecret).toBe(false);
    expect(run.outputs.config).toEqual({
      keyPrefix: "tenant:{acme}:",
      channelPrefix: "tenant:{acme}:",
      ttlSeconds: { default: 3600, sessions: 86400, cache: 1800 },
      memoryLimitMb: 256,
    });
    expect(run.outputs.connection).toEqual({
      ...run.outputs.config,
      host: "cell-c.abc123.use1.cache.amazonaws.com",
      port: 6379,
      tls: true,
      username: "tenant-acme",
      password: pw,
      url: `rediss://tenant-acme:${pw}@cell-c.abc123.use1.cache.amazonaws.com:6379`,
    });
  });

  it("refuses an unknown cell override before registering anything (no engine is needed to see it)", async () => {
    // Outside any Pulumi run: registering a resource here would fail differently.
    const plan = await loadPlanFile("pro");
    const { RedisNamespace } = await import("../../components/redis/redis-namespace.js");
    const args = { names: tenantNames("acme"), settings: plan.redis, platform: PLATFORM_REDIS, tags: tagsFor("acme", "pro") };
    expect(() => new RedisNamespace("t-acme-redis", { ...args, cell: "cell-z" })).toThrow(
      new InputError("RedisNamespace arguments", [
        { path: "redisCell", message: '"cell-z" is not a configured Redis cell; expected one of cell-a, cell-b, cell-c' },
      ]),
    );
  });

  it("collects every problem (settings, override) into one error before registering anything", async () => {
    const plan = await loadPlanFile("pro");
    const { RedisNamespace } = await import("../../components/redis/redis-namespace.js");
    const args = { names: tenantNames("acme"), settings: { ...plan.redis, ttl_cache: 0 }, platform: PLATFORM_REDIS, tags: tagsFor("acme", "pro") };
    expect(() => new RedisNamespace("t-acme-redis", { ...args, cell: "cel-b" })).toThrow(
      "invalid RedisNamespace arguments: 2 problems\n" +
        "  - redis.ttl_cache: 0 is not a positive integer; expected a positive integer\n" +
        '  - redisCell: "cel-b" is not a configured Redis cell (did you mean "cell-b"?); expected one of cell-a, cell-b, cell-c',
    );
  });

  it("reports a bad prefix together with placement problems", async () => {
    const plan = await loadPlanFile("pro");
    const { redisNamespaceProblems } = await import("../../components/redis/redis-namespace.js");
    const names = { ...tenantNames("acme"), redisPrefix: "tenant:*:" };
    expect(redisNamespaceProblems({ names, settings: plan.redis, platform: PLATFORM_REDIS, cell: "cell-z", tags: {} })).toEqual([
      {
        path: "redisPrefix",
        message: '"tenant:*:" contains the glob metacharacter "*", which would widen the ACL pattern; expected none of * ? [ ] \\',
      },
      { path: "redisCell", message: '"cell-z" is not a configured Redis cell; expected one of cell-a, cell-b, cell-c' },
    ]);
  });

  it("refuses a cell whose engine cannot apply the access string, naming that cell's engineVersion key", async () => {
    const plan = await loadPlanFile("pro");
    const { RedisNamespace } = await import("../../components/redis/redis-namespace.js");
    // acme is hashed onto cell-c (index 2); cell-b (index 1) is only reached by the override.
    const platform = RedisPlatformSchema.parse({
      ...PLATFORM_REDIS_RAW,
      cells: PLATFORM_REDIS_RAW.cells.map((c) => (c.name === "cell-a" ? c : { ...c, engineVersion: "6.2" })),
    });
    const args = { names: tenantNames("acme"), settings: plan.redis, platform, tags: tagsFor("acme", "pro") };
    expect(() => new RedisNamespace("t-acme-redis", args)).toThrow(
      new InputError("RedisNamespace arguments", [
        {
          path: "platform.redis.cells[2].engineVersion",
          message:
            '"6.2" does not support subcommand rules (+command|subcommand), which the access string uses (+client|setname +client|getname +client|id and 7 more); expected Redis OSS 7.0 or later',
        },
      ]),
    );
    expect(() => new RedisNamespace("t-acme-redis", { ...args, cell: "cell-b" })).toThrow("platform.redis.cells[1].engineVersion: \"6.2\"");
    // A cell the tenant is not on does not concern this tenant's stack.
    const run = await runUnderMocks(
      async () => {
        new RedisNamespace("t-acme-redis", { ...args, cell: "cell-a" });
        return {};
      },
      { stack: "acme", state: redisState },
    );
    expect(run.resources.some((r) => r.type === "aws:elasticache/userGroupAssociation:UserGroupAssociation")).toBe(true);
  });

  it("gives the membership timeouts sized for one onboarding per cell, so a busy user group is retried, not failed", async () => {
    const plan = await loadPlanFile("pro");
    const options = new Map<string, pulumi.CustomResourceOptions>();
    await runUnderMocks(
      async () => {
        const m = await import("../../components/redis/redis-namespace.js");
        new m.RedisNamespace(
          "t-acme-redis",
          { names: tenantNames("acme"), settings: plan.redis, platform: PLATFORM_REDIS, tags: tagsFor("acme", "pro") },
          { transformations: [(a) => (options.set(a.type, a.opts), undefined)] },
        );
        return {};
      },
      { stack: "acme", state: redisState },
    );
    const membership = options.get("aws:elasticache/userGroupAssociation:UserGroupAssociation");
    expect(membership?.customTimeouts).toEqual({ create: "20m", delete: "20m" });
    expect(options.get("aws:elasticache/user:User")?.customTimeouts).toBeUndefined();
  });
});

describe("RedisNamespace with a dedicated cache (custom plan)", () => {
  it("registers the user, a disabled default user, a user group and a serverless cache; no pooled membership", async () => {
    const run = await runNamespace("globex", "custom");
    expect(run.resources.map((r) => [r.type, r.name])).toEqual([
      ["controlcore:redis:RedisNamespace", "t-globex-redis"],
      ["aws:elasticache/serverlessCache:ServerlessCache", "t-globex-redis-cache"],
      ["random:index/randomPassword:RandomPassword", "t-globex-redis-default-password"],
      ["aws:elasticache/user:User", "t-globex-redis-default-user"],
      ["random:index/randomPassword:RandomPassword", "t-globex-redis-password"],
      ["aws:elasticache/user:User", "t-globex-redis-user"],
      ["aws:elasticache/userGroup:UserGroup", "t-globex-redis-user-group"],
    ]);
    const component = byName(run, "t-globex-redis");
    for (const r of run.resources.slice(1)) expect(r.parent, r.name).toBe(component.urn);
  });

  it("caps the cache at the plan's memory (2048 MiB -> 2 GB) and the platform's ECPU limit", async () => {
    const run = await runNamespace("globex", "custom");
    const tags = tagsFor("globex", "custom");
    expect(unwrapSecrets(byName(run, "t-globex-redis-cache").inputs)).toEqual({
      name: "cc-globex",
      engine: "redis",
      majorEngineVersion: "7",
      description: "Dedicated Redis of tenant globex",
      cacheUsageLimits: { dataStorage: { maximum: 2, unit: "GB" }, ecpuPerSeconds: [{ maximum: 10000 }] },
      userGroupId: "cc-globex",
      subnetIds: ["subnet-0a", "subnet-0b"],
      securityGroupIds: ["sg-0redis"],
      snapshotRetentionLimit: 1,
      tags,
    });
    expect(byName(run, "t-globex-redis-user-group").inputs).toEqual({
      userGroupId: "cc-globex",
      engine: "redis",
      userIds: ["cc-globex", "tenant-globex"],
      tags,
    });
  });

  it("makes the group's mandatory default user off, with no command and a secret password", async () => {
    const run = await runNamespace("globex", "custom");
    const def = byName(run, "t-globex-redis-default-user");
    expect(isSecretValue(def.inputs.authenticationMode)).toBe(true);
    expect(unwrapSecrets(def.inputs)).toEqual({
      userId: "cc-globex",
      userName: "default",
      engine: "redis",
      accessString: "off -@all",
      authenticationMode: { type: "password", passwords: [byName(run, "t-globex-redis-default-password").state.result] },
      tags: tagsFor("globex", "custom"),
    });
  });

  it("gives the tenant's own user the same confined access string as on a pooled cell", async () => {
    const run = await runNamespace("globex", "custom");
    expect(byName(run, "t-globex-redis-user").inputs.accessString).toBe(tenantAccessString("tenant:{globex}:"));
  });

  it("publishes the serverless endpoint over TLS, secret credentials and the dedicated placement", async () => {
    const run = await runNamespace("globex", "custom");
    const host = "cc-globex-placeholder.serverless.use1.cache.amazonaws.com";
    expect(run.outputs.placement).toEqual({ kind: "dedicated", cacheName: "cc-globex", userGroupId: "cc-globex" });
    expect(run.outputs.passwordIsSecret).toBe(true);
    expect(run.outputs.connectionIsSecret).toBe(true);
    expect(run.outputs.connection.url).toBe(`rediss://tenant-globex:${run.outputs.password}@${host}:6379`);
    expect(run.outputs.config.memoryLimitMb).toBe(2048);
  });
});

describe("RedisNamespace names no other tenant", () => {
  it.each([
    ["acme", "pro", "globex"],
    ["globex", "custom", "acme"],
  ] as const)("every tenant-looking string in %s's inputs (%s plan) names that tenant only, never %s", async (id, planName, other) => {
    const run = await runNamespace(id, planName);
    const all = run.resources.flatMap((r) => strings(r.inputs));
    expect(all.join("\n")).not.toContain(other);
    for (const s of all) {
      for (const m of s.matchAll(/tenant[:-]([a-z0-9-]+?)(?=[:*\s]|$)/g)) expect(m[1], s).toBe(id);
    }
  });
});
