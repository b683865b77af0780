/**
 * TenantIdentity: who the tenant is in AWS. The tenant's KMS key (rotation on, 30-day deletion
 * window, an alias from the naming module, a key policy that lets only the tenant principal use
 * it and only through named services) and the tenant principal (an IAM role assumed by the
 * tenant's pods through EKS Pod Identity).
 *
 * Every other AWS concern receives it instead of creating its own, as CDK's `Bucket` takes an
 * `encryptionKey`: S3TenantPrefix encrypts objects with the key and grants the principal its
 * prefix, SecurityCredentials encrypts secrets with it and grants the principal their values,
 * TenantMonitoring encrypts log groups and the alarm topic with it, the Kubernetes namespace binds
 * the principal to the tenant's ServiceAccount. TenantStack declares it whenever one of those is
 * on (plan `s3_prefix`, `security_isolation` or `monitoring_isolation`).
 *
 * Before this component existed the key, alias and principal were children of S3TenantPrefix
 * (`<stack>-s3`). {@link TenantIdentityArgs.movedFrom} gives them aliases to those URNs, so an
 * existing stack keeps its key and role: `pulumi up` shows no replacement.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { InputError, type Problem, withPrefix } from "../errors";
import type { TenantNames } from "../naming";
import type { S3Platform } from "../s3/config";
import { type KeyServiceStatement, keyServiceStatementProblems, tenantKeyPolicy } from "../s3/kms-policy";
import { tenantLayout } from "../s3/layout";
import { policyJson } from "../s3/policy-document";
import { TENANT_PRINCIPAL_TYPE, TenantPrincipal, tenantPrincipalProblems } from "./tenant-principal";

/** Days a scheduled key deletion waits: the longest KMS allows, to undo a mistaken destroy. */
export const KEY_DELETION_WINDOW_DAYS = 30;

/** The type token of the component. */
export const TENANT_IDENTITY_TYPE = "controlcore:identity:TenantIdentity";

/** The platform settings the identity needs (they live in the `platform.s3` config section). */
export type IdentityPlatform = Pick<
  S3Platform,
  "accountId" | "region" | "keyAdminRoleArn" | "deployerRoleArn" | "delegateKeyAdministrationToAccount" | "eksClusterName"
>;

/** The tenant key and principal as other components receive them. */
export interface TenantKeyAndPrincipal {
  /** ARN of the tenant key (key/..., never the alias: S3 and CloudWatch Logs compare ARNs). */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** The tenant principal's role ARN. */
  readonly principalRoleArn: pulumi.Input<string>;
  /** The tenant principal's role name, to attach identity policies to. */
  readonly principalRoleName: pulumi.Input<string>;
}

export interface TenantIdentityArgs {
  /** The tenant's physical names (role, alias, namespace, ServiceAccount, secrets prefix). */
  readonly names: TenantNames;
  /** Tags for every taggable resource (the tenant's `tenantTags`). */
  readonly tags: Record<string, string>;
  /** Account, region, key administrators and EKS cluster of the platform. */
  readonly platform: IdentityPlatform;
  /**
   * Statements other components need in the key policy for AWS services that use the key on the
   * tenant's behalf (`monitoringKeyPolicyStatements(...)` when the plan has
   * `monitoring_isolation`). Security: only service principals, only Allow, each with a condition
   * binding the service to the tenant's resources; anything else is refused.
   * @default []
   */
  readonly keyPolicyServiceStatements?: readonly KeyServiceStatement[];
  /**
   * Where the key, alias and principal lived before this component existed: the logical name and
   * URN of the tenant's former `S3TenantPrefix`. Set by TenantStack so that existing stacks map
   * their resources instead of replacing them.
   * @default no aliases
   */
  readonly movedFrom?: { readonly name: string; readonly urn: pulumi.Input<string> };
}

/** Every problem with the arguments (empty when valid). */
export function tenantIdentityProblems(args: Pick<TenantIdentityArgs, "keyPolicyServiceStatements">): Problem[] {
  return [
    ...keyServiceStatementProblems(args.keyPolicyServiceStatements ?? []).map((message) => ({ path: "keyPolicyServiceStatements", message })),
    ...withPrefix("principal", tenantPrincipalProblems({})),
  ];
}

export class TenantIdentity extends pulumi.ComponentResource implements TenantKeyAndPrincipal {
  readonly key: aws.kms.Key;
  readonly keyAlias: aws.kms.Alias;
  readonly principal: TenantPrincipal;
  readonly kmsKeyArn: pulumi.Output<string>;
  readonly kmsKeyId: pulumi.Output<string>;
  /** `alias/controlcore/tenant/<id>`. */
  readonly kmsAliasName: string;
  readonly principalRoleArn: pulumi.Output<string>;
  readonly principalRoleName: pulumi.Output<string>;
  /** The key policy and the role's trust policy, as applied (minified JSON). */
  readonly policies: pulumi.Output<{ key: string; trust: string }>;

  constructor(name: string, args: TenantIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = tenantIdentityProblems(args);
    if (problems.length > 0) throw new InputError(`TenantIdentity ${name} arguments`, problems);
    super(TENANT_IDENTITY_TYPE, name, {}, opts);
    const { names, tags, platform } = args;
    const moved = args.movedFrom;
    const was = (child: string, type?: string): pulumi.CustomResourceOptions =>
      moved ? { parent: this, aliases: [{ name: `${moved.name}-${child}`, parent: moved.urn, ...(type ? { type } : {}) }] } : { parent: this };

    this.principal = new TenantPrincipal(`${name}-principal`, { names, tags, platform }, was("principal", "controlcore:s3:TenantPrincipal"));

    const keyPolicy = this.principal.roleArn.apply((tenantRoleArn) =>
      policyJson(
        tenantKeyPolicy({
          accountId: platform.accountId,
          region: platform.region,
          tenantRoleArn,
          keyAdminRoleArn: platform.keyAdminRoleArn,
          deployerRoleArn: platform.deployerRoleArn,
          delegateAdministrationToAccount: platform.delegateKeyAdministrationToAccount,
          serviceStatements: args.keyPolicyServiceStatements ?? [],
        }),
      ),
    );
    this.key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `Control Core tenant ${names.id}: objects under ${tenantLayout(names).prefix}, secrets under ${names.secretsPrefix}`,
        keyUsage: "ENCRYPT_DECRYPT",
        customerMasterKeySpec: "SYMMETRIC_DEFAULT",
        enableKeyRotation: true,
        deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
        policy: keyPolicy,
        tags,
      },
      was("key"),
    );
    this.keyAlias = new aws.kms.Alias(`${name}-key-alias`, { name: names.kmsAlias, targetKeyId: this.key.keyId }, was("key-alias"));

    this.kmsKeyArn = this.key.arn;
    this.kmsKeyId = this.key.keyId;
    this.kmsAliasName = names.kmsAlias;
    this.principalRoleArn = this.principal.roleArn;
    this.principalRoleName = this.principal.roleName;
    const trust = this.principal.trustPolicy;
    this.policies = keyPolicy.apply((key) => ({ key, trust }));
    this.registerOutputs({
      kmsKeyArn: this.kmsKeyArn,
      kmsAliasName: this.kmsAliasName,
      principalRoleArn: this.principalRoleArn,
      policies: this.policies,
    });
  }
}

export { TENANT_PRINCIPAL_TYPE };
