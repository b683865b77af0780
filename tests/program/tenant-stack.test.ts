/**
 * The whole TenantStack, as the offline plan shows it: every child of the spec for both plans,
 * plan switches that remove children, refusals before anything is declared, every taggable
 * resource tagged with its tenant, and no name of any other tenant anywhere in its inputs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { type RecordedResource, runUnderMocks } from "../../cli/engine/mock-engine";
import { runProgram } from "../../cli/offline-plan";

const CHILDREN = [
  "controlcore:identity:TenantIdentity",
  "controlcore:kubernetes:TenantNamespace",
  "controlcore:monitoring:TenantMonitoring",
  "controlcore:network:TenantNetwork",
  "controlcore:postgres:PostgresSchemaWithRls",
  "controlcore:redis:RedisNamespace",
  "controlcore:s3:S3TenantPrefix",
  "controlcore:security:SecurityCredentials",
];

function childTypes(resources: RecordedResource[]): string[] {
  const stack = resources.find((r) => r.type === "controlcore:tenant:TenantStack")!;
  return resources.filter((r) => r.parent === stack.urn).map((r) => r.type).sort();
}

/** Whether the provider's Args type for an AWS resource type declares `tags`. */
function awsTaggable(type: string): boolean {
  const [, moduleName, file, className] = type.match(/^aws:([a-zA-Z0-9]+)\/([a-zA-Z0-9]+):([A-Za-z0-9]+)$/)!;
  const dts = fs.readFileSync(path.join(__dirname, "../../node_modules/@pulumi/aws", moduleName!, `${file}.d.ts`), "utf8");
  const args = dts.slice(dts.indexOf(`export interface ${className}Args {`));
  return /\n    tags\?:/.test(args.slice(0, args.indexOf("\n}")));
}

