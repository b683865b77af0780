/**
 * The tenant's CloudFront settings, built by pure functions: a distribution tenant on the
 * platform's multi-tenant distribution, or (distribution mode) a standard distribution of its own.
 */
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { TenantNames } from "../naming";

/** Route 53 zone of every CloudFront domain (`*.cloudfront.net`), for ALIAS records. */
export const CLOUDFRONT_HOSTED_ZONE_ID = "Z2FDTNDATAQYW2";
/** Viewer TLS floor: TLS 1.2 with the 2021 cipher suites. */
export const MINIMUM_VIEWER_PROTOCOL = "TLSv1.2_2021";
/** TLS versions CloudFront may use to the origin. */
export const ORIGIN_SSL_PROTOCOLS = ["TLSv1.2"];
/** Managed cache policy `CachingDisabled`: a control-plane API is not cacheable. */
export const CACHING_DISABLED_POLICY_ID = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
/**
 * Managed origin request policy `AllViewerExceptHostHeader`: the origin sees its own name as
 * Host (so its TLS certificate matches) and the tenant from {@link TENANT_ORIGIN_HEADER}.
 */
export const ALL_VIEWER_EXCEPT_HOST_POLICY_ID = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
/**
 * Header CloudFront adds on every origin request of a per-tenant distribution. CloudFront
 * documents that a custom origin header replaces a viewer-sent header of the same name, so a
 * viewer cannot claim another tenant (not verified here: no AWS account).
 */
export const TENANT_ORIGIN_HEADER = "x-controlcore-tenant";
/** Parameter the platform's multi-tenant distribution uses for the tenant (origin path or domain). */
export const TENANT_PARAMETER = "tenantId";
/** Origin ID inside a per-tenant distribution. */
export const ORIGIN_ID = "platform-entry-point";

/** The tenant's CloudFront access log prefix: the spec's `cc-logs/` under its S3 prefix. */
export function cloudFrontLogPrefix(names: TenantNames): string {
  return `${names.s3Prefix}cc-logs/cloudfront/`;
}

/** The bucket address CloudFront standard (legacy) logging expects. */
export function logBucketDomain(bucket: string): string {
  return `${bucket}.s3.amazonaws.com`;
}

/** Inputs of a per-tenant standard distribution. */
export interface DistributionSettingsInput {
  readonly names: TenantNames;
  /** The names the distribution answers for (subdomain, served custom domain). */
  readonly aliases: readonly string[];
  /** The platform entry point (origin), reached over HTTPS only. */
  readonly originDomainName: string;
  /** The tenant's us-east-1 certificate (validated). */
  readonly certificateArn: pulumi.Input<string>;
  /** The shared log bucket's name. */
  readonly logBucket: string;
  /** The tier's CLOUDFRONT-scope web ACL, if WAF rate limiting is on. */
  readonly webAclArn: string | undefined;
  readonly priceClass: string;
  readonly tags: Record<string, string>;
}

/** The arguments of a tenant's own CloudFront distribution. */
export function distributionSettings(input: DistributionSettingsInput): aws.cloudfront.DistributionArgs {
  const { names } = input;
  return {
    enabled: true,
    comment: `Control Core tenant ${names.edgeName}`,
    aliases: [...input.aliases],
    // One IPv4 ALIAS record per tenant keeps the zone at two records per tenant (SCALE.md).
    isIpv6Enabled: false,
    httpVersion: "http2and3",
    priceClass: input.priceClass,
    origins: [
      {
        originId: ORIGIN_ID,
        domainName: input.originDomainName,
        customOriginConfig: {
          httpPort: 80,
          httpsPort: 443,
          originProtocolPolicy: "https-only",
          originSslProtocols: [...ORIGIN_SSL_PROTOCOLS],
        },
        customHeaders: [{ name: TENANT_ORIGIN_HEADER, value: names.id }],
      },
    ],
    defaultCacheBehavior: {
      targetOriginId: ORIGIN_ID,
      viewerProtocolPolicy: "redirect-to-https",
      allowedMethods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
      cachedMethods: ["GET", "HEAD"],
      compress: true,
      cachePolicyId: CACHING_DISABLED_POLICY_ID,
      originRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_POLICY_ID,
    },
    viewerCertificate: {
      acmCertificateArn: input.certificateArn,
      sslSupportMethod: "sni-only",
      minimumProtocolVersion: MINIMUM_VIEWER_PROTOCOL,
    },
    loggingConfig: {
      bucket: logBucketDomain(input.logBucket),
      prefix: cloudFrontLogPrefix(names),
      includeCookies: false,
    },
    restrictions: { geoRestriction: { restrictionType: "none" } },
    webAclId: input.webAclArn,
    tags: { ...input.tags },
  };
}

/** Inputs of a tenant's distribution tenant. */
export interface DistributionTenantSettingsInput {
  readonly names: TenantNames;
  readonly distributionId: string;
  readonly connectionGroupId: string | undefined;
  /** The names the tenant answers for (subdomain, served custom domain). */
  readonly domains: readonly string[];
  /** The tenant's us-east-1 certificate; absent when the platform's certificate covers it. */
  readonly certificateArn: pulumi.Input<string> | undefined;
  /** The tier's web ACL, overriding the multi-tenant distribution's. */
  readonly webAclArn: string | undefined;
  readonly tags: Record<string, string>;
}

/** The arguments of the tenant's CloudFront distribution tenant. */
export function distributionTenantSettings(input: DistributionTenantSettingsInput): aws.cloudfront.DistributionTenantArgs {
  const customizations: aws.types.input.cloudfront.DistributionTenantCustomizations = {};
  if (input.certificateArn !== undefined) customizations.certificate = { arn: input.certificateArn };
  if (input.webAclArn !== undefined) customizations.webAcl = { action: "override", arn: input.webAclArn };
  return {
    name: input.names.edgeName,
    distributionId: input.distributionId,
    connectionGroupId: input.connectionGroupId,
    enabled: true,
    domains: input.domains.map((domain) => ({ domain })),
    parameters: [{ name: TENANT_PARAMETER, value: input.names.id }],
    customizations: Object.keys(customizations).length > 0 ? customizations : undefined,
    tags: { ...input.tags },
  };
}
