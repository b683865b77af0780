/**
 * TenantNetwork under Pulumi runtime mocks, pro and custom: exact child types, names, parents
 * and inputs, the us-east-1 certificate, tags, secrets, and that a tenant's resources name no
 * other tenant.
 */
import { describe, expect, it } from "vitest";
import { containsSecret } from "../../cli/engine/mock-engine";
import { PLACEHOLDER_RULES_NETWORK } from "../../cli/engine/placeholders-network";
import { loadPlan } from "../../plans/load";
import { API_GATEWAY_ENTRY_POINT, byName, CUSTOM_ACL, ofType, PRO_ACL, providerOf, tagsFor } from "./fixtures";
import { BASE, build, certArn, expectOnlyNames, expectTagged, tree } from "./harness";

describe("pro tenant behind an ALB entry point (distribution tenant on the platform's multi-tenant distribution, per-tenant certificate)", async () => {
  const run = await build();
  const rs = run.resources;

  it("creates exactly these children, each under its component", () => {
    expect(tree(rs)).toEqual([
      ["controlcore:network:TenantNetwork", "t-acme-network", "controlcore-tenant-dev"],
      ["controlcore:network:TenantCdn", "t-acme-network-cdn", "t-acme-network"],
      ["aws:cloudfront/distributionTenant:DistributionTenant", "t-acme-network-cdn-tenant", "t-acme-network-cdn"],
      ["controlcore:network:TenantCertificate", "t-acme-network-certificate", "t-acme-network"],
      ["aws:acm/certificate:Certificate", "t-acme-network-certificate-cert", "t-acme-network-certificate"],
      ["pulumi:providers:aws", "t-acme-network-certificate-us-east-1", "t-acme-network-certificate"],
      ["aws:acm/certificateValidation:CertificateValidation", "t-acme-network-certificate-validation", "t-acme-network-certificate"],
      ["aws:route53/record:Record", "t-acme-network-certificate-validation-subdomain", "t-acme-network-certificate"],
      ["controlcore:network:TenantDomain", "t-acme-network-dns", "t-acme-network"],
      ["aws:route53/record:Record", "t-acme-network-dns-record", "t-acme-network-dns"],
    ]);
  });

  it("requests a certificate for the subdomain and the spec's wildcard", () => {
    expect(byName(rs, "t-acme-network-certificate-cert").inputs).toEqual({
      domainName: `acme.${BASE}`,
      subjectAlternativeNames: [`*.acme.${BASE}`],
      validationMethod: "DNS",
      tags: tagsFor("acme", "pro"),
    });
  });

  it("creates the certificate and its validation through an explicit us-east-1 provider", () => {
    for (const name of ["t-acme-network-certificate-cert", "t-acme-network-certificate-validation"]) {
      const provider = providerOf(rs, byName(rs, name));
      expect(provider?.type, name).toBe("pulumi:providers:aws");
      expect(provider?.inputs.region, name).toBe("us-east-1");
    }
  });

  it("creates ONE validation record for the apex and its wildcard, in the platform zone, under the tenant's own name", () => {
    const records = ofType(rs, "aws:route53/record:Record").filter((r) => r.name.includes("validation"));
    expect(records).toHaveLength(1);
    const opts = PLACEHOLDER_RULES_NETWORK["aws:acm/certificate:Certificate"]!("x", { domainName: `acme.${BASE}`, subjectAlternativeNames: [`*.acme.${BASE}`] })
      .extra!.domainValidationOptions as Array<Record<string, string>>;
    expect(opts).toHaveLength(2);
    expect(opts[0]!.resourceRecordName).toBe(opts[1]!.resourceRecordName);
    expect(records[0]!.inputs).toEqual({
      zoneId: "Z0PLATFORMZONE1",
      name: opts[0]!.resourceRecordName,
      type: "CNAME",
      records: [opts[0]!.resourceRecordValue],
      ttl: 60,
      allowOverwrite: true,
    });
    expect(String(records[0]!.inputs.name).endsWith(`.acme.${BASE}.`)).toBe(true);
    expect(byName(rs, "t-acme-network-certificate-validation").inputs).toEqual({
      certificateArn: certArn("t-acme-network-certificate-cert"),
      validationRecordFqdns: [opts[0]!.resourceRecordName.replace(/\.$/, "")],
    });
  });

  it("joins the multi-tenant distribution with its names, its certificate and its tier's web ACL", () => {
    expect(byName(rs, "t-acme-network-cdn-tenant").inputs).toEqual({
      name: "cc-tenant-acme",
      distributionId: "E2PLATFORMMTD01",
      connectionGroupId: "cg_2platformgroup",
      enabled: true,
      domains: [{ domain: `acme.${BASE}` }],
      parameters: [{ name: "tenantId", value: "acme" }],
      customizations: {
        certificate: { arn: certArn("t-acme-network-certificate-cert") },
        webAcl: { action: "override", arn: PRO_ACL },
      },
      tags: tagsFor("acme", "pro"),
    });
  });

  it("points {tenant}.{baseDomain} at the connection group's routing endpoint, never overwriting a record", () => {
    expect(byName(rs, "t-acme-network-dns-record").inputs).toEqual({
      zoneId: "Z0PLATFORMZONE1",
      name: `acme.${BASE}`,
      type: "CNAME",
      ttl: 300,
      records: ["d1routing0abc.cloudfront.net"],
      allowOverwrite: false,
    });
  });

  it("creates no API key: a usage plan never sees requests to an ALB, the tier web ACL enforces the limits", () => {
    expect(rs.filter((r) => r.type.startsWith("aws:apigateway"))).toEqual([]);
    expect(run.outputs.apiKeyValues).toBeUndefined();
  });

  it("publishes the plan's edge numbers and where they are enforced", () => {
    expect(run.outputs.rateLimits).toEqual({
      entryPointKind: "alb",
      cdn: true,
      webAclArn: PRO_ACL,
      usagePlanId: undefined,
      enforcedBy: ["cloudfront-web-acl"],
      limits: {
        waf: { requests: { evaluationWindowSec: 60, limit: 2000 }, hourlyQuota: { evaluationWindowSec: 600, limit: 10000 } },
        apiGateway: { throttle: { rateLimit: 1000 / 60, burstLimit: 2000 }, quota: { limit: 240000, period: "DAY" } },
      },
    });
    expect(run.outputs.subdomain).toBe(`acme.${BASE}`);
    expect(run.outputs.url).toBe(`https://acme.${BASE}`);
    expect(run.outputs.customerDnsRecords).toEqual([]);
  });

  it("creates nothing shared: no web ACL, usage plan, hosted zone or multi-tenant distribution", () => {
    const shared = ["aws:wafv2/webAcl:WebAcl", "aws:wafv2/webAclAssociation:WebAclAssociation", "aws:apigateway/usagePlan:UsagePlan", "aws:route53/zone:Zone", "aws:cloudfront/multitenantDistribution:MultitenantDistribution"];
    expect(rs.filter((r) => shared.includes(r.type))).toEqual([]);
  });

  it("tags every taggable resource with the tenant", () => expectTagged(rs, "acme", "pro"));
  it("names no other tenant", () => expectOnlyNames(rs, "acme"));
  it("the name check itself flags a foreign tenant", () => {
    const foreign = [{ ...byName(rs, "t-acme-network-dns-record"), inputs: { name: `globex.${BASE}` } }];
    expect(() => expectOnlyNames([...rs, ...foreign], "acme")).toThrow();
  });
});

