/**
 * The tenant's DNS names, the custom domain validator and the certificate plan: pure functions,
 * no Pulumi resources, so every rule is tested directly.
 *
 * Names: `{tenant}.{baseDomain}` (the spec's subdomain), `*.{tenant}.{baseDomain}` (the spec's
 * `ssl_certificate: "*.{subdomain}"`) and an optional custom domain the tenant owns.
 */
import { InputError, type Problem } from "../errors";
import type { TenantNames } from "../naming";

/** The spec's base domain. */
export const DEFAULT_BASE_DOMAIN = "controlplane.controlcore.io";
/** Longest DNS name (RFC 1035, without the root dot). */
export const DNS_NAME_MAX_LENGTH = 253;
/** Longest DNS label (RFC 1035). */
export const DNS_LABEL_MAX_LENGTH = 63;

/**
 * Longest first name (`DomainName`) of an ACM certificate: "In compliance with RFC 5280, the
 * length of the domain name (technically, the Common Name) that you provide cannot exceed 64
 * octets (characters), including periods. To add a longer domain name, specify it in the Subject
 * Alternative Name field, which supports names up to 253 octets in length."
 * https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html
 */
export const ACM_FIRST_NAME_MAX_OCTETS = 64;

/** The stack config key of the tenant's custom domain (problem paths name it). */
export const CUSTOM_DOMAIN_KEY = "customDomain";

/** Problems of one label, given that uppercase letters are reported once for the whole name. */
function labelProblems(label: string, index: number): string[] {
  if (label.length === 0) return [`label ${index + 1} is empty (a leading dot or two dots in a row)`];
  const problems: string[] = [];
  if (label.length > DNS_LABEL_MAX_LENGTH) {
    problems.push(`label ${JSON.stringify(label)} is ${label.length} characters long; a DNS label has at most ${DNS_LABEL_MAX_LENGTH}`);
  }
  const bad = [...label].find((c) => !/[a-zA-Z0-9-]/.test(c) && c !== "*");
  if (bad !== undefined) {
    problems.push(`label ${JSON.stringify(label)} contains ${JSON.stringify(bad)}; only lowercase letters, digits and hyphens are allowed`);
  }
  if (label.startsWith("-") || label.endsWith("-")) {
    problems.push(`label ${JSON.stringify(label)} starts or ends with a hyphen`);
  }
  return problems;
}

/**
 * Every syntax problem of a custom domain (empty when it is a valid host name): lowercase, at
 * most 253 characters, at least two labels of 1–63 letters, digits and inner hyphens, no
 * wildcard, no trailing root dot, not an IP address.
 */
export function customDomainSyntaxProblems(domain: unknown): string[] {
  if (typeof domain !== "string") return [`expected a string, got ${domain === null ? "null" : typeof domain}`];
  if (domain.length === 0) return ["it is empty; expected a DNS name such as api.example.com"];
  const problems: string[] = [];
  let name = domain;
  if (name.endsWith(".")) {
    problems.push("it ends with a dot; write the name without the trailing root dot");
    name = name.slice(0, -1);
  }
  if (name.length > DNS_NAME_MAX_LENGTH) {
    problems.push(`it is ${name.length} characters long; a DNS name has at most ${DNS_NAME_MAX_LENGTH}`);
  }
  if (/[A-Z]/.test(name)) {
    problems.push("it contains uppercase letters; write it in lowercase (certificate names and CloudFront aliases are compared in lowercase)");
  }
  if (name.includes("*")) problems.push("it contains a wildcard (*); a custom domain names exactly one host");
  const labels = name.split(".");
  if (labels.length < 2) {
    problems.push("it has a single label; expected a fully qualified name with at least two labels, such as api.example.com");
  }
  labels.forEach((label, i) => problems.push(...labelProblems(label, i)));
  const last = labels[labels.length - 1]!;
  if (labels.length >= 2 && /^[0-9]+$/.test(last)) {
    problems.push(`its last label ${JSON.stringify(last)} is numeric; an IP address is not a host name`);
  }
  return problems;
}

