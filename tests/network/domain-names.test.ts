import { describe, expect, it } from "vitest";
import { InputError } from "../../components/errors";
import {
  ACM_FIRST_NAME_MAX_OCTETS,
  acmNameOrder,
  certificatePlan,
  certificateProblems,
  claimCertificatePlan,
  customDomainProblems,
  dedupeValidationOptions,
  DEFAULT_BASE_DOMAIN,
  optionFor,
  tenantHostnames,
  validateCustomDomain,
  type ValidationOption,
} from "../../components/network/domain-names";
import { tenantNames } from "../../components/naming";

const base = DEFAULT_BASE_DOMAIN;
const ctx = { baseDomain: base, subdomain: `acme.${base}` };
const LOWER = "only lowercase letters, digits and hyphens are allowed";

describe("customDomainProblems", () => {
  const table: Array<[unknown, string[]]> = [
    ["api.example.com", []],
    ["xn--bcher-kva.example", []],
    ["a.b", []],
    [42, ["expected a string, got number"]],
    [null, ["expected a string, got null"]],
    ["", ["it is empty; expected a DNS name such as api.example.com"]],
    ["api.example.com.", ["it ends with a dot; write the name without the trailing root dot"]],
    ["API.example.com", ["it contains uppercase letters; write it in lowercase (certificate names and CloudFront aliases are compared in lowercase)"]],
    ["*.example.com", ["it contains a wildcard (*); a custom domain names exactly one host"]],
    ["localhost", ["it has a single label; expected a fully qualified name with at least two labels, such as api.example.com"]],
    ["a..example.com", ["label 2 is empty (a leading dot or two dots in a row)"]],
    [".example.com", ["label 1 is empty (a leading dot or two dots in a row)"]],
    ["-api.example.com", ['label "-api" starts or ends with a hyphen']],
    ["api-.example.com", ['label "api-" starts or ends with a hyphen']],
    ["api_v2.example.com", [`label "api_v2" contains "_"; ${LOWER}`]],
    ["api example.com", [`label "api example" contains " "; ${LOWER}`]],
    [`${"a".repeat(64)}.example.com`, [`label "${"a".repeat(64)}" is 64 characters long; a DNS label has at most 63`]],
    [`${"a".repeat(63)}.example.com`, []],
    [Array(4).fill("a".repeat(63)).join("."), ["it is 255 characters long; a DNS name has at most 253"]],
    [Array(3).fill("a".repeat(63)).join(".") + "." + "b".repeat(61), []],
    ["10.0.0.1", ['its last label "1" is numeric; an IP address is not a host name']],
    [
      "API_.example.com.",
      [
        "it ends with a dot; write the name without the trailing root dot",
        "it contains uppercase letters; write it in lowercase (certificate names and CloudFront aliases are compared in lowercase)",
        `label "API_" contains "_"; ${LOWER}`,
      ],
    ],
    [base, [`it is the platform base domain ${base}; a custom domain must be a name the tenant owns outside it`]],
    [
      `acme.${base}`,
      [`it is the tenant's own platform subdomain acme.${base} or a name under it, which the platform already serves; a custom domain must be outside ${base}`],
    ],
    [
      `api.acme.${base}`,
      [`it is the tenant's own platform subdomain acme.${base} or a name under it, which the platform already serves; a custom domain must be outside ${base}`],
    ],
    [
      `globex.${base}`,
      [`it is under the platform base domain ${base}, where every name belongs to a tenant (globex.${base} is tenant "globex"'s subdomain); a custom domain must be outside ${base}`],
    ],
    [
      `api.globex.${base}`,
      [`it is under the platform base domain ${base}, where every name belongs to a tenant (globex.${base} is tenant "globex"'s subdomain); a custom domain must be outside ${base}`],
    ],
    ["controlcore.io", [`it is a parent of the platform base domain ${base}; a tenant cannot claim the platform's own domain`]],
    // A name that merely ends like the base domain is not under it.
    [`evil-${base}`, []],
  ];
  it.each(table)("%j → %j", (domain, expected) => {
    expect(customDomainProblems(domain, ctx)).toEqual(expected);
  });

  it("throws one InputError that lists every problem, each naming the key and the value", () => {
    let caught: unknown;
    try {
      validateCustomDomain("API_.example.com.", ctx);
    } catch (e) {
      caught = e;
    }
    expect(InputError.isInstance(caught)).toBe(true);
    expect((caught as Error).message).toBe(
      [
        `invalid custom domain of acme.${base}: 3 problems`,
        `  - customDomain: "API_.example.com.": it ends with a dot; write the name without the trailing root dot`,
        `  - customDomain: "API_.example.com.": it contains uppercase letters; write it in lowercase (certificate names and CloudFront aliases are compared in lowercase)`,
        `  - customDomain: "API_.example.com.": label "API_" contains "_"; ${LOWER}`,
      ].join("\n"),
    );
  });

  it("tenantHostnames only derives the names (validation happens before any component registers)", () => {
    expect(tenantHostnames(tenantNames("acme"), base, "api.acme.com")).toEqual({
      subdomain: `acme.${base}`,
      wildcard: `*.acme.${base}`,
      customDomain: "api.acme.com",
    });
  });
});

