/**
 * Placeholder outputs of the network area's resource types, in the shape AWS returns them
 * (the {@link Rule} of placeholder-kit.ts; placeholders.ts merges them into its own).
 *
 * The ACM rule differs from the generic one on purpose: ACM answers a wildcard and its apex
 * with ONE validation record (the record name depends on the apex only), which the
 * deduplication of validation records relies on.
 */
import { arnIn, PLACEHOLDER_LOCATION, type Rule, stableHex, stableUuid } from "./placeholder-kit";

const apex = (d: string) => d.replace(/^\*\./, "");

export const PLACEHOLDER_RULES_NETWORK: Record<string, Rule> = {
  "aws:acm/certificate:Certificate": (name, i, at = PLACEHOLDER_LOCATION) => {
    const a = arnIn(at, "acm", `certificate/${stableUuid("acm", name)}`, String(i.region ?? at.region));
    const names: string[] = [String(i.domainName ?? ""), ...((i.subjectAlternativeNames as string[]) ?? [])];
    return {
      id: a,
      extra: {
        arn: a,
        status: "PENDING_VALIDATION",
        domainValidationOptions: [...new Set(names)].filter(Boolean).map((d) => ({
          domainName: d,
          resourceRecordName: `_${stableHex(32, apex(d))}.${apex(d)}.`,
          resourceRecordType: "CNAME",
          resourceRecordValue: `_${stableHex(32, "v", apex(d))}.placeholder.acm-validations.aws.`,
        })),
      },
    };
  },
  "aws:acm/certificateValidation:CertificateValidation": (_n, i) => ({ id: String(i.certificateArn), extra: {} }),
  "aws:route53/record:Record": (_n, i) => {
    const fqdn = String(i.name).replace(/\.$/, "");
    return { id: `${String(i.zoneId)}_${fqdn}_${String(i.type)}`, extra: { fqdn } };
  },
  "aws:cloudfront/distribution:Distribution": (name, _i, at = PLACEHOLDER_LOCATION) => {
    const id = `E${stableHex(13, "cf", name).toUpperCase()}`;
    return {
      id,
      extra: {
        arn: `arn:aws:cloudfront::${at.account}:distribution/${id}`,
        domainName: `d${stableHex(13, "cfd", name)}.cloudfront.net`,
        hostedZoneId: "Z2FDTNDATAQYW2",
        status: "Deployed",
      },
    };
  },
  "aws:cloudfront/distributionTenant:DistributionTenant": (name, _i, at = PLACEHOLDER_LOCATION) => {
    const id = `dt_${stableHex(27, "dt", name)}`;
    return { id, extra: { arn: `arn:aws:cloudfront::${at.account}:distribution-tenant/${id}`, status: "Deployed" } };
  },
  // API Gateway ARNs name no account.
  "aws:apigateway/apiKey:ApiKey": (name, i, at = PLACEHOLDER_LOCATION) => ({
    id: stableHex(10, "apikey", name),
    extra: { value: i.value ?? `placeholder-apikey-${stableHex(30, name)}`, arn: `arn:aws:apigateway:${at.region}::/apikeys/${stableHex(10, "apikey", name)}` },
  }),
  "aws:apigateway/usagePlan:UsagePlan": (name, _i, at = PLACEHOLDER_LOCATION) => ({
    id: stableHex(6, "usageplan", name),
    extra: { arn: `arn:aws:apigateway:${at.region}::/usageplans/${stableHex(6, "usageplan", name)}` },
  }),
  "aws:apigateway/usagePlanKey:UsagePlanKey": (_n, i) => ({ id: String(i.keyId), extra: {} }),
  "aws:wafv2/webAcl:WebAcl": (name, i, at = PLACEHOLDER_LOCATION) => {
    const id = stableUuid("waf", name);
    // A CLOUDFRONT-scope web ACL lives in us-east-1 whatever the stack's region.
    const cloudfront = i.scope === "CLOUDFRONT";
    const resource = `${cloudfront ? "global" : "regional"}/webacl/${String(i.name ?? name)}/${id}`;
    return { id, extra: { arn: arnIn(at, "wafv2", resource, cloudfront ? "us-east-1" : at.region) } };
  },
};
