/**
 * The tenant token verifier against real keys. Each tenant's keys are real P-256 keys returned by
 * the mocked tls provider, and the JWKS is the one SecurityCredentials computes from them: the
 * code path under test is the component's own. Attack tokens are crafted with node:crypto, not
 * with the library under test.
 */
import { createHmac, createPrivateKey, generateKeyPairSync, sign as nodeSign } from "node:crypto";
import { SignJWT, UnsecuredJWT, jwtVerify } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { type MockRun, type StateFn, unwrapSecrets } from "../../cli/engine/mock-engine";
import type { TenantJwks } from "../../components/security/jwks";
import {
  TenantTokenError,
  type TenantTokenErrorCode,
  type TenantTokenVerifyOptions,
  kidOfPrivateKeyPem,
  signTenantToken,
  verifyTenantToken,
} from "./jwt-verifier";
import { type TenantRunOutputs, realKeysState, runTenant } from "./fixtures";

const ISSUER = "https://controlplane.controlcore.io";
const AUDIENCE = "controlcore-api";
const NOW = new Date("2030-01-01T12:00:00Z");
const NOW_S = Math.floor(NOW.getTime() / 1000);

let acme: MockRun<TenantRunOutputs>;
let globex: MockRun<TenantRunOutputs>;
let acmePem: string;
let acmeKid: string;

beforeAll(async () => {
  acme = await runTenant("acme", {}, realKeysState);
  globex = await runTenant("globex", {}, realKeysState);
  acmePem = acme.outputs.jwtKeys.a!.privateKeyPem;
  acmeKid = acme.outputs.activeKid;
});

const opts = (jwks: TenantJwks, over: Partial<TenantTokenVerifyOptions> = {}): TenantTokenVerifyOptions => ({
  jwks,
  tenantId: "acme",
  issuer: ISSUER,
  audience: AUDIENCE,
  maxTokenAgeSeconds: 3600,
  clockToleranceSeconds: 30,
  currentDate: NOW,
  ...over,
});

const sign = (over: Partial<Parameters<typeof signTenantToken>[0]> = {}) =>
  signTenantToken({
    privateKeyPem: acmePem,
    tenantId: "acme",
    issuer: ISSUER,
    audience: AUDIENCE,
    subject: "user-1",
    lifetimeSeconds: 900,
    now: NOW,
    ...over,
  });

