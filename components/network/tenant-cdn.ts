/**
 * TenantCdn: the tenant's CloudFront presence. By default a distribution tenant on the
 * platform's multi-tenant distribution (10,000 per account); in `distribution` mode a standard
 * distribution of its own (500 per account, see docs/network.md).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { InputError, type Problem } from "../errors";
import type { TenantNames } from "../naming";
import { CLOUDFRONT_HOSTED_ZONE_ID, distributionSettings, distributionTenantSettings } from "./cdn-settings";
import type { NetworkPlatform } from "./config";

/** How the tenant's subdomain reaches the CDN. */
export interface CdnEndpoint {
  /** `ALIAS` to a distribution, or `CNAME` to a connection group's routing endpoint. */
  readonly recordType: "ALIAS" | "CNAME";
  readonly domainName: pulumi.Output<string>;
  /** Zone of the ALIAS target (CloudFront's); undefined for a CNAME. */
  readonly hostedZoneId: string | undefined;
}

export interface TenantCdnArgs {
  readonly names: TenantNames;
  /** The platform's network section (CDN mode and IDs, entry point, log bucket). */
  readonly network: NetworkPlatform;
  /** Names the tenant is served under (its subdomain, and a custom domain in the `serve` stage). */
  readonly domains: readonly string[];
  /**
   * The us-east-1 certificate covering `domains`. Required in `distribution` mode; in
   * `distribution-tenant` mode absent means the multi-tenant distribution's certificate covers them.
   */
  readonly certificateArn: pulumi.Input<string> | undefined;
  /**
   * The tier's CLOUDFRONT-scope web ACL (rate limits of the tenant's plan). Security note:
   * without it the tenant inherits only what the shared distribution enforces.
   * @default none
   */
  readonly webAclArn?: string;
  /** Tags of the tenant (`tenantTags`). */
  readonly tags: Record<string, string>;
}

/** Every problem of the arguments (empty when the CDN presence can be declared). */
export function tenantCdnProblems(args: TenantCdnArgs): Problem[] {
  const problems: Problem[] = [];
  const { network } = args;
  if (args.domains.length === 0) problems.push({ path: "domains", message: "[] is empty; expected at least the tenant's subdomain" });
  if (network.cdn.mode === "distribution-tenant") {
    for (const key of ["multiTenantDistributionId", "routingEndpoint"] as const) {
      if (network.cdn[key] === undefined) {
        problems.push({
          path: `platform.network.cdn.${key}`,
          message: "missing; required when network.cdn.mode is distribution-tenant and the plan enables the CDN (the platform's multi-tenant distribution ID and its connection group's routing endpoint)",
        });
      }
    }
  } else if (args.certificateArn === undefined) {
    problems.push({
      path: "certificateArn",
      message: "nothing; a certificate is required in network.cdn.mode distribution (a standard distribution serves its aliases with exactly one certificate)",
    });
  }
  return problems;
}

export class TenantCdn extends pulumi.ComponentResource {
  /** Where the tenant's DNS record points. */
  readonly endpoint: CdnEndpoint;
  /** The distribution tenant or distribution. */
  readonly resource: aws.cloudfront.DistributionTenant | aws.cloudfront.Distribution;

  constructor(name: string, args: TenantCdnArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = tenantCdnProblems(args);
    if (problems.length > 0) throw new InputError(`TenantCdn ${name} arguments`, problems);
    super("controlcore:network:TenantCdn", name, {}, opts);
    const { network, names } = args;

    if (network.cdn.mode === "distribution-tenant") {
      const tenant = new aws.cloudfront.DistributionTenant(
        `${name}-tenant`,
        distributionTenantSettings({
          names,
          distributionId: network.cdn.multiTenantDistributionId!,
          connectionGroupId: network.cdn.connectionGroupId,
          domains: args.domains,
          certificateArn: args.certificateArn,
          webAclArn: args.webAclArn,
          tags: args.tags,
        }),
        { parent: this },
      );
      this.resource = tenant;
      this.endpoint = { recordType: "CNAME", domainName: pulumi.output(network.cdn.routingEndpoint!), hostedZoneId: undefined };
    } else {
      const distribution = new aws.cloudfront.Distribution(
        `${name}-distribution`,
        distributionSettings({
          names,
          aliases: args.domains,
          originDomainName: network.entryPoint.domainName,
          certificateArn: args.certificateArn!,
          logBucket: network.logBucket,
          webAclArn: args.webAclArn,
          priceClass: network.cdn.priceClass,
          tags: args.tags,
        }),
        { parent: this },
      );
      this.resource = distribution;
      this.endpoint = { recordType: "ALIAS", domainName: distribution.domainName, hostedZoneId: CLOUDFRONT_HOSTED_ZONE_ID };
    }
    this.registerOutputs({ endpoint: this.endpoint.domainName, id: this.resource.id });
  }
}
