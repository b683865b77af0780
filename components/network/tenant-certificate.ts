/**
 * TenantCertificate: the tenant's ACM certificate, DNS-validated through the platform's hosted
 * zone, created in us-east-1 with an explicit provider when CloudFront uses it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { InputError, type Problem } from "../errors";
import { ACM_FIRST_NAME_MAX_OCTETS, type CertificatePlan, optionFor, type ValidationOption, withoutRootDot } from "./domain-names";

/** The region CloudFront reads viewer certificates from, whatever the stack's region. */
export const CLOUDFRONT_CERTIFICATE_REGION = "us-east-1";
/** TTL of validation records: short, ACM re-reads them at renewal. */
export const VALIDATION_RECORD_TTL = 60;

/** A DNS record the customer must create in their own zone. */
export interface CustomerDnsRecord {
  readonly name: string;
  readonly type: string;
  readonly value: string;
  /** What it is for. */
  readonly purpose: string;
}

export interface TenantCertificateArgs {
  /**
   * The certificate's names and validation records, from `certificatePlan`. Absent when the
   * platform's certificate covers the tenant (platform-wildcard mode without a custom domain).
   */
  readonly plan: CertificatePlan | undefined;
  /** The platform's hosted zone: validation records of platform names are created in it. */
  readonly zoneId: pulumi.Input<string>;
  /**
   * The certificate is used by CloudFront: create it in us-east-1 through an explicit provider.
   * When false it is created in the stack's region (for the platform load balancer).
   * @default false
   */
  readonly cloudFront?: boolean;
  /**
   * A custom domain in the `verify` stage: a certificate for it (`claimCertificatePlan`) is
   * requested (not awaited) only to obtain its validation CNAME, published for the customer. ACM
   * answers a domain with the same CNAME across certificates of an account, so once the customer
   * has created it the `serve` stage validates at once.
   * @default none
   */
  readonly claim?: ClaimPlan;
  /**
   * Settings of the explicit us-east-1 provider. An explicit provider does not read the stack's
   * `aws:` config, so pass what the default provider gets from it (profile, assumeRoles,
   * allowedAccountIds): security note, without them the certificate could be created with
   * other credentials or in another account than the rest of the stack.
   * @default {} (credentials from the environment)
   */
  readonly providerArgs?: Omit<aws.ProviderArgs, "region">;
  /** Tags of the tenant (`tenantTags`), applied to every certificate. */
  readonly tags: Record<string, string>;
}

/** The claim certificate of a custom domain in the `verify` stage. */
export interface ClaimPlan {
  /** The custom domain whose validation record is published. */
  readonly domain: string;
  /** The certificate's first name (the domain itself when it fits ACM's 64 octets, else the subdomain). */
  readonly domainName: string;
  readonly subjectAlternativeNames: readonly string[];
}

/** Every problem of the arguments (empty when ACM would accept the certificates). */
export function tenantCertificateProblems(args: TenantCertificateArgs): Problem[] {
  const problems: Problem[] = [];
  if (args.plan === undefined && args.claim === undefined) {
    problems.push({ path: "plan", message: "nothing, and no claim either; expected a certificate plan or a claim" });
  }
  const first = (path: string, n: string) => {
    if (n.length > ACM_FIRST_NAME_MAX_OCTETS) {
      problems.push({ path, message: `${JSON.stringify(n)} is ${n.length} octets; ACM's first name (DomainName) takes at most ${ACM_FIRST_NAME_MAX_OCTETS}, longer names only as SANs` });
    }
  };
  if (args.plan !== undefined) first("plan.domainName", args.plan.domainName);
  if (args.claim !== undefined) {
    first("claim.domainName", args.claim.domainName);
    if (args.claim.domainName !== args.claim.domain && !args.claim.subjectAlternativeNames.includes(args.claim.domain)) {
      problems.push({ path: "claim.domain", message: `${JSON.stringify(args.claim.domain)} is not among the claim certificate's names; expected it as domainName or a SAN` });
    }
  }
  return problems;
}