/** A valid custom domain of `n` octets (labels of at most 60; the next test checks both). */
function domainOfLength(n: number): string {
  const tail = ".example.com";
  const labels: string[] = [];
  let rest = n - tail.length; // octets of the labels before the tail, dots between them included
  while (rest > 61) {
    labels.push("x".repeat(60));
    rest -= 61;
  }
  labels.push("y".repeat(rest));
  return labels.join(".") + tail;
}

describe("ACM's 64-octet first name (RequestCertificate DomainName)", () => {
  const long = domainOfLength(100);
  const at64 = domainOfLength(64);
  const at65 = domainOfLength(65);
  const hostnames = (custom: string) => tenantHostnames(tenantNames("acme"), base, custom);

  it("the test names have the lengths they claim and are valid custom domains", () => {
    expect([long.length, at64.length, at65.length]).toEqual([100, 64, 65]);
    for (const d of [long, at64, at65]) expect(customDomainProblems(d, ctx)).toEqual([]);
    expect(ACM_FIRST_NAME_MAX_OCTETS).toBe(64);
  });

  it("acmNameOrder keeps a first name of exactly 64 octets and moves one of 65 into the SANs", () => {
    expect(acmNameOrder([at64], `acme.${base}`)).toEqual({ domainName: at64, subjectAlternativeNames: [] });
    expect(acmNameOrder([at65], `acme.${base}`)).toEqual({ domainName: `acme.${base}`, subjectAlternativeNames: [at65] });
  });

  it("per-tenant with a served 100-octet custom domain: the subdomain first, the long name a SAN", () => {
    expect(certificatePlan({ hostnames: hostnames(long), mode: "per-tenant", serveCustomDomain: true, singleCertificate: false })).toEqual({
      domainName: `acme.${base}`,
      subjectAlternativeNames: [`*.acme.${base}`, long],
      validations: [
        { key: "subdomain", domain: `acme.${base}`, inPlatformZone: true },
        { key: "custom-domain", domain: long, inPlatformZone: false },
      ],
    });
  });

  it("platform-wildcard with a served 65-octet custom domain: the subdomain goes first (validated in the platform zone)", () => {
    expect(certificatePlan({ hostnames: hostnames(at65), mode: "platform-wildcard", serveCustomDomain: true, singleCertificate: false })).toEqual({
      domainName: `acme.${base}`,
      subjectAlternativeNames: [at65],
      validations: [
        { key: "subdomain", domain: `acme.${base}`, inPlatformZone: true },
        { key: "custom-domain", domain: at65, inPlatformZone: false },
      ],
    });
  });

  it("the claim certificate of a long custom domain in the verify stage names the subdomain first", () => {
    expect(claimCertificatePlan(hostnames(long))).toEqual({ domainName: `acme.${base}`, subjectAlternativeNames: [long] });
    expect(claimCertificatePlan(hostnames("api.acme.com"))).toEqual({ domainName: "api.acme.com", subjectAlternativeNames: [] });
  });

  it("refuses, naming baseDomain, its value and the lengths, when no name of the certificate fits", () => {
    const longBase = `${"p".repeat(40)}.${"q".repeat(10)}.example.com`; // 63 octets
    const h = tenantHostnames(tenantNames("acme"), longBase, long);
    expect(h.subdomain.length).toBe(68);
    const options = { hostnames: h, mode: "per-tenant" as const, serveCustomDomain: true, singleCertificate: false };
    const problems = certificateProblems(options, undefined);
    expect(problems).toEqual([
      {
        path: "platform.network.baseDomain",
        message:
          `"${longBase}" (63 octets) makes the tenant's subdomain acme.${longBase} 68 octets long, and none of its certificate's names fits ACM's first name (DomainName, at most 64 octets; longer names may only be SANs): ` +
          `acme.${longBase} (68), *.acme.${longBase} (70), ${long} (100); expected a baseDomain of at most 59 octets for tenant "acme", or certificateMode platform-wildcard`,
      },
    ]);
    expect(() => certificatePlan(options)).toThrow(InputError);
    // A served custom domain that fits rescues it: it becomes the first name.
    expect(certificateProblems({ ...options, hostnames: tenantHostnames(tenantNames("acme"), longBase, "api.acme.com") }, undefined)).toEqual([]);
    // platform-wildcard without a custom domain needs no tenant certificate at all.
    expect(certificateProblems({ ...options, mode: "platform-wildcard", serveCustomDomain: false }, undefined)).toEqual([]);
    // The claim of a long custom domain cannot fall back on a long subdomain either.
    expect(certificateProblems({ ...options, mode: "platform-wildcard", serveCustomDomain: false }, long).map((p) => p.path)).toEqual(["platform.network.baseDomain"]);
  });
});

