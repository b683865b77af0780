/**
 * TenantPrincipal: the tenant's AWS principal, an IAM role assumed by the tenant's pods through
 * EKS Pod Identity. Other components grant this role what the tenant may do (S3TenantPrefix its
 * prefix and key; the security component its secrets); it is the `Principal` their resource
 * policies name.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { TenantNames } from "../naming";
import type { S3Platform } from "./config";
import { policyJson } from "./policy-document";
import { podIdentityTrustPolicy } from "./principal";

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
    const maxSession = args.maxSessionDurationSeconds ?? 3600;
    if (!Number.isInteger(maxSession) || maxSession < 3600 || maxSession > 43200) {
      throw new Error(`maxSessionDurationSeconds must be a whole number from 3600 to 43200 (IAM's range), got ${maxSession}`);
    }
    super("controlcore:s3:TenantPrincipal", name, {}, opts);
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
