/**
 * TenantPrincipal: the tenant's AWS principal, an IAM role assumed by the tenant's pods through
 * EKS Pod Identity. Other components grant this role what the tenant may do (S3TenantPrefix its
 * prefix; the security component its secrets; TenantIdentity's key policy the use of its key);
 * it is the `Principal` their resource policies name.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { TenantNames } from "../naming";
import { InputError, type Problem } from "../errors";
import type { S3Platform } from "../s3/config";
import { policyJson } from "../s3/policy-document";
import { podIdentityTrustPolicy } from "./principal";

/** The principal's type token; `controlcore:s3:TenantPrincipal` before it moved to TenantIdentity. */
export const TENANT_PRINCIPAL_TYPE = "controlcore:identity:TenantPrincipal";

export interface TenantPrincipalArgs {
  /** The tenant's physical names: `iamRoleName`, `k8sNamespace` and `k8sServiceAccount` are used. */
  readonly names: TenantNames;
  /** Tags for the role and the association (the tenant's `tenantTags`). */
  readonly tags: Record<string, string>;
  /** Account, region and EKS cluster of the platform (`platform.s3`). */
  readonly platform: Pick<S3Platform, "accountId" | "region" | "eksClusterName">;
  /**
   * Longest session of the role, in seconds. EKS Pod Identity refreshes credentials before they
   * expire, so the default is the shortest IAM allows.
   * @default 3600
   */
  readonly maxSessionDurationSeconds?: number;
}

/** IAM's range for a role's MaxSessionDuration, in seconds (CreateRole API reference). */
export const IAM_SESSION_RANGE = { min: 3600, max: 43200 } as const;

/** Problems with the principal's arguments (empty when valid). */
export function tenantPrincipalProblems(args: Pick<TenantPrincipalArgs, "maxSessionDurationSeconds">): Problem[] {
  const s = args.maxSessionDurationSeconds ?? IAM_SESSION_RANGE.min;
  if (Number.isInteger(s) && s >= IAM_SESSION_RANGE.min && s <= IAM_SESSION_RANGE.max) return [];
  return [
    {
      path: "maxSessionDurationSeconds",
      message: `got ${JSON.stringify(s)}; expected a whole number of seconds from ${IAM_SESSION_RANGE.min} to ${IAM_SESSION_RANGE.max} (IAM's range)`,
    },
  ];
}

export class TenantPrincipal extends pulumi.ComponentResource {
  /** The role ARN: what key and bucket policies name as the tenant's principal. */
  readonly roleArn: pulumi.Output<string>;
  /** The role name, to attach policies to. */
  readonly roleName: pulumi.Output<string>;
  /** The trust policy JSON, as applied. */
  readonly trustPolicy: string;
  readonly role: aws.iam.Role;
  readonly podIdentityAssociation: aws.eks.PodIdentityAssociation;

  constructor(name: string, args: TenantPrincipalArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = tenantPrincipalProblems(args);
    if (problems.length > 0) throw new InputError(`TenantPrincipal ${name} arguments`, problems);
    const maxSession = args.maxSessionDurationSeconds ?? IAM_SESSION_RANGE.min;
    super(TENANT_PRINCIPAL_TYPE, name, {}, opts);
    const { names, tags, platform } = args;

    this.trustPolicy = policyJson(
      podIdentityTrustPolicy({ names, accountId: platform.accountId, region: platform.region, clusterName: platform.eksClusterName }),
    );
    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        name: names.iamRoleName,
        description: `Control Core tenant ${names.id}: workload principal (EKS Pod Identity, ${names.k8sNamespace}/${names.k8sServiceAccount})`,
        assumeRolePolicy: this.trustPolicy,
        maxSessionDuration: maxSession,
        // Attached elsewhere only by this program's components; a stray attachment must not block destroy.
        forceDetachPolicies: true,
        tags,
      },
      { parent: this },
    );
    this.podIdentityAssociation = new aws.eks.PodIdentityAssociation(
      `${name}-pod-identity`,
      {
        clusterName: platform.eksClusterName,
        namespace: names.k8sNamespace,
        serviceAccount: names.k8sServiceAccount,
        roleArn: this.role.arn,
        tags,
      },
      { parent: this },
    );
    this.roleArn = this.role.arn;
    this.roleName = this.role.name;
    this.registerOutputs({ roleArn: this.roleArn, roleName: this.roleName, trustPolicy: this.trustPolicy });
  }
}
