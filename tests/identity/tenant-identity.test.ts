/**
 * TenantIdentity: the tenant key, alias and principal are one component that the S3, security,
 * monitoring and Kubernetes components receive; existing stacks, whose key and role were
 * children of S3TenantPrefix, map onto it through aliases instead of replacing them.
 */
import * as path from "node:path";
import type * as P from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { runUnderMocks } from "../../cli/engine/mock-engine";
import { readStackFile } from "../../cli/engine/stack-file";
import { parsePlatformConfig } from "../../components/platform-config";
import { loadPlan } from "../../plans/load";

const ROOT = path.resolve(__dirname, "..", "..");
const platform = parsePlatformConfig(readStackFile(path.join(ROOT, "Pulumi.dev.yaml")).values["controlcore-tenant:platform"]);

/**
 * The URNs of tenant acme's key, alias and principal in stack `dev` as the Pulumi engine named
 * them before TenantIdentity existed (commit 45a619d: children of `acme-s3`, an S3TenantPrefix):
 * what existing stacks hold in their state. The engine's qualified type is the parent's
 * qualified type plus the resource's type, with the root stack's type left out.
 */
const PREFIX = "urn:pulumi:dev::controlcore-tenant::controlcore:tenant:TenantStack$controlcore:s3:S3TenantPrefix";
const BEFORE = {
  key: `${PREFIX}$aws:kms/key:Key::acme-s3-key`,
  alias: `${PREFIX}$aws:kms/alias:Alias::acme-s3-key-alias`,
  principal: `${PREFIX}$controlcore:s3:TenantPrincipal::acme-s3-principal`,
  role: `${PREFIX}$controlcore:s3:TenantPrincipal$aws:iam/role:Role::acme-s3-principal-role`,
  podIdentity: `${PREFIX}$controlcore:s3:TenantPrincipal$aws:eks/podIdentityAssociation:PodIdentityAssociation::acme-s3-principal-pod-identity`,
};

/** Declares tenant acme on `plan` under mocks; returns every URN each identity resource answers to. */
async function identityUrns(plan: string, overrides?: Record<string, unknown>) {
  return runUnderMocks(async () => {
    const pulumi = await import("@pulumi/pulumi");
    const { allAliases } = await import("@pulumi/pulumi/resource.js");
    const { TenantStack } = await import("../../components/tenant-stack.js");
    const stack = new TenantStack("acme", {
      tenantId: "acme",
      plan: loadPlan(plan, overrides).plan,
      platform,
      secrets: { postgresAdminPassword: "pw" },
    });
    const identity = stack.identity;
    if (!identity) return { declared: false as const };
    type Internal = { urn: P.Output<string>; __aliases?: P.Output<string>[]; __name?: string };
    // What the engine matches old state against: the resource's URN, its own aliases, and the
    // aliases it inherits from its parent's (Pulumi's allAliases, as the SDK computes them).
    const answersTo = (r: P.Resource, parent: P.Resource) => {
      const self = r as unknown as Internal;
      const p = parent as unknown as Internal;
      const inherited = allAliases([], self.__name!, (r as unknown as { __pulumiType: string }).__pulumiType, parent, p.__name!);
      // Pulumi's mock monitor keeps the root stack's type in URNs, which the engine leaves out.
      return pulumi.all([self.urn, ...(self.__aliases ?? []), ...inherited]).apply((urns) => urns.map((u) => u.replace("::pulumi:pulumi:Stack$", "::")));
    };
    return {
      declared: true as const,
      key: answersTo(identity.key, identity),
      alias: answersTo(identity.keyAlias, identity),
      principal: answersTo(identity.principal, identity),
      role: answersTo(identity.principal.role, identity.principal),
      podIdentity: answersTo(identity.principal.podIdentityAssociation, identity.principal),
    };
  });
}

describe("TenantIdentity", () => {
  it("maps every resource of an existing stack's key, alias and principal by alias: no replacement", async () => {
    const { outputs } = await identityUrns("pro");
    expect(outputs.declared).toBe(true);
    for (const [resource, before] of Object.entries(BEFORE)) {
      const urns = (outputs as unknown as Record<string, string[]>)[resource]!;
      expect(urns[0], resource).toMatch(/controlcore:identity:Tenant(Identity|Principal)\$.*::acme-identity-/);
      expect(urns, resource).toContain(before);
    }
  });

  it("is declared for security or monitoring without an S3 prefix, and the S3 component is not", async () => {
    const run = await identityUrns("pro", { s3_prefix: false });
    const types = run.resources.map((r) => r.type);
    expect(types).toContain("controlcore:identity:TenantIdentity");
    expect(types).toContain("controlcore:security:SecurityCredentials");
    expect(types).toContain("controlcore:monitoring:TenantMonitoring");
    expect(types).not.toContain("controlcore:s3:S3TenantPrefix");
    const stack = run.resources.find((r) => r.type === "controlcore:tenant:TenantStack")!;
    const identity = run.resources.find((r) => r.type === "controlcore:identity:TenantIdentity")!;
    expect(identity.parent).toBe(stack.urn);
    // Security encrypts its secrets with the identity's key and lets its principal read them.
    const key = run.resources.find((r) => r.type === "aws:kms/key:Key")!;
    const secrets = run.resources.filter((r) => r.type === "aws:secretsmanager/secret:Secret");
    expect(secrets.length).toBeGreaterThan(0);
    for (const s of secrets) expect(s.inputs.kmsKeyId).toBe(key.state.arn);
  });

  it("is not declared when no plan feature needs the tenant's AWS identity", async () => {
    const run = await identityUrns("pro", { s3_prefix: false, security_isolation: false, monitoring_isolation: false });
    expect(run.outputs.declared).toBe(false);
    expect(run.resources.filter((r) => r.type.startsWith("aws:kms/") || r.type === "aws:iam/role:Role")).toEqual([]);
  });
});
