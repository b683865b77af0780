/**
 * SecurityCredentials under Pulumi mocks: exact child types, logical names, parents and inputs;
 * encryption with the tenant key; the exact resource policy; secrets marked secret; JWKS kids
 * that are RFC 7638 thumbprints computed independently; nothing naming another tenant.
 */
import { createHash, createPublicKey } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { type MockRun, type RecordedResource, isSecretValue, unwrapSecrets } from "../../cli/engine/mock-engine";
import { InputError, type Problem, formatProblems } from "../../components/errors";
import type { SecurityCredentialsArgs } from "../../components/security/security-credentials";
import { ADMIN_ROLE_ARN, DEPLOYER_ROLE_ARN, type TenantRunOutputs, kmsKeyArn, roleArn, runTenant, tenantArgs } from "./fixtures";

type Outputs = TenantRunOutputs;

const T = {
  component: "controlcore:security:SecurityCredentials",
  key: "tls:index/privateKey:PrivateKey",
  password: "random:index/randomPassword:RandomPassword",
  secret: "aws:secretsmanager/secret:Secret",
  policy: "aws:secretsmanager/secretPolicy:SecretPolicy",
  version: "aws:secretsmanager/secretVersion:SecretVersion",
};

const byName = (run: MockRun<unknown>, name: string): RecordedResource => {
  const r = run.resources.find((x) => x.name === name);
  if (!r) throw new Error(`no resource named ${name}; have ${run.resources.map((x) => x.name).join(", ")}`);
  return r;
};

/** RFC 7638 thumbprint computed with node:crypto only (no jose), as an independent check. */
function thumbprint(spkiPem: string): string {
  const jwk = createPublicKey(spkiPem).export({ format: "jwk" }) as { crv: string; kty: string; x: string; y: string };
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash("sha256").update(canonical).digest("base64url");
}

const expectedPolicy = (tenant: string) => ({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "AllowTenantRead",
      Effect: "Allow",
      Principal: { AWS: roleArn(tenant) },
      Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
      Resource: "*",
    },
    {
      Sid: "DenyReadToOthers",
      Effect: "Deny",
      Principal: "*",
      Action: "secretsmanager:GetSecretValue",
      Resource: "*",
      Condition: { ArnNotEquals: { "aws:PrincipalArn": [roleArn(tenant), DEPLOYER_ROLE_ARN] } },
    },
    {
      Sid: "DenyManagementToOthers",
      Effect: "Deny",
      Principal: "*",
      NotAction: [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetResourcePolicy",
        "secretsmanager:GetSecretValue",
        "secretsmanager:ListSecretVersionIds",
      ],
      Resource: "*",
      Condition: { ArnNotEquals: { "aws:PrincipalArn": [DEPLOYER_ROLE_ARN, ADMIN_ROLE_ARN] } },
    },
  ],
});

const TAGS = { "controlcore:tenant": "acme", "controlcore:plan": "pro", "controlcore:managed-by": "pulumi" };

