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

/** Thrown when a principal ARN is not an IAM role ARN or the two principals are the same. */
export class SecretPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretPolicyError";
  }
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
  const problems: string[] = [];
  for (const [key, value] of Object.entries({ tenantPrincipalArn, deployerRoleArn, adminRoleArn })) {
    if (!ROLE_ARN.test(value)) problems.push(`${key} ${JSON.stringify(value)} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
  }
  if (tenantPrincipalArn === deployerRoleArn || tenantPrincipalArn === adminRoleArn) {
    problems.push("tenantPrincipalArn is also a platform role (deployerRoleArn or adminRoleArn): the tenant would administer its own secrets");
  }
  if (problems.length > 0) throw new SecretPolicyError(`invalid tenant secret policy: ${problems.join("; ")}`);
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
