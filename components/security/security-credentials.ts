/**
 * SecurityCredentials: a tenant's own credentials — JWT signing keys (one per rotation slot,
 * published as a JWKS), API keys, and the validated CORS origins — each secret stored in AWS
 * Secrets Manager, encrypted with the tenant's KMS key, readable only by the tenant's principal.
 *
 * The documents and values (secret policy, JWKS, fingerprints, origins) are built by the pure
 * modules beside this file; this component only wires them to resources.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { InputError, type Problem, show } from "../errors";
import type { TenantNames } from "../naming";
import { API_KEY_LENGTH, DEFAULT_API_KEY_NAMES, apiKeyFingerprint, apiKeyNamesProblems, validateApiKeyNames } from "./api-key";
import { corsOriginsProblems, normalizeCorsOrigins } from "./cors";
import {
  DEFAULT_JWT_KEY_SLOTS,
  type JwtKeySlot,
  TLS_KEY_SPEC,
  type TenantJwk,
  type TenantJwks,
  buildJwks,
  jwtKeySlotsProblems,
  publicJwkFromPem,
  validateJwtKeySlots,
} from "./jwks";
import { secretPolicyProblems, tenantSecretPolicy } from "./secret-policy";

export interface SecurityCredentialsArgs {
  /** The tenant's physical names; secret names start with `names.secretsPrefix`. */
  readonly names: TenantNames;
  /**
   * ARN of the tenant's KMS key; every secret of the tenant is encrypted with it (`kmsKeyId`).
   * Security: the key policy must let the tenant principal `kms:Decrypt` through Secrets Manager
   * and the deployer role `kms:GenerateDataKey`/`kms:Decrypt`, or the secrets cannot be written or read.
   */
  readonly kmsKeyArn: pulumi.Input<string>;
  /**
   * ARN of the tenant's workload role. Security: the only principal besides `deployerRoleArn` that
   * may read the secret values; every other principal is denied by each secret's resource policy.
   */
  readonly tenantPrincipalArn: pulumi.Input<string>;
  /**
   * ARN of the role tenant stacks are deployed with (the s3 platform section's `deployerRoleArn`).
   * Security: writes the secret values and is the only principal besides the tenant that may read
   * them back (the AWS provider reads every SecretVersion after writing it); it must be the role
   * `pulumi up` runs as, or the deployment locks itself out of the secrets it creates.
   */
  readonly deployerRoleArn: pulumi.Input<string>;
  /**
   * ARN of the platform admin role (the s3 platform section's `keyAdminRoleArn`). Security: may
   * manage (restore, delete, re-police) the secrets but not read them; with the deployer, the only
   * principals not denied management.
   */
  readonly adminRoleArn: pulumi.Input<string>;
  /** Tags applied to every taggable resource (the secrets). */
  readonly tags: Record<string, string>;
  /**
   * Origins allowed to call the tenant's API with credentials; validated and normalized by
   * `normalizeCorsOrigins`. Security: no wildcards, https only except localhost and 127.0.0.1.
   * @default []
   */
  readonly corsAllowedOrigins?: readonly string[];
  /** Most CORS origins accepted. @default 20 */
  readonly maxCorsOrigins?: number;
  /**
   * JWT signing key slots; each gets a key pair and a secret, and the JWKS publishes every slot.
   * Two slots exist only during a rotation (see docs/security.md). Plain values: they decide how
   * many resources exist.
   * @default ["a"]
   */
  readonly jwtKeySlots?: readonly JwtKeySlot[];
  /**
   * The slot tokens are signed with; must be in `jwtKeySlots`.
   * @default the first slot
   */
  readonly activeJwtKey?: JwtKeySlot;
  /**
   * Names of the tenant's API keys (1–32 lowercase letters and digits); each gets a random key and
   * a secret. Two names exist only during an API key rotation.
   * @default ["primary"]
   */
  readonly apiKeyNames?: readonly string[];
  /**
   * Days a deleted secret can be restored (7–30). A retired JWT slot cannot be re-added until its
   * old secret's window has ended, because the secret name is still taken.
   * @default 7
   */
  readonly recoveryWindowInDays?: number;
}

/** One JWT signing key slot's public outputs. */
export interface JwtKeyOutputs {
  /** RFC 7638 thumbprint of the public key: the `kid` of tokens signed with it. */
  readonly kid: pulumi.Output<string>;
  /** ARN of the secret holding the PKCS#8 private key PEM. */
  readonly secretArn: pulumi.Output<string>;
  /** The private key PEM (PKCS#8). Secret. */
  readonly privateKeyPem: pulumi.Output<string>;
}