/** What the relation check needs to know about the platform and the tenant. */
export interface CustomDomainContext {
  /** The platform base domain (e.g. `controlplane.controlcore.io`). */
  readonly baseDomain: string;
  /** The tenant's own platform subdomain (e.g. `acme.controlplane.controlcore.io`). */
  readonly subdomain: string;
}

/**
 * Every problem of a custom domain, syntax first, then its relation to the platform's names: a
 * custom domain must lie outside the platform base domain, where every name belongs to a
 * tenant (`x.{base}` is tenant `x`'s), and must not be a parent of it.
 */
export function customDomainProblems(domain: unknown, context: CustomDomainContext): string[] {
  const problems = customDomainSyntaxProblems(domain);
  if (problems.length > 0) return problems;
  const name = domain as string;
  const { baseDomain, subdomain } = context;
  if (name === baseDomain) {
    return [`it is the platform base domain ${baseDomain}; a custom domain must be a name the tenant owns outside it`];
  }
  if (name === subdomain || name.endsWith(`.${subdomain}`)) {
    return [`it is the tenant's own platform subdomain ${subdomain} or a name under it, which the platform already serves; a custom domain must be outside ${baseDomain}`];
  }
  if (name.endsWith(`.${baseDomain}`)) {
    const labels = name.slice(0, -(baseDomain.length + 1)).split(".");
    const owner = labels[labels.length - 1]!;
    return [
      `it is under the platform base domain ${baseDomain}, where every name belongs to a tenant (${owner}.${baseDomain} is tenant ${JSON.stringify(owner)}'s subdomain); a custom domain must be outside ${baseDomain}`,
    ];
  }
  if (baseDomain.endsWith(`.${name}`)) {
    return [`it is a parent of the platform base domain ${baseDomain}; a tenant cannot claim the platform's own domain`];
  }
  return [];
}

/** {@link customDomainProblems} as {@link Problem}s of the `customDomain` key, each naming the value. */
export function customDomainInputProblems(domain: unknown, context: CustomDomainContext, path = CUSTOM_DOMAIN_KEY): Problem[] {
  return customDomainProblems(domain, context).map((message) => ({ path, message: `${JSON.stringify(domain)}: ${message}` }));
}

/** Throws one {@link InputError} listing every problem, or returns the domain typed. */
export function validateCustomDomain(domain: unknown, context: CustomDomainContext): string {
  const problems = customDomainInputProblems(domain, context);
  if (problems.length > 0) throw new InputError(`custom domain of ${context.subdomain}`, problems);
  return domain as string;
}

/** The tenant's host names. */
export interface TenantHostnames {
  /** `{tenant}.{baseDomain}`: the record in the platform's hosted zone. */
  readonly subdomain: string;
  /** `*.{tenant}.{baseDomain}`: the spec's wildcard, covered by the tenant's certificate. */
  readonly wildcard: string;
  /** The tenant's own domain, validated; absent when none is configured. */
  readonly customDomain: string | undefined;
}

/**
 * Derives the tenant's host names. Pure derivation: the custom domain is validated by
 * {@link customDomainInputProblems} (TenantNetwork does it before it registers anything).
 */
export function tenantHostnames(names: TenantNames, baseDomain: string, customDomain?: string): TenantHostnames {
  const subdomain = `${names.dnsLabel}.${baseDomain}`;
  return { subdomain, wildcard: `*.${subdomain}`, customDomain };
}

/** One validation record the certificate needs. */
export interface PlannedValidation {
  /** Stable suffix of the record's logical name. */
  readonly key: "subdomain" | "custom-domain";
  /** The certificate name whose `domainValidationOptions` entry gives the record. */
  readonly domain: string;
  /**
   * Whether the record lives in the platform's hosted zone (created by the stack) or in the
   * customer's zone (published as an output for the customer to create).
   */
  readonly inPlatformZone: boolean;
}

/** The names of one ACM certificate and the validation records it needs. */
export interface CertificatePlan {
  readonly domainName: string;
  readonly subjectAlternativeNames: readonly string[];
  /** One entry per distinct validation record (the apex and its wildcard share one). */
  readonly validations: readonly PlannedValidation[];
}

