/**
 * TenantNetwork variants under mocks: custom domain onboarding, no CDN, platform-wildcard
 * certificates, the explicit provider's settings, refusals and plan changes.
 */
import { describe, expect, it } from "vitest";
import { runUnderMocks } from "../../cli/engine/mock-engine";
import { PLACEHOLDER_RULES_NETWORK } from "../../cli/engine/placeholders-network";
import { loadPlan } from "../../plans/load";
import { API_GATEWAY_ENTRY_POINT, byName, CUSTOM_ACL, ofType, PRO_ACL, providerOf, tagsFor } from "./fixtures";
import { BASE, build } from "./harness";

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

describe("plan without the CDN behind an API Gateway entry point", async () => {
  const plan = loadPlan("pro", { network: { cdn_enabled: false } }).plan;
  const run = await build({ plan, network: { entryPoint: API_GATEWAY_ENTRY_POINT } });
  const rs = run.resources;

  it("aliases the subdomain to the API's regional custom domain and creates no CloudFront, WAF attachment or certificate", () => {
    expect(byName(rs, "t-acme-network-dns-record").inputs).toEqual({
      zoneId: "Z0PLATFORMZONE1",
      name: `acme.${BASE}`,
      type: "A",
      aliases: [{ name: API_GATEWAY_ENTRY_POINT.domainName, zoneId: API_GATEWAY_ENTRY_POINT.hostedZoneId, evaluateTargetHealth: false }],
      allowOverwrite: false,
    });
    expect(rs.filter((r) => r.type.startsWith("aws:cloudfront") || r.type.startsWith("aws:acm") || r.type === "pulumi:providers:aws")).toEqual([]);
  });

  it("enforces the plan's limits with the tier usage plan alone: the tenant's key joins it", () => {
    expect(byName(rs, "t-acme-network-rate-limit-usage-plan-key-primary").inputs.usagePlanId).toBe("up-pro-1");
    const { limits: _limits, ...path } = run.outputs.rateLimits as Record<string, unknown>;
    expect(path).toEqual({ entryPointKind: "api-gateway", cdn: false, webAclArn: undefined, usagePlanId: "up-pro-1", enforcedBy: ["api-gateway-usage-plan"] });
  });
});

