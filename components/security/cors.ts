/**
 * Validation and normalization of a tenant's CORS allowed origins.
 *
 * The platform answers the tenant's cross-origin requests with
 * `Access-Control-Allow-Credentials: true`, so every allowed origin can make the tenant's users'
 * browsers send cookies and bearer tokens. That is why the rules are strict: exact origins only
 * (no `*`, no `https://*.example.com`), https everywhere except a developer's own machine, and
 * nothing an origin never carries (path, query, fragment, user information). Browsers send the
 * serialized origin (`scheme://host[:port]`, lowercase host, default port omitted), so the list is
 * normalized to that form and compared by exact string match.
 *
 * @see https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS#credentialed_requests_and_wildcards
 * @see https://html.spec.whatwg.org/multipage/browsers.html#ascii-serialisation-of-an-origin
 */

/** Default cap on the number of origins of one tenant. */
export const DEFAULT_MAX_CORS_ORIGINS = 20;

/** Hosts for which plain http is accepted: a developer's own machine. */
export const LOOPBACK_HOSTS: readonly string[] = ["localhost", "127.0.0.1"];

/** One refused origin: its position, the value as given and why it was refused. */
export interface CorsOriginProblem {
  /** Index in the given list, or -1 for a problem with the whole list. */
  readonly index: number;
  readonly origin: unknown;
  readonly reason: string;
}

/** Thrown when any origin is refused; lists every problem at once. */
export class CorsOriginsError extends Error {
  constructor(readonly problems: readonly CorsOriginProblem[]) {
    super(
      `invalid CORS allowed origins: ${problems.length} problem${problems.length === 1 ? "" : "s"}\n` +
        problems.map((p) => `  - ${describe(p)}`).join("\n"),
    );
    this.name = "CorsOriginsError";
  }
}

function describe(p: CorsOriginProblem): string {
  return p.index < 0 ? p.reason : `corsAllowedOrigins[${p.index}] ${JSON.stringify(p.origin)}: ${p.reason}`;
}

const EXPECTED = "expected https://host[:port] (http only for localhost and 127.0.0.1)";

/**
 * Returns why `raw` is not an acceptable origin, or its normalized form. Pure; the checks run
 * in the order a person would fix them, and the first failing one is reported.
 */
export function corsOriginProblem(raw: unknown): { reason: string } | { origin: string } {
  if (typeof raw !== "string") return { reason: `expected a string, got ${raw === null ? "null" : typeof raw}` };
  if (raw.length === 0) return { reason: `it is empty; ${EXPECTED}` };
  if (/\s/.test(raw)) return { reason: "it contains whitespace" };
  if (raw === "*") {
    return { reason: "a wildcard origin is refused because credentials are allowed; list each origin" };
  }
  if (raw.includes("*")) {
    return { reason: "wildcards are refused because credentials are allowed; list each origin" };
  }
  if (raw.toLowerCase() === "null") {
    return { reason: 'the "null" origin is refused: sandboxed iframes and file: pages send it, so any of them would be let in' };
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(raw);
  if (!scheme) return { reason: `it is not an origin; ${EXPECTED}` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { reason: `it is not a valid URL; ${EXPECTED}` };
  }
  // The authority is what follows "scheme://" up to the first "/", "?" or "#" (or "\\", which
  // URL parsers treat as "/" in http and https URLs).
  const rest = raw.slice(scheme[0].length);
  const authority = rest.split(/[/?#\\]/, 1)[0]!;
  const tail = rest.slice(authority.length);
  if (authority.includes("@")) {
    return { reason: "it contains user information (user@); an origin is scheme://host[:port] only" };
  }
  if (tail.length > 0) {
    const what = tail.startsWith("?") ? "a query" : tail.startsWith("#") ? "a fragment" : tail === "/" ? 'a trailing "/"' : "a path";
    return { reason: `it has ${what}; an origin is scheme://host[:port] only (did you mean ${url.origin}?)` };
  }
  const host = url.hostname;
  if (url.protocol === "http:") {
    if (!LOOPBACK_HOSTS.includes(host)) {
      return { reason: `http is allowed only for localhost and 127.0.0.1; use https://${url.host}` };
    }
  } else if (url.protocol !== "https:") {
    return { reason: `scheme "${url.protocol.slice(0, -1)}" is not allowed; ${EXPECTED}` };
  }
  if (!LOOPBACK_HOSTS.includes(host)) {
    if (host.endsWith(".")) return { reason: "the host ends with a dot; write it without the trailing dot" };
    if (!host.includes(".") && !host.startsWith("[")) {
      return { reason: `host "${host}" is not a fully qualified domain name` };
    }
  }
  return { origin: url.origin };
}

/** Options of {@link normalizeCorsOrigins}. */
export interface CorsOptions {
  /** Most origins accepted. @default {@link DEFAULT_MAX_CORS_ORIGINS} */
  readonly maxOrigins?: number;
}

/**
 * Validates a tenant's CORS allowed origins and returns them normalized (lowercase host, default
 * port removed), in the given order. Collects every problem (bad origins, duplicates after
 * normalization, too many origins) and throws one {@link CorsOriginsError}.
 */
export function normalizeCorsOrigins(origins: unknown, options: CorsOptions = {}): string[] {
  const max = options.maxOrigins ?? DEFAULT_MAX_CORS_ORIGINS;
  if (!Number.isInteger(max) || max < 1) {
    throw new RangeError(`maxOrigins must be a positive integer, got ${String(max)}`);
  }
  if (!Array.isArray(origins)) {
    throw new CorsOriginsError([{ index: -1, origin: origins, reason: `corsAllowedOrigins: expected a list of origins, got ${origins === null ? "null" : typeof origins}` }]);
  }
  const problems: CorsOriginProblem[] = [];
  const normalized: string[] = [];
  const firstIndex = new Map<string, number>();
  origins.forEach((raw: unknown, index) => {
    const result = corsOriginProblem(raw);
    if ("reason" in result) {
      problems.push({ index, origin: raw, reason: result.reason });
      return;
    }
    const seen = firstIndex.get(result.origin);
    if (seen !== undefined) {
      problems.push({ index, origin: raw, reason: `duplicate of corsAllowedOrigins[${seen}] (both are ${result.origin})` });
      return;
    }
    firstIndex.set(result.origin, index);
    normalized.push(result.origin);
  });
  if (origins.length > max) {
    problems.push({ index: -1, origin: origins, reason: `corsAllowedOrigins: ${origins.length} origins given; at most ${max} are allowed` });
  }
  if (problems.length > 0) throw new CorsOriginsError(problems);
  return normalized;
}
