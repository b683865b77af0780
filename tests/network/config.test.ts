import { describe, expect, it } from "vitest";
import { CustomDomainSchema, networkConfigProblems, NetworkPlatformSchema, rateLimitPath, TenantNetworkSchema } from "../../components/network/config";
import { API_GATEWAY_ENTRY_POINT, CUSTOM_ACL, PLATFORM_NETWORK_RAW, platformNetwork, PRO_ACL } from "./fixtures";

/** What pro.yaml asks of the edge (tests/network/rate-limits.test.ts reads the same file). */
const PRO_LIMITS = { requests_per_minute: 1000, burst_limit: 2000, api_calls_per_hour: 10000 };
const pro = (cdnEnabled: boolean) => ({ planName: "pro", cdnEnabled, limits: PRO_LIMITS });
const LIMITS_TEXT = `plan "pro"'s requests_per_minute (1000), burst_limit (2000) and api_calls_per_hour (10000)`;

const messages = (r: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } }) =>
  r.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];

describe("NetworkPlatformSchema", () => {
  it("fills the spec's base domain and the safe defaults", () => {
    const n = NetworkPlatformSchema.parse({ hostedZoneId: "Z0ZONE", entryPoint: { kind: "alb", domainName: "lb.example.com", hostedZoneId: "Z1LB" }, logBucket: "shared-bucket" });
    expect(n.baseDomain).toBe("controlplane.controlcore.io");
    expect(n.certificateMode).toBe("per-tenant");
    expect(n.cdn).toEqual({ mode: "distribution-tenant", priceClass: "PriceClass_100" });
    expect(n.rateLimiting).toEqual({ usagePlanIds: {}, waf: true, webAclArns: {} });
  });

  it("requires the entry point's kind", () => {
    const { kind: _kind, ...noKind } = PLATFORM_NETWORK_RAW.entryPoint;
    expect(messages(NetworkPlatformSchema.safeParse({ ...PLATFORM_NETWORK_RAW, entryPoint: noKind }))).toEqual([
      `entryPoint.kind: Invalid option: expected one of "alb"|"api-gateway"`,
    ]);
  });

  it("requires the platform's wildcard certificate in platform-wildcard mode", () => {
    const r = NetworkPlatformSchema.safeParse({ ...PLATFORM_NETWORK_RAW, certificateMode: "platform-wildcard" });
    expect(messages(r)).toEqual([
      "platformCertificateArn: platformCertificateArn is required when certificateMode is platform-wildcard (the platform's *.{baseDomain} certificate in us-east-1)",
    ]);
  });

  it("refuses a certificate outside us-east-1, a regional web ACL, a bad zone ID and a bad base domain", () => {
    const r = NetworkPlatformSchema.safeParse({
      ...PLATFORM_NETWORK_RAW,
      hostedZoneId: "zone-1",
      baseDomain: "Platform.Example.com",
      certificateMode: "platform-wildcard",
      platformCertificateArn: "arn:aws:acm:eu-west-1:111122223333:certificate/abc",
      rateLimiting: { webAclArns: { pro: "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/x/1" } },
    });
    expect(messages(r)).toEqual([
      "baseDomain: it contains uppercase letters; write it in lowercase (certificate names and CloudFront aliases are compared in lowercase)",
      "hostedZoneId: a Route 53 hosted zone ID (Z followed by uppercase letters and digits)",
      "platformCertificateArn: an ACM certificate ARN in us-east-1",
      "rateLimiting.webAclArns.pro: a CLOUDFRONT-scope WAFv2 web ACL ARN (region us-east-1, global/webacl/)",
    ]);
  });
});

describe("TenantNetworkSchema", () => {
  it("a custom domain starts in the verify stage", () => {
    expect(TenantNetworkSchema.parse({ customDomain: { name: "api.acme.com" } })).toEqual({ customDomain: { name: "api.acme.com", stage: "verify" } });
    expect(TenantNetworkSchema.parse({})).toEqual({});
  });

  it("refuses a malformed custom domain with the validator's message", () => {
    expect(messages(CustomDomainSchema.safeParse({ name: "*.acme.com" }))).toEqual(["name: it contains a wildcard (*); a custom domain names exactly one host"]);
  });
});

describe("networkConfigProblems", () => {
  it("nothing is missing for pro with the CDN behind an ALB", () => {
    expect(networkConfigProblems(platformNetwork(), pro(true))).toEqual([]);
  });

  it("names every missing tier resource and CDN ID at once (API Gateway entry point)", () => {
    const n = platformNetwork({ entryPoint: API_GATEWAY_ENTRY_POINT, rateLimiting: {}, cdn: {} });
    expect(networkConfigProblems(n, pro(true))).toEqual([
      {
        path: "platform.network.rateLimiting.webAclArns.pro",
        message: `missing; plan "pro" enables the CDN and platform.network.rateLimiting.waf is true; expected the ARN of the CLOUDFRONT web ACL of tier "pro" (platform/PlatformRateLimits creates one per plan), or set platform.network.rateLimiting.waf to false`,
      },
      {
        path: "platform.network.rateLimiting.usagePlanIds.pro",
        message: `missing; entryPoint.kind is "api-gateway", whose methods require an API key, so the tenant's key must join the usage plan that enforces ${LIMITS_TEXT}; expected the ID of the usage plan of tier "pro" (platform/PlatformRateLimits creates one per plan)`,
      },
      {
        path: "platform.network.cdn.multiTenantDistributionId",
        message: "missing; expected the ID of the platform's multi-tenant distribution (the plan enables the CDN and network.cdn.mode is distribution-tenant)",
      },
      {
        path: "platform.network.cdn.routingEndpoint",
        message: "missing; expected the routing endpoint (xxxx.cloudfront.net) of the connection group the tenant's subdomain points to (the plan enables the CDN and network.cdn.mode is distribution-tenant)",
      },
    ]);
  });
});

