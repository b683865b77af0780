/**
 * Runs TenantNetwork under Pulumi runtime mocks for one configuration, and the shared checks
 * of the network component tests (tree, tags, names).
 */
import { expect } from "vitest";
import { type RecordedResource, runUnderMocks } from "../../cli/engine/mock-engine";
import { PLACEHOLDER_RULES_NETWORK } from "../../cli/engine/placeholders-network";
import { loadPlan } from "../../plans/load";
import type { Plan } from "../../plans/schema";
import { platformNetwork, tagsFor } from "./fixtures";

export const BASE = "controlplane.controlcore.io";

export interface BuildOptions {
  id?: string;
  plan?: Plan;
  network?: Record<string, unknown>;
  customDomain?: { name: string; stage: "verify" | "serve" };
  apiKeyValues?: Record<string, string>;
  awsProviderArgs?: Record<string, unknown>;
}

export async function build(o: BuildOptions = {}) {
  const id = o.id ?? "acme";
  const plan = o.plan ?? loadPlan("pro").plan;
  return runUnderMocks(
    async () => {
      const { tenantNames } = await import("../../components/naming.js");
      const { TenantNetwork } = await import("../../components/network/tenant-network.js");
      const pulumi = await import("@pulumi/pulumi");
      const construct = () => new TenantNetwork(`t-${id}-network`, {
        names: tenantNames(id),
        network: platformNetwork(o.network),
        tenant: o.customDomain ? { customDomain: o.customDomain } : undefined,
        planName: plan.name,
        cdnEnabled: plan.network.cdn_enabled,
        rateLimiting: plan.rate_limiting,
        limits: plan.limits,
        apiKeyValues: o.apiKeyValues === undefined ? undefined : Object.fromEntries(Object.entries(o.apiKeyValues).map(([k, v]) => [k, pulumi.output(v)])),
        awsProviderArgs: o.awsProviderArgs,
        tags: tagsFor(id, plan.name),
      });
      let n: InstanceType<typeof TenantNetwork>;
      try {
        n = construct();
      } catch (e) {
        // Caught here: a refusal must happen in the constructor, before any child exists.
        return { refusal: (e as Error).message } as Record<string, unknown>;
      }
      const keySecret = n.apiKeyValues
        ? (await Promise.all(Object.values(n.apiKeyValues).map((v) => (v as unknown as { isSecret: Promise<boolean> }).isSecret))).every(Boolean)
        : undefined;
      return { ...n.outputs(), keySecret } as Record<string, unknown>;
    },
  );
}

/** [type, logical name, parent's logical name] of every resource, by name (registration order is async). */
export const tree = (rs: readonly RecordedResource[]) =>
  rs
    .filter((r) => r.type !== "pulumi:pulumi:Stack")
    .map((r) => [r.type, r.name, r.parent?.split("::").pop()] as const)
    .sort((a, b) => a[1].localeCompare(b[1]));

export const certArn = (name: string) => PLACEHOLDER_RULES_NETWORK["aws:acm/certificate:Certificate"]!(name, {}).id;

/** Types that take no tags (checked: their Args have no `tags`). */
const UNTAGGABLE = new Set([
  "aws:route53/record:Record",
  "aws:acm/certificateValidation:CertificateValidation",
  "aws:apigateway/usagePlanKey:UsagePlanKey",
]);

export function expectTagged(rs: readonly RecordedResource[], id: string, plan: string) {
  const aws = rs.filter((r) => r.type.startsWith("aws:"));
  expect(aws.length).toBeGreaterThan(0);
  for (const r of aws) {
    if (UNTAGGABLE.has(r.type)) expect(r.inputs.tags, r.name).toBeUndefined();
    else expect(r.inputs.tags, `${r.type} ${r.name}`).toEqual(tagsFor(id, plan));
  }
}

/** Every tenant-identifying token in the recorded names and inputs belongs to `id`. */
export function expectOnlyNames(rs: readonly RecordedResource[], id: string) {
  const text = JSON.stringify(rs.map((r) => [r.name, r.inputs]));
  const owners = [
    // The label right before the base domain is the owning tenant's ID (`x.acme.{base}` is acme's).
    ...[...text.matchAll(/([a-z0-9-]+)\.controlplane\.controlcore\.io/g)].map((m) => m[1]!),
    ...[...text.matchAll(/tenants\/([a-z0-9-]+)\//g)].map((m) => m[1]!),
    ...[...text.matchAll(/cc-tenant-([a-z0-9-]+)/g)].map((m) => m[1]!),
    ...[...text.matchAll(/t-([a-z0-9-]+?)-network/g)].map((m) => m[1]!),
  ];
  expect(owners.length).toBeGreaterThan(0);
  expect(new Set(owners)).toEqual(new Set([id]));
}

