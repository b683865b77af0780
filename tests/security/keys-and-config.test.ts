/** The pure pieces: API key fingerprints and names, JWK thumbprints, key slots, config schemas. */
import { createHash, generateKeyPairSync } from "node:crypto";
import { calculateJwkThumbprint } from "jose";
import { describe, expect, it } from "vitest";
import { deterministicP256 } from "../../cli/engine/placeholders-security";
import { InputError } from "../../components/errors";
import { apiKeyFingerprint, apiKeyMatches, apiKeyNamesProblems, validateApiKeyNames } from "../../components/security/api-key";
import { SecurityPlatformSchema, TenantSecuritySchema } from "../../components/security/config";
import { buildJwks, jwtKeySlotsProblems, publicJwkFromPem, validateJwtKeySlots } from "../../components/security/jwks";

describe("API key fingerprints", () => {
  it("is sha256: and the hex digest of the key", () => {
    const key = "Z".repeat(48);
    expect(apiKeyFingerprint(key)).toBe(`sha256:${createHash("sha256").update(key).digest("hex")}`);
    expect(apiKeyFingerprint("abc")).toBe("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"); // FIPS 180-2 test vector
    expect(() => apiKeyFingerprint("")).toThrow("apiKeyFingerprint: the API key is empty");
  });

  it("matches only the right key, against any of several fingerprints", () => {
    const fps = [apiKeyFingerprint("old-key"), apiKeyFingerprint("new-key")];
    expect(apiKeyMatches("new-key", fps)).toBe(true);
    expect(apiKeyMatches("old-key", fps)).toBe(true);
    expect(apiKeyMatches("other", fps)).toBe(false);
    expect(apiKeyMatches("", fps)).toBe(false);
    expect(apiKeyMatches("new-key", ["sha256:short"])).toBe(false);
  });

  it("validates API key names", () => {
    expect(validateApiKeyNames(["primary", "next"])).toEqual(["primary", "next"]);
    expect(apiKeyNamesProblems(["primary", "next"])).toEqual([]);
    expect(() => validateApiKeyNames([])).toThrow(
      'invalid API key names: 1 problem\n  - apiKeyNames: got []; at least one API key name is required; expected a list such as ["primary"]',
    );
    expect(() => validateApiKeyNames(["a", "b", "c", "d", "e", "f"])).toThrow("invalid API key names: 1 problem\n  - apiKeyNames: got 6 names; expected at most 5");
    expect(() => validateApiKeyNames(["backup-1"])).toThrow(
      'invalid API key names: 1 problem\n  - apiKeyNames.0: got "backup-1"; expected 1 to 32 lowercase letters and digits starting with a letter (no hyphens)',
    );
    expect(() => validateApiKeyNames(["backup-1"])).toThrow(InputError);
    expect(apiKeyNamesProblems("primary")).toEqual([{ path: "apiKeyNames", message: 'got "primary"; expected a list of 1 to 5 names, such as ["primary"]' }]);
    expect(apiKeyNamesProblems(["primary", "next", "primary"])).toEqual([
      { path: "apiKeyNames.2", message: 'got "primary", already listed at apiKeyNames.0; expected each name once' },
    ]);
  });
});

