/**
 * Tenant access tokens: the reference verification for the platform's `validate-access` endpoint
 * (which is not part of this repository), and a signing helper for the tests. It lives under
 * tests/ because `pulumi up` never imports it: the tests use it to prove that the keys and the
 * JWKS SecurityCredentials publishes isolate tenants. Built on `jose`; every refusal is a
 * {@link TenantTokenError} with a stable {@link TenantTokenErrorCode} that callers map (all of
 * them to HTTP 401).
 *
 * What verification insists on, and why:
 * - the algorithm is pinned to {@link JWT_ALGORITHM}: `alg: none`, HMAC tokens keyed with the
 *   public key (algorithm confusion) and any other algorithm are refused before a key is chosen;
 * - the key comes only from the tenant's own JWKS, selected by a required `kid`; keys embedded in
 *   the token (`jwk`, `jku`, `x5u` headers) are never used;
 * - `typ` is `at+jwt` (RFC 9068), so that no other kind of JWT signed by the same key passes;
 * - `exp`, `iat`, `iss`, `aud`, `sub` and `tenant` are required; `tenant` must equal the tenant
 *   being accessed; a token older than `maxTokenAgeSeconds` is refused whatever its `exp`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8725 (JWT best current practices)
 * @see https://www.rfc-editor.org/rfc/rfc9068 (JWT profile for access tokens)
 */
import {
  type JWTPayload,
  SignJWT,
  calculateJwkThumbprint,
  createLocalJWKSet,
  errors,
  exportJWK,
  importPKCS8,
  jwtVerify,
} from "jose";
import { tenantIdProblem, validateTenantId } from "../../components/naming";
import { JWT_ALGORITHM, type JwtAlgorithm, type TenantJwks } from "../../components/security/jwks";

/** The `typ` header of tenant access tokens (RFC 9068). */
export const TENANT_TOKEN_TYPE = "at+jwt";

/** Claims every tenant token must carry. */
export const REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "tenant"] as const;

/** Why a token was refused. Stable: callers and tests match on these. */
export type TenantTokenErrorCode =
  | "TOKEN_MALFORMED"
  | "TOKEN_UNSUPPORTED"
  | "TOKEN_ALG_NOT_ALLOWED"
  | "TOKEN_KID_MISSING"
  | "TOKEN_KEY_NOT_FOUND"
  | "TOKEN_SIGNATURE_INVALID"
  | "TOKEN_TYPE_INVALID"
  | "TOKEN_CLAIM_MISSING"
  | "TOKEN_CLAIM_INVALID"
  | "TOKEN_ISSUER_MISMATCH"
  | "TOKEN_AUDIENCE_MISMATCH"
  | "TOKEN_TENANT_MISMATCH"
  | "TOKEN_EXPIRED"
  | "TOKEN_TOO_OLD"
  | "TOKEN_NOT_YET_VALID"
  | "VERIFIER_MISCONFIGURED";

/** A refused token (or a misconfigured verifier). */
export class TenantTokenError extends Error {
  constructor(
    readonly code: TenantTokenErrorCode,
    message: string,
    /** The claim at fault, when one is. */
    readonly claim?: string,
    /** The `jose` error code behind this refusal, when there is one. */
    readonly joseCode?: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
    this.name = "TenantTokenError";
  }
}

/** What the verifier is configured with. */
export interface TenantTokenVerifyOptions {
  /** The tenant's JWKS (the `jwks` output of SecurityCredentials). */
  readonly jwks: TenantJwks;
  /** The tenant being accessed; the token's `tenant` claim must equal it. */
  readonly tenantId: string;
  /** Expected `iss`. */
  readonly issuer: string;
  /** Expected `aud` (the token's `aud` must contain it). */
  readonly audience: string;
  /** Longest accepted time since `iat`, in seconds. */
  readonly maxTokenAgeSeconds: number;
  /** Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds. @default 30 */
  readonly clockToleranceSeconds?: number;
  /** "Now" for the time checks. @default the current time */
  readonly currentDate?: Date;
}

/** The claims of a verified tenant token. */
export interface TenantTokenClaims extends JWTPayload {
  readonly tenant: string;
  readonly sub: string;
  readonly iss: string;
  readonly aud: string | string[];
  readonly iat: number;
  readonly exp: number;
}

