/**
 * TenantDomain: the tenant's `{tenant}.{baseDomain}` record in the platform's hosted zone,
 * pointing at the tenant's CDN or, without one, at the platform entry point.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { InputError, type Problem } from "../errors";

/** TTL of a CNAME to a CloudFront routing endpoint. */
export const CNAME_TTL = 300;

/** Where the record points. */
export interface DomainTarget {
  /** `ALIAS` (an A record aliasing an AWS endpoint) or `CNAME`. */
  readonly recordType: "ALIAS" | "CNAME";
  readonly domainName: pulumi.Input<string>;
  /** The target's own Route 53 zone (required for `ALIAS`). */
  readonly hostedZoneId?: pulumi.Input<string>;
}

export interface TenantDomainArgs {
  /** The platform's hosted zone of the base domain. */
  readonly zoneId: pulumi.Input<string>;
  /** The tenant's subdomain, `{tenant}.{baseDomain}` (from `tenantHostnames`). */
  readonly subdomain: string;
  /** The CDN endpoint, or the platform entry point. */
  readonly target: DomainTarget;
}

/** Every problem of the arguments (empty when the record can be declared). */
export function tenantDomainProblems(args: TenantDomainArgs): Problem[] {
  if (args.target.recordType === "ALIAS" && args.target.hostedZoneId === undefined) {
    return [{ path: "target.hostedZoneId", message: `nothing; an ALIAS target needs its own hosted zone ID (the zone of ${String(args.target.domainName)})` }];
  }
  return [];
}

export class TenantDomain extends pulumi.ComponentResource {
  /** The record's fully qualified name. */
  readonly fqdn: pulumi.Output<string>;

  constructor(name: string, args: TenantDomainArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = tenantDomainProblems(args);
    if (problems.length > 0) throw new InputError(`TenantDomain ${name} arguments`, problems);
    super("controlcore:network:TenantDomain", name, {}, opts);
    const { target } = args;
    // allowOverwrite stays false: a tenant stack must never take over a name it did not create.
    const common = { zoneId: args.zoneId, name: args.subdomain, allowOverwrite: false };
    const record =
      target.recordType === "ALIAS"
        ? new aws.route53.Record(
            `${name}-record`,
            { ...common, type: "A", aliases: [{ name: target.domainName, zoneId: target.hostedZoneId!, evaluateTargetHealth: false }] },
            { parent: this },
          )
        : new aws.route53.Record(
            `${name}-record`,
            { ...common, type: "CNAME", ttl: CNAME_TTL, records: [target.domainName] },
            { parent: this },
          );
    this.fqdn = record.fqdn;
    this.registerOutputs({ fqdn: this.fqdn });
  }
}