/** Strips a leading `*.`: ACM validates a wildcard with its apex's record. */
export function validationDomain(domain: string): string {
  return domain.replace(/^\*\./, "");
}

/**
 * Orders a certificate's names for ACM: the first name that fits in
 * {@link ACM_FIRST_NAME_MAX_OCTETS} becomes `domainName`, every other name a SAN (up to 253).
 * When none of `names` fits, `fallback` (the tenant's platform subdomain, which the stack can
 * always validate in the platform zone) is put first. All names are ASCII (validated), so one
 * character is one octet.
 *
 * @returns undefined when no name, not even the fallback, fits.
 */
export function acmNameOrder(names: readonly string[], fallback: string): { domainName: string; subjectAlternativeNames: string[] } | undefined {
  const fits = (n: string) => n.length <= ACM_FIRST_NAME_MAX_OCTETS;
  const first = names.find(fits) ?? (fits(fallback) ? fallback : undefined);
  if (first === undefined) return undefined;
  const all = names.includes(first) ? names : [first, ...names];
  return { domainName: first, subjectAlternativeNames: all.filter((n) => n !== first) };
}

/** The validation records of a certificate over `names` (the apex and its wildcard share one). */
function validationsFor(names: readonly string[], hostnames: TenantHostnames): PlannedValidation[] {
  const out: PlannedValidation[] = [];
  if (names.includes(hostnames.subdomain) || names.includes(hostnames.wildcard)) {
    out.push({ key: "subdomain", domain: hostnames.subdomain, inPlatformZone: true });
  }
  const custom = hostnames.customDomain;
  if (custom !== undefined && names.includes(custom)) out.push({ key: "custom-domain", domain: custom, inPlatformZone: false });
  return out;
}

/** What a tenant's certificates are asked to cover. */
export interface CertificateOptions {
  readonly hostnames: TenantHostnames;
  readonly mode: "per-tenant" | "platform-wildcard";
  /** Include the custom domain (its stage is `serve`). */
  readonly serveCustomDomain: boolean;
  /** The consumer holds exactly one certificate for all of the tenant's names. */
  readonly singleCertificate: boolean;
}

/** The names the tenant certificate must cover, in order of preference for the first name. */
function certificateNames(options: CertificateOptions): string[] | undefined {
  const { hostnames, mode, serveCustomDomain, singleCertificate } = options;
  const custom = serveCustomDomain ? hostnames.customDomain : undefined;
  if (mode === "per-tenant") return custom ? [hostnames.subdomain, hostnames.wildcard, custom] : [hostnames.subdomain, hostnames.wildcard];
  if (custom === undefined) return undefined;
  return singleCertificate ? [custom, hostnames.subdomain] : [custom];
}

/**
 * The tenant certificate's names.
 *
 * - `per-tenant`: the subdomain, its wildcard and (when served) the custom domain.
 * - `platform-wildcard`: the platform's `*.{baseDomain}` certificate covers the subdomain, so a
 *   tenant certificate exists only for a served custom domain; it also names the subdomain when
 *   `singleCertificate` (a standard distribution holds exactly one certificate).
 *
 * ACM refuses a first name over 64 octets; a longer custom domain (up to 253) goes into the SANs
 * with the subdomain first ({@link acmNameOrder}). {@link certificateProblems} reports the case
 * where even the subdomain is too long; this function then throws.
 *
 * @returns undefined when the tenant needs no certificate of its own.
 */
export function certificatePlan(options: CertificateOptions): CertificatePlan | undefined {
  const names = certificateNames(options);
  if (names === undefined) return undefined;
  const order = acmNameOrder(names, options.hostnames.subdomain);
  if (order === undefined) throw new InputError("certificate names", firstNameProblems(names, options.hostnames));
  const all = [order.domainName, ...order.subjectAlternativeNames];
  return { ...order, validations: validationsFor(all, options.hostnames) };
}

/**
 * The certificate requested for a custom domain in the `verify` stage, only to obtain its
 * validation record. The custom domain alone when it fits ACM's first name; otherwise the
 * subdomain first and the custom domain as a SAN (its record is the same either way).
 */