/** A verified token. */
export interface VerifiedTenantToken {
  readonly claims: TenantTokenClaims;
  /** The `kid` of the key that verified it. */
  readonly kid: string;
  readonly alg: JwtAlgorithm;
}

/** Refuses a JWKS that holds anything but this project's tenant keys. */
function checkJwks(jwks: TenantJwks): void {
  if (typeof jwks !== "object" || jwks === null || !Array.isArray(jwks.keys) || jwks.keys.length === 0) {
    throw new TenantTokenError("VERIFIER_MISCONFIGURED", "the JWKS has no keys");
  }
  jwks.keys.forEach((k, i) => {
    const ok = k.kty === "EC" && k.crv === "P-256" && k.alg === JWT_ALGORITHM && k.use === "sig" && typeof k.kid === "string" && k.kid.length > 0;
    if (!ok || "d" in k) {
      throw new TenantTokenError("VERIFIER_MISCONFIGURED", `JWKS key ${i} is not a public ${JWT_ALGORITHM} signing key with a kid`);
    }
  });
}

/** Maps a `jose` error (or anything else thrown while verifying) to a TenantTokenError. */
function mapError(e: unknown): TenantTokenError {
  if (e instanceof TenantTokenError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const wrap = (code: TenantTokenErrorCode, claim?: string) =>
    new TenantTokenError(code, msg, claim, (e as { code?: string }).code, { cause: e });
  if (e instanceof errors.JOSEAlgNotAllowed) return wrap("TOKEN_ALG_NOT_ALLOWED");
  if (e instanceof errors.JOSENotSupported) return wrap("TOKEN_UNSUPPORTED");
  if (e instanceof errors.JWKSNoMatchingKey) return wrap("TOKEN_KEY_NOT_FOUND");
  if (e instanceof errors.JWSSignatureVerificationFailed) return wrap("TOKEN_SIGNATURE_INVALID");
  if (e instanceof errors.JWTExpired) return wrap(e.claim === "iat" ? "TOKEN_TOO_OLD" : "TOKEN_EXPIRED", e.claim);
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.reason === "missing") return wrap("TOKEN_CLAIM_MISSING", e.claim);
    if (e.reason === "invalid") return wrap("TOKEN_CLAIM_INVALID", e.claim);
    switch (e.claim) {
      case "typ":
        return wrap("TOKEN_TYPE_INVALID", e.claim);
      case "iss":
        return wrap("TOKEN_ISSUER_MISMATCH", e.claim);
      case "aud":
        return wrap("TOKEN_AUDIENCE_MISMATCH", e.claim);
      case "nbf":
      case "iat":
        return wrap("TOKEN_NOT_YET_VALID", e.claim);
      default:
        return wrap("TOKEN_CLAIM_INVALID", e.claim);
    }
  }
  return wrap("TOKEN_MALFORMED");
}

/**
 * Builds a verifier for one tenant: the JWKS is checked and imported once, then each call
 * verifies one token. Throws {@link TenantTokenError} `VERIFIER_MISCONFIGURED` on bad options.
 */