describe("rateLimitPath: the plan's limits are enforced on the path requests take, for each entry point kind", () => {
  it("alb + CDN: the tier web ACL on the tenant's CloudFront presence, and no usage plan (none sees ALB traffic)", () => {
    expect(rateLimitPath(platformNetwork(), pro(true))).toEqual({
      path: { entryPointKind: "alb", cdn: true, webAclArn: PRO_ACL, usagePlanId: undefined, enforcedBy: ["cloudfront-web-acl"] },
      problems: [],
    });
  });

  it("api-gateway + CDN: the tier web ACL, then the tier usage plan with the tenant's key", () => {
    expect(rateLimitPath(platformNetwork({ entryPoint: API_GATEWAY_ENTRY_POINT }), pro(true)).path).toEqual({
      entryPointKind: "api-gateway",
      cdn: true,
      webAclArn: PRO_ACL,
      usagePlanId: "up-pro-1",
      enforcedBy: ["cloudfront-web-acl", "api-gateway-usage-plan"],
    });
  });

  it("api-gateway without the CDN: the usage plan alone; no web ACL is attached (none is on the path)", () => {
    expect(rateLimitPath(platformNetwork({ entryPoint: API_GATEWAY_ENTRY_POINT }), pro(false)).path).toEqual({
      entryPointKind: "api-gateway",
      cdn: false,
      webAclArn: undefined,
      usagePlanId: "up-pro-1",
      enforcedBy: ["api-gateway-usage-plan"],
    });
  });

  it("api-gateway + CDN with waf off: the usage plan alone", () => {
    const n = platformNetwork({ entryPoint: API_GATEWAY_ENTRY_POINT, rateLimiting: { usagePlanIds: { pro: "up-pro-1" }, waf: false } });
    expect(rateLimitPath(n, pro(true))).toEqual({
      path: { entryPointKind: "api-gateway", cdn: true, webAclArn: undefined, usagePlanId: "up-pro-1", enforcedBy: ["api-gateway-usage-plan"] },
      problems: [],
    });
  });

  it("refuses alb without the CDN: nothing on the path would see the requests (usage plans configured or not)", () => {
    expect(rateLimitPath(platformNetwork(), pro(false))).toEqual({
      path: undefined,
      problems: [
        {
          path: "platform.network.entryPoint.kind",
          message: `"alb", but plan "pro" has network.cdn_enabled false: its requests go from DNS straight to the load balancer, where no tier web ACL (CloudFront scope) and no usage plan (API Gateway only) sees them, so ${LIMITS_TEXT} would not be enforced (platform.network.rateLimiting.usagePlanIds.pro is set, but a usage plan only meters requests to an API Gateway stage and none of these reaches one); expected the plan's network.cdn_enabled true (the tier web ACL then counts its requests) or entryPoint.kind "api-gateway" (its usage plan does)`,
        },
      ],
    });
  });

  it("refuses alb with usage plans configured but waf off (no web ACL on the path)", () => {
    const n = platformNetwork({ rateLimiting: { usagePlanIds: { pro: "up-pro-1" }, webAclArns: { pro: PRO_ACL }, waf: false } });
    expect(rateLimitPath(n, pro(true)).problems).toEqual([
      {
        path: "platform.network.rateLimiting.waf",
        message: `false, but entryPoint.kind is "alb": the tier web ACL on the tenant's CloudFront presence is the only thing on the path CloudFront → load balancer that can enforce ${LIMITS_TEXT} (platform.network.rateLimiting.usagePlanIds.pro is set, but a usage plan only meters requests to an API Gateway stage and none of these reaches one); expected true, with platform.network.rateLimiting.webAclArns.pro`,
      },
    ]);
  });

  it("refuses alb with usage plans configured but no web ACL for the tier", () => {
    const n = platformNetwork({ rateLimiting: { usagePlanIds: { pro: "up-pro-1" }, webAclArns: { custom: CUSTOM_ACL } } });
    expect(rateLimitPath(n, pro(true)).problems).toEqual([
      {
        path: "platform.network.rateLimiting.webAclArns.pro",
        message: `missing; plan "pro" enables the CDN and platform.network.rateLimiting.waf is true, and with entryPoint.kind "alb" the tier web ACL is what enforces ${LIMITS_TEXT} (platform.network.rateLimiting.usagePlanIds.pro is set, but a usage plan only meters requests to an API Gateway stage and none of these reaches one); expected the ARN of the CLOUDFRONT web ACL of tier "pro" (platform/PlatformRateLimits creates one per plan)`,
      },
    ]);
  });

  it("refuses api-gateway without a usage plan for the tier, with or without the CDN", () => {
    const n = platformNetwork({ entryPoint: API_GATEWAY_ENTRY_POINT, rateLimiting: { webAclArns: { pro: PRO_ACL } } });
    for (const cdn of [true, false]) {
      expect(rateLimitPath(n, pro(cdn)).problems.map((p) => p.path)).toEqual(["platform.network.rateLimiting.usagePlanIds.pro"]);
    }
  });
});
