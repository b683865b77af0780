/**
 * Placeholder outputs of the network area's resource types, in the shape AWS returns them
 * (same Rule signature as PLACEHOLDER_RULES in placeholders.ts; merge into it).
 *
 * The ACM rule differs from the generic one on purpose: ACM answers a wildcard and its apex
 * with ONE validation record (the record name depends on the apex only), which the
 * deduplication of validation records relies on.
 */
import { PLACEHOLDER_ACCOUNT, PLACEHOLDER_REGION, stableHex, stableUuid } from "./placeholders";

import type { Rule } from "./placeholders";

const apex = (d: string) => d.replace(/^\*\./, "");

export const PLACEHOLDER_RULES_NETWORK: Record<string, Rule> = {
  "aws:acm/certificate:Certificate": (name, i) => {
    const region = String(i.region ?? PLACEHOLDER_REGION);
    const a = `arn:aws:acm:${region}:${PLACEHOLDER_ACCOUNT}:certificate/${stableUuid("acm", name)}`;
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
  "aws:cloudfront/distribution:Distribution": (name) => {
    const id = `E${stableHex(13, "cf", name).toUpperCase()}`;
    return {
      id,
      extra: {
        arn: `arn:aws:cloudfront::${PLACEHOLDER_ACCOUNT}:distribution/${id}`,
        domainName: `d${stableHex(13, "cfd", name)}.cloudfront.net`,
        hostedZoneId: "Z2FDTNDATAQYW2",
        status: "Deployed",
      },
    };
  },
  "aws:cloudfront/distributionTenant:DistributionTenant": (name) => {
    const id = `dt_${stableHex(27, "dt", name)}`;
    return { id, extra: { arn: `arn:aws:cloudfront::${PLACEHOLDER_ACCOUNT}:distribution-tenant/${id}`, status: "Deployed" } };
  },
  "aws:apigateway/apiKey:ApiKey": (name, i) => ({
    id: stableHex(10, "apikey", name),
    extra: { value: i.value ?? `placeholder-apikey-${stableHex(30, name)}`, arn: `arn:aws:apigateway:${PLACEHOLDER_REGION}::/apikeys/${stableHex(10, "apikey", name)}` },
  }),
  "aws:apigateway/usagePlan:UsagePlan": (name) => ({
    id: stableHex(6, "usageplan", name),
    extra: { arn: `arn:aws:apigateway:${PLACEHOLDER_REGION}::/usageplans/${stableHex(6, "usageplan", name)}` },
  }),
  "aws:apigateway/usagePlanKey:UsagePlanKey": (_n, i) => ({ id: String(i.keyId), extra: {} }),
  "aws:wafv2/webAcl:WebAcl": (name, i) => {
    const id = stableUuid("waf", name);
    const scope = i.scope === "CLOUDFRONT" ? "global" : "regional";
    return { id, extra: { arn: `arn:aws:wafv2:us-east-1:${PLACEHOLDER_ACCOUNT}:${scope}/webacl/${String(i.name ?? name)}/${id}` } };
  },
};