describe("TenantStack", () => {
  it.each([["pro"], ["custom"]])("%s: the offline plan shows every child of the spec", async (plan) => {
    const { resources } = await runProgram({ tenantId: "acme", plan });
    expect(childTypes(resources)).toEqual(CHILDREN);
  });

  it("plan switches remove the children they govern", async () => {
    const { resources } = await runProgram({
      tenantId: "acme",
      plan: "pro",
      overrides: { redis_namespace: false, network_isolation: false, monitoring_isolation: false, security_isolation: false },
    });
    expect(childTypes(resources)).toEqual([
      "controlcore:identity:TenantIdentity",
      "controlcore:kubernetes:TenantNamespace",
      "controlcore:postgres:PostgresSchemaWithRls",
      "controlcore:s3:S3TenantPrefix",
    ]);
  });

  it("refuses a plan that needs platform sections the config lacks, all at once, before declaring anything", async () => {
    const { loadPlan } = await import("../../plans/load.js");
    const run = await runUnderMocks(async () => {
      const { TenantStack } = await import("../../components/tenant-stack.js");
      try {
        new TenantStack("acme", {
          tenantId: "acme",
          plan: loadPlan("pro").plan,
          platform: { postgres: { host: "db.internal", port: 5432, database: "controlcore", adminUser: "postgres", sslMode: "require", superuser: false } },
          secrets: { postgresAdminPassword: "pw" },
        });
        return { error: undefined };
      } catch (e) {
        return { error: (e as Error).message };
      }
    });
    expect(run.outputs.error).toBe(
      [
        'invalid inputs of tenant "acme": 3 problems',
        "  - platform.redis: missing; plan pro enables redis_namespace, which needs it",
        "  - platform.network: missing; plan pro enables network_isolation, which needs it",
        "  - platform.s3: missing; plan pro enables s3_prefix, security_isolation, monitoring_isolation, which need it (the tenant's KMS key and principal are declared from it)",
      ].join("\n"),
    );
    // Only the stack itself: not even the TenantStack component was registered.
    expect(run.resources.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
  });

  it("declares security and monitoring without an S3 prefix: they receive the tenant's identity", async () => {
    const { resources } = await runProgram({ tenantId: "acme", plan: "pro", overrides: { s3_prefix: false } });
    expect(childTypes(resources)).toEqual(CHILDREN.filter((t) => t !== "controlcore:s3:S3TenantPrefix"));
  });

  it("reports the problems of every child at once, before declaring anything", async () => {
    const { loadPlan } = await import("../../plans/load.js");
    const { parsePlatformConfig } = await import("../../components/platform-config.js");
    const { readStackFile } = await import("../../cli/engine/stack-file.js");
    const platform = parsePlatformConfig(readStackFile(path.join(__dirname, "../../Pulumi.dev.yaml")).values["controlcore-tenant:platform"]);
    const run = await runUnderMocks(async () => {
      const { TenantStack } = await import("../../components/tenant-stack.js");
      try {
        new TenantStack("acme", {
          tenantId: "acme",
          // A retention the shared bucket has no class for, an unknown Redis cell, a malformed custom
          // domain and two bad CORS origins: five children's problems in one error.
          plan: loadPlan("pro", { limits: { backup_retention_days: 45 } }).plan,
          platform,
          secrets: { postgresAdminPassword: "pw" },
          tenant: {
            redisCell: "cell-z",
            network: { customDomain: { name: "not a domain", stage: "verify" } },
            security: { corsAllowedOrigins: ["https://*.acme.example", "http://app.acme.example"], jwtKeySlots: ["a"], apiKeyNames: ["primary"] },
          },
        });
        return { error: undefined };
      } catch (e) {
        return { error: (e as Error).message };
      }
    });
    const lines = run.outputs.error!.split("\n");
    expect(lines[0]).toBe('invalid inputs of tenant "acme": 6 problems');
    expect(lines.slice(1).map((l) => l.split(":")[0])).toEqual([
      "  - plan.limits.backup_retention_days",
      "  - redisCell",
      "  - customDomain",
      "  - customDomain",
      "  - corsAllowedOrigins.0",
      "  - corsAllowedOrigins.1",
    ]);
    expect(run.resources.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
  });

  it.each([["pro"], ["custom"]])("%s: every taggable AWS resource and every Kubernetes object carries the tenant", async (plan) => {
    const { resources } = await runProgram({ tenantId: "acme", plan });
    const untagged: string[] = [];
    let checked = 0;
    for (const r of resources.filter((x) => x.custom)) {
      if (r.type.startsWith("aws:") && awsTaggable(r.type)) {
        checked++;
        const tags = r.inputs.tags as Record<string, string> | undefined;
        if (tags?.["controlcore:tenant"] !== "acme" || tags["controlcore:plan"] !== plan) untagged.push(`${r.type} ${r.name}`);
      }
      if (r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:core/v1:Namespace")) {
        const meta = r.inputs.metadata as { labels?: Record<string, string>; namespace?: string } | undefined;
        if (meta?.labels?.["controlcore.io/tenant"] !== "acme" || meta.namespace !== "tenant-acme") untagged.push(`${r.type} ${r.name}`);
      }
    }
    expect(untagged).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  });

  it.each([["pro"], ["custom"]])("%s: every tenant-derived name in any input is the tenant's own", async (plan) => {
    const { resources } = await runProgram({ tenantId: "acme", plan });
    const text = JSON.stringify(resources.map((r) => ({ ...r.inputs, __provider: undefined })));
    // Words that follow "tenant" in names of kinds, not of tenants.
    const vocabulary = new Set([
      "id", "isolation", "tables", "access", "data", "migrations", "bouncers", "compute", "container-defaults",
      "no-cross-namespace-affinity", "workload-reader",
    ]);
    const foreign = new Set<string>();
    for (const pattern of [/tenant_([a-z0-9_]+)/g, /tenant-([a-z0-9-]+)/g, /tenants\/([a-z0-9-]+)/g, /tenant:\{([^}]+)\}/g, /tenant\/([a-z0-9-]+)/g]) {
      for (const m of text.matchAll(pattern)) {
        const token = m[1]!;
        const own = token === "acme" || /^acme(-|_|--)/.test(token);
        if (!own && !vocabulary.has(token)) foreign.add(token);
      }
    }
    expect([...foreign]).toEqual([]);
  });
});