describe("SecurityCredentials with defaults (one key slot, one API key)", () => {
  let run: MockRun<Outputs>;
  beforeAll(async () => {
    run = await runTenant("acme");
  });

  it("creates exactly these children, each parented to the component", () => {
    const rows = run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => `${r.type} ${r.name}`);
    expect(rows.sort()).toEqual(
      [
        `${T.component} t-acme-security`,
        `${T.key} t-acme-security-jwt-key-a`,
        `${T.secret} t-acme-security-jwt-key-a-secret`,
        `${T.policy} t-acme-security-jwt-key-a-secret-policy`,
        `${T.version} t-acme-security-jwt-key-a-secret-version`,
        `${T.password} t-acme-security-api-key-primary`,
        `${T.secret} t-acme-security-api-key-primary-secret`,
        `${T.policy} t-acme-security-api-key-primary-secret-policy`,
        `${T.version} t-acme-security-api-key-primary-secret-version`,
      ].sort(),
    );
    const component = byName(run, "t-acme-security");
    for (const r of run.resources.filter((x) => x.custom)) expect(r.parent, r.name).toBe(component.urn);
  });

  it("generates an ECDSA P-256 key (ES256) and a 48-character alphanumeric API key", () => {
    expect(byName(run, "t-acme-security-jwt-key-a").inputs).toEqual({ algorithm: "ECDSA", ecdsaCurve: "P256" });
    expect(byName(run, "t-acme-security-api-key-primary").inputs).toEqual({ length: 48, special: false });
  });

  it("names, tags and encrypts both secrets with the tenant's KMS key", () => {
    expect(byName(run, "t-acme-security-jwt-key-a-secret").inputs).toEqual({
      name: "controlcore/tenants/acme/jwt-signing-keys/a",
      description: "JWT signing key (slot a, ES256, PKCS#8 PEM) of tenant acme",
      kmsKeyId: kmsKeyArn("acme"),
      recoveryWindowInDays: 7,
      tags: { ...TAGS, "controlcore:credential": "jwt-signing-key" },
    });
    expect(byName(run, "t-acme-security-api-key-primary-secret").inputs).toEqual({
      name: "controlcore/tenants/acme/api-keys/primary",
      description: 'API key "primary" of tenant acme',
      kmsKeyId: kmsKeyArn("acme"),
      recoveryWindowInDays: 7,
      tags: { ...TAGS, "controlcore:credential": "api-key" },
    });
  });

  it("attaches the exact resource policy (tenant reads, deployer writes, deployer and admin manage, everyone else denied) to each secret", () => {
    for (const s of ["jwt-key-a", "api-key-primary"]) {
      const secret = byName(run, `t-acme-security-${s}-secret`);
      const policy = byName(run, `t-acme-security-${s}-secret-policy`);
      expect(policy.inputs.secretArn).toBe(secret.state.arn);
      expect(policy.inputs.blockPublicPolicy).toBe(true);
      expect(JSON.parse(policy.inputs.policy as string)).toEqual(expectedPolicy("acme"));
    }
  });

  it("writes each value as a secret input, into its own secret, after the policy", () => {
    const key = byName(run, "t-acme-security-jwt-key-a");
    const jwtVersion = byName(run, "t-acme-security-jwt-key-a-secret-version");
    expect(jwtVersion.inputs.secretId).toBe(byName(run, "t-acme-security-jwt-key-a-secret").id);
    expect(isSecretValue(jwtVersion.inputs.secretString)).toBe(true);
    expect(unwrapSecrets(jwtVersion.inputs.secretString)).toBe(key.state.privateKeyPemPkcs8);
    expect(String(unwrapSecrets(jwtVersion.inputs.secretString))).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);

    const pw = byName(run, "t-acme-security-api-key-primary");
    const apiVersion = byName(run, "t-acme-security-api-key-primary-secret-version");
    expect(apiVersion.inputs.secretId).toBe(byName(run, "t-acme-security-api-key-primary-secret").id);
    expect(isSecretValue(apiVersion.inputs.secretString)).toBe(true);
    expect(unwrapSecrets(apiVersion.inputs.secretString)).toBe(pw.state.result);

    // Registration order: the version is registered only once its policy exists (dependsOn).
    const order = run.resources.map((r) => r.name);
    for (const s of ["jwt-key-a", "api-key-primary"]) {
      expect(order.indexOf(`t-acme-security-${s}-secret-version`)).toBeGreaterThan(order.indexOf(`t-acme-security-${s}-secret-policy`));
    }
  });

  it("marks the private key and the API key secret, and publishes the JWKS and fingerprint in the clear", () => {
    expect(run.outputs.secretFlags).toEqual({ privateKeyPems: [true], apiKeyValues: [true], apiKeyFingerprints: [false], jwks: false });
  });

  it("publishes a JWKS of one public ES256 key whose kid is the RFC 7638 thumbprint", () => {
    const pem = String(byName(run, "t-acme-security-jwt-key-a").state.publicKeyPem);
    const jwk = createPublicKey(pem).export({ format: "jwk" }) as Record<string, string>;
    expect(run.outputs.jwks).toEqual({
      keys: [{ kid: thumbprint(pem), kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, alg: "ES256", use: "sig" }],
    });
    expect(run.outputs.activeJwtKey).toBe("a");
    expect(run.outputs.activeKid).toBe(thumbprint(pem));
    expect(JSON.stringify(run.outputs.jwks)).not.toContain('"d"');
  });

  it("exposes each API key's value, exactly what its secret holds, as a secret output (API Gateway gets the same key)", () => {
    const version = byName(run, "t-acme-security-api-key-primary-secret-version");
    expect(run.outputs.apiKeys.primary!.value).toBe(unwrapSecrets(version.inputs.secretString));
    expect(run.outputs.apiKeys.primary!.value).toBe(byName(run, "t-acme-security-api-key-primary").state.result);
    expect(run.outputs.secretFlags.apiKeyValues).toEqual([true]);
  });

  it("publishes the sha256 fingerprint of the API key, and the secret ARNs", () => {
    const pw = String(byName(run, "t-acme-security-api-key-primary").state.result);
    expect(run.outputs.apiKeys.primary!.fingerprint).toBe(`sha256:${createHash("sha256").update(pw).digest("hex")}`);
    expect(run.outputs.apiKeys.primary!.secretArn).toBe(byName(run, "t-acme-security-api-key-primary-secret").state.arn);
    expect(run.outputs.jwtKeys.a!.secretArn).toBe(byName(run, "t-acme-security-jwt-key-a-secret").state.arn);
  });
});