export function createTenantTokenVerifier(options: TenantTokenVerifyOptions): (token: string) => Promise<VerifiedTenantToken> {
  const badTenant = tenantIdProblem(options.tenantId);
  if (badTenant !== undefined) {
    throw new TenantTokenError("VERIFIER_MISCONFIGURED", `tenantId ${JSON.stringify(options.tenantId)} is not a tenant ID: ${badTenant}`);
  }
  checkJwks(options.jwks);
  const { tenantId, issuer, audience, maxTokenAgeSeconds } = options;
  const clockTolerance = options.clockToleranceSeconds ?? 30;
  if (!Number.isInteger(maxTokenAgeSeconds) || maxTokenAgeSeconds <= 0) {
    throw new TenantTokenError("VERIFIER_MISCONFIGURED", `maxTokenAgeSeconds must be a positive whole number, got ${maxTokenAgeSeconds}`);
  }
  if (!Number.isInteger(clockTolerance) || clockTolerance < 0) {
    throw new TenantTokenError("VERIFIER_MISCONFIGURED", `clockToleranceSeconds must be a whole number >= 0, got ${clockTolerance}`);
  }
  const localKeys = createLocalJWKSet(options.jwks as unknown as Parameters<typeof createLocalJWKSet>[0]);
  const keyFor: Parameters<typeof jwtVerify>[1] = async (header, token) => {
    if (typeof header.kid !== "string" || header.kid.length === 0) {
      throw new TenantTokenError("TOKEN_KID_MISSING", 'the token has no "kid" header; tenant tokens name their signing key');
    }
    return localKeys(header, token);
  };

  return async (token: string) => {
    try {
      const { payload, protectedHeader } = await jwtVerify(token, keyFor, {
        algorithms: [JWT_ALGORITHM],
        typ: TENANT_TOKEN_TYPE,
        issuer,
        audience,
        maxTokenAge: maxTokenAgeSeconds,
        clockTolerance,
        requiredClaims: [...REQUIRED_CLAIMS],
        currentDate: options.currentDate,
      });
      if (typeof payload.sub !== "string" || payload.sub.length === 0) {
        throw new TenantTokenError("TOKEN_CLAIM_INVALID", '"sub" claim must be a non-empty string', "sub");
      }
      if (payload.tenant !== tenantId) {
        throw new TenantTokenError(
          "TOKEN_TENANT_MISMATCH",
          `"tenant" claim ${JSON.stringify(payload.tenant)} is not the tenant being accessed (${tenantId})`,
          "tenant",
        );
      }
      return { claims: payload as TenantTokenClaims, kid: protectedHeader.kid!, alg: JWT_ALGORITHM };
    } catch (e) {
      throw mapError(e);
    }
  };
}

/** Verifies one tenant token; see {@link createTenantTokenVerifier}. */
export async function verifyTenantToken(token: string, options: TenantTokenVerifyOptions): Promise<VerifiedTenantToken> {
  return createTenantTokenVerifier(options)(token);
}

/** The `kid` (RFC 7638 thumbprint) of the public half of a PKCS#8 private key PEM. */
export async function kidOfPrivateKeyPem(privateKeyPem: string): Promise<string> {
  const jwk = await exportJWK(await importPKCS8(privateKeyPem, JWT_ALGORITHM, { extractable: true }));
  return calculateJwkThumbprint({ kty: jwk.kty!, crv: jwk.crv!, x: jwk.x!, y: jwk.y! }, "sha256");
}

/** What a signed tenant token says. */
export interface SignTenantTokenOptions {
  /** PKCS#8 PEM of the active slot's private key (as stored in the slot's secret). */
  readonly privateKeyPem: string;
  /** The key's `kid`. @default computed from the key */
  readonly kid?: string;
  readonly tenantId: string;
  readonly issuer: string;
  readonly audience: string;
  readonly subject: string;
  /** Seconds from `iat` to `exp`. */
  readonly lifetimeSeconds: number;
  /** Extra claims (e.g. `scope`); cannot override the standard ones. */
  readonly claims?: Record<string, unknown>;
  /** The issue time. @default now */
  readonly now?: Date;
}

/** Signs a tenant access token with {@link JWT_ALGORITHM}: for tools, local mode and tests. */
export async function signTenantToken(options: SignTenantTokenOptions): Promise<string> {
  validateTenantId(options.tenantId);
  if (!Number.isInteger(options.lifetimeSeconds) || options.lifetimeSeconds <= 0) {
    throw new RangeError(`lifetimeSeconds must be a positive whole number, got ${options.lifetimeSeconds}`);
  }
  const key = await importPKCS8(options.privateKeyPem, JWT_ALGORITHM);
  const kid = options.kid ?? (await kidOfPrivateKeyPem(options.privateKeyPem));
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  return new SignJWT({ ...options.claims, tenant: options.tenantId })
    .setProtectedHeader({ alg: JWT_ALGORITHM, kid, typ: TENANT_TOKEN_TYPE })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setSubject(options.subject)
    .setIssuedAt(iat)
    .setExpirationTime(iat + options.lifetimeSeconds)
    .sign(key);
}
