/**
 * The isolation policies (./isolation-policies.ts) as CrossGuard policies: resource policies
 * become `ResourceValidationPolicy.validateResource`, stack policies `StackValidationPolicy
 * .validateStack`. Only types are imported from @pulumi/policy, and nothing here constructs a
 * PolicyPack: that happens in ./index.ts alone, because constructing one starts the policy server.
 *
 * Whose stack it is: the policy config `tenantId` when given (`pulumi preview --policy-pack policy
 * --policy-pack-config <file>`, see {@link policyPackConfig}), else the stack tag
 * `controlcore:tenant`, else the stack name (one stack per tenant, named by the tenant ID).
 *
 * Unknown values (computed by the cloud, during a preview): CrossGuard throws when a policy reads
 * one and reports the policy as not runnable (advisory) for that resource. A policy that only
 * reports what it finds (`scansKnownInputs`) is then run again over the inputs that are known,
 * so one unknown ARN does not hide a wildcard principal in a known document.
 */
import { type PolicyConfigSchema, type PolicyPackConfig, type ResourceValidationPolicy, type StackValidationPolicy, UnknownValueError } from "@pulumi/policy";
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

/** A copy of CrossGuard's proxied props without the values unknown during a preview. */
export function knownInputs(v: unknown): unknown {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      try {
        out.push(knownInputs(v[i]));
      } catch (e) {
        if (!(e instanceof UnknownValueError)) throw e;
      }
    }
    return out;
  }
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      try {
        out[k] = knownInputs((v as Record<string, unknown>)[k]);
      } catch (e) {
        if (!(e instanceof UnknownValueError)) throw e;
      }
    }
    return out;
  }
  return v;
}

/** One isolation policy as a CrossGuard policy. */
export function toCrossGuard(p: IsolationPolicy): ResourceValidationPolicy | StackValidationPolicy {
  const base = { name: p.name, description: p.description, enforcementLevel: p.enforcementLevel, configSchema: CONFIG_SCHEMA };
  if (p.kind === "resource") {
    return {
      ...base,
      validateResource: (args, reportViolation) => {
        const ctx = tenantContext({ urn: args.urn, stackTags: args.stackTags, config: args.getConfig() });
        const view = { type: args.type, urn: args.urn, name: args.name, props: args.props };
        let messages: string[];
        try {
          messages = p.check(view, ctx);
        } catch (e) {
          if (!(e instanceof UnknownValueError) || !p.scansKnownInputs) throw e;
          messages = p.check({ ...view, props: knownInputs(args.props) as Record<string, unknown> }, ctx);
        }
        for (const m of messages) reportViolation(m);
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
