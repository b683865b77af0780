/**
 * Config of the network area: the platform section (`network`, shared by every tenant stack)
 * and the tenant's own network settings (its optional custom domain).
 */
import { z } from "zod";
import { customDomainSyntaxProblems, DEFAULT_BASE_DOMAIN } from "./domain-names";

const hostedZoneId = z
  .string()
  .regex(/^Z[A-Z0-9]{1,31}$/, "a Route 53 hosted zone ID (Z followed by uppercase letters and digits)");

const dnsName = z.string().superRefine((v, ctx) => {
  for (const message of customDomainSyntaxProblems(v)) ctx.addIssue({ code: "custom", message, input: v });
});

const planName = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, "a plan name (as in the plan's `name`)");

/** Where tenant traffic enters the platform (its load balancer, or the platform's CloudFront). */
export const EntryPointSchema = z.strictObject({
  domainName: z.string().min(1).describe("DNS name of the platform entry point (e.g. the ALB's DNS name); the CDN's origin."),
  hostedZoneId: hostedZoneId.describe("Route 53 zone ID of the entry point itself (the ALB's canonical zone), for ALIAS records."),
  httpsListenerArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:elasticloadbalancing:/, "an ELB listener ARN")
    .optional()
    .describe("HTTPS listener that serves tenants without a CDN; their certificate is attached to it (25 per ALB by default)."),
});

/** The tenant CDN: the platform's multi-tenant distribution (preferred) or one distribution per tenant. */
export const CdnPlatformSchema = z.strictObject({
  mode: z
    .enum(["distribution-tenant", "distribution"])
    .default("distribution-tenant")
    .describe(
      "distribution-tenant: one CloudFront distribution tenant per tenant on the platform's multi-tenant distribution (10,000 per account); distribution: one standard distribution per tenant (500 per account).",
    ),
  multiTenantDistributionId: z
    .string()
    .min(1)
    .optional()
    .describe("ID of the platform's multi-tenant distribution (required in distribution-tenant mode when a plan enables the CDN)."),
  connectionGroupId: z.string().min(1).optional().describe("Connection group of the distribution tenants; CloudFront's default group when absent."),
  routingEndpoint: z
    .string()
    .min(1)
    .optional()
    .describe("Routing endpoint (xxxx.cloudfront.net) of the connection group; tenant subdomains are CNAMEs to it (required in distribution-tenant mode)."),
  priceClass: z
    .enum(["PriceClass_100", "PriceClass_200", "PriceClass_All"])
    .default("PriceClass_100")
    .describe("Price class of per-tenant distributions (distribution mode)."),
});

/** Edge rate limiting: the platform's per-tier resources, referenced by plan name. */
export const RateLimitPlatformSchema = z.strictObject({
  apiGateway: z.boolean().default(true).describe("Attach each tenant's API key to its tier's usage plan. Security default: on."),
  usagePlanIds: z
    .record(planName, z.string().min(1))
    .default({})
    .describe("API Gateway usage plan ID per plan name (one per tier, created from the plans by PlatformRateLimits)."),
  waf: z.boolean().default(true).describe("Point each tenant's CDN at its tier's web ACL. Security default: on."),
  webAclArns: z
    .record(planName, z.string().regex(/^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\//, "a CLOUDFRONT-scope WAFv2 web ACL ARN (region us-east-1, global/webacl/)"))
    .default({})
    .describe("CLOUDFRONT-scope web ACL ARN per plan name (one per tier, created from the plans by PlatformRateLimits)."),
});

/** The platform's network section. */
export const NetworkPlatformSchema = z
  .strictObject({
    baseDomain: dnsName.default(DEFAULT_BASE_DOMAIN).describe("Base domain of tenant subdomains ({tenant}.{baseDomain})."),
    hostedZoneId: hostedZoneId.describe("Route 53 hosted zone of baseDomain: tenant records and certificate validation records go here."),
    entryPoint: EntryPointSchema,
    certificateMode: z
      .enum(["per-tenant", "platform-wildcard"])
      .default("per-tenant")
      .describe(
        "per-tenant: an ACM certificate per tenant with *.{tenant}.{baseDomain} (2,500 per account); platform-wildcard: the platform's *.{baseDomain} certificate, per-tenant certificates only for custom domains.",
      ),
    platformCertificateArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\//, "an ACM certificate ARN in us-east-1")
      .optional()
      .describe("The platform's *.{baseDomain} certificate (us-east-1); required in platform-wildcard mode."),
    logBucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name")
      .describe("The shared bucket; CDN access logs go to tenants/{id}/cc-logs/cloudfront/ in it."),
    cdn: CdnPlatformSchema.prefault({}),
    rateLimiting: RateLimitPlatformSchema.prefault({}),
  })
  .superRefine((v, ctx) => {
    if (v.certificateMode === "platform-wildcard" && v.platformCertificateArn === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["platformCertificateArn"],
        input: v.platformCertificateArn,
        message: "platformCertificateArn is required when certificateMode is platform-wildcard (the platform's *.{baseDomain} certificate in us-east-1)",
      });
    }
  })
  .describe("Network platform inputs: DNS zone, entry point, CDN, certificates and edge rate limiting.");