describe("a custom domain longer than ACM's 64-octet first name", async () => {
  // 100 octets: a valid DNS name (labels ≤ 63), too long for RequestCertificate's DomainName.
  const long = `${"x".repeat(60)}.${"y".repeat(27)}.example.com`;
  const serve = await build({ customDomain: { name: long, stage: "serve" } });
  const verify = await build({ customDomain: { name: long, stage: "verify" } });
  const wildcardMode = await build({
    customDomain: { name: long, stage: "serve" },
    network: { certificateMode: "platform-wildcard", platformCertificateArn: "arn:aws:acm:us-east-1:111122223333:certificate/platform-wildcard" },
  });

  it("is 100 octets long", () => expect(long.length).toBe(100));

  it("serve, per-tenant: the certificate's domainName is the subdomain, the long name a SAN", () => {
    expect(byName(serve.resources, "t-acme-network-certificate-cert").inputs).toEqual({
      domainName: `acme.${BASE}`,
      subjectAlternativeNames: [`*.acme.${BASE}`, long],
      validationMethod: "DNS",
      tags: tagsFor("acme", "pro"),
    });
  });

  it("verify: the claim certificate names the subdomain first and publishes only the long name's record", () => {
    expect(byName(verify.resources, "t-acme-network-certificate-claim").inputs).toEqual({
      domainName: `acme.${BASE}`,
      subjectAlternativeNames: [long],
      validationMethod: "DNS",
      tags: tagsFor("acme", "pro"),
    });
    const opts = PLACEHOLDER_RULES_NETWORK["aws:acm/certificate:Certificate"]!("x", { domainName: long }).extra!.domainValidationOptions as Array<Record<string, string>>;
    expect(verify.outputs.customerDnsRecords).toEqual([
      { name: opts[0]!.resourceRecordName, type: "CNAME", value: opts[0]!.resourceRecordValue, purpose: `ACM validation of ${long}` },
    ]);
  });

  it("serve, platform-wildcard: the subdomain first (its record in the platform zone), the long name a SAN", () => {
    const rs = wildcardMode.resources;
    expect(byName(rs, "t-acme-network-certificate-cert").inputs.domainName).toBe(`acme.${BASE}`);
    expect(byName(rs, "t-acme-network-certificate-cert").inputs.subjectAlternativeNames).toEqual([long]);
    expect(ofType(rs, "aws:route53/record:Record").map((r) => r.name).sort()).toEqual(["t-acme-network-certificate-validation-subdomain", "t-acme-network-dns-record"]);
  });

  it("every certificate declared in all three runs has a domainName of at most 64 octets", () => {
    const certs = [serve, verify, wildcardMode].flatMap((r) => ofType(r.resources, "aws:acm/certificate:Certificate"));
    expect(certs.length).toBe(4);
    for (const c of certs) expect(String(c.inputs.domainName).length, c.name).toBeLessThanOrEqual(64);
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

describe("refusals before anything is registered (not even the component)", () => {
  /** Registered resources besides the test's own stack. */
  const registered = (rs: ReadonlyArray<{ type: string }>) => rs.filter((r) => r.type !== "pulumi:pulumi:Stack");

  it("a custom domain under another tenant's subdomain", async () => {
    const run = await build({ customDomain: { name: `api.globex.${BASE}`, stage: "serve" } });
    expect(registered(run.resources)).toEqual([]);
    expect(run.outputs.refusal).toBe(
      [
        "invalid TenantNetwork t-acme-network arguments (tenant acme): 1 problem",
        `  - customDomain: "api.globex.${BASE}": it is under the platform base domain ${BASE}, where every name belongs to a tenant (globex.${BASE} is tenant "globex"'s subdomain); a custom domain must be outside ${BASE}`,
      ].join("\n"),
    );
  });

  it("a plan tier the platform has no web ACL for (ALB entry point), every problem at once", async () => {
    const plan = loadPlan("pro", { name: "enterprise" }).plan;
    const run = await build({ plan, customDomain: { name: "API.acme.com", stage: "verify" } });
    expect(registered(run.resources)).toEqual([]);
    expect(run.outputs.refusal).toBe(
      [
        "invalid TenantNetwork t-acme-network arguments (tenant acme): 2 problems",
        `  - platform.network.rateLimiting.webAclArns.enterprise: missing; plan "enterprise" enables the CDN and platform.network.rateLimiting.waf is true, and with entryPoint.kind "alb" the tier web ACL is what enforces plan "enterprise"'s requests_per_minute (1000), burst_limit (2000) and api_calls_per_hour (10000); expected the ARN of the CLOUDFRONT web ACL of tier "enterprise" (platform/PlatformRateLimits creates one per plan)`,
        `  - customDomain: "API.acme.com": it contains uppercase letters; write it in lowercase (certificate names and CloudFront aliases are compared in lowercase)`,
      ].join("\n"),
    );
  });

  it("an ALB entry point for a plan without the CDN (nothing would enforce its limits)", async () => {
    const run = await build({ plan: loadPlan("pro", { network: { cdn_enabled: false } }).plan });
    expect(registered(run.resources)).toEqual([]);
    expect(String(run.outputs.refusal)).toContain("  - platform.network.entryPoint.kind: \"alb\", but plan \"pro\" has network.cdn_enabled false");
  });

  it("a served custom domain without the CDN", async () => {
    const plan = loadPlan("pro", { network: { cdn_enabled: false } }).plan;
    const run = await build({ plan, network: { entryPoint: API_GATEWAY_ENTRY_POINT }, customDomain: { name: "api.acme.com", stage: "serve" } });
    expect(registered(run.resources)).toEqual([]);
    expect(run.outputs.refusal).toBe(
      [
        "invalid TenantNetwork t-acme-network arguments (tenant acme): 1 problem",
        `  - customDomainStage: "serve", but plan "pro" has network.cdn_enabled false: without the CDN the tenant is served by the entry point's own custom domain *.${BASE}, which does not cover api.acme.com; expected "verify" until the plan enables the CDN`,
      ].join("\n"),
    );
  });

  it("a base domain that makes every name of the tenant certificate longer than 64 octets", async () => {
    const longBase = `${"p".repeat(40)}.${"q".repeat(10)}.example.com`;
    const run = await build({ network: { baseDomain: longBase } });
    expect(registered(run.resources)).toEqual([]);
    expect(String(run.outputs.refusal)).toContain(`  - platform.network.baseDomain: "${longBase}" (63 octets) makes the tenant's subdomain acme.${longBase} 68 octets long`);
  });

  it("an empty set of API key values", async () => {
    const run = await build({ network: { entryPoint: API_GATEWAY_ENTRY_POINT }, apiKeyValues: {} });
    expect(registered(run.resources)).toEqual([]);
    expect(String(run.outputs.refusal)).toContain("  - apiKeyValues: {} names no key");
  });
});

describe("changing the plan changes what the tenant is attached to and publishes", () => {
  it("pro → custom moves the key and the CDN to the custom tier", async () => {
    const pro = await build({ network: { entryPoint: API_GATEWAY_ENTRY_POINT } });
    const custom = await build({ plan: loadPlan("custom").plan, network: { entryPoint: API_GATEWAY_ENTRY_POINT } });
    expect(byName(pro.resources, "t-acme-network-rate-limit-usage-plan-key-primary").inputs.usagePlanId).toBe("up-pro-1");
    expect(byName(custom.resources, "t-acme-network-rate-limit-usage-plan-key-primary").inputs.usagePlanId).toBe("up-custom-1");
    expect((byName(custom.resources, "t-acme-network-cdn-tenant").inputs.customizations as { webAcl: unknown }).webAcl).toEqual({ action: "override", arn: CUSTOM_ACL });
  });
});

describe("TenantCertificate validates its own arguments before registering", () => {
  it("refuses a plan whose first name exceeds ACM's 64 octets, and neither plan nor claim, registering nothing", async () => {
    const long = `${"x".repeat(60)}.example.com`; // 72 octets
    const run = await runUnderMocks(async () => {
      const { TenantCertificate } = await import("../../components/network/tenant-certificate.js");
      const refusals: string[] = [];
      for (const args of [
        { plan: { domainName: long, subjectAlternativeNames: [], validations: [] }, zoneId: "Z0PLATFORMZONE1", cloudFront: true, tags: {} },
        { plan: undefined, zoneId: "Z0PLATFORMZONE1", tags: {} },
      ]) {
        try {
          new TenantCertificate("t-acme-certificate", args);
        } catch (e) {
          refusals.push((e as Error).message);
        }
      }
      return { refusals };
    });
    expect(run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
    expect(run.outputs.refusals).toEqual([
      `invalid TenantCertificate t-acme-certificate arguments: 1 problem\n  - plan.domainName: "${long}" is 72 octets; ACM's first name (DomainName) takes at most 64, longer names only as SANs`,
      "invalid TenantCertificate t-acme-certificate arguments: 1 problem\n  - plan: nothing, and no claim either; expected a certificate plan or a claim",
    ]);
  });
});
