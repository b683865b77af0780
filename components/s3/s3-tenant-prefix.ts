/**
 * S3TenantPrefix: the tenant's object storage. The tenant principal's identity policy confining
 * it to `tenants/<id>/` and its own key, and — for plans with dedicated resources — a dedicated
 * bucket (TenantDedicatedBucket). Pooled tenants live in the platform's shared bucket, to whose
 * policy and lifecycle configuration this component adds nothing.
 *
 * The key and the principal are the tenant's identity (`components/identity/`), received as
 * {@link S3TenantPrefixArgs.identity}, as CDK's `Bucket` takes an `encryptionKey`.
 *
 * Every document comes from a pure function (`policies.ts`, `lifecycle.ts`); this component only
 * wires them to resources.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { InputError, type Problem } from "../errors";
import type { TenantKeyAndPrincipal } from "../identity/tenant-identity";
import type { TenantNames } from "../naming";
import type { S3Platform } from "./config";
import { dedicatedBucketProblems, TenantDedicatedBucket } from "./dedicated-bucket";
import { bucketArn, dedicatedBucketName, type TenantLayout, tenantLayout } from "./layout";
import { backupRetentionClass, type RetentionTags, retentionTags } from "./lifecycle";
import { SSE_KMS, tenantAccessPolicy } from "./policies";
import { policyJson } from "./policy-document";

/** Name of the inline policy on the tenant role (scoped to the role, so the same for every tenant). */
export const ACCESS_POLICY_NAME = "controlcore-s3-tenant-access";

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
  /** The platform's S3 section (`platform.s3`), already validated. */
  readonly platform: S3Platform;
  /** The tenant's key (objects are SSE-KMS with it) and principal (granted the prefix): its TenantIdentity. */
  readonly identity: TenantKeyAndPrincipal;
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

/**
 * Every problem with the arguments (empty when valid). Paths are config keys: the plan's
 * `limits.backup_retention_days` against the platform's `platform.s3.backupRetentionDays`.
 */
export function s3TenantPrefixProblems(args: Pick<S3TenantPrefixArgs, "backupRetentionDays" | "dedicated" | "platform">): Problem[] {
  const days = args.backupRetentionDays;
  if (!Number.isInteger(days) || days < 1) {
    return [{ path: "limits.backup_retention_days", message: `got ${JSON.stringify(days)}; expected a positive whole number of days` }];
  }
  const classes = args.platform.backupRetentionDays;
  if (!args.dedicated && !classes.includes(days)) {
    return [
      {
        path: "limits.backup_retention_days",
        message: `got ${days}; expected one of the shared bucket's retention classes, ${classes.join(" or ")} days (platform.s3.backupRetentionDays): add ${days} there (tag ${backupRetentionClass(days)}) or use dedicated_resources`,
      },
    ];
  }
  // A dedicated bucket logs its requests to the platform's log bucket: platform.s3.accessLogBucket.
  return args.dedicated ? dedicatedBucketProblems({ accessLogBucket: args.platform.accessLogBucket }) : [];
}

export class S3TenantPrefix extends pulumi.ComponentResource {
  readonly dedicatedBucket: TenantDedicatedBucket | undefined;
  readonly layout: TenantLayout;
  readonly retentionTags: RetentionTags;
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  readonly policies: pulumi.Output<S3TenantPolicies>;
  /** What the application needs to read and write its objects (no credential in it). */
  readonly storageConfig: pulumi.Output<S3StorageConfig>;

  constructor(name: string, args: S3TenantPrefixArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before anything is registered: bad input must not leave half a tenant behind.
    const problems = s3TenantPrefixProblems(args);
    if (problems.length > 0) throw new InputError(`S3TenantPrefix ${name} arguments`, problems);
    super("controlcore:s3:S3TenantPrefix", name, {}, opts);
    const { names, tags, dedicated, platform, identity } = args;
    const { accountId, region } = platform;
    this.layout = tenantLayout(names);
    this.retentionTags = retentionTags(args.backupRetentionDays);
    const bucket = dedicated ? dedicatedBucketName(names, accountId) : platform.sharedBucketName;
    const keyArn = pulumi.output(identity.kmsKeyArn);

    this.dedicatedBucket = dedicated
      ? new TenantDedicatedBucket(
          `${name}-dedicated`,
          {
            bucketName: bucket,
            layout: this.layout,
            keyArn,
            tenantRoleArn: identity.principalRoleArn,
            backupRetentionDays: args.backupRetentionDays,
            retention: platform,
            accessLogBucket: platform.accessLogBucket ?? "",
            tags,
            forceDestroy: args.forceDestroy ?? false,
          },
          { parent: this },
        )
      : undefined;

    const identityPolicy = keyArn.apply((keyArn) =>
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
      { name: ACCESS_POLICY_NAME, role: identity.principalRoleName, policy: identityPolicy },
      { parent: this },
    );

    this.bucketName = this.dedicatedBucket ? this.dedicatedBucket.bucketName : pulumi.output(bucket);
    this.bucketArn = this.dedicatedBucket ? this.dedicatedBucket.bucketArn : pulumi.output(bucketArn(bucket));
    this.policies = pulumi
      .all([identityPolicy, this.dedicatedBucket?.policyJson])
      .apply(([identity, bucketPolicy]) => ({ identity, ...(bucketPolicy ? { bucket: bucketPolicy } : {}) }));
    this.storageConfig = pulumi.all([this.bucketName, keyArn]).apply(([bucketName, kmsKeyArn]) => ({
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
      bucketName: this.bucketName,
      prefix: this.layout.prefix,
      paths: this.layout.paths,
      policies: this.policies,
      storageConfig: this.storageConfig,
    });
  }
}
