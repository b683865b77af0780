/**
 * Placeholder outputs for the security components' resource types (see placeholders.ts).
 *
 * A `tls.PrivateKey` placeholder must be a real key: the JWKS is computed from `publicKeyPem`, and
 * an offline plan that shows a JWKS should show one a verifier would accept. The key is derived
 * deterministically from the logical name (the private scalar is a SHA-256 of it), so plans are
 * reproducible — and it is therefore public knowledge: a placeholder, never a key to deploy.
 */
import { createECDH, createHash, createPrivateKey, createPublicKey } from "node:crypto";
import { type Rule, stableHex, stableUuid } from "./placeholder-kit";

/** Order of the P-256 group; a private scalar must be in [1, n-1]. */
const P256_ORDER = BigInt("0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");

/** A P-256 key pair derived from `seed`, in the PEM forms @pulumi/tls returns. */
export function deterministicP256(seed: string): { privateKeyPem: string; privateKeyPemPkcs8: string; publicKeyPem: string } {
  const digest = BigInt(`0x${createHash("sha256").update(`placeholder-p256\0${seed}`).digest("hex")}`);
  const d = Buffer.from(((digest % (P256_ORDER - 1n)) + 1n).toString(16).padStart(64, "0"), "hex");
  const ecdh = createECDH("prime256v1");
  ecdh.setPrivateKey(d);
  const pub = ecdh.getPublicKey(); // 0x04 || x || y
  const b64u = (b: Buffer) => b.toString("base64url");
  const jwk = { kty: "EC", crv: "P-256", d: b64u(d), x: b64u(pub.subarray(1, 33)), y: b64u(pub.subarray(33, 65)) };
  const priv = createPrivateKey({ key: jwk, format: "jwk" });
  return {
    privateKeyPem: priv.export({ type: "sec1", format: "pem" }).toString(),
    privateKeyPemPkcs8: priv.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: createPublicKey(priv).export({ type: "spki", format: "pem" }).toString(),
  };
}

/** Rules to merge into PLACEHOLDER_RULES. */
export const PLACEHOLDER_RULES_SECURITY: Record<string, Rule> = {
  "tls:index/privateKey:PrivateKey": (name, i) => {
    if (i.algorithm !== "ECDSA" || (i.ecdsaCurve ?? "P224") !== "P256") {
      throw new Error(`placeholder tls.PrivateKey ${name}: only ECDSA P256 keys have placeholders, got ${String(i.algorithm)} ${String(i.ecdsaCurve)}`);
    }
    const pems = deterministicP256(name);
    return { id: stableHex(40, "tls", name), extra: { ...pems, ecdsaCurve: "P256" } };
  },
  "aws:secretsmanager/secretVersion:SecretVersion": (name, i) => {
    const versionId = stableUuid("secret-version", name);
    return { id: `${String(i.secretId)}|${versionId}`, extra: { arn: String(i.secretId), versionId, versionStages: ["AWSCURRENT"] } };
  },
  "aws:secretsmanager/secretPolicy:SecretPolicy": (_name, i) => ({ id: String(i.secretArn) }),
};
