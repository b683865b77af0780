/**
 * Config of the network area: the platform section (`network`, shared by every tenant stack)
 * and the tenant's own network settings (its optional custom domain).
 */
import { z } from "zod";
import type { Problem } from "../errors";
import { customDomainSyntaxProblems, DEFAULT_BASE_DOMAIN } from "./domain-names";

const hostedZoneId = z
  .string()
  .regex(/^Z[A-Z0-9]{1,31}$/, "a Route 53 hosted zone ID (Z followed by uppercase letters and digits)");

const dnsName = z.string().superRefine((v, ctx) => {
  for (const message of customDomainSyntaxProblems(v)) ctx.addIssue({ code: "custom", message, input: v });
});

const planName = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, "a plan name (as in the plan's `name`)");

/**
 * What the platform entry point is. It decides which AWS resource sees a tenant's requests, and
 * so where its plan's rate limits can be enforced (see {@link rateLimitPath}):
 * - `alb`: an Application Load Balancer. Only the tier web ACL on the tenant's CloudFront
 *   presence enforces limits on this path; API Gateway usage plans never see the requests.
 * - `api-gateway`: an API Gateway REST API (its regional custom domain `*.{baseDomain}`), whose
 *   methods require an API key: the tenant's key joins its tier's usage plan.
 */
export const ENTRY_POINT_KINDS = ["alb", "api-gateway"] as const;
export type EntryPointKind = (typeof ENTRY_POINT_KINDS)[number];