export type NetworkPlatform = z.infer<typeof NetworkPlatformSchema>;

/** The tenant's custom domain and its onboarding stage. */
export const CustomDomainSchema = z.strictObject({
  name: dnsName.describe("A DNS name the tenant owns, outside the platform base domain (lowercase, at most 253 characters)."),
  stage: z
    .enum(["verify", "serve"])
    .default("verify")
    .describe(
      "verify: request a certificate for it and publish its validation CNAME for the customer; serve: add it to the tenant's certificate and CDN once the customer has created that CNAME.",
    ),
});

/** The tenant's own network settings (tenant config, not the plan). */
export const TenantNetworkSchema = z.strictObject({
  customDomain: CustomDomainSchema.optional().describe("The tenant's own domain, if any."),
});
export type TenantNetwork = z.infer<typeof TenantNetworkSchema>;

/** What the tenant's plan asks of the platform's network section. */
export interface NetworkNeeds {
  /** The tenant's plan name: the key of its tier's usage plan and web ACL. */
  readonly planName: string;
  /** `network.cdn_enabled` of the plan. */
  readonly cdnEnabled: boolean;
}

/**
 * Every gap between the platform's network section and what the tenant's plan needs, each
 * naming the missing key and what is expected (empty when nothing is missing).
 */
export function networkConfigProblems(network: NetworkPlatform, needs: NetworkNeeds): string[] {
  const problems: string[] = [];
  const plan = JSON.stringify(needs.planName);
  if (network.rateLimiting.apiGateway && network.rateLimiting.usagePlanIds[needs.planName] === undefined) {
    problems.push(
      `network.rateLimiting.usagePlanIds has no entry for plan ${plan}; expected the ID of the platform's usage plan of that tier (PlatformRateLimits creates one per plan), or set network.rateLimiting.apiGateway to false`,
    );
  }
  if (needs.cdnEnabled && network.rateLimiting.waf && network.rateLimiting.webAclArns[needs.planName] === undefined) {
    problems.push(
      `network.rateLimiting.webAclArns has no entry for plan ${plan}; expected the ARN of the platform's CLOUDFRONT web ACL of that tier (PlatformRateLimits creates one per plan), or set network.rateLimiting.waf to false`,
    );
  }
  if (needs.cdnEnabled && network.cdn.mode === "distribution-tenant") {
    if (network.cdn.multiTenantDistributionId === undefined) {
      problems.push("network.cdn.multiTenantDistributionId is missing; expected the ID of the platform's multi-tenant distribution (the plan enables the CDN and network.cdn.mode is distribution-tenant)");
    }
    if (network.cdn.routingEndpoint === undefined) {
      problems.push("network.cdn.routingEndpoint is missing; expected the routing endpoint (xxxx.cloudfront.net) of the connection group the tenant's subdomain points to");
    }
  }
  return problems;
}