describe("certificatePlan", () => {
  const withCustom = tenantHostnames(tenantNames("acme"), base, "api.acme.com");
  const plain = tenantHostnames(tenantNames("acme"), base);

  it("per-tenant: the subdomain with the spec's wildcard, one validation record for both", () => {
    expect(certificatePlan({ hostnames: plain, mode: "per-tenant", serveCustomDomain: false, singleCertificate: false })).toEqual({
      domainName: `acme.${base}`,
      subjectAlternativeNames: [`*.acme.${base}`],
      validations: [{ key: "subdomain", domain: `acme.${base}`, inPlatformZone: true }],
    });
  });

  it("per-tenant, custom domain served: its validation record is the customer's, not the platform zone's", () => {
    expect(certificatePlan({ hostnames: withCustom, mode: "per-tenant", serveCustomDomain: true, singleCertificate: false })).toEqual({
      domainName: `acme.${base}`,
      subjectAlternativeNames: [`*.acme.${base}`, "api.acme.com"],
      validations: [
        { key: "subdomain", domain: `acme.${base}`, inPlatformZone: true },
        { key: "custom-domain", domain: "api.acme.com", inPlatformZone: false },
      ],
    });
  });

  it("per-tenant, custom domain still being verified: not on the tenant certificate yet", () => {
    const plan = certificatePlan({ hostnames: withCustom, mode: "per-tenant", serveCustomDomain: false, singleCertificate: false });
    expect(plan?.subjectAlternativeNames).toEqual([`*.acme.${base}`]);
  });

  it("platform-wildcard: no tenant certificate without a custom domain", () => {
    expect(certificatePlan({ hostnames: plain, mode: "platform-wildcard", serveCustomDomain: false, singleCertificate: true })).toBeUndefined();
  });

  it("platform-wildcard: a custom-domain certificate, naming the subdomain too when it must be the only one", () => {
    expect(certificatePlan({ hostnames: withCustom, mode: "platform-wildcard", serveCustomDomain: true, singleCertificate: false })).toEqual({
      domainName: "api.acme.com",
      subjectAlternativeNames: [],
      validations: [{ key: "custom-domain", domain: "api.acme.com", inPlatformZone: false }],
    });
    expect(certificatePlan({ hostnames: withCustom, mode: "platform-wildcard", serveCustomDomain: true, singleCertificate: true })).toEqual({
      domainName: "api.acme.com",
      subjectAlternativeNames: [`acme.${base}`],
      validations: [
        { key: "subdomain", domain: `acme.${base}`, inPlatformZone: true },
        { key: "custom-domain", domain: "api.acme.com", inPlatformZone: false },
      ],
    });
  });
});

describe("validation records", () => {
  const apex: ValidationOption = { domainName: `acme.${base}`, resourceRecordName: `_a1.acme.${base}.`, resourceRecordType: "CNAME", resourceRecordValue: "_v1.acm-validations.aws." };
  const wildcard: ValidationOption = { ...apex, domainName: `*.acme.${base}` };
  const custom: ValidationOption = { domainName: "api.acme.com", resourceRecordName: "_c1.api.acme.com.", resourceRecordType: "CNAME", resourceRecordValue: "_v2.acm-validations.aws." };
  const plan = certificatePlan({
    hostnames: tenantHostnames(tenantNames("acme"), base, "api.acme.com"),
    mode: "per-tenant",
    serveCustomDomain: true,
    singleCertificate: false,
  })!;

  it("dedupes the apex and its wildcard, which share one record", () => {
    expect(dedupeValidationOptions([apex, wildcard, custom])).toEqual([apex, custom]);
    expect(dedupeValidationOptions([wildcard, apex])).toEqual([wildcard]);
  });

  it("finds each planned record, whichever of apex or wildcard ACM listed first", () => {
    expect(optionFor([wildcard, apex, custom], plan, plan.validations[0]!)).toEqual(wildcard);
    expect(optionFor([apex, wildcard, custom], plan, plan.validations[1]!)).toEqual(custom);
  });

  it("refuses when ACM's distinct records do not match the plan (a name would stay unvalidated)", () => {
    const separate = { ...wildcard, resourceRecordName: `_w9.acme.${base}.` };
    expect(() => optionFor([apex, separate, custom], plan, plan.validations[0]!)).toThrow(
      `ACM returned 3 distinct validation records (_a1.acme.${base}., _w9.acme.${base}., _c1.api.acme.com.) for acme.${base}, *.acme.${base}, api.acme.com; expected 2, one per acme.${base}, api.acme.com`,
    );
  });
});
