/**
 * S3TenantPrefix: the tenant's object storage. A per-tenant KMS key (rotation on, 30-day
 * deletion window, alias, a key policy that lets only the tenant principal use it and only
 * through S3 and Secrets Manager), the tenant principal (TenantPrincipal), its identity policy
 * confining it to `tenants/<id>/` and its own key, and — for plans with dedicated resources — a
 * dedicated bucket (TenantDedicatedBucket). Pooled tenants live in the platform's shared bucket,
 * to whose policy and lifecycle configuration this component adds nothing.
 *
 * Every document comes from a pure function (`policies.ts`, `kms-policy.ts`, `principal.ts`,
 * `lifecycle.ts`); this component only wires them to resources.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { TenantNames } from "../naming";
import { type S3Platform, S3PlatformSchema } from "./config";
import { TenantDedicatedBucket } from "./dedicated-bucket";
import { type KeyServiceStatement, keyServiceStatementProblems, tenantKeyPolicy } from "./kms-policy";
import { bucketArn, dedicatedBucketName, type TenantLayout, tenantLayout } from "./layout";
import { backupRetentionClass, type RetentionTags, retentionTags } from "./lifecycle";
import { SSE_KMS, tenantAccessPolicy } from "./policies";
import { policyJson } from "./policy-document";
import { TenantPrincipal } from "./tenant-principal";

/** Name of the inline policy on the tenant role (scoped to the role, so the same for every tenant). */
export const ACCESS_POLICY_NAME = "controlcore-s3-tenant-access";
/** Days a scheduled key deletion waits: the longest KMS allows, to undo a mistaken destroy. */
export const KEY_DELETION_WINDOW_DAYS = 30;

export interface S3TenantPrefixArgs {
  /** The tenant's physical names (prefix, role, alias, namespace, secrets and log prefixes). */
  readonly names: TenantNames;
  /** Tags for every taggable resource (the tenant's `tenantTags`). */
  readonly tags: Record<string, string>;
  /**
   * Days backups/ objects are kept: the plan's `limits.backup_retention_days`. A pooled tenant's
   * value must be one of `platform.backupRetentionDays` (the shared bucket's fixed classes).
   */
  readonly backupRetentionDays: number;
  /**
   * A dedicated bucket instead of a prefix in the shared bucket: the plan's `dedicated_resources`.
   * Plain boolean: it decides which resources exist.
   */
  readonly dedicated: boolean;
  /** The platform's S3 section (`platform.s3`). */
  readonly platform: S3Platform;
  /**
   * Statements other components need in the key policy for AWS services that use the key on the
   * tenant's behalf: the monitoring component's `monitoringKeyPolicyStatements(...)` (CloudWatch
   * Logs for the tenant's log groups, CloudWatch alarms for its encrypted topic) when the plan has
   * `monitoring_isolation`. Security: only service principals, only Allow, each with a condition
   * binding the service to the tenant's resources; anything else is refused.
   * @default []
   */
  readonly keyPolicyServiceStatements?: readonly KeyServiceStatement[];
  /**
   * Dedicated bucket only: delete its objects when the stack is destroyed. Security: data loss.
   * @default false
   */
  readonly forceDestroy?: boolean;
}

/** The policy documents the component applies, as minified JSON. */
export interface S3TenantPolicies {
  /** The tenant role's inline identity policy. */
  readonly identity: string;
  /** The tenant key's policy. */
  readonly key: string;
  /** The tenant role's trust policy. */
  readonly trust: string;
  /** The dedicated bucket's policy (dedicated only). */
  readonly bucket?: string;
}

/** What the tenant's application needs to use its storage; published as the `s3` output. */
export interface S3StorageConfig {
  readonly bucket: string;
  readonly region: string;
  readonly dedicated: boolean;
  /** `tenants/<id>/`: every key the tenant writes starts with it. */
  readonly prefix: string;
  readonly paths: TenantLayout["paths"];
  /** Send `x-amz-server-side-encryption: aws:kms` on every PutObject / CreateMultipartUpload. */
  readonly serverSideEncryption: string;
  /** Send this ARN (not the alias, not the key ID) as `x-amz-server-side-encryption-aws-kms-key-id`. */
  readonly kmsKeyArn: string;
  readonly kmsAlias: string;
  /** Tags every write under temp/ and backups/ must carry (`x-amz-tagging`). */
  readonly retentionTags: RetentionTags;
}

/** Returns every problem with the arguments (empty when valid), each naming the setting. */
export function s3TenantPrefixProblems(args: S3TenantPrefixArgs): string[] {
  const problems: string[] = [];
  const platform = S3PlatformSchema.safeParse(args.platform);
  if (!platform.success) {
    for (const issue of platform.error.issues) problems.push(`platform.s3.${issue.path.join(".")}: ${issue.message}`);
  }
  problems.push(...keyServiceStatementProblems(args.keyPolicyServiceStatements ?? []));
  const days = args.backupRetentionDays;
  if (!Number.isInteger(days) || days < 1) {
    problems.push(`limits.backup_retention_days must be a positive whole number of days, got ${JSON.stringify(days)}`);
  } else if (!args.dedicated && platform.success && !platform.data.backupRetentionDays.includes(days)) {
    problems.push(
      `limits.backup_retention_days ${days} has no retention class in the shared bucket: the platform's lifecycle rules expire backups after ${platform.data.backupRetentionDays.join(" or ")} days (platform.s3.backupRetentionDays); add ${days} there (tag ${backupRetentionClass(days)}) or use dedicated_resources`,
    );
  }
  return problems;
}