/** One API key's outputs. */
export interface ApiKeyOutputs {
  /** ARN of the secret holding the key. */
  readonly secretArn: pulumi.Output<string>;
  /** `sha256:<hex>` of the key: what the platform's verifier stores. Not secret. */
  readonly fingerprint: pulumi.Output<string>;
  /** The key itself. Secret. */
  readonly value: pulumi.Output<string>;
}

/** Default recovery window of deleted secrets, in days. */
export const DEFAULT_RECOVERY_WINDOW_DAYS = 7;

/** The platform config key of the recovery window. */
export const RECOVERY_WINDOW_KEY = "platform.security.secretRecoveryWindowDays";

/**
 * Days Secrets Manager accepts as a recovery window: "The number of days from 7 to 30"
 * (DeleteSecret `RecoveryWindowInDays`, which the provider passes when it deletes a secret).
 * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html
 */
export const RECOVERY_WINDOW_RANGE = { min: 7, max: 30 } as const;

/** The arguments {@link securityCredentialsProblems} checks: every plain value that decides resources or documents. */
export type SecurityCredentialsCheckedArgs = Partial<
  Pick<
    SecurityCredentialsArgs,
    | "corsAllowedOrigins"
    | "maxCorsOrigins"
    | "jwtKeySlots"
    | "activeJwtKey"
    | "apiKeyNames"
    | "recoveryWindowInDays"
    | "tenantPrincipalArn"
    | "deployerRoleArn"
    | "adminRoleArn"
  >
>;

/**
 * Every problem of the arguments (empty when they are valid), at the user's config keys:
 * `corsAllowedOrigins.2`, `jwtKeySlots.1`, `activeJwtKey`, `apiKeyNames.0`,
 * `platform.security.maxCorsOrigins`, `platform.security.secretRecoveryWindowDays`,
 * `platform.s3.deployerRoleArn`, `platform.s3.keyAdminRoleArn`, and `tenantPrincipalArn`.
 * Absent keys take the component's defaults; the principal ARNs are checked only when they are
 * plain strings (an Output is checked when the policy is built). Pure.
 */
export function securityCredentialsProblems(args: SecurityCredentialsCheckedArgs): Problem[] {
  const days = args.recoveryWindowInDays ?? DEFAULT_RECOVERY_WINDOW_DAYS;
  const { min, max } = RECOVERY_WINDOW_RANGE;
  return [
    ...corsOriginsProblems(args.corsAllowedOrigins ?? [], args.maxCorsOrigins),
    ...jwtKeySlotsProblems(args.jwtKeySlots ?? DEFAULT_JWT_KEY_SLOTS, args.activeJwtKey),
    ...apiKeyNamesProblems(args.apiKeyNames ?? DEFAULT_API_KEY_NAMES),
    ...(Number.isInteger(days) && days >= min && days <= max
      ? []
      : [{ path: RECOVERY_WINDOW_KEY, message: `got ${show(days)}; expected a whole number of days from ${min} to ${max} (Secrets Manager's recovery window)` }]),
    ...secretPolicyProblems({ tenantPrincipalArn: args.tenantPrincipalArn, deployerRoleArn: args.deployerRoleArn, adminRoleArn: args.adminRoleArn }),
  ];
}

export class SecurityCredentials extends pulumi.ComponentResource {
  /** The public signing keys of every slot, for the platform's token verifier. Not secret. */
  readonly jwks: pulumi.Output<TenantJwks>;
  /** The slot tokens are signed with. */
  readonly activeJwtKey: JwtKeySlot;
  /** `kid` of the active signing key. */
  readonly activeKid: pulumi.Output<string>;
  /** Per slot: kid, secret ARN and (secret) private key. */
  readonly jwtKeys: Readonly<Partial<Record<JwtKeySlot, JwtKeyOutputs>>>;
  /** Per API key name: secret ARN, fingerprint and (secret) value. */
  readonly apiKeys: Readonly<Record<string, ApiKeyOutputs>>;
  /** The normalized CORS allowed origins. */
  readonly corsAllowedOrigins: readonly string[];

