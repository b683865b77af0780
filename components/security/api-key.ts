/**
 * Tenant API keys: their names, how they are generated and the fingerprint the platform's
 * verifier compares against. Pure.
 *
 * A key is 48 characters of [A-Za-z0-9] from @pulumi/random (about 285 bits), so an unsalted
 * SHA-256 is a safe verifier: a slow password hash protects low-entropy secrets from guessing,
 * and nothing can be guessed here. The verifier stores only the fingerprint and never the key.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { type Problem, show, throwIfProblems } from "../errors";

/** Characters in a generated API key. */
export const API_KEY_LENGTH = 48;

/** Default API key names: one key; add a second name to rotate without downtime. */
export const DEFAULT_API_KEY_NAMES: readonly string[] = ["primary"];

/** Most API keys a tenant may hold at once (two during a rotation, plus headroom). */
export const MAX_API_KEYS = 5;

/**
 * API key names are lowercase letters and digits. No hyphens: the name ends the secret name, and
 * a secret name ending in a hyphen and six characters is ambiguous in partial ARNs.
 */
const API_KEY_NAME = /^[a-z][a-z0-9]{0,31}$/;

/** The stack config key of the names: problems are reported at `apiKeyNames.<index>`. */
export const API_KEY_NAMES_KEY = "apiKeyNames";

/** Every problem of the API key names (each decides a set of resources); empty when they are valid. */
export function apiKeyNamesProblems(names: unknown = DEFAULT_API_KEY_NAMES): Problem[] {
  const problems: Problem[] = [];
  if (!Array.isArray(names)) {
    return [{ path: API_KEY_NAMES_KEY, message: `got ${show(names)}; expected a list of 1 to ${MAX_API_KEYS} names, such as ["primary"]` }];
  }
  if (names.length === 0) problems.push({ path: API_KEY_NAMES_KEY, message: 'got []; at least one API key name is required; expected a list such as ["primary"]' });
  if (names.length > MAX_API_KEYS) problems.push({ path: API_KEY_NAMES_KEY, message: `got ${names.length} names; expected at most ${MAX_API_KEYS}` });
  const seen = new Map<string, number>();
  names.forEach((n: unknown, i) => {
    const path = `${API_KEY_NAMES_KEY}.${i}`;
    if (typeof n !== "string" || !API_KEY_NAME.test(n)) {
      problems.push({ path, message: `got ${show(n)}; expected 1 to 32 lowercase letters and digits starting with a letter (no hyphens)` });
    } else if (seen.has(n)) {
      problems.push({ path, message: `got ${show(n)}, already listed at ${API_KEY_NAMES_KEY}.${seen.get(n)}; expected each name once` });
    } else {
      seen.set(n, i);
    }
  });
  return problems;
}

/** Returns the API key names; throws one {@link InputError} (source `API key names`) listing every problem. */
export function validateApiKeyNames(names: unknown = DEFAULT_API_KEY_NAMES): string[] {
  throwIfProblems("API key names", apiKeyNamesProblems(names));
  return names as string[];
}

/** The fingerprint of an API key the verifier stores: `sha256:` and the lowercase hex digest. */
export function apiKeyFingerprint(apiKey: string): string {
  if (apiKey.length === 0) throw new TypeError("apiKeyFingerprint: the API key is empty");
  return `sha256:${createHash("sha256").update(apiKey, "utf8").digest("hex")}`;
}

/**
 * Whether a presented key matches one of the tenant's fingerprints. Compares digests in constant
 * time, so the comparison leaks nothing about how much of a fingerprint matched.
 */
export function apiKeyMatches(presented: string, fingerprints: readonly string[]): boolean {
  if (presented.length === 0) return false;
  const digest = Buffer.from(apiKeyFingerprint(presented), "utf8");
  let matched = false;
  for (const fp of fingerprints) {
    const candidate = Buffer.from(fp, "utf8");
    if (candidate.length === digest.length && timingSafeEqual(candidate, digest)) matched = true;
  }
  return matched;
}
