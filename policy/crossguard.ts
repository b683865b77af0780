/**
 * The isolation policies (./isolation-policies.ts) as CrossGuard policies: resource policies
 * become `ResourceValidationPolicy.validateResource`, stack policies `StackValidationPolicy
 * .validateStack`. Only types are imported from @pulumi/policy, and nothing here constructs a
 * PolicyPack: that happens in ./index.ts alone, because constructing one starts the policy server.
 *
 * Whose stack it is: the policy config `tenantId` when given (`pulumi preview --policy-pack policy
 * --policy-pack-config <file>`, see {@link policyPackConfig}), else the stack tag
 * `controlcore:tenant`, else the stack name (one stack per tenant, named by the tenant ID).
 */
import type { PolicyConfigSchema, PolicyPackConfig, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { type IsolationPolicy, ISOLATION_POLICIES, TENANT_TAG, type TenantContext } from "./isolation-policies";

/** The policy config every policy of the pack accepts. */
export const CONFIG_SCHEMA: PolicyConfigSchema = {
  properties: {
    tenantId: { type: "string", description: "The tenant whose stack this is (default: stack tag controlcore:tenant, else the stack name)." },
    otherTenants: { type: "array", items: { type: "string" }, description: "Other tenants, whose names must not appear in any input." },
  },
};

/** The stack name of a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function stackOfUrn(urn: string): string {
  const m = urn.match(/^urn:pulumi:([^:]+)::/);
  return m ? m[1]! : "";
}

/** The tenant context of a CrossGuard run (see the module comment for the order). */
export function tenantContext(args: {
  urn: string;
  stackTags?: ReadonlyMap<string, string>;
  config?: { tenantId?: string; otherTenants?: string[] };
}): TenantContext {
  const tenantId = args.config?.tenantId ?? args.stackTags?.get(TENANT_TAG) ?? stackOfUrn(args.urn);
  return { tenantId, otherTenants: args.config?.otherTenants ?? [] };
}

/** One isolation policy as a CrossGuard policy. */
export function toCrossGuard(p: IsolationPolicy): ResourceValidationPolicy | StackValidationPolicy {
  const base = { name: p.name, description: p.description, enforcementLevel: p.enforcementLevel, configSchema: CONFIG_SCHEMA };
  if (p.kind === "resource") {
    return {
      ...base,
      validateResource: (args, reportViolation) => {
        const ctx = tenantContext({ urn: args.urn, stackTags: args.stackTags, config: args.getConfig() });
        for (const m of p.check({ type: args.type, urn: args.urn, name: args.name, props: args.props }, ctx)) reportViolation(m);
      },
    };
  }
  return {
    ...base,
    validateStack: (args, reportViolation) => {
      const first = args.resources[0];
      if (first === undefined) return;
      const ctx = tenantContext({ urn: first.urn, stackTags: args.stackTags, config: args.getConfig() });
      const views = args.resources.map((r) => ({ type: r.type, urn: r.urn, name: r.name, props: r.props }));
      for (const v of p.check(views, ctx)) reportViolation(v.message, v.urn);
    },
  };
}

/** The pack's policies. */
export function crossGuardPolicies(): (ResourceValidationPolicy | StackValidationPolicy)[] {
  return ISOLATION_POLICIES.map(toCrossGuard);
}

/** A `--policy-pack-config` file's content that names the tenant (and the others) for every policy. */
export function policyPackConfig(tenantId: string, otherTenants: readonly string[] = []): PolicyPackConfig {
  return Object.fromEntries(ISOLATION_POLICIES.map((p) => [p.name, { tenantId, otherTenants: [...otherTenants] }]));
}
