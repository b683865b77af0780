/**
 * PlatformRateLimits: the platform stack's side of edge rate limiting — one CLOUDFRONT web ACL
 * and one API Gateway usage plan per plan tier, generated from the same plan files as the
 * tenants. Its outputs are exactly the `network.rateLimiting` maps of platform config.
 *
 * Not used by tenant stacks: a tenant stack only attaches itself to its tier.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { InputError, type Problem } from "../components/errors";
import { awsProviderArgsFromConfig } from "../components/network/aws-provider-args";
import { platformTiers, type TierPlan } from "../components/network/rate-limits";

/** CLOUDFRONT-scope web ACLs live in us-east-1. */
export const CLOUDFRONT_WAF_REGION = "us-east-1";

export interface PlatformRateLimitsArgs {
  /** Every plan tenants may be on (e.g. pro and custom); one tier each. */
  readonly plans: readonly TierPlan[];
  /**
   * The API stages the usage plans meter (the platform's REST API). The API must require API
   * keys on its methods for the usage plans to apply.
   */
  readonly apiStages: ReadonlyArray<{ apiId: pulumi.Input<string>; stage: pulumi.Input<string> }>;
  /** Tags of the platform's resources. */
  readonly tags: Record<string, string>;
  /**
   * Settings of the explicit us-east-1 provider of the web ACLs (profile, assumeRoles,
   * allowedAccountIds…): an explicit provider does not read the stack's `aws:` config itself.
   * @default the platform stack's `aws:` config (`awsProviderArgsFromConfig`)
   */
  readonly providerArgs?: Omit<aws.ProviderArgs, "region">;
}

/** Every problem of the arguments (empty when usable). */
export function platformRateLimitsProblems(args: PlatformRateLimitsArgs): Problem[] {
  const problems: Problem[] = [];
  if (args.plans.length === 0) problems.push({ path: "plans", message: "[] is empty; expected every plan tenants may be on" });
  const seen = new Set<string>();
  args.plans.forEach((p, i) => {
    if (seen.has(p.name)) problems.push({ path: `plans.${i}.name`, message: `${JSON.stringify(p.name)} is listed twice; expected one tier per plan name` });
    seen.add(p.name);
  });
  return problems;
}

export class PlatformRateLimits extends pulumi.ComponentResource {
  /** `network.rateLimiting.usagePlanIds`: usage plan ID per plan name. */
  readonly usagePlanIds: pulumi.Output<Record<string, string>>;
  /** `network.rateLimiting.webAclArns`: web ACL ARN per plan name. */
  readonly webAclArns: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: PlatformRateLimitsArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = platformRateLimitsProblems(args);
    if (problems.length > 0) throw new InputError(`PlatformRateLimits ${name} arguments`, problems);
    super("controlcore:network:PlatformRateLimits", name, {}, opts);
    const tiers = platformTiers(args.plans);
    const providerArgs = args.providerArgs ?? awsProviderArgsFromConfig(new pulumi.Config("aws"));
    const provider = new aws.Provider(`${name}-${CLOUDFRONT_WAF_REGION}`, { ...providerArgs, region: CLOUDFRONT_WAF_REGION }, { parent: this });
    const usagePlanIds: Record<string, pulumi.Output<string>> = {};
    const webAclArns: Record<string, pulumi.Output<string>> = {};
    for (const tier of tiers) {
      const acl = new aws.wafv2.WebAcl(
        `${name}-${tier.plan}-web-acl`,
        {
          name: tier.webAcl.name,
          description: `Control Core edge rate limits of plan ${tier.plan}, counted per tenant host`,
          scope: "CLOUDFRONT",
          defaultAction: { allow: {} },
          rules: tier.webAcl.rules,
          visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: tier.webAcl.name, sampledRequestsEnabled: true },
          tags: { ...args.tags, "controlcore:plan": tier.plan },
        },
        { parent: this, provider },
      );
      const usagePlan = new aws.apigateway.UsagePlan(
        `${name}-${tier.plan}-usage-plan`,
        {
          name: tier.usagePlan.name,
          description: `Control Core API limits of plan ${tier.plan}, applied to each tenant's API key`,
          throttleSettings: tier.usagePlan.throttleSettings,
          quotaSettings: tier.usagePlan.quotaSettings,
          apiStages: args.apiStages.map((s) => ({ apiId: s.apiId, stage: s.stage })),
          tags: { ...args.tags, "controlcore:plan": tier.plan },
        },
        { parent: this },
      );
      webAclArns[tier.plan] = acl.arn;
      usagePlanIds[tier.plan] = usagePlan.id;
    }
    this.usagePlanIds = pulumi.output(usagePlanIds);
    this.webAclArns = pulumi.output(webAclArns);
    this.registerOutputs({ usagePlanIds: this.usagePlanIds, webAclArns: this.webAclArns });
  }
}
