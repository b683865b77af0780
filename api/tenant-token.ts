/**
 * The API's runtime verifier of tenant access tokens: the rules of docs/security.md (the same as
 * tests/security/jwt-verifier.ts, which is test-only): ES256 only (so `alg: none` and HMAC
 * confusion are refused before a key is chosen), `typ: at+jwt`, a required `kid` chosen from the
 * tenant's own JWKS only, required exp/iat/iss/aud/sub/tenant, `tenant` equal to the tenant the
 * JWKS belongs to, max age since `iat`, clock tolerance.
 */
import { createLocalJWKSet, decodeJwt, jwtVerify, type JWTPayload } from "jose";
import { JWT_ALGORITHM, type TenantJwks } from "../components/security/jwks";
import { SecurityPlatformSchema } from "../components/security/config";

export interface TokenRules {
  readonly issuer: string;
  readonly audience: string;
  readonly maxTokenAgeSeconds: number;
  readonly clockToleranceSeconds: number;
}

/** The platform defaults of `security` (tokenIssuer, tokenAudience, accessTokenMaxAgeSeconds, clockToleranceSeconds). */
export function defaultTokenRules(): TokenRules {
  const s = SecurityPlatformSchema.parse({}) as Record<string, unknown>;
  return {
    issuer: String(s.tokenIssuer),
    audience: String(s.tokenAudience),
    maxTokenAgeSeconds: Number(s.accessTokenMaxAgeSeconds),
    clockToleranceSeconds: Number(s.clockToleranceSeconds),
  };
}

/** The `tenant` claim of a token, read WITHOUT verification (only to choose whose JWKS verifies it). */
export function claimedTenant(token: string): string | undefined {
  try {
    const t = decodeJwt(token).tenant;
    return typeof t === "string" ? t : undefined;
  } catch {
    return undefined;
  }
}

function usableJwks(jwks: unknown): jwks is TenantJwks {
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  return Array.isArray(keys) && keys.length > 0 && keys.every((k) =>
    k && k.kty === "EC" && k.crv === "P-256" && k.alg === JWT_ALGORITHM && k.use === "sig" && typeof k.kid === "string" && k.kid.length > 0 && !("d" in k));
}

/**
 * Verifies `token` for `tenantId` with that tenant's JWKS. Returns the claims, or a reason (never
 * thrown: every refusal is a 401 and the reason goes only to the log).
 */
export async function verifyTenantToken(
  token: string,
  tenantId: string,
  jwks: unknown,
  rules: TokenRules,
  now?: Date,
): Promise<{ ok: true; claims: JWTPayload & { sub: string } } | { ok: false; reason: string }> {
  if (!usableJwks(jwks)) return { ok: false, reason: "the tenant's JWKS is missing or holds a key that is not a public ES256 signing key with a kid" };
  const local = createLocalJWKSet(jwks as unknown as Parameters<typeof createLocalJWKSet>[0]);
  try {
    const { payload } = await jwtVerify(
      token,
      async (header, t) => {
        if (typeof header.kid !== "string" || header.kid.length === 0) throw new Error("the token has no kid");
        return local(header, t);
      },
      {
        algorithms: [JWT_ALGORITHM],
        typ: "at+jwt",
        issuer: rules.issuer,
        audience: rules.audience,
        maxTokenAge: rules.maxTokenAgeSeconds,
        clockTolerance: rules.clockToleranceSeconds,
        requiredClaims: ["exp", "iat", "iss", "aud", "sub", "tenant"],
        currentDate: now,
      },
    );
    if (typeof payload.sub !== "string" || payload.sub.length === 0) return { ok: false, reason: "sub is not a non-empty string" };
    if (payload.tenant !== tenantId) return { ok: false, reason: "tenant claim mismatch" };
    return { ok: true, claims: payload as JWTPayload & { sub: string } };
  } catch (e) {
    return { ok: false, reason: `${(e as { code?: string }).code ?? "ERR"}: ${(e as Error).message}` };
  }
}