/** Where tenant traffic enters the platform (its load balancer or its API Gateway API); the CDN's origin. */
export const EntryPointSchema = z
  .strictObject({
    kind: z
      .enum(ENTRY_POINT_KINDS)
      .describe("alb: an Application Load Balancer; api-gateway: an API Gateway REST API (regional custom domain). Decides where rate limits are enforced."),
    domainName: z.string().min(1).describe("DNS name of the platform entry point (the ALB's DNS name, or the API's regional custom domain name); the CDN's origin."),
    hostedZoneId: hostedZoneId.describe("Route 53 zone ID of the entry point itself (the ALB's canonical zone, or the custom domain's regional zone), for ALIAS records."),
  })
  .describe("The platform entry point: the CDN's origin, or (API Gateway without the CDN) the ALIAS target of tenant subdomains.");

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
  usagePlanIds: z
    .record(planName, z.string().min(1))
    .default({})
    .describe("API Gateway usage plan ID per plan name (one per tier, created from the plans by platform/PlatformRateLimits). Used when entryPoint.kind is api-gateway."),
  waf: z
    .boolean()
    .default(true)
    .describe("Point each tenant's CDN at its tier's web ACL. Security default: on; required with entryPoint.kind alb (nothing else on that path enforces the limits)."),
  webAclArns: z
    .record(planName, z.string().regex(/^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\//, "a CLOUDFRONT-scope WAFv2 web ACL ARN (region us-east-1, global/webacl/)"))
    .default({})
    .describe("CLOUDFRONT-scope web ACL ARN per plan name (one per tier, created from the plans by platform/PlatformRateLimits)."),
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
  /** The plan's limits the edge must enforce (named in refusals). */
  readonly limits: { readonly requests_per_minute: number; readonly burst_limit: number; readonly api_calls_per_hour: number };
}

/** An enforcer of a tenant's edge rate limits. */
export type RateLimitEnforcer = "cloudfront-web-acl" | "api-gateway-usage-plan";

/** Where the tenant's requests go and what enforces its plan's limits on that path. */
export interface RateLimitPath {
  readonly entryPointKind: EntryPointKind;
  /** The requests pass CloudFront (the plan enables the CDN). */
  readonly cdn: boolean;
  /** The tier web ACL the tenant's CloudFront presence uses, if any. */
  readonly webAclArn: string | undefined;
  /** The tier usage plan the tenant's API key joins, if the entry point is API Gateway. */
  readonly usagePlanId: string | undefined;
  /** What enforces the limits, in the order requests meet them; never empty. */
  readonly enforcedBy: readonly RateLimitEnforcer[];
}

const P = "platform.network";

/**
 * The enforced path of the tenant's requests, or the problems that make its plan's limits
 * (requests_per_minute, burst_limit, api_calls_per_hour) unenforced on it:
 *
 * | entryPoint.kind | CDN | enforced by |
 * |---|---|---|
 * | alb | on | the tier's CLOUDFRONT web ACL on the tenant's distribution (tenant); required |
 * | alb | off | nothing: refused (requests go straight to the ALB) |
 * | api-gateway | on | the tier web ACL (when `waf`) and the tier usage plan with the tenant's API key |
 * | api-gateway | off | the tier usage plan with the tenant's API key |
 *
 * A usage plan only meters requests to an API Gateway stage
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html),
 * and a CLOUDFRONT-scope web ACL only sees requests to CloudFront.
 */
export function rateLimitPath(network: NetworkPlatform, needs: NetworkNeeds): { path: RateLimitPath | undefined; problems: Problem[] } {
  const problems: Problem[] = [];
  const plan = JSON.stringify(needs.planName);
  const kind = network.entryPoint.kind;
  const { requests_per_minute, burst_limit, api_calls_per_hour } = needs.limits;
  const limits = `plan ${plan}'s requests_per_minute (${requests_per_minute}), burst_limit (${burst_limit}) and api_calls_per_hour (${api_calls_per_hour})`;
  const rl = network.rateLimiting;
  const webAcl = rl.webAclArns[needs.planName];
  const usagePlan = rl.usagePlanIds[needs.planName];
  const unusedUsagePlan =
    usagePlan !== undefined ? ` (${P}.rateLimiting.usagePlanIds.${needs.planName} is set, but a usage plan only meters requests to an API Gateway stage and none of these reaches one)` : "";

  if (kind === "alb" && !needs.cdnEnabled) {
    problems.push({
      path: `${P}.entryPoint.kind`,
      message:
        `"alb", but plan ${plan} has network.cdn_enabled false: its requests go from DNS straight to the load balancer, where no tier web ACL (CloudFront scope) and no usage plan (API Gateway only) sees them, so ${limits} would not be enforced${unusedUsagePlan}; ` +
        `expected the plan's network.cdn_enabled true (the tier web ACL then counts its requests) or entryPoint.kind "api-gateway" (its usage plan does)`,
    });
  }
  if (kind === "alb" && needs.cdnEnabled && !rl.waf) {
    problems.push({
      path: `${P}.rateLimiting.waf`,
      message:
        `false, but entryPoint.kind is "alb": the tier web ACL on the tenant's CloudFront presence is the only thing on the path CloudFront → load balancer that can enforce ${limits}${unusedUsagePlan}; ` +
        `expected true, with ${P}.rateLimiting.webAclArns.${needs.planName}`,
    });
  }
  if (needs.cdnEnabled && rl.waf && webAcl === undefined) {
    problems.push({
      path: `${P}.rateLimiting.webAclArns.${needs.planName}`,
      message:
        `missing; plan ${plan} enables the CDN and ${P}.rateLimiting.waf is true${kind === "alb" ? `, and with entryPoint.kind "alb" the tier web ACL is what enforces ${limits}${unusedUsagePlan}` : ""}; ` +
        `expected the ARN of the CLOUDFRONT web ACL of tier ${plan} (platform/PlatformRateLimits creates one per plan)${kind === "alb" ? "" : `, or set ${P}.rateLimiting.waf to false`}`,
    });
  }
  if (kind === "api-gateway" && usagePlan === undefined) {
    problems.push({
      path: `${P}.rateLimiting.usagePlanIds.${needs.planName}`,
      message:
        `missing; entryPoint.kind is "api-gateway", whose methods require an API key, so the tenant's key must join the usage plan that enforces ${limits}; ` +
        `expected the ID of the usage plan of tier ${plan} (platform/PlatformRateLimits creates one per plan)`,
    });
  }
  if (problems.length > 0) return { path: undefined, problems };

  const webAclArn = needs.cdnEnabled && rl.waf ? webAcl : undefined;
  const usagePlanId = kind === "api-gateway" ? usagePlan : undefined;
  const enforcedBy: RateLimitEnforcer[] = [
    ...(webAclArn !== undefined ? (["cloudfront-web-acl"] as const) : []),
    ...(usagePlanId !== undefined ? (["api-gateway-usage-plan"] as const) : []),
  ];
  return { path: { entryPointKind: kind, cdn: needs.cdnEnabled, webAclArn, usagePlanId, enforcedBy }, problems };
}

/**
 * Every gap between the platform's network section and what the tenant's plan needs: the rate
 * limit path ({@link rateLimitPath}) and the CDN's IDs. Each problem names the key, the value
 * and what is expected (empty when nothing is missing).
 */
export function networkConfigProblems(network: NetworkPlatform, needs: NetworkNeeds): Problem[] {
  const problems = [...rateLimitPath(network, needs).problems];
  if (needs.cdnEnabled && network.cdn.mode === "distribution-tenant") {
    if (network.cdn.multiTenantDistributionId === undefined) {
      problems.push({
        path: `${P}.cdn.multiTenantDistributionId`,
        message: "missing; expected the ID of the platform's multi-tenant distribution (the plan enables the CDN and network.cdn.mode is distribution-tenant)",
      });
    }
    if (network.cdn.routingEndpoint === undefined) {
      problems.push({
        path: `${P}.cdn.routingEndpoint`,
        message: "missing; expected the routing endpoint (xxxx.cloudfront.net) of the connection group the tenant's subdomain points to (the plan enables the CDN and network.cdn.mode is distribution-tenant)",
      });
    }
  }
  return problems;
}