describe("custom tenant behind an API Gateway entry point, with a served custom domain, one standard distribution per tenant", async () => {
  const run = await build({
    id: "globex",
    plan: loadPlan("custom").plan,
    network: { cdn: { mode: "distribution" }, entryPoint: API_GATEWAY_ENTRY_POINT },
    customDomain: { name: "api.globex.com", stage: "serve" },
    apiKeyValues: { primary: "supplied-key-value-0123456789" },
  });
  const rs = run.resources;
  const cert = certArn("t-globex-network-certificate-cert");
  const opts = PLACEHOLDER_RULES_NETWORK["aws:acm/certificate:Certificate"]!("x", {
    domainName: `globex.${BASE}`,
    subjectAlternativeNames: [`*.globex.${BASE}`, "api.globex.com"],
  }).extra!.domainValidationOptions as Array<Record<string, string>>;

  it("creates exactly these children, each under its component", () => {
    expect(tree(rs)).toEqual([
      ["controlcore:network:TenantNetwork", "t-globex-network", "controlcore-tenant-dev"],
      ["controlcore:network:TenantCdn", "t-globex-network-cdn", "t-globex-network"],
      ["aws:cloudfront/distribution:Distribution", "t-globex-network-cdn-distribution", "t-globex-network-cdn"],
      ["controlcore:network:TenantCertificate", "t-globex-network-certificate", "t-globex-network"],
      ["aws:acm/certificate:Certificate", "t-globex-network-certificate-cert", "t-globex-network-certificate"],
      ["pulumi:providers:aws", "t-globex-network-certificate-us-east-1", "t-globex-network-certificate"],
      ["aws:acm/certificateValidation:CertificateValidation", "t-globex-network-certificate-validation", "t-globex-network-certificate"],
      ["aws:route53/record:Record", "t-globex-network-certificate-validation-subdomain", "t-globex-network-certificate"],
      ["controlcore:network:TenantDomain", "t-globex-network-dns", "t-globex-network"],
      ["aws:route53/record:Record", "t-globex-network-dns-record", "t-globex-network-dns"],
      ["controlcore:network:TenantRateLimit", "t-globex-network-rate-limit", "t-globex-network"],
      ["aws:apigateway/apiKey:ApiKey", "t-globex-network-rate-limit-api-key-primary", "t-globex-network-rate-limit"],
      ["aws:apigateway/usagePlanKey:UsagePlanKey", "t-globex-network-rate-limit-usage-plan-key-primary", "t-globex-network-rate-limit"],
    ]);
  });

  it("covers the subdomain, its wildcard and the custom domain in one us-east-1 certificate", () => {
    const c = byName(rs, "t-globex-network-certificate-cert");
    expect(c.inputs.subjectAlternativeNames).toEqual([`*.globex.${BASE}`, "api.globex.com"]);
    expect(providerOf(rs, c)?.inputs.region).toBe("us-east-1");
  });

  it("creates only the platform-zone validation record; the custom domain's is the customer's, and is awaited", () => {
    const records = ofType(rs, "aws:route53/record:Record").filter((r) => r.name.includes("validation"));
    expect(records.map((r) => [r.name, r.inputs.zoneId, r.inputs.name])).toEqual([
      ["t-globex-network-certificate-validation-subdomain", "Z0PLATFORMZONE1", opts[0]!.resourceRecordName],
    ]);
    expect(byName(rs, "t-globex-network-certificate-validation").inputs.validationRecordFqdns).toEqual([
      opts[0]!.resourceRecordName.replace(/\.$/, ""),
      opts[2]!.resourceRecordName.replace(/\.$/, ""),
    ]);
    expect(run.outputs.customerDnsRecords).toEqual([
      { name: opts[2]!.resourceRecordName, type: "CNAME", value: opts[2]!.resourceRecordValue, purpose: "ACM validation of api.globex.com" },
      { name: "api.globex.com", type: "CNAME", value: `globex.${BASE}`, purpose: "route api.globex.com to the tenant" },
    ]);
  });

  it("builds the tenant's distribution: HTTPS-only origin, TLS 1.2 viewers, its certificate, its log prefix, its tier's ACL", () => {
    expect(byName(rs, "t-globex-network-cdn-distribution").inputs).toEqual({
      enabled: true,
      comment: "Control Core tenant cc-tenant-globex",
      aliases: [`globex.${BASE}`, "api.globex.com"],
      isIpv6Enabled: false,
      httpVersion: "http2and3",
      priceClass: "PriceClass_100",
      origins: [
        {
          originId: "platform-entry-point",
          domainName: API_GATEWAY_ENTRY_POINT.domainName,
          customOriginConfig: { httpPort: 80, httpsPort: 443, originProtocolPolicy: "https-only", originSslProtocols: ["TLSv1.2"] },
          customHeaders: [{ name: "x-controlcore-tenant", value: "globex" }],
        },
      ],
      defaultCacheBehavior: {
        targetOriginId: "platform-entry-point",
        viewerProtocolPolicy: "redirect-to-https",
        allowedMethods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
        cachedMethods: ["GET", "HEAD"],
        compress: true,
        cachePolicyId: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        originRequestPolicyId: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
      },
      viewerCertificate: { acmCertificateArn: cert, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" },
      loggingConfig: { bucket: "controlcore-shared.s3.amazonaws.com", prefix: "tenants/globex/cc-logs/cloudfront/", includeCookies: false },
      restrictions: { geoRestriction: { restrictionType: "none" } },
      webAclId: CUSTOM_ACL,
      tags: tagsFor("globex", "custom"),
    });
  });

  it("aliases {tenant}.{baseDomain} to the distribution in CloudFront's zone", () => {
    const dist = byName(rs, "t-globex-network-cdn-distribution");
    expect(byName(rs, "t-globex-network-dns-record").inputs).toEqual({
      zoneId: "Z0PLATFORMZONE1",
      name: `globex.${BASE}`,
      type: "A",
      aliases: [{ name: dist.state.domainName, zoneId: "Z2FDTNDATAQYW2", evaluateTargetHealth: false }],
      allowOverwrite: false,
    });
  });

  it("puts the key in the custom tier's usage plan, with the supplied value kept secret", () => {
    const key = byName(rs, "t-globex-network-rate-limit-api-key-primary");
    expect(containsSecret(key.inputs.value)).toBe(true);
    expect(byName(rs, "t-globex-network-rate-limit-usage-plan-key-primary").inputs).toEqual({ keyId: key.id, keyType: "API_KEY", usagePlanId: "up-custom-1" });
    expect((run.outputs.rateLimits as { enforcedBy: unknown }).enforcedBy).toEqual(["cloudfront-web-acl", "api-gateway-usage-plan"]);
    expect(run.outputs.keySecret).toBe(true);
    expect((run.outputs.rateLimits as { limits: { apiGateway: unknown } }).limits.apiGateway).toEqual({
      throttle: { rateLimit: 1000 / 60, burstLimit: 2000 },
      quota: { limit: 2400000, period: "DAY" },
    });
  });

  it("tags every taggable resource with the tenant", () => expectTagged(rs, "globex", "custom"));
  it("names no other tenant", () => expectOnlyNames(rs, "globex"));
});