describe("SecurityCredentials names only its own tenant", () => {
  it("no input of acme's resources mentions globex, and globex's none mentions acme", async () => {
    const acme = await runTenant("acme", { jwtKeySlots: ["a", "b"], apiKeyNames: ["primary", "next"] });
    const globex = await runTenant("globex");
    const text = (run: MockRun<unknown>) => JSON.stringify(run.resources.map((r) => unwrapSecrets(r.inputs)));
    expect(text(acme)).not.toContain("globex");
    expect(text(globex)).not.toContain("acme");
    for (const r of acme.resources.filter((x) => x.type === T.secret)) {
      expect(String(r.inputs.name)).toMatch(/^controlcore\/tenants\/acme\//);
      expect(r.inputs.kmsKeyId).toBe(kmsKeyArn("acme"));
    }
    for (const r of acme.resources.filter((x) => x.type === T.policy)) {
      expect(JSON.parse(r.inputs.policy as string)).toEqual(expectedPolicy("acme"));
    }
    // Different tenants, different keys.
    const kidsA = acme.outputs.jwks.keys.map((k) => k.kid);
    const kidsG = globex.outputs.jwks.keys.map((k) => k.kid);
    expect(kidsA.filter((k) => kidsG.includes(k))).toEqual([]);
  });
});

describe("SecurityCredentials during a key rotation", () => {
  it("publishes one JWKS entry per slot, in slot order, and signs with the active slot", async () => {
    const run = await runTenant("acme", { jwtKeySlots: ["a", "b"], activeJwtKey: "b" });
    const pems = ["a", "b"].map((s) => String(byName(run, `t-acme-security-jwt-key-${s}`).state.publicKeyPem));
    expect(run.outputs.jwks.keys.map((k) => k.kid)).toEqual(pems.map(thumbprint));
    expect(run.outputs.jwtKeys.a!.kid).toBe(thumbprint(pems[0]!));
    expect(run.outputs.jwtKeys.b!.kid).toBe(thumbprint(pems[1]!));
    expect(run.outputs.activeJwtKey).toBe("b");
    expect(run.outputs.activeKid).toBe(thumbprint(pems[1]!));
    expect(run.outputs.secretFlags.privateKeyPems).toEqual([true, true]);
    expect(byName(run, "t-acme-security-jwt-key-b-secret").inputs.name).toBe("controlcore/tenants/acme/jwt-signing-keys/b");
  });

  it("after retiring slot a, only slot b's resources remain, under the same logical names", async () => {
    const run = await runTenant("acme", { jwtKeySlots: ["b"] });
    const jwtRows = run.resources.filter((r) => r.name.includes("-jwt-key-")).map((r) => r.name);
    expect(jwtRows.sort()).toEqual(
      ["t-acme-security-jwt-key-b", "t-acme-security-jwt-key-b-secret", "t-acme-security-jwt-key-b-secret-policy", "t-acme-security-jwt-key-b-secret-version"].sort(),
    );
    expect(run.outputs.jwks.keys).toHaveLength(1);
    expect(run.outputs.activeJwtKey).toBe("b");
  });

  it("keeps two API keys side by side, each with its own secret and fingerprint", async () => {
    const run = await runTenant("acme", { apiKeyNames: ["primary", "next"] });
    expect(Object.keys(run.outputs.apiKeys)).toEqual(["primary", "next"]);
    expect(byName(run, "t-acme-security-api-key-next-secret").inputs.name).toBe("controlcore/tenants/acme/api-keys/next");
    expect(run.outputs.apiKeys.primary!.fingerprint).not.toBe(run.outputs.apiKeys.next!.fingerprint);
    expect(run.outputs.secretFlags.apiKeyValues).toEqual([true, true]);
  });
});

describe("SecurityCredentials refuses bad arguments before registering anything", () => {
  // Validation runs before super(): the constructor throws outside any Pulumi runtime, which
  // proves that nothing (not even the component itself) is registered for bad arguments.
  const ROLE = "expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)";
  const OWN_SECRETS = "expected the tenant's own role: the tenant would administer its own secrets";
  const cases: Array<[string, Partial<SecurityCredentialsArgs>, Problem[]]> = [
    [
      "an active slot that is not published",
      { jwtKeySlots: ["a"], activeJwtKey: "b" },
      [
        {
          path: "activeJwtKey",
          message: 'got "b", which is not in jwtKeySlots ["a"]; expected a published slot: publish a slot (and wait for verifiers to fetch the JWKS) before signing with it',
        },
      ],
    ],
    ["no slots", { jwtKeySlots: [] }, [{ path: "jwtKeySlots", message: 'got []; at least one slot is required; expected ["a"], or ["a","b"] during a rotation' }]],
    [
      "an unknown and a repeated slot",
      { jwtKeySlots: ["a", "c" as "a", "a"] },
      [
        { path: "jwtKeySlots.1", message: 'got "c"; expected "a" or "b"' },
        { path: "jwtKeySlots.2", message: 'got "a", already listed at jwtKeySlots.0; expected each slot once' },
      ],
    ],
    [
      "bad API key names",
      { apiKeyNames: ["primary", "Prod-1", "primary"] },
      [
        { path: "apiKeyNames.1", message: 'got "Prod-1"; expected 1 to 32 lowercase letters and digits starting with a letter (no hyphens)' },
        { path: "apiKeyNames.2", message: 'got "primary", already listed at apiKeyNames.0; expected each name once' },
      ],
    ],
    [
      "a wildcard CORS origin",
      { corsAllowedOrigins: ["https://*.acme.com"] },
      [
        {
          path: "corsAllowedOrigins.0",
          message: 'got "https://*.acme.com"; wildcards are refused because credentials are allowed; expected each allowed origin listed exactly, such as https://app.example.com',
        },
      ],
    ],
    [
      "a recovery window AWS refuses",
      { recoveryWindowInDays: 3 },
      [{ path: "platform.security.secretRecoveryWindowDays", message: "got 3; expected a whole number of days from 7 to 30 (Secrets Manager's recovery window)" }],
    ],
    [
      "a tenant principal that is the admin role",
      { tenantPrincipalArn: ADMIN_ROLE_ARN },
      [{ path: "tenantPrincipalArn", message: `got "${ADMIN_ROLE_ARN}", which is also platform.s3.keyAdminRoleArn; ${OWN_SECRETS}` }],
    ],
    [
      "a tenant principal that is the deployer role",
      { tenantPrincipalArn: DEPLOYER_ROLE_ARN },
      [{ path: "tenantPrincipalArn", message: `got "${DEPLOYER_ROLE_ARN}", which is also platform.s3.deployerRoleArn; ${OWN_SECRETS}` }],
    ],
    [
      "a tenant principal that is not a role ARN",
      { tenantPrincipalArn: "arn:aws:iam::000000000000:user/acme" },
      [{ path: "tenantPrincipalArn", message: `got "arn:aws:iam::000000000000:user/acme"; ${ROLE}` }],
    ],
  ];

  /** The error the constructor throws for these arguments (fails when it throws nothing). */
  async function refusal(over: Partial<SecurityCredentialsArgs>): Promise<unknown> {
    const { SecurityCredentials } = await import("../../components/security/security-credentials.js");
    const args = await tenantArgs("acme", over);
    try {
      new SecurityCredentials("t-acme-security", args);
    } catch (e) {
      return e;
    }
    throw new Error("the constructor accepted the arguments");
  }

  it.each(cases)("refuses %s", async (_label, over, problems) => {
    const thrown = await refusal(over);
    expect(InputError.isInstance(thrown)).toBe(true);
    const err = thrown as InputError;
    expect(err.source).toBe("SecurityCredentials t-acme-security arguments");
    expect(err.problems).toEqual(problems);
    expect(err.message).toBe(formatProblems("SecurityCredentials t-acme-security arguments", problems));
    // The aggregate validator the TenantStack boundary calls finds exactly the same problems.
    const { securityCredentialsProblems } = await import("../../components/security/security-credentials.js");
    expect(securityCredentialsProblems(await tenantArgs("acme", over))).toEqual(problems);
  });

  it("reports every problem of every argument at once (a CORS error does not hide a slot or principal error)", async () => {
    const err = (await refusal({
      corsAllowedOrigins: ["https://app.acme.com", "http://app.acme.com"],
      maxCorsOrigins: 1,
      jwtKeySlots: ["b"],
      activeJwtKey: "a",
      apiKeyNames: [],
      recoveryWindowInDays: 31,
      deployerRoleArn: "controlcore-tenant-deployer",
    })) as InputError;
    expect(err.message).toBe(
      "invalid SecurityCredentials t-acme-security arguments: 6 problems\n" +
        '  - corsAllowedOrigins.1: got "http://app.acme.com"; http is allowed only for localhost and 127.0.0.1; expected https; did you mean "https://app.acme.com"?\n' +
        "  - corsAllowedOrigins: got 2 origins; expected at most 1 (platform.security.maxCorsOrigins)\n" +
        '  - activeJwtKey: got "a", which is not in jwtKeySlots ["b"]; expected a published slot: publish a slot (and wait for verifiers to fetch the JWKS) before signing with it\n' +
        '  - apiKeyNames: got []; at least one API key name is required; expected a list such as ["primary"]\n' +
        "  - platform.security.secretRecoveryWindowDays: got 31; expected a whole number of days from 7 to 30 (Secrets Manager's recovery window)\n" +
        `  - platform.s3.deployerRoleArn: got "controlcore-tenant-deployer"; ${ROLE}`,
    );
  });
});

describe("securityCredentialsProblems (the boundary validator)", () => {
  it("is empty for valid settings and for absent ones (the component's defaults)", async () => {
    const { securityCredentialsProblems } = await import("../../components/security/security-credentials.js");
    expect(securityCredentialsProblems({})).toEqual([]);
    expect(
      securityCredentialsProblems({
        corsAllowedOrigins: ["https://app.acme.com"],
        maxCorsOrigins: 20,
        jwtKeySlots: ["a", "b"],
        activeJwtKey: "b",
        apiKeyNames: ["primary", "next"],
        recoveryWindowInDays: 30,
        tenantPrincipalArn: roleArn("acme"),
        deployerRoleArn: DEPLOYER_ROLE_ARN,
        adminRoleArn: ADMIN_ROLE_ARN,
      }),
    ).toEqual([]);
  });

  it("leaves principals that are not known yet (Outputs) to the policy builder", async () => {
    const pulumi = await import("@pulumi/pulumi");
    const { securityCredentialsProblems } = await import("../../components/security/security-credentials.js");
    expect(securityCredentialsProblems({ tenantPrincipalArn: pulumi.output(ADMIN_ROLE_ARN), deployerRoleArn: DEPLOYER_ROLE_ARN, adminRoleArn: ADMIN_ROLE_ARN })).toEqual([]);
  });
});

describe("SecurityCredentials outputs for other components", () => {
  it("normalizes the CORS origins it is given", async () => {
    const run = await runTenant("acme", { corsAllowedOrigins: ["https://App.Acme.com:443", "http://localhost:3000"] });
    expect(run.outputs.corsAllowedOrigins).toEqual(["https://app.acme.com", "http://localhost:3000"]);
  });
});