export class TenantCertificate extends pulumi.ComponentResource {
  /** ARN of the certificate once ACM has issued it; undefined when there is none. */
  readonly certificateArn: pulumi.Output<string> | undefined;
  /** The explicit us-east-1 provider, when `cloudFront`. */
  readonly provider: aws.Provider | undefined;
  /** Records the customer must create in their zone (custom domain validation). */
  readonly customerRecords: pulumi.Output<CustomerDnsRecord[]>;

  constructor(name: string, args: TenantCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = tenantCertificateProblems(args);
    if (problems.length > 0) throw new InputError(`TenantCertificate ${name} arguments`, problems);
    super("controlcore:network:TenantCertificate", name, {}, opts);
    const { plan, tags } = args;
    this.provider = args.cloudFront
      ? new aws.Provider(
          `${name}-${CLOUDFRONT_CERTIFICATE_REGION}`,
          { ...args.providerArgs, region: CLOUDFRONT_CERTIFICATE_REGION },
          { parent: this },
        )
      : undefined;
    const childOpts: pulumi.CustomResourceOptions = { parent: this, provider: this.provider };
    const records: pulumi.Output<CustomerDnsRecord[]>[] = [];

    if (plan !== undefined) {
      const certificate = new aws.acm.Certificate(
        `${name}-cert`,
        {
          domainName: plan.domainName,
          subjectAlternativeNames: [...plan.subjectAlternativeNames],
          validationMethod: "DNS",
          tags,
        },
        childOpts,
      );
      const options = certificate.domainValidationOptions as pulumi.Output<ValidationOption[]>;
      const fqdns: pulumi.Output<string>[] = [];
      for (const validation of plan.validations) {
        const option = options.apply((o) => optionFor(o, plan, validation));
        if (validation.inPlatformZone) {
          const record = new aws.route53.Record(
            `${name}-validation-${validation.key}`,
            {
              zoneId: args.zoneId,
              name: option.resourceRecordName,
              type: option.resourceRecordType,
              records: [option.resourceRecordValue],
              ttl: VALIDATION_RECORD_TTL,
              // ACM gives a re-issued certificate the same record; overwrite it rather than fail.
              allowOverwrite: true,
            },
            // Route 53 is global: the record needs no regional provider.
            { parent: this },
          );
          fqdns.push(record.fqdn);
        } else {
          fqdns.push(option.resourceRecordName.apply(withoutRootDot));
          records.push(
            option.apply((o) => [
              { name: o.resourceRecordName, type: o.resourceRecordType, value: o.resourceRecordValue, purpose: `ACM validation of ${validation.domain}` },
            ]),
          );
        }
      }
      const validation = new aws.acm.CertificateValidation(
        `${name}-validation`,
        { certificateArn: certificate.arn, validationRecordFqdns: fqdns },
        childOpts,
      );
      this.certificateArn = validation.certificateArn;
    }

    if (args.claim !== undefined) {
      const { domain } = args.claim;
      const claim = new aws.acm.Certificate(
        `${name}-claim`,
        {
          domainName: args.claim.domainName,
          ...(args.claim.subjectAlternativeNames.length > 0 ? { subjectAlternativeNames: [...args.claim.subjectAlternativeNames] } : {}),
          validationMethod: "DNS",
          tags,
        },
        childOpts,
      );
      // Only the custom domain's record is the customer's; a subdomain put first for ACM's
      // 64-octet rule is validated by the platform zone (or left pending: this certificate is never awaited).
      records.push(
        (claim.domainValidationOptions as pulumi.Output<ValidationOption[]>).apply((o) =>
          o
            .filter((x) => x.domainName === domain)
            .map((x) => ({ name: x.resourceRecordName, type: x.resourceRecordType, value: x.resourceRecordValue, purpose: `ACM validation of ${domain}` })),
        ),
      );
    }

    this.customerRecords = pulumi.all(records).apply((lists) => lists.flat());
    this.registerOutputs({ certificateArn: this.certificateArn, customerRecords: this.customerRecords });
  }
}