export function claimCertificatePlan(hostnames: TenantHostnames): { domainName: string; subjectAlternativeNames: string[] } | undefined {
  const custom = hostnames.customDomain;
  if (custom === undefined) return undefined;
  return acmNameOrder([custom], hostnames.subdomain);
}

function firstNameProblems(names: readonly string[], hostnames: TenantHostnames): Problem[] {
  const listed = [...new Set([...names, hostnames.subdomain])].map((n) => `${n} (${n.length})`).join(", ");
  const base = hostnames.subdomain.slice(hostnames.subdomain.indexOf(".") + 1);
  const label = hostnames.subdomain.slice(0, hostnames.subdomain.indexOf("."));
  return [
    {
      path: "platform.network.baseDomain",
      message:
        `${JSON.stringify(base)} (${base.length} octets) makes the tenant's subdomain ${hostnames.subdomain} ${hostnames.subdomain.length} octets long, ` +
        `and none of its certificate's names fits ACM's first name (DomainName, at most ${ACM_FIRST_NAME_MAX_OCTETS} octets; longer names may only be SANs): ${listed}; ` +
        `expected a baseDomain of at most ${ACM_FIRST_NAME_MAX_OCTETS - label.length - 1} octets for tenant ${JSON.stringify(label)}, or certificateMode platform-wildcard`,
    },
  ];
}

/**
 * Every problem of the tenant's certificates (empty when ACM accepts them): a certificate whose
 * names all exceed ACM's 64-octet first name. Names the key, its value and the lengths.
 */
export function certificateProblems(options: CertificateOptions, claimDomain: string | undefined): Problem[] {
  const names = certificateNames(options) ?? [];
  const subdomain = options.hostnames.subdomain;
  const mainFails = names.length > 0 && acmNameOrder(names, subdomain) === undefined;
  const claimFails = claimDomain !== undefined && acmNameOrder([claimDomain], subdomain) === undefined;
  if (!mainFails && !claimFails) return [];
  return firstNameProblems([...names, ...(claimDomain !== undefined ? [claimDomain] : [])], options.hostnames);
}

/** One entry of an ACM certificate's `domainValidationOptions`. */
export interface ValidationOption {
  readonly domainName: string;
  readonly resourceRecordName: string;
  readonly resourceRecordType: string;
  readonly resourceRecordValue: string;
}

/**
 * Keeps the first option of each `resourceRecordName`: ACM answers the apex and its wildcard
 * with one record, and creating it twice would fail (or flap with `allowOverwrite`).
 */
export function dedupeValidationOptions(options: readonly ValidationOption[]): ValidationOption[] {
  const seen = new Set<string>();
  const out: ValidationOption[] = [];
  for (const o of options) {
    if (seen.has(o.resourceRecordName)) continue;
    seen.add(o.resourceRecordName);
    out.push(o);
  }
  return out;
}

/**
 * The validation option of one planned record, checking that ACM returned exactly as many
 * distinct records as were planned (so no name is left without its validation record).
 */
export function optionFor(options: readonly ValidationOption[], plan: CertificatePlan, validation: PlannedValidation): ValidationOption {
  const distinct = dedupeValidationOptions(options);
  if (distinct.length !== plan.validations.length) {
    throw new Error(
      `ACM returned ${distinct.length} distinct validation records (${distinct.map((o) => o.resourceRecordName).join(", ")}) for ${[plan.domainName, ...plan.subjectAlternativeNames].join(", ")}; expected ${plan.validations.length}, one per ${plan.validations.map((v) => v.domain).join(", ")}`,
    );
  }
  const found = distinct.find((o) => validationDomain(o.domainName) === validation.domain);
  if (found === undefined) {
    throw new Error(`ACM returned no validation record for ${validation.domain}; got ${options.map((o) => o.domainName).join(", ")}`);
  }
  return found;
}

/** A DNS name without its trailing root dot. */
export function withoutRootDot(name: string): string {
  return name.endsWith(".") ? name.slice(0, -1) : name;
}
