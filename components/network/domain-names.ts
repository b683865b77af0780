/**
 * The tenant's DNS names, the custom domain validator and the certificate plan: pure functions,
 * no Pulumi resources, so every rule is tested directly.
 *
 * Names: `{tenant}.{baseDomain}` (the spec's subdomain), `*.{tenant}.{baseDomain}` (the spec's
 * `ssl_certificate: "*.{subdomain}"`) and an optional custom domain the tenant owns.
 */
import type { TenantNames } from "../naming";

/** The spec's base domain. */
export const DEFAULT_BASE_DOMAIN = "controlplane.controlcore.io";
/** Longest DNS name (RFC 1035, without the root dot). */
export const DNS_NAME_MAX_LENGTH = 253;
/** Longest DNS label (RFC 1035). */
export const DNS_LABEL_MAX_LENGTH = 63;

/** The error a refused custom domain throws; `problems` lists every reason. */
export class CustomDomainError extends Error {
  constructor(
    readonly domain: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid custom domain ${JSON.stringify(domain)}: ${problems.join("; ")}`);
    this.name = "CustomDomainError";
  }
}

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

/** Throws {@link CustomDomainError} listing every problem, or returns the domain typed. */
export function validateCustomDomain(domain: unknown, context: CustomDomainContext): string {
  const problems = customDomainProblems(domain, context);
  if (problems.length > 0) throw new CustomDomainError(String(domain), problems);
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

/** Derives the tenant's host names; validates the custom domain against the base domain. */
export function tenantHostnames(names: TenantNames, baseDomain: string, customDomain?: string): TenantHostnames {
  const subdomain = `${names.dnsLabel}.${baseDomain}`;
  if (customDomain !== undefined) validateCustomDomain(customDomain, { baseDomain, subdomain });
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
 * The tenant certificate's names.
 *
 * - `per-tenant`: the subdomain, its wildcard and (when served) the custom domain.
 * - `platform-wildcard`: the platform's `*.{baseDomain}` certificate covers the subdomain, so a
 *   tenant certificate exists only for a served custom domain; it also names the subdomain when
 *   `singleCertificate` (a standard distribution holds exactly one certificate).
 *
 * @returns undefined when the tenant needs no certificate of its own.
 */
export function certificatePlan(options: {
  readonly hostnames: TenantHostnames;
  readonly mode: "per-tenant" | "platform-wildcard";
  /** Include the custom domain (its stage is `serve`). */
  readonly serveCustomDomain: boolean;
  /** The consumer holds exactly one certificate for all of the tenant's names. */
  readonly singleCertificate: boolean;
}): CertificatePlan | undefined {
  const { hostnames, mode, serveCustomDomain, singleCertificate } = options;
  const custom = serveCustomDomain ? hostnames.customDomain : undefined;
  const subdomainValidation: PlannedValidation = { key: "subdomain", domain: hostnames.subdomain, inPlatformZone: true };
  const customValidation = (d: string): PlannedValidation => ({ key: "custom-domain", domain: d, inPlatformZone: false });
  if (mode === "per-tenant") {
    return {
      domainName: hostnames.subdomain,
      subjectAlternativeNames: custom ? [hostnames.wildcard, custom] : [hostnames.wildcard],
      validations: custom ? [subdomainValidation, customValidation(custom)] : [subdomainValidation],
    };
  }
  if (custom === undefined) return undefined;
  return singleCertificate
    ? { domainName: custom, subjectAlternativeNames: [hostnames.subdomain], validations: [subdomainValidation, customValidation(custom)] }
    : { domainName: custom, subjectAlternativeNames: [], validations: [customValidation(custom)] };
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