export class S3TenantPrefix extends pulumi.ComponentResource {
  readonly principal: TenantPrincipal;
  readonly key: aws.kms.Key;
  readonly keyAlias: aws.kms.Alias;
  readonly dedicatedBucket: TenantDedicatedBucket | undefined;
  readonly layout: TenantLayout;
  readonly retentionTags: RetentionTags;
  readonly kmsKeyArn: pulumi.Output<string>;
  readonly kmsKeyId: pulumi.Output<string>;
  readonly kmsAliasName: string;
  readonly principalRoleArn: pulumi.Output<string>;
  readonly principalRoleName: pulumi.Output<string>;
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  readonly policies: pulumi.Output<S3TenantPolicies>;
  /** What the application needs to read and write its objects (no credential in it). */
  readonly storageConfig: pulumi.Output<S3StorageConfig>;

  constructor(name: string, args: S3TenantPrefixArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before anything is registered: bad input must not leave half a tenant behind.
    const problems = s3TenantPrefixProblems(args);
    if (problems.length > 0) {
      throw new Error(`invalid S3TenantPrefix ${name}: ${problems.length} problem(s)\n  - ${problems.join("\n  - ")}`);
    }
    super("controlcore:s3:S3TenantPrefix", name, {}, opts);
    const { names, tags, dedicated } = args;
    const platform = S3PlatformSchema.parse(args.platform);
    const { accountId, region } = platform;
    this.layout = tenantLayout(names);
    this.retentionTags = retentionTags(args.backupRetentionDays);
    const bucket = dedicated ? dedicatedBucketName(names, accountId) : platform.sharedBucketName;

    this.principal = new TenantPrincipal(`${name}-principal`, { names, tags, platform }, { parent: this });

    const keyPolicy = this.principal.roleArn.apply((tenantRoleArn) =>
      policyJson(
        tenantKeyPolicy({
          accountId,
          region,
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
        description: `Control Core tenant ${names.id}: objects under ${this.layout.prefix}, secrets under ${names.secretsPrefix}`,
        keyUsage: "ENCRYPT_DECRYPT",
        customerMasterKeySpec: "SYMMETRIC_DEFAULT",
        enableKeyRotation: true,
        deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
        policy: keyPolicy,
        tags,
      },
      { parent: this },
    );
    this.keyAlias = new aws.kms.Alias(`${name}-key-alias`, { name: names.kmsAlias, targetKeyId: this.key.keyId }, { parent: this });

    this.dedicatedBucket = dedicated
      ? new TenantDedicatedBucket(
          `${name}-dedicated`,
          {
            bucketName: bucket,
            layout: this.layout,
            keyArn: this.key.arn,
            tenantRoleArn: this.principal.roleArn,
            backupRetentionDays: args.backupRetentionDays,
            retention: platform,
            tags,
            forceDestroy: args.forceDestroy ?? false,
          },
          { parent: this },
        )
      : undefined;

    const identityPolicy = this.key.arn.apply((keyArn) =>
      policyJson(
        tenantAccessPolicy({
          bucket,
          layout: this.layout,
          keyArn,
          region,
          // Only the shared bucket's lifecycle rules are keyed by tag.
          requiredRetentionTags: dedicated ? undefined : this.retentionTags,
        }),
      ),
    );
    new aws.iam.RolePolicy(
      `${name}-access-policy`,
      { name: ACCESS_POLICY_NAME, role: this.principal.roleName, policy: identityPolicy },
      { parent: this },
    );

    this.kmsKeyArn = this.key.arn;
    this.kmsKeyId = this.key.keyId;
    this.kmsAliasName = names.kmsAlias;
    this.principalRoleArn = this.principal.roleArn;
    this.principalRoleName = this.principal.roleName;
    this.bucketName = this.dedicatedBucket ? this.dedicatedBucket.bucketName : pulumi.output(bucket);
    this.bucketArn = this.dedicatedBucket ? this.dedicatedBucket.bucketArn : pulumi.output(bucketArn(bucket));
    const trust = this.principal.trustPolicy;
    this.policies = pulumi
      .all([identityPolicy, keyPolicy, this.dedicatedBucket?.policyJson])
      .apply(([identity, key, bucketPolicy]) => ({ identity, key, trust, ...(bucketPolicy ? { bucket: bucketPolicy } : {}) }));
    this.storageConfig = pulumi.all([this.bucketName, this.kmsKeyArn]).apply(([bucketName, kmsKeyArn]) => ({
      bucket: bucketName,
      region,
      dedicated,
      prefix: this.layout.prefix,
      paths: this.layout.paths,
      serverSideEncryption: SSE_KMS,
      kmsKeyArn,
      kmsAlias: names.kmsAlias,
      retentionTags: this.retentionTags,
    }));

    this.registerOutputs({
      kmsKeyArn: this.kmsKeyArn,
      kmsAliasName: this.kmsAliasName,
      principalRoleArn: this.principalRoleArn,
      bucketName: this.bucketName,
      prefix: this.layout.prefix,
      paths: this.layout.paths,
      policies: this.policies,
      storageConfig: this.storageConfig,
    });
  }
}
