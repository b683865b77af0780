/**
 * The tenant's JWT signing keys as data: the algorithm, the key slots of a rotation, and the
 * JWKS (JSON Web Key Set) that publishes their public halves. Pure; the component wires it to
 * @pulumi/tls keys.
 *
 * Algorithm: ES256 (ECDSA on P-256 with SHA-256). Its public keys are 64 bytes and signatures 64
 * bytes (RS256 with RSA 2048: 256 bytes each), signing is fast, key generation is instant, and
 * it is the mandatory-to-implement asymmetric algorithm of every JOSE library the platform might
 * use (RFC 7518 §3.1 "Recommended+"). Asymmetric signing is the point: verifiers hold only the
 * public JWKS, so a verifier cannot mint tokens, and one tenant's JWKS verifies nothing signed by
 * another tenant's key.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc7638 (JWK thumbprint, used as `kid`)
 */
import { calculateJwkThumbprint, exportJWK, importSPKI } from "jose";
import { type Problem, show, throwIfProblems } from "../errors";

/** The one JWS algorithm tenant tokens are signed with and verified against. */
export const JWT_ALGORITHM = "ES256" as const;
export type JwtAlgorithm = typeof JWT_ALGORITHM;

/** How @pulumi/tls generates a key for {@link JWT_ALGORITHM}. */
export const TLS_KEY_SPEC = { algorithm: "ECDSA", ecdsaCurve: "P256" } as const;

/** The two key slots a rotation alternates between. */
export const JWT_KEY_SLOTS = ["a", "b"] as const;
export type JwtKeySlot = (typeof JWT_KEY_SLOTS)[number];

/** Default slots: one key. */
export const DEFAULT_JWT_KEY_SLOTS: readonly JwtKeySlot[] = ["a"];

/** A public signing key as published in the tenant's JWKS. */
export interface TenantJwk {
  /** RFC 7638 SHA-256 thumbprint of the key, base64url. */
  readonly kid: string;
  readonly kty: "EC";
  readonly crv: "P-256";
  readonly x: string;
  readonly y: string;
  readonly alg: JwtAlgorithm;
  readonly use: "sig";
}

/** A JSON Web Key Set of tenant keys. */
export interface TenantJwks {
  readonly keys: readonly TenantJwk[];
}

/** The stack config keys of the slots and the active slot. */
export const JWT_KEY_SLOTS_KEY = "jwtKeySlots";
export const ACTIVE_JWT_KEY_KEY = "activeJwtKey";

/**
 * Every problem of the slots to publish and the slot to sign with, at the tenant's config keys
 * (`jwtKeySlots.1`, `activeJwtKey`); empty when they are valid. Slots decide how many keys
 * exist, so they are plain values, checked before any resource is created.
 *
 * The active key must be published: a token signed with a key that verifiers have not yet seen
 * in the JWKS would be refused. Whether the JWKS carrying a new slot has reached every verifier
 * before signing switches to it is a matter of time, which the rotation procedure in
 * docs/security.md handles.
 */
export function jwtKeySlotsProblems(slots: unknown = DEFAULT_JWT_KEY_SLOTS, active?: unknown): Problem[] {
  return checkJwtKeySlots(slots, active).problems;
}

function checkJwtKeySlots(slots: unknown, active: unknown): { slots: JwtKeySlot[]; active: JwtKeySlot | undefined; problems: Problem[] } {
  const problems: Problem[] = [];
  const valid: JwtKeySlot[] = [];
  const expectedSlots = `expected ["a"], or ["a","b"] during a rotation`;
  if (!Array.isArray(slots)) {
    problems.push({ path: JWT_KEY_SLOTS_KEY, message: `got ${show(slots)}; ${expectedSlots}` });
  } else {
    if (slots.length === 0) problems.push({ path: JWT_KEY_SLOTS_KEY, message: `got []; at least one slot is required; ${expectedSlots}` });
    slots.forEach((s: unknown, i) => {
      const path = `${JWT_KEY_SLOTS_KEY}.${i}`;
      if (!JWT_KEY_SLOTS.includes(s as JwtKeySlot)) {
        problems.push({ path, message: `got ${show(s)}; expected "a" or "b"` });
      } else if (valid.includes(s as JwtKeySlot)) {
        problems.push({ path, message: `got ${show(s)}, already listed at ${JWT_KEY_SLOTS_KEY}.${slots.indexOf(s)}; expected each slot once` });
      } else {
        valid.push(s as JwtKeySlot);
      }
    });
  }
  const chosen = active ?? valid[0];
  if (chosen !== undefined && !valid.includes(chosen as JwtKeySlot)) {
    problems.push({
      path: ACTIVE_JWT_KEY_KEY,
      message:
        `got ${show(chosen)}, which is not in jwtKeySlots ${show(slots)}; expected a published slot: ` +
        "publish a slot (and wait for verifiers to fetch the JWKS) before signing with it",
    });
  }
  return { slots: valid, active: chosen as JwtKeySlot | undefined, problems };
}

/**
 * Returns the slots to publish and the slot to sign with (the first slot by default); throws one
 * {@link InputError} (source `JWT key slots`) listing every problem of {@link jwtKeySlotsProblems}.
 */
export function validateJwtKeySlots(slots: unknown = DEFAULT_JWT_KEY_SLOTS, active?: unknown): { slots: JwtKeySlot[]; active: JwtKeySlot } {
  const result = checkJwtKeySlots(slots, active);
  throwIfProblems("JWT key slots", result.problems);
  return { slots: result.slots, active: result.active! };
}

/**
 * The JWK of a public key given as an SPKI PEM (`-----BEGIN PUBLIC KEY-----`, what @pulumi/tls
 * returns as `publicKeyPem`), with its RFC 7638 thumbprint as `kid`. Refuses anything but a P-256
 * key, so a misconfigured key type cannot reach the JWKS.
 */
export async function publicJwkFromPem(spkiPem: string): Promise<TenantJwk> {
  let jwk: Awaited<ReturnType<typeof exportJWK>>;
  try {
    jwk = await exportJWK(await importSPKI(spkiPem, JWT_ALGORITHM, { extractable: true }));
  } catch (e) {
    throw new TypeError(`not an ${JWT_ALGORITHM} (P-256) public key in SPKI PEM form: ${(e as Error).message}`);
  }
  if (jwk.kty !== "EC" || jwk.crv !== "P-256" || !jwk.x || !jwk.y) {
    throw new TypeError(`not an ${JWT_ALGORITHM} (P-256) public key: got kty ${String(jwk.kty)} crv ${String(jwk.crv)}`);
  }
  const kid = await calculateJwkThumbprint({ kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y }, "sha256");
  return { kid, kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, alg: JWT_ALGORITHM, use: "sig" };
}

/** The JWKS of the given keys, in slot order; refuses two slots holding the same key. */
export function buildJwks(keys: readonly TenantJwk[]): TenantJwks {
  const kids = keys.map((k) => k.kid);
  const dup = kids.find((k, i) => kids.indexOf(k) !== i);
  if (dup !== undefined) throw new TypeError(`two key slots hold the same key (kid ${dup})`);
  return { keys: [...keys] };
}
