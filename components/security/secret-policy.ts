/**
 * The resource policy of every tenant secret (JWT signing keys, API keys): the tenant's principal
 * may read the value, the deployer role writes it (and reads it back), the deployer and the
 * platform admin role may manage the secret, and everybody else — including every other tenant's
 * principal, whatever its identity policy says — is denied.
 *
 * Same-account access to a secret is allowed by either an identity policy or the resource policy
 * and refused by an explicit deny in either, so the two Deny statements are what make the
 * isolation hold against a misconfigured identity policy elsewhere in the account.
 *
 * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
 */
import { type Problem, show, throwIfProblems } from "../errors";

/** What the tenant's principal may do with its own secret. */
export const TENANT_SECRET_READ_ACTIONS: readonly string[] = ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"];

/**
 * Actions nobody but the deployer and admin roles may perform: everything except these read-only
 * metadata calls. Written as a NotAction list so that actions AWS adds later are denied by default.
 */
export const SECRET_NON_MANAGEMENT_ACTIONS: readonly string[] = [
  "secretsmanager:DescribeSecret",
  "secretsmanager:GetResourcePolicy",
  "secretsmanager:GetSecretValue",
  "secretsmanager:ListSecretVersionIds",
];

/** An IAM policy document as AWS accepts it. */
export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal: "*" | { readonly AWS: string | readonly string[] };
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource: string;
  readonly Condition?: Record<string, Record<string, string | readonly string[]>>;
}

/** Principals the policy is written for. */
export interface TenantSecretPolicyArgs {
  /** ARN of the tenant's workload role: the only reader of the secret value besides the deployer. */
  readonly tenantPrincipalArn: string;
  /**
   * ARN of the role tenant stacks are deployed with. It writes the values and keeps
   * `GetSecretValue` because the AWS provider reads every SecretVersion back after writing it
   * (and on refresh); denying it would break the deployment without hiding anything, since the
   * deployment generated the value and holds it in its (encrypted) state.
   */
  readonly deployerRoleArn: string;
  /**
   * ARN of the platform admin role: manages the secrets (restore, delete, re-police) so that a
   * lost deployer role cannot leave them unmanageable. It may not read the values.
   */
  readonly adminRoleArn: string;
}

const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/**
 * Where each principal comes from, as a problem path: the deployer and admin roles are the s3
 * platform section's `deployerRoleArn` and `keyAdminRoleArn`; the tenant principal is the
 * TenantIdentity's role (an argument, not a config key).
 */
export const SECRET_POLICY_PATHS: Readonly<Record<keyof TenantSecretPolicyArgs, string>> = {
  tenantPrincipalArn: "tenantPrincipalArn",
  deployerRoleArn: "platform.s3.deployerRoleArn",
  adminRoleArn: "platform.s3.keyAdminRoleArn",
};

const EXPECTED_ROLE_ARN = "expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)";

/**
 * Every problem of the principals (empty when they are valid). Only plain strings are checked:
 * a principal that is not known yet (a Pulumi Output) is checked when the policy is built.
 */
export function secretPolicyProblems(args: { readonly [K in keyof TenantSecretPolicyArgs]?: unknown }): Problem[] {
  const problems: Problem[] = [];
  for (const key of ["tenantPrincipalArn", "deployerRoleArn", "adminRoleArn"] as const) {
    const value = args[key];
    if (typeof value === "string" && !ROLE_ARN.test(value)) {
      problems.push({ path: SECRET_POLICY_PATHS[key], message: `got ${show(value)}; ${EXPECTED_ROLE_ARN}` });
    }
  }
  const { tenantPrincipalArn } = args;
  if (typeof tenantPrincipalArn === "string") {
    const same = (["deployerRoleArn", "adminRoleArn"] as const).filter((k) => args[k] === tenantPrincipalArn).map((k) => SECRET_POLICY_PATHS[k]);
    if (same.length > 0) {
      problems.push({
        path: SECRET_POLICY_PATHS.tenantPrincipalArn,
        message: `got ${show(tenantPrincipalArn)}, which is also ${same.join(" and ")}; expected the tenant's own role: the tenant would administer its own secrets`,
      });
    }
  }
  return problems;
}

/**
 * The resource policy of one tenant secret. Pure: the same principals give the same document.
 *
 * - `AllowTenantRead`: the tenant principal may read the value and describe the secret.
 * - `DenyReadToOthers`: `GetSecretValue` is denied to every principal that is neither the tenant
 *   principal nor the deployer role (matched by `aws:PrincipalArn`, which is the role ARN for
 *   every session of that role).
 * - `DenyManagementToOthers`: every other action (put value, delete, change policy, tag,
 *   replicate, rotate...) is denied to everyone but the deployer and admin roles, so the tenant
 *   cannot replace its own key or widen the policy, and the platform is never locked out.
 */
export function tenantSecretPolicy(args: TenantSecretPolicyArgs): PolicyDocument {
  const { tenantPrincipalArn, deployerRoleArn, adminRoleArn } = args;
  throwIfProblems("tenant secret policy principals", secretPolicyProblems(args));
  const managers = deployerRoleArn === adminRoleArn ? deployerRoleArn : [deployerRoleArn, adminRoleArn];
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AllowTenantRead",
        Effect: "Allow",
        Principal: { AWS: tenantPrincipalArn },
        Action: [...TENANT_SECRET_READ_ACTIONS],
        Resource: "*",
      },
      {
        Sid: "DenyReadToOthers",
        Effect: "Deny",
        Principal: "*",
        Action: "secretsmanager:GetSecretValue",
        Resource: "*",
        Condition: { ArnNotEquals: { "aws:PrincipalArn": [tenantPrincipalArn, deployerRoleArn] } },
      },
      {
        Sid: "DenyManagementToOthers",
        Effect: "Deny",
        Principal: "*",
        NotAction: [...SECRET_NON_MANAGEMENT_ACTIONS],
        Resource: "*",
        Condition: { ArnNotEquals: { "aws:PrincipalArn": managers } },
      },
    ],
  };
}
