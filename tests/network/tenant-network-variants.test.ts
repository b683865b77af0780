/**
 * TenantNetwork variants under mocks: custom domain onboarding, no CDN, platform-wildcard
 * certificates, the explicit provider's settings, refusals and plan changes.
 */
import { describe, expect, it } from "vitest";
import { PLACEHOLDER_RULES_NETWORK } from "../../cli/engine/placeholders-network";
import { loadPlan } from "../../plans/load";
import { byName, CUSTOM_ACL, ofType, PRO_ACL, providerOf, tagsFor } from "./fixtures";
import { BASE, build, certArn } from "./harness";

describe("custom domain in the verify stage", async () => {
  const run = await build({ customDomain: { name: "api.acme.com", stage: "verify" } });
  const rs = run.resources;

  it("requests a claim certificate for it alone (not awaited) and keeps it off the tenant certificate and CDN", () => {
    const claim = byName(rs, "t-acme-network-certificate-claim");
    expect(claim.inputs).toEqual({ domainName: "api.acme.com", validationMethod: "DNS", tags: tagsFor("acme", "pro") });
    expect(providerOf(rs, claim)?.inputs.region).toBe("us-east-1");
    expect(byName(rs, "t-acme-network-certificate-cert").inputs.subjectAlternativeNames).toEqual([`*.acme.${BASE}`]);
    expect(ofType(rs, "aws:acm/certificateValidation:CertificateValidation").map((r) => r.name)).toEqual(["t-acme-network-certificate-validation"]);
    expect(byName(rs, "t-acme-network-cdn-tenant").inputs.domains).toEqual([{ domain: `acme.${BASE}` }]);
  });

  it("publishes the claim's validation CNAME for the customer and creates nothing in the customer's zone", () => {
    const opts = PLACEHOLDER_RULES_NETWORK["aws:acm/certificate:Certificate"]!("x", { domainName: "api.acme.com" }).extra!
      .domainValidationOptions as Array<Record<string, string>>;
    expect(run.outputs.customerDnsRecords).toEqual([
      { name: opts[0]!.resourceRecordName, type: "CNAME", value: opts[0]!.resourceRecordValue, purpose: "ACM validation of api.acme.com" },
    ]);
    for (const r of ofType(rs, "aws:route53/record:Record")) expect(String(r.inputs.name)).not.toContain("api.acme.com");
  });
});

describe("plan without the CDN (the platform load balancer terminates TLS)", async () => {
  const plan = loadPlan("pro", { network: { cdn_enabled: false } }).plan;
  const listener = "arn:aws:elasticloadbalancing:us-west-2:111122223333:listener/app/cc/abc/def";
  const run = await build({ plan, network: { entryPoint: { domainName: "cc-platform-123456.us-west-2.elb.amazonaws.com", hostedZoneId: "Z1H1FL5HABSF5", httpsListenerArn: listener } } });
  const rs = run.resources;

  it("creates the certificate in the stack's region (no explicit provider) and attaches it to the listener", () => {
    expect(ofType(rs, "pulumi:providers:aws").filter((p) => p.name.includes("us-east-1"))).toEqual([]);
    expect(byName(rs, "t-acme-network-certificate-cert").provider ?? "").not.toContain("us-east-1");
    expect(byName(rs, "t-acme-network-listener-certificate").inputs).toEqual({
      listenerArn: listener,
      certificateArn: certArn("t-acme-network-certificate-cert"),
    });
  });

  it("aliases the subdomain to the platform entry point and creates no CloudFront or WAF attachment", () => {
    expect(byName(rs, "t-acme-network-dns-record").inputs).toEqual({
      zoneId: "Z0PLATFORMZONE1",
      name: `acme.${BASE}`,
      type: "A",
      aliases: [{ name: "cc-platform-123456.us-west-2.elb.amazonaws.com", zoneId: "Z1H1FL5HABSF5", evaluateTargetHealth: false }],
      allowOverwrite: false,
    });
    expect(rs.filter((r) => r.type.startsWith("aws:cloudfront"))).toEqual([]);
    expect((run.outputs.rateLimits as { webAclArn: unknown }).webAclArn).toBeUndefined();
  });
});

describe("the explicit provider", () => {
  it("carries the account guard and credentials settings it is given, with region us-east-1 last", async () => {
    const run = await build({ awsProviderArgs: { allowedAccountIds: ["111122223333"], region: "eu-west-1" } });
    const provider = providerOf(run.resources, byName(run.resources, "t-acme-network-certificate-cert"))!;
    expect(provider.inputs.region).toBe("us-east-1");
    expect(provider.inputs.allowedAccountIds).toEqual(JSON.stringify(["111122223333"]));
  });
});

describe("platform-wildcard certificate mode", async () => {
  const arn = "arn:aws:acm:us-east-1:111122223333:certificate/platform-wildcard";
  const run = await build({ network: { certificateMode: "platform-wildcard", platformCertificateArn: arn } });

  it("creates no certificate for a tenant without a custom domain; the multi-tenant distribution's covers it", () => {
    expect(run.resources.filter((r) => r.type.startsWith("aws:acm") || r.type === "pulumi:providers:aws")).toEqual([]);
    expect(byName(run.resources, "t-acme-network-cdn-tenant").inputs.customizations).toEqual({ webAcl: { action: "override", arn: PRO_ACL } });
  });
});

describe("refusals before any resource exists", () => {
  it("a custom domain under another tenant's subdomain", async () => {
    const run = await build({ customDomain: { name: `api.globex.${BASE}`, stage: "serve" } });
    expect(run.resources.filter((r) => r.custom)).toEqual([]);
    expect(run.outputs.refusal).toBe(
      `invalid custom domain "api.globex.${BASE}": it is under the platform base domain ${BASE}, where every name belongs to a tenant (globex.${BASE} is tenant "globex"'s subdomain); a custom domain must be outside ${BASE}`,
    );
  });

  it("a plan tier the platform has no usage plan or web ACL for", async () => {
    const plan = loadPlan("pro", { name: "enterprise" }).plan;
    const run = await build({ plan });
    expect(run.resources.filter((r) => r.custom)).toEqual([]);
    expect(run.outputs.refusal).toBe(
      [
        "invalid platform config for tenant acme: 2 problems",
        `  - network.rateLimiting.usagePlanIds has no entry for plan "enterprise"; expected the ID of the platform's usage plan of that tier (PlatformRateLimits creates one per plan), or set network.rateLimiting.apiGateway to false`,
        `  - network.rateLimiting.webAclArns has no entry for plan "enterprise"; expected the ARN of the platform's CLOUDFRONT web ACL of that tier (PlatformRateLimits creates one per plan), or set network.rateLimiting.waf to false`,
      ].join("\n"),
    );
  });
});

describe("changing the plan changes what the tenant is attached to and publishes", () => {
  it("pro → custom moves the key and the CDN to the custom tier", async () => {
    const pro = await build();
    const custom = await build({ plan: loadPlan("custom").plan });
    expect(byName(pro.resources, "t-acme-network-rate-limit-usage-plan-key").inputs.usagePlanId).toBe("up-pro-1");
    expect(byName(custom.resources, "t-acme-network-rate-limit-usage-plan-key").inputs.usagePlanId).toBe("up-custom-1");
    expect((byName(custom.resources, "t-acme-network-cdn-tenant").inputs.customizations as { webAcl: unknown }).webAcl).toEqual({ action: "override", arn: CUSTOM_ACL });
  });
});