  constructor(name: string, args: SecurityCredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate every argument that is already known before anything is registered: a bad
    // argument must not leave half a component behind, and every problem is reported at once.
    const problems = securityCredentialsProblems(args);
    if (problems.length > 0) throw new InputError(`SecurityCredentials ${name} arguments`, problems);
    // Valid from here: these only derive the values (normalized origins, the default slot).
    const { slots, active } = validateJwtKeySlots(args.jwtKeySlots ?? DEFAULT_JWT_KEY_SLOTS, args.activeJwtKey);
    const apiKeyNames = validateApiKeyNames(args.apiKeyNames ?? DEFAULT_API_KEY_NAMES);
    const corsAllowedOrigins = normalizeCorsOrigins(args.corsAllowedOrigins ?? [], { maxOrigins: args.maxCorsOrigins });
    const recoveryWindowInDays = args.recoveryWindowInDays ?? DEFAULT_RECOVERY_WINDOW_DAYS;
    super("controlcore:security:SecurityCredentials", name, {}, opts);
    this.corsAllowedOrigins = corsAllowedOrigins;
    const { names } = args;
    const policy = pulumi
      .all([args.tenantPrincipalArn, args.deployerRoleArn, args.adminRoleArn])
      .apply(([tenantPrincipalArn, deployerRoleArn, adminRoleArn]) =>
        JSON.stringify(tenantSecretPolicy({ tenantPrincipalArn, deployerRoleArn, adminRoleArn })),
      );

    /** A secret of the tenant: encrypted with its key, policed before the value is written. */
    const tenantSecret = (suffix: string, secretName: string, description: string, kind: string, value: pulumi.Input<string>) => {
      const secret = new aws.secretsmanager.Secret(
        `${name}-${suffix}`,
        {
          name: secretName,
          description,
          kmsKeyId: args.kmsKeyArn,
          recoveryWindowInDays,
          tags: { ...args.tags, "controlcore:credential": kind },
        },
        { parent: this },
      );
      const secretPolicy = new aws.secretsmanager.SecretPolicy(
        `${name}-${suffix}-policy`,
        { secretArn: secret.arn, policy, blockPublicPolicy: true },
        { parent: this },
      );
      // The value is written only once the policy is in place: no moment with a readable value
      // and no resource policy.
      new aws.secretsmanager.SecretVersion(
        `${name}-${suffix}-version`,
        { secretId: secret.id, secretString: pulumi.secret(value) },
        { parent: this, dependsOn: [secretPolicy] },
      );
      return secret;
    };

    const jwtKeys: Partial<Record<JwtKeySlot, JwtKeyOutputs>> = {};
    const jwks: pulumi.Output<TenantJwk>[] = [];
    for (const slot of slots) {
      const key = new tls.PrivateKey(`${name}-jwt-key-${slot}`, { ...TLS_KEY_SPEC }, { parent: this });
      const secret = tenantSecret(
        `jwt-key-${slot}-secret`,
        `${names.secretsPrefix}jwt-signing-keys/${slot}`,
        `JWT signing key (slot ${slot}, ES256, PKCS#8 PEM) of tenant ${names.id}`,
        "jwt-signing-key",
        key.privateKeyPemPkcs8,
      );
      const jwk = key.publicKeyPem.apply((pem) => publicJwkFromPem(pem));
      jwks.push(jwk);
      jwtKeys[slot] = {
        kid: jwk.apply((k) => k.kid),
        secretArn: secret.arn,
        privateKeyPem: pulumi.secret(key.privateKeyPemPkcs8),
      };
    }
    this.jwtKeys = jwtKeys;
    this.jwks = pulumi.all(jwks).apply((keys) => buildJwks(keys));
    this.activeJwtKey = active;
    this.activeKid = jwtKeys[active]!.kid;

    const apiKeys: Record<string, ApiKeyOutputs> = {};
    for (const keyName of apiKeyNames) {
      const password = new random.RandomPassword(
        `${name}-api-key-${keyName}`,
        { length: API_KEY_LENGTH, special: false },
        { parent: this },
      );
      const secret = tenantSecret(
        `api-key-${keyName}-secret`,
        `${names.secretsPrefix}api-keys/${keyName}`,
        `API key "${keyName}" of tenant ${names.id}`,
        "api-key",
        password.result,
      );
      apiKeys[keyName] = {
        secretArn: secret.arn,
        // A SHA-256 of a 285-bit random key reveals nothing usable; it is published in the clear
        // so that the verifier never needs the key itself.
        fingerprint: pulumi.unsecret(password.result.apply(apiKeyFingerprint)),
        value: pulumi.secret(password.result),
      };
    }
    this.apiKeys = apiKeys;

    this.registerOutputs({
      jwks: this.jwks,
      activeJwtKey: this.activeJwtKey,
      activeKid: this.activeKid,
      jwtKeys: this.jwtKeys,
      apiKeys: this.apiKeys,
      corsAllowedOrigins: this.corsAllowedOrigins,
    });
  }
}
