/**
 * Shared fixtures of the security tests: principals, the tenant key ARN, and mock states that
 * apply this area's placeholder rules (or real random keys) on top of the core placeholders.
 */
import { generateKeyPairSync } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { type MockRun, type StateFn, runUnderMocks } from "../../cli/engine/mock-engine";
import { placeholderState } from "../../cli/engine/placeholders";
import { PLACEHOLDER_RULES_SECURITY } from "../../cli/engine/placeholders-security";
import type { TenantJwks } from "../../components/security/jwks";
import type { SecurityCredentialsArgs } from "../../components/security/security-credentials";

export const ACCOUNT = "000000000000";
export const DEPLOYER_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/controlcore-tenant-deployer`;
export const ADMIN_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/controlcore-platform-admin`;
export const roleArn = (tenant: string) => `arn:aws:iam::${ACCOUNT}:role/cc-tenant-${tenant}`;
export const kmsKeyArn = (tenant: string) => `arn:aws:kms:us-east-1:${ACCOUNT}:key/${tenant}-0000-4000-a000-000000000000`;

/** Core placeholders plus this area's rules (what the offline engine gives once merged). */
export const securityState: StateFn = (args) => {
  const rule = PLACEHOLDER_RULES_SECURITY[args.type];
  if (!rule) return placeholderState(args);
  const { id, extra } = rule(args.name, args.inputs);
  return { id, state: { ...args.inputs, ...extra } };
};

/**
 * Like {@link securityState}, but every tls.PrivateKey is a freshly generated, random P-256 key,
 * exactly what the tls provider returns (SEC1 and PKCS#8 private PEMs, SPKI public PEM).
 */
export const realKeysState: StateFn = (args) => {
  if (args.type !== "tls:index/privateKey:PrivateKey") return securityState(args);
  if (args.inputs.algorithm !== "ECDSA" || args.inputs.ecdsaCurve !== "P256") {
    throw new Error(`unexpected key spec ${JSON.stringify(args.inputs)}`);
  }
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  return {
    id: `real-${args.name}`,
    state: {
      ...args.inputs,
      privateKeyPem: privateKey.export({ type: "sec1", format: "pem" }).toString(),
      privateKeyPemPkcs8: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    },
  };
};

/** The component arguments of one tenant, with overrides. */
export async function tenantArgs(tenant: string, over: Partial<SecurityCredentialsArgs> = {}): Promise<SecurityCredentialsArgs> {
  const { tenantNames } = await import("../../components/naming.js");
  const names = tenantNames(tenant);
  return {
    names,
    kmsKeyArn: kmsKeyArn(tenant),
    tenantPrincipalArn: roleArn(tenant),
    deployerRoleArn: DEPLOYER_ROLE_ARN,
    adminRoleArn: ADMIN_ROLE_ARN,
    tags: { "controlcore:tenant": tenant, "controlcore:plan": "pro", "controlcore:managed-by": "pulumi" },
    ...over,
  };
}

/** Whether a Pulumi output is secret (mocks do not mark secrets; the component must). */
export function isSecretOutput(o: pulumi.Output<unknown>): Promise<boolean> {
  return (o as unknown as { isSecret: Promise<boolean> }).isSecret;
}

/** The resolved outputs {@link runTenant} returns. */
export interface TenantRunOutputs {
  readonly jwks: TenantJwks;
  readonly activeJwtKey: "a" | "b";
  readonly activeKid: string;
  readonly jwtKeys: Partial<Record<"a" | "b", { kid: string; secretArn: string; privateKeyPem: string }>>;
  readonly apiKeys: Record<string, { secretArn: string; fingerprint: string; value: string }>;
  readonly corsAllowedOrigins: string[];
  readonly secretFlags: { privateKeyPems: boolean[]; apiKeyValues: boolean[]; apiKeyFingerprints: boolean[]; jwks: boolean };
}

/** Runs one tenant's SecurityCredentials under mocks and returns its resolved outputs. */
export async function runTenant(
  tenant: string,
  over: Partial<SecurityCredentialsArgs> = {},
  state: StateFn = securityState,
): Promise<MockRun<TenantRunOutputs>> {
  const run = await runUnderMocks(
    async () => {
      const { SecurityCredentials } = await import("../../components/security/security-credentials.js");
      const c = new SecurityCredentials(`t-${tenant}-security`, await tenantArgs(tenant, over));
      const slots = Object.keys(c.jwtKeys) as ("a" | "b")[];
      const jwtKeys = Object.fromEntries(
        slots.map((s) => [s, { kid: c.jwtKeys[s]!.kid, secretArn: c.jwtKeys[s]!.secretArn, privateKeyPem: c.jwtKeys[s]!.privateKeyPem }]),
      );
      const secretFlags = {
        privateKeyPems: await Promise.all(slots.map((s) => isSecretOutput(c.jwtKeys[s]!.privateKeyPem))),
        apiKeyValues: await Promise.all(Object.keys(c.apiKeys).map((n) => isSecretOutput(c.apiKeys[n]!.value))),
        apiKeyFingerprints: await Promise.all(Object.keys(c.apiKeys).map((n) => isSecretOutput(c.apiKeys[n]!.fingerprint))),
        jwks: await isSecretOutput(c.jwks),
      };
      return {
        jwks: c.jwks,
        activeJwtKey: c.activeJwtKey,
        activeKid: c.activeKid,
        jwtKeys,
        apiKeys: c.apiKeys,
        corsAllowedOrigins: c.corsAllowedOrigins,
        secretFlags,
      };
    },
    { stack: tenant, state },
  );
  return run as unknown as MockRun<TenantRunOutputs>;
}
