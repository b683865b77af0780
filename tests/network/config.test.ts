import { describe, expect, it } from "vitest";
import { CustomDomainSchema, networkConfigProblems, NetworkPlatformSchema, TenantNetworkSchema } from "../../components/network/config";
import { PLATFORM_NETWORK_RAW, platformNetwork } from "./fixtures";

const messages = (r: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } }) =>
  r.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];

describe("NetworkPlatformSchema", () => {
  it("fills the spec's base domain and the safe defaults", () => {
    const n = NetworkPlatformSchema.parse({ hostedZoneId: "Z0ZONE", entryPoint: { domainName: "lb.example.com", hostedZoneId: "Z1LB" }, logBucket: "shared-bucket" });
    expect(n.baseDomain).toBe("controlplane.controlcore.io");
    expect(n.certificateMode).toBe("per-tenant");
    expect(n.cdn).toEqual({ mode: "distribution-tenant", priceClass: "PriceClass_100" });
    expect(n.rateLimiting).toEqual({ apiGateway: true, usagePlanIds: {}, waf: true, webAclArns: {} });
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
  it("nothing is missing for pro with the CDN", () => {
    expect(networkConfigProblems(platformNetwork(), { planName: "pro", cdnEnabled: true })).toEqual([]);
  });

  it("names every missing tier resource and CDN ID at once", () => {
    const n = platformNetwork({ rateLimiting: {}, cdn: {} });
    expect(networkConfigProblems(n, { planName: "pro", cdnEnabled: true })).toEqual([
      `network.rateLimiting.usagePlanIds has no entry for plan "pro"; expected the ID of the platform's usage plan of that tier (PlatformRateLimits creates one per plan), or set network.rateLimiting.apiGateway to false`,
      `network.rateLimiting.webAclArns has no entry for plan "pro"; expected the ARN of the platform's CLOUDFRONT web ACL of that tier (PlatformRateLimits creates one per plan), or set network.rateLimiting.waf to false`,
      "network.cdn.multiTenantDistributionId is missing; expected the ID of the platform's multi-tenant distribution (the plan enables the CDN and network.cdn.mode is distribution-tenant)",
      "network.cdn.routingEndpoint is missing; expected the routing endpoint (xxxx.cloudfront.net) of the connection group the tenant's subdomain points to",
    ]);
  });

  it("without the CDN only the usage plan is needed", () => {
    const n = platformNetwork({ rateLimiting: {}, cdn: {} });
    expect(networkConfigProblems(n, { planName: "pro", cdnEnabled: false })).toHaveLength(1);
    expect(networkConfigProblems(platformNetwork({ rateLimiting: { apiGateway: false } }), { planName: "pro", cdnEnabled: false })).toEqual([]);
  });
});
