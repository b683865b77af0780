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
import { type Problem, show, throwIfProblems } from "../errors";

/** Default cap on the number of origins of one tenant. */
export const DEFAULT_MAX_CORS_ORIGINS = 20;

/** Hosts for which plain http is accepted: a developer's own machine. */
export const LOOPBACK_HOSTS: readonly string[] = ["localhost", "127.0.0.1"];

/** The stack config key of the origins: problems are reported at `corsAllowedOrigins.<index>`. */
export const CORS_ORIGINS_KEY = "corsAllowedOrigins";
/** The platform config key of the cap. */
export const MAX_CORS_ORIGINS_KEY = "platform.security.maxCorsOrigins";

const EXPECTED = "expected https://host[:port] (http only for localhost and 127.0.0.1)";
const LIST_EACH = "expected each allowed origin listed exactly, such as https://app.example.com";
const ORIGIN_ONLY = "expected scheme://host[:port] only";

/**
 * Why `raw` is not an acceptable origin (what was wrong and what was expected), or its
 * normalized form. Pure; the checks run in the order a person would fix them, and the first
 * failing one is reported.
 */
export function corsOriginProblem(raw: unknown): { reason: string } | { origin: string } {
  if (typeof raw !== "string") return { reason: `not a string; ${EXPECTED}` };
  if (raw.length === 0) return { reason: `it is empty; ${EXPECTED}` };
  if (/\s/.test(raw)) return { reason: `it contains whitespace; ${EXPECTED}` };
  if (raw === "*") {
    return { reason: `a wildcard origin is refused because credentials are allowed; ${LIST_EACH}` };
  }
  if (raw.includes("*")) {
    return { reason: `wildcards are refused because credentials are allowed; ${LIST_EACH}` };
  }
  if (raw.toLowerCase() === "null") {
    return { reason: `the "null" origin is refused: sandboxed iframes and file: pages send it, so any of them would be let in; ${LIST_EACH}` };
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
    return { reason: `it contains user information (user@); ${ORIGIN_ONLY}` };
  }
  if (tail.length > 0) {
    const what = tail.startsWith("?") ? "a query" : tail.startsWith("#") ? "a fragment" : tail === "/" ? 'a trailing "/"' : "a path";
    return { reason: `it has ${what}; ${ORIGIN_ONLY}; did you mean "${url.origin}"?` };
  }
  const host = url.hostname;
  if (url.protocol === "http:") {
    if (!LOOPBACK_HOSTS.includes(host)) {
      return { reason: `http is allowed only for localhost and 127.0.0.1; expected https; did you mean "https://${url.host}"?` };
    }
  } else if (url.protocol !== "https:") {
    return { reason: `scheme "${url.protocol.slice(0, -1)}" is not allowed; ${EXPECTED}` };
  }
  if (!LOOPBACK_HOSTS.includes(host)) {
    if (host.endsWith(".")) {
      const fixed = `${url.protocol}//${host.slice(0, -1)}${url.port ? `:${url.port}` : ""}`;
      return { reason: `the host ends with a dot; expected the host without the trailing dot; did you mean "${fixed}"?` };
    }
    if (!host.includes(".") && !host.startsWith("[")) {
      return { reason: `host "${host}" is not a fully qualified domain name; expected a name with at least one dot` };
    }
  }
  return { origin: url.origin };
}

/**
 * Validates a tenant's CORS allowed origins: every problem (bad origins, duplicates after
 * normalization, too many origins, a bad cap) as {@link Problem}s at the user's config keys
 * (`corsAllowedOrigins.2`, `platform.security.maxCorsOrigins`), and the normalized origins
 * (lowercase host, default port removed, in the given order) of the valid entries. Pure.
 *
 * @param maxOrigins most origins accepted. @default {@link DEFAULT_MAX_CORS_ORIGINS}
 */
export function checkCorsOrigins(origins: unknown, maxOrigins: unknown = DEFAULT_MAX_CORS_ORIGINS): { origins: string[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const maxValid = typeof maxOrigins === "number" && Number.isInteger(maxOrigins) && maxOrigins >= 1;
  if (!maxValid) problems.push({ path: MAX_CORS_ORIGINS_KEY, message: `got ${show(maxOrigins)}; expected a positive whole number` });
  if (!Array.isArray(origins)) {
    problems.push({ path: CORS_ORIGINS_KEY, message: `got ${show(origins)}; expected a list of origins` });
    return { origins: [], problems };
  }
  const normalized: string[] = [];
  const firstIndex = new Map<string, number>();
  origins.forEach((raw: unknown, index) => {
    const path = `${CORS_ORIGINS_KEY}.${index}`;
    const result = corsOriginProblem(raw);
    if ("reason" in result) {
      problems.push({ path, message: `got ${show(raw)}; ${result.reason}` });
      return;
    }
    const seen = firstIndex.get(result.origin);
    if (seen !== undefined) {
      problems.push({
        path,
        message: `got ${show(raw)}, the same origin as ${CORS_ORIGINS_KEY}.${seen} (both are ${result.origin}); expected each origin once`,
      });
      return;
    }
    firstIndex.set(result.origin, index);
    normalized.push(result.origin);
  });
  if (maxValid && origins.length > maxOrigins) {
    problems.push({ path: CORS_ORIGINS_KEY, message: `got ${origins.length} origins; expected at most ${maxOrigins} (${MAX_CORS_ORIGINS_KEY})` });
  }
  return { origins: normalized, problems };
}

/** Every problem of a tenant's CORS allowed origins (empty when they are valid); see {@link checkCorsOrigins}. */
export function corsOriginsProblems(origins: unknown, maxOrigins?: unknown): Problem[] {
  return checkCorsOrigins(origins, maxOrigins).problems;
}

/** Options of {@link normalizeCorsOrigins}. */
export interface CorsOptions {
  /** Most origins accepted. @default {@link DEFAULT_MAX_CORS_ORIGINS} */
  readonly maxOrigins?: number;
}

/**
 * Returns the tenant's CORS allowed origins normalized; throws one {@link InputError} (source
 * `CORS allowed origins`) listing every problem of {@link checkCorsOrigins}.
 */
export function normalizeCorsOrigins(origins: unknown, options: CorsOptions = {}): string[] {
  const result = checkCorsOrigins(origins, options.maxOrigins);
  throwIfProblems("CORS allowed origins", result.problems);
  return result.origins;
}