describe("JWKs and key slots", () => {
  it("kid is the RFC 7638 thumbprint (checked against jose on the node:crypto JWK)", async () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    const nodeJwk = publicKey.export({ format: "jwk" }) as { kty: string; crv: string; x: string; y: string };
    const jwk = await publicJwkFromPem(pem);
    expect(jwk).toEqual({ kid: await calculateJwkThumbprint(nodeJwk), kty: "EC", crv: "P-256", x: nodeJwk.x, y: nodeJwk.y, alg: "ES256", use: "sig" });
  });

  it("refuses keys that are not P-256 public keys", async () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }).toString();
    await expect(publicJwkFromPem(rsa)).rejects.toThrow(/^not an ES256 \(P-256\) public key in SPKI PEM form: /);
    const p384 = generateKeyPairSync("ec", { namedCurve: "secp384r1" }).publicKey.export({ type: "spki", format: "pem" }).toString();
    await expect(publicJwkFromPem(p384)).rejects.toThrow(/^not an ES256 \(P-256\) public key in SPKI PEM form: /);
    await expect(publicJwkFromPem("not a pem")).rejects.toThrow(/^not an ES256 \(P-256\) public key in SPKI PEM form: /);
  });

  it("refuses a JWKS in which two slots hold the same key", async () => {
    const jwk = await publicJwkFromPem(deterministicP256("x").publicKeyPem);
    expect(() => buildJwks([jwk, jwk])).toThrow(`two key slots hold the same key (kid ${jwk.kid})`);
  });

  it("validates slots and the active slot", () => {
    expect(validateJwtKeySlots()).toEqual({ slots: ["a"], active: "a" });
    expect(validateJwtKeySlots(["b", "a"])).toEqual({ slots: ["b", "a"], active: "b" });
    expect(validateJwtKeySlots(["a", "b"], "b")).toEqual({ slots: ["a", "b"], active: "b" });
    expect(() => validateJwtKeySlots(["b"], "a")).toThrow(
      'invalid JWT key slots: 1 problem\n  - activeJwtKey: got "a", which is not in jwtKeySlots ["b"]; expected a published slot: ' +
        "publish a slot (and wait for verifiers to fetch the JWKS) before signing with it",
    );
    expect(() => validateJwtKeySlots(["b"], "a")).toThrow(InputError);
    expect(jwtKeySlotsProblems(["a", "b"], "b")).toEqual([]);
    expect(jwtKeySlotsProblems("a")).toEqual([{ path: "jwtKeySlots", message: 'got "a"; expected ["a"], or ["a","b"] during a rotation' }]);
  });

  it("placeholder keys are real, deterministic and distinct per logical name", async () => {
    const a1 = deterministicP256("t-acme-security-jwt-key-a");
    const a2 = deterministicP256("t-acme-security-jwt-key-a");
    const b = deterministicP256("t-acme-security-jwt-key-b");
    expect(a1).toEqual(a2);
    expect((await publicJwkFromPem(a1.publicKeyPem)).kid).not.toBe((await publicJwkFromPem(b.publicKeyPem)).kid);
    expect(a1.privateKeyPem).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    expect(a1.privateKeyPemPkcs8).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });
});

describe("config schemas", () => {
  it("platform section: defaults and bounds", () => {
    expect(SecurityPlatformSchema.parse({})).toEqual({
      tokenIssuer: "https://controlplane.controlcore.io",
      tokenAudience: "controlcore-api",
      accessTokenMaxAgeSeconds: 3600,
      clockToleranceSeconds: 30,
      secretRecoveryWindowDays: 7,
      maxCorsOrigins: 20,
    });
    expect(SecurityPlatformSchema.safeParse({ tokenIssuer: "http://controlplane.controlcore.io" }).success).toBe(false);
    expect(SecurityPlatformSchema.safeParse({ secretRecoveryWindowDays: 0 }).success).toBe(false);
    expect(SecurityPlatformSchema.safeParse({ adminRoleArn: "arn:aws:iam::000000000000:role/x" }).success).toBe(false);
  });

  it("tenant section: defaults and slot values", () => {
    expect(TenantSecuritySchema.parse({})).toEqual({ corsAllowedOrigins: [], jwtKeySlots: ["a"], apiKeyNames: ["primary"] });
    expect(TenantSecuritySchema.parse({ jwtKeySlots: ["a", "b"], activeJwtKey: "b" })).toMatchObject({ jwtKeySlots: ["a", "b"], activeJwtKey: "b" });
    expect(TenantSecuritySchema.safeParse({ jwtKeySlots: ["c"] }).success).toBe(false);
    expect(TenantSecuritySchema.safeParse({ jwtKeySlots: ["a", "b", "a"] }).success).toBe(false);
    expect(TenantSecuritySchema.safeParse({ extra: 1 }).success).toBe(false);
  });
});
