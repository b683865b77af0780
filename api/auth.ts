/**
 * Who is calling. Two kinds of caller:
 * - operators: `Authorization: Bearer <platform token>`; the tokens are CONTROLCORE_API_OPERATOR_TOKENS
 *   (comma list of tokens or of their sha256 hex digests). A presented token is hashed and compared
 *   with every configured digest in constant time (crypto.timingSafeEqual over equal-length digests);
 * - tenants: `Authorization: Bearer <JWT>` (the tenant's access token, verified with the tenant's
 *   JWKS; the tenant is the token's `tenant` claim, and the JWKS of that tenant must verify it), or
 *   `Authorization: ApiKey <tenantId>:<key>` (the key's sha256 fingerprint compared in constant time
 *   with the tenant's `security.apiKeys[*].fingerprint`).
 * Anything else, or a credential that does not verify, is 401: the reason goes to the log only.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { apiKeyMatches } from "../components/security/api-key";
import { tenantIdProblem } from "../components/naming";
import type { Engine } from "../cli/ops/engine";
import { claimedTenant, type TokenRules, verifyTenantToken } from "./tenant-token";

export type Caller =
  | { readonly kind: "operator"; readonly id: string }
  | { readonly kind: "tenant"; readonly tenantId: string; readonly via: "jwt" | "api-key"; readonly subject: string };

/** A short, non-secret name of a caller for logs. */
export function callerName(c: Caller | undefined): string {
  if (!c) return "anonymous";
  return c.kind === "operator" ? `operator:${c.id}` : `tenant:${c.tenantId}:${c.via}:${c.subject}`;
}

const HEX64 = /^[0-9a-f]{64}$/i;
const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest();

/** Parses CONTROLCORE_API_OPERATOR_TOKENS: entries of 64 hex digits are digests, others are tokens (hashed here). */
export function operatorDigests(spec: string | undefined): Buffer[] {
  return (spec ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => (HEX64.test(s) ? Buffer.from(s.toLowerCase(), "hex") : sha256(s)));
}

/** The index of the operator digest `presented` hashes to, or -1. Every digest is compared (constant time). */
export function matchOperator(presented: string, digests: readonly Buffer[]): number {
  const d = sha256(presented);
  let found = -1;
  digests.forEach((x, i) => {
    if (x.length === d.length && timingSafeEqual(x, d) && found < 0) found = i;
  });
  return found;
}

/** Where the API finds a tenant's JWKS and API key fingerprints. */
export interface TenantCredentialSource {
  jwks(tenantId: string): Promise<unknown | undefined>;
  apiKeyFingerprints(tenantId: string): Promise<string[]>;
}

function readJson(file: string): unknown | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * The tenant's stack outputs (`security.jwks`, `security.apiKeys.<name>.fingerprint`), then files in
 * `dir`: `<tenant>.json` (a JWKS) and `<tenant>.apikeys.json` (a list of `sha256:` fingerprints).
 * The local engine records no `security` outputs (its keys are cloud resources), so locally the
 * files are the source. Callers pass only valid tenant IDs (no path can be formed from others).
 */
export function credentialSource(engine: Engine | undefined, dir: string | undefined): TenantCredentialSource {
  const outputs = async (tenantId: string): Promise<Record<string, unknown> | undefined> => {
    if (!engine) return undefined;
    try {
      return await engine.outputs({ tenantId }, false);
    } catch {
      return undefined;
    }
  };
  return {
    async jwks(tenantId) {
      const sec = (await outputs(tenantId))?.security as Record<string, unknown> | undefined;
      if (sec?.jwks) return sec.jwks;
      return dir ? readJson(path.join(dir, `${tenantId}.json`)) : undefined;
    },
    async apiKeyFingerprints(tenantId) {
      const sec = (await outputs(tenantId))?.security as { apiKeys?: Record<string, { fingerprint?: unknown }> } | undefined;
      const fromStack = Object.values(sec?.apiKeys ?? {}).map((k) => k.fingerprint).filter((f): f is string => typeof f === "string");
      if (fromStack.length > 0) return fromStack;
      const fromFile = dir ? readJson(path.join(dir, `${tenantId}.apikeys.json`)) : undefined;
      return Array.isArray(fromFile) ? fromFile.filter((f): f is string => typeof f === "string") : [];
    },
  };
}

export interface AuthConfig {
  readonly operatorDigests: readonly Buffer[];
  readonly credentials: TenantCredentialSource;
  readonly tokenRules: TokenRules;
}

/** Authenticates an Authorization header: the caller, or a reason for the log (→ 401). */
export async function authenticate(header: string | undefined, cfg: AuthConfig): Promise<{ caller: Caller } | { reason: string }> {
  if (!header) return { reason: "no Authorization header" };
  const m = /^(Bearer|ApiKey) +(\S+)$/i.exec(header.trim());
  if (!m) return { reason: "Authorization is not `Bearer <token>` or `ApiKey <tenant>:<key>`" };
  const scheme = m[1]!.toLowerCase();
  const value = m[2]!;
  if (scheme === "apikey") {
    const i = value.indexOf(":");
    if (i <= 0) return { reason: "API key credential is not <tenant>:<key>" };
    const tenantId = value.slice(0, i);
    const key = value.slice(i + 1);
    if (tenantIdProblem(tenantId) !== undefined) return { reason: "API key names no valid tenant" };
    if (!apiKeyMatches(key, await cfg.credentials.apiKeyFingerprints(tenantId))) return { reason: "API key does not match the tenant's fingerprints" };
    return { caller: { kind: "tenant", tenantId, via: "api-key", subject: "api-key" } };
  }
  if (value.split(".").length === 3) {
    const tenantId = claimedTenant(value);
    if (tenantId === undefined || tenantIdProblem(tenantId) !== undefined) return { reason: "JWT has no valid tenant claim" };
    const jwks = await cfg.credentials.jwks(tenantId);
    if (jwks === undefined) return { reason: "no JWKS for the token's tenant" };
    const v = await verifyTenantToken(value, tenantId, jwks, cfg.tokenRules);
    if (!v.ok) return { reason: `JWT refused: ${v.reason}` };
    return { caller: { kind: "tenant", tenantId, via: "jwt", subject: v.claims.sub } };
  }
  const i = matchOperator(value, cfg.operatorDigests);
  if (i < 0) return { reason: "unknown bearer token" };
  return { caller: { kind: "operator", id: `#${i}` } };
}
