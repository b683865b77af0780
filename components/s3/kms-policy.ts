/**
 * The per-tenant KMS key policy, built once by a pure function.
 *
 * A key policy is the primary gate of a KMS key: without the usual "Enable IAM User Permissions"
 * statement (account root with `kms:*`), no IAM policy in the account can grant use of the key.
 * This policy has none: it names who administers the key (without data use) and the only
 * principals that may use it, each through named services only.
 *
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html
 */
import { KMS_ADMIN_ACTIONS, KMS_KEY_USE_ACTIONS, KMS_SECRETS_WRITER_ACTIONS } from "./actions";
import { accountRootArn, viaService } from "./layout";
import { type IamPolicyDocument, type PolicyStatement, policyDocument } from "./policy-document";

/**
 * A statement another component needs in the tenant key's policy so that an AWS SERVICE can use
 * the key for the tenant (CloudWatch Logs for the tenant's log groups, CloudWatch alarms for its
 * encrypted SNS topic). Only service principals, only Allow, always with a condition that binds
 * the service to the tenant's resources (the confused-deputy guard): see
 * {@link keyServiceStatementProblems}.
 */
export interface KeyServiceStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Principal: { readonly Service: string };
  readonly Action: string | readonly string[];
  readonly Resource: string;
  readonly Condition: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** Sids this module writes itself; a service statement may not reuse them. */
const OWN_SIDS = ["KeyAdministration", "TenantUseThroughS3", "TenantUseThroughSecretsManager", "DeployerWritesTenantSecrets"];

/** Why service statements cannot go into a tenant key policy (empty when they can). */
export function keyServiceStatementProblems(statements: readonly KeyServiceStatement[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>(OWN_SIDS);
  statements.forEach((st, i) => {
    const at = `keyPolicyServiceStatements[${i}] (${JSON.stringify(st.Sid)})`;
    if (seen.has(st.Sid)) problems.push(`${at}: Sid is already used in the key policy`);
    seen.add(st.Sid);
    if (st.Effect !== "Allow") problems.push(`${at}: Effect must be "Allow", got ${JSON.stringify(st.Effect)}`);
    const principal = st.Principal as unknown;
    const service = typeof principal === "object" && principal !== null ? (principal as Record<string, unknown>).Service : undefined;
    if (typeof service !== "string" || !/^[a-z0-9.-]+\.amazonaws\.com$/.test(service) || Object.keys(principal as object).length !== 1) {
      problems.push(`${at}: Principal must be one AWS service principal ({ Service: "<service>.amazonaws.com" }); IAM principals are never added to a tenant key policy`);
    }
    if (Object.keys(st.Condition ?? {}).length === 0) {
      problems.push(`${at}: a Condition binding the service to the tenant's resources is required (confused-deputy guard)`);
    }
  });
  return problems;
}

/** What the key policy is built from. */
export interface TenantKeyPolicyInput {
  readonly accountId: string;
  readonly region: string;
  /** The tenant principal's role ARN. */
  readonly tenantRoleArn: string;
  /** The platform role that administers tenant keys. */
  readonly keyAdminRoleArn: string;
  /** The role tenant stacks deploy with (administers; writes the tenant's secrets). */
  readonly deployerRoleArn: string;
  /** Name the account root as an administrator too (administration only, never data). */
  readonly delegateAdministrationToAccount: boolean;
  /** Service statements other components need (validated by {@link keyServiceStatementProblems}). */
  readonly serviceStatements: readonly KeyServiceStatement[];
}

/**
 * The tenant key's policy:
 * - `KeyAdministration`: the admin role, the deployer role (and the account root when
 *   delegated) manage the key but cannot encrypt, decrypt or create grants;
 * - `TenantUseThroughS3`: the tenant principal, only via S3 in this region and account;
 * - `TenantUseThroughSecretsManager`: the tenant principal, only via Secrets Manager;
 * - `DeployerWritesTenantSecrets`: the deployer, only via Secrets Manager, to write the tenant's
 *   secrets (values it already holds in Pulumi state);
 * - service statements other components pass in (e.g. CloudWatch Logs for the tenant's log
 *   groups): service principals only, each bound by a condition.
 * Nobody else: not the admin role's data use, not other tenants' roles, not other services.
 *
 * Not used: `kms:EncryptionContext:aws:s3:arn` / `:SecretARN` conditions (which would tie the
 * tenant's use to its prefix and secret names). The IAM simulator that proves this policy drops
 * `kms:EncryptionContext:<key>` context keys, so such a condition could not be proven, and it adds
 * little here: the key is the tenant's alone, and the tenant's identity policy already refuses
 * every object outside its prefix. Service statements passed in (CloudWatch Logs) keep their
 * context conditions because AWS requires them to bind a service principal to the tenant's
 * resources; the simulator does not evaluate those.
 */
export function tenantKeyPolicy(input: TenantKeyPolicyInput): IamPolicyDocument {
  const { accountId, region, tenantRoleArn } = input;
  const admins = [
    ...(input.delegateAdministrationToAccount ? [accountRootArn(accountId)] : []),
    input.keyAdminRoleArn,
    input.deployerRoleArn,
  ];
  const through = (service: "s3" | "secretsmanager") => ({
    StringEquals: { "kms:ViaService": viaService(service, region), "kms:CallerAccount": accountId },
  });
  const statements: PolicyStatement[] = [
    {
      Sid: "KeyAdministration",
      Effect: "Allow",
      Principal: { AWS: [...new Set(admins)] },
      Action: [...KMS_ADMIN_ACTIONS],
      Resource: "*",
    },
    {
      Sid: "TenantUseThroughS3",
      Effect: "Allow",
      Principal: { AWS: tenantRoleArn },
      Action: [...KMS_KEY_USE_ACTIONS],
      Resource: "*",
      Condition: through("s3"),
    },
    {
      Sid: "TenantUseThroughSecretsManager",
      Effect: "Allow",
      Principal: { AWS: tenantRoleArn },
      Action: [...KMS_KEY_USE_ACTIONS],
      Resource: "*",
      Condition: through("secretsmanager"),
    },
    {
      Sid: "DeployerWritesTenantSecrets",
      Effect: "Allow",
      Principal: { AWS: input.deployerRoleArn },
      Action: [...KMS_SECRETS_WRITER_ACTIONS],
      Resource: "*",
      Condition: through("secretsmanager"),
    },
  ];
  const problems = keyServiceStatementProblems(input.serviceStatements);
  if (problems.length > 0) throw new Error(`invalid key policy service statements:\n  - ${problems.join("\n  - ")}`);
  // Validated above: service principals only, Allow only, each with a condition.
  statements.push(...(input.serviceStatements as unknown as readonly PolicyStatement[]));
  return policyDocument(statements);
}