/** A compact JWS built by hand: any header, any payload, any signature function. */
function craft(header: object, payload: object, signature: (input: string) => Buffer | string): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString("base64url")}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`;
  const sig = signature(input);
  return `${input}.${typeof sig === "string" ? sig : sig.toString("base64url")}`;
}

/** ES256 signature (raw r||s, as JWS wants) with node:crypto. */
const es256 = (pem: string) => (input: string) => nodeSign("sha256", Buffer.from(input), { key: createPrivateKey(pem), dsaEncoding: "ieee-p1363" });

const claims = (over: Record<string, unknown> = {}) => ({
  iss: ISSUER,
  aud: AUDIENCE,
  sub: "user-1",
  tenant: "acme",
  iat: NOW_S - 60,
  exp: NOW_S + 600,
  ...over,
});
const header = (over: Record<string, unknown> = {}) => ({ alg: "ES256", typ: "at+jwt", kid: acmeKid, ...over });

async function refusal(p: Promise<unknown>): Promise<TenantTokenError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TenantTokenError);
    return e as TenantTokenError;
  }
  throw new Error("the token was accepted");
}

async function expectRefused(p: Promise<unknown>, code: TenantTokenErrorCode, claim?: string): Promise<TenantTokenError> {
  const e = await refusal(p);
  expect({ code: e.code, claim: e.claim }).toEqual({ code, claim });
  return e;
}

describe("tenant tokens: own key accepted", () => {
  it("a token signed with acme's stored key verifies against acme's JWKS, with typed claims", async () => {
    const token = await sign();
    const result = await verifyTenantToken(token, opts(acme.outputs.jwks));
    expect(result.kid).toBe(acmeKid);
    expect(result.alg).toBe("ES256");
    expect(result.claims).toEqual({ iss: ISSUER, aud: AUDIENCE, sub: "user-1", tenant: "acme", iat: NOW_S, exp: NOW_S + 900 });
  });

  it("the key stored in Secrets Manager is the one whose thumbprint the JWKS publishes", async () => {
    const version = acme.resources.find((r) => r.name === "t-acme-security-jwt-key-a-secret-version")!;
    const stored = String(unwrapSecrets(version.inputs.secretString));
    expect(stored).toBe(acmePem);
    expect(await kidOfPrivateKeyPem(stored)).toBe(acmeKid);
    expect(acme.outputs.jwks.keys.map((k) => k.kid)).toEqual([acmeKid]);
  });

  it("the signer writes alg ES256, typ at+jwt and the thumbprint kid", async () => {
    const token = await sign();
    const h = JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString());
    expect(h).toEqual({ alg: "ES256", kid: acmeKid, typ: "at+jwt" });
  });
});

describe("tenant tokens: cross-tenant", () => {
  it("a token signed with acme's key is refused by globex's JWKS (no key with its kid)", async () => {
    const token = await sign();
    const e = await expectRefused(verifyTenantToken(token, opts(globex.outputs.jwks, { tenantId: "globex" })), "TOKEN_KEY_NOT_FOUND");
    expect(e.joseCode).toBe("ERR_JWKS_NO_MATCHING_KEY");
    // Even when the verifier is told the token is acme's, globex's keys do not verify it.
    await expectRefused(verifyTenantToken(token, opts(globex.outputs.jwks)), "TOKEN_KEY_NOT_FOUND");
  });

  it("acme's signature under globex's kid is refused by globex's JWKS (signature check)", async () => {
    const token = await sign({ kid: globex.outputs.activeKid, tenantId: "globex" });
    const e = await expectRefused(verifyTenantToken(token, opts(globex.outputs.jwks, { tenantId: "globex" })), "TOKEN_SIGNATURE_INVALID");
    expect(e.joseCode).toBe("ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
  });

  it("a token of acme's key claiming tenant globex is refused for acme (tenant claim)", async () => {
    const token = craft(header(), claims({ tenant: "globex" }), es256(acmePem));
    const e = await expectRefused(verifyTenantToken(token, opts(acme.outputs.jwks)), "TOKEN_TENANT_MISMATCH", "tenant");
    expect(e.message).toBe('TOKEN_TENANT_MISMATCH: "tenant" claim "globex" is not the tenant being accessed (acme)');
  });

  it("a tampered payload (tenant changed after signing) fails the signature", async () => {
    const [h, p, s] = (await sign()).split(".");
    const payload = { ...JSON.parse(Buffer.from(p!, "base64url").toString()), tenant: "globex" };
    const token = `${h}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${s}`;
    await expectRefused(verifyTenantToken(token, opts(acme.outputs.jwks, { tenantId: "globex" })), "TOKEN_SIGNATURE_INVALID");
  });
});

describe("tenant tokens: standard attacks", () => {
  it('refuses alg "none" (hand-made and jose\'s UnsecuredJWT)', async () => {
    const handMade = craft(header({ alg: "none" }), claims(), () => "");
    const e = await expectRefused(verifyTenantToken(handMade, opts(acme.outputs.jwks)), "TOKEN_ALG_NOT_ALLOWED");
    expect(e.joseCode).toBe("ERR_JOSE_ALG_NOT_ALLOWED");
    const unsecured = new UnsecuredJWT(claims()).encode();
    await expectRefused(verifyTenantToken(unsecured, opts(acme.outputs.jwks)), "TOKEN_ALG_NOT_ALLOWED");
  });

  it("refuses algorithm confusion: HS256 keyed with acme's public key PEM", async () => {
    const publicPem = String(acme.resources.find((r) => r.name === "t-acme-security-jwt-key-a")!.state.publicKeyPem);
    const token = craft(header({ alg: "HS256" }), claims(), (input) => createHmac("sha256", publicPem).update(input).digest());
    // The attack token is genuine: a verifier that trusted the header's alg would accept it.
    const naive = await jwtVerify(token, new TextEncoder().encode(publicPem), { currentDate: NOW });
    expect(naive.payload.tenant).toBe("acme");
    await expectRefused(verifyTenantToken(token, opts(acme.outputs.jwks)), "TOKEN_ALG_NOT_ALLOWED");
  });

  it("refuses RS256 / PS256 / ES384 tokens under acme's kid (algorithm pinned to ES256)", async () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const rs = craft(header({ alg: "RS256" }), claims(), (i) => nodeSign("sha256", Buffer.from(i), rsa));
    await expectRefused(verifyTenantToken(rs, opts(acme.outputs.jwks)), "TOKEN_ALG_NOT_ALLOWED");
    const ps = await new SignJWT(claims()).setProtectedHeader(header({ alg: "PS256" }) as { alg: string }).sign(rsa);
    await expectRefused(verifyTenantToken(ps, opts(acme.outputs.jwks)), "TOKEN_ALG_NOT_ALLOWED");
    const p384 = generateKeyPairSync("ec", { namedCurve: "secp384r1" }).privateKey;
    const es384 = craft(header({ alg: "ES384" }), claims(), (i) => nodeSign("sha384", Buffer.from(i), { key: p384, dsaEncoding: "ieee-p1363" }));
    await expectRefused(verifyTenantToken(es384, opts(acme.outputs.jwks)), "TOKEN_ALG_NOT_ALLOWED");
  });

  it("refuses an attacker's ES256 key, even when the token embeds it as a jwk header", async () => {
    const attacker = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const attackerPem = attacker.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const jwk = attacker.publicKey.export({ format: "jwk" });
    const token = craft(header({ jwk }), claims(), es256(attackerPem));
    await expectRefused(verifyTenantToken(token, opts(acme.outputs.jwks)), "TOKEN_SIGNATURE_INVALID");
    const jku = craft(header({ jku: "https://attacker.example/jwks.json" }), claims(), es256(attackerPem));
    await expectRefused(verifyTenantToken(jku, opts(acme.outputs.jwks)), "TOKEN_SIGNATURE_INVALID");
  });

  it("refuses a token without kid, and one with another typ", async () => {
    const noKid = craft({ alg: "ES256", typ: "at+jwt" }, claims(), es256(acmePem));
    const e = await expectRefused(verifyTenantToken(noKid, opts(acme.outputs.jwks)), "TOKEN_KID_MISSING");
    expect(e.message).toBe('TOKEN_KID_MISSING: the token has no "kid" header; tenant tokens name their signing key');
    const idToken = craft(header({ typ: "JWT" }), claims(), es256(acmePem));
    await expectRefused(verifyTenantToken(idToken, opts(acme.outputs.jwks)), "TOKEN_TYPE_INVALID", "typ");
    const noTyp = craft({ alg: "ES256", kid: acmeKid }, claims(), es256(acmePem));
    await expectRefused(verifyTenantToken(noTyp, opts(acme.outputs.jwks)), "TOKEN_TYPE_INVALID", "typ");
  });

  it("refuses malformed tokens", async () => {
    for (const bad of ["", "abc", "a.b", "a.b.c.d", `${Buffer.from("{").toString("base64url")}.e30.sig`]) {
      await expectRefused(verifyTenantToken(bad, opts(acme.outputs.jwks)), "TOKEN_MALFORMED");
    }
  });
});

describe("tenant tokens: claims", () => {
  const cases: Array<[string, Record<string, unknown>, TenantTokenErrorCode, string]> = [
    ["without exp", { exp: undefined }, "TOKEN_CLAIM_MISSING", "exp"],
    ["without iat", { iat: undefined }, "TOKEN_CLAIM_MISSING", "iat"],
    ["without iss", { iss: undefined }, "TOKEN_CLAIM_MISSING", "iss"],
    ["without aud", { aud: undefined }, "TOKEN_CLAIM_MISSING", "aud"],
    ["without sub", { sub: undefined }, "TOKEN_CLAIM_MISSING", "sub"],
    ["without tenant", { tenant: undefined }, "TOKEN_CLAIM_MISSING", "tenant"],
    ["with a wrong issuer", { iss: "https://evil.example" }, "TOKEN_ISSUER_MISMATCH", "iss"],
    ["with a wrong audience", { aud: "another-api" }, "TOKEN_AUDIENCE_MISMATCH", "aud"],
    ["with exp as a string", { exp: String(NOW_S + 600) }, "TOKEN_CLAIM_INVALID", "exp"],
    ["with an empty sub", { sub: "" }, "TOKEN_CLAIM_INVALID", "sub"],
    ["expired 31 s ago (beyond the 30 s tolerance)", { iat: NOW_S - 900, exp: NOW_S - 31 }, "TOKEN_EXPIRED", "exp"],
    ["issued 2 h ago with a 1-day exp (older than maxTokenAge 1 h)", { iat: NOW_S - 7200, exp: NOW_S + 86_400 }, "TOKEN_TOO_OLD", "iat"],
    ["issued 2 minutes in the future", { iat: NOW_S + 120 }, "TOKEN_NOT_YET_VALID", "iat"],
    ["not valid before 2 minutes from now", { nbf: NOW_S + 120 }, "TOKEN_NOT_YET_VALID", "nbf"],
  ];
  it.each(cases)("refuses a token %s", async (_label, over, code, claim) => {
    const payload = JSON.parse(JSON.stringify(claims(over))); // drops undefined members
    const token = craft(header(), payload, es256(acmePem));
    await expectRefused(verifyTenantToken(token, opts(acme.outputs.jwks)), code, claim);
  });

  it("the expiry refusal is exact", async () => {
    const token = await sign({ now: new Date(NOW.getTime() - 2 * 3600_000), lifetimeSeconds: 3600 });
    const e = await expectRefused(verifyTenantToken(token, opts(acme.outputs.jwks)), "TOKEN_EXPIRED", "exp");
    expect(e.joseCode).toBe("ERR_JWT_EXPIRED");
    expect(e.message).toBe('TOKEN_EXPIRED: "exp" claim timestamp check failed');
  });

  const accepted: Array<[string, Record<string, unknown>]> = [
    ["expired 10 s ago (inside the tolerance)", { iat: NOW_S - 900, exp: NOW_S - 10 }],
    ["issued 10 s in the future (inside the tolerance)", { iat: NOW_S + 10 }],
    ["with nbf 10 s in the future (inside the tolerance)", { nbf: NOW_S + 10 }],
    ["with nbf in the past", { nbf: NOW_S - 60 }],
    ["with the audience among several", { aud: ["other", AUDIENCE] }],
  ];
  it.each(accepted)("accepts a token %s", async (_label, over) => {
    const token = craft(header(), claims(over), es256(acmePem));
    await expect(verifyTenantToken(token, opts(acme.outputs.jwks))).resolves.toMatchObject({ kid: acmeKid });
  });
});

describe("the verifier refuses a misconfigured JWKS", () => {
  it("a JWKS carrying a private key, a symmetric key or nothing", async () => {
    const token = await sign();
    const priv = { ...acme.outputs.jwks.keys[0]!, d: "AAAA" };
    const oct = { kty: "oct", k: "c2VjcmV0", kid: acmeKid, alg: "HS256", use: "sig" };
    for (const jwks of [{ keys: [priv] }, { keys: [oct] }, { keys: [] }] as unknown as TenantJwks[]) {
      await expectRefused(verifyTenantToken(token, opts(jwks)), "VERIFIER_MISCONFIGURED");
    }
  });

  it("a tenant ID that is not one, or a non-positive token age", async () => {
    const token = await sign();
    const e = await expectRefused(verifyTenantToken(token, opts(acme.outputs.jwks, { tenantId: "ACME" })), "VERIFIER_MISCONFIGURED");
    expect(e.message).toMatch(/^VERIFIER_MISCONFIGURED: tenantId "ACME" is not a tenant ID: it contains "A": uppercase letters are not allowed/);
    await expectRefused(verifyTenantToken(token, opts(acme.outputs.jwks, { maxTokenAgeSeconds: 0 })), "VERIFIER_MISCONFIGURED");
  });
});

describe("key rotation without downtime", () => {
  /**
   * A tls provider whose keys live as long as their resource, as in a real stack's state: the same
   * logical name gets the same key in every update, until the slot is retired.
   */
  function persistentKeys(): StateFn {
    const kept = new Map<string, ReturnType<StateFn>>();
    return (args) => {
      if (args.type !== "tls:index/privateKey:PrivateKey") return realKeysState(args);
      if (!kept.has(args.name)) kept.set(args.name, realKeysState(args));
      return kept.get(args.name);
    };
  }

  it("add b → switch to b → retire a: old tokens verify during the overlap and fail after", async () => {
    const state = persistentKeys();
    const stage1 = await runTenant("acme", { jwtKeySlots: ["a"] }, state);
    const tokenA = await sign({ privateKeyPem: stage1.outputs.jwtKeys.a!.privateKeyPem });
    await expect(verifyTenantToken(tokenA, opts(stage1.outputs.jwks))).resolves.toMatchObject({ kid: stage1.outputs.activeKid });

    // Publish b while still signing with a.
    const stage2 = await runTenant("acme", { jwtKeySlots: ["a", "b"], activeJwtKey: "a" }, state);
    expect(stage2.outputs.activeKid).toBe(stage1.outputs.activeKid);
    expect(stage2.outputs.jwks.keys.map((k) => k.kid)).toEqual([stage1.outputs.activeKid, stage2.outputs.jwtKeys.b!.kid]);
    await expect(verifyTenantToken(tokenA, opts(stage2.outputs.jwks))).resolves.toMatchObject({ kid: stage1.outputs.activeKid });

    // Switch signing to b: tokens of both slots verify.
    const stage3 = await runTenant("acme", { jwtKeySlots: ["a", "b"], activeJwtKey: "b" }, state);
    expect(stage3.outputs.activeKid).toBe(stage2.outputs.jwtKeys.b!.kid);
    const tokenB = await sign({ privateKeyPem: stage3.outputs.jwtKeys.b!.privateKeyPem });
    await expect(verifyTenantToken(tokenA, opts(stage3.outputs.jwks))).resolves.toMatchObject({ kid: stage1.outputs.activeKid });
    await expect(verifyTenantToken(tokenB, opts(stage3.outputs.jwks))).resolves.toMatchObject({ kid: stage3.outputs.activeKid });

    // Retire a (after the longest token lifetime): a's tokens fail, b's still verify.
    const stage4 = await runTenant("acme", { jwtKeySlots: ["b"] }, state);
    expect(stage4.outputs.jwks.keys.map((k) => k.kid)).toEqual([stage3.outputs.activeKid]);
    await expectRefused(verifyTenantToken(tokenA, opts(stage4.outputs.jwks)), "TOKEN_KEY_NOT_FOUND");
    await expect(verifyTenantToken(tokenB, opts(stage4.outputs.jwks))).resolves.toMatchObject({ kid: stage3.outputs.activeKid });
  });
});
