/**
 * TenantDedicatedBucket: a bucket of one tenant's own (plans with `dedicated_resources`):
 * versioned, default-encrypted with the tenant key (S3 Bucket Keys on), public access blocked,
 * ACLs disabled (BucketOwnerEnforced), TLS 1.2+ only, every write SSE-KMS with the tenant key,
 * object data reserved to the tenant principal, a lifecycle configuration of its own, and server
 * access logging to the platform's log bucket under `access-logs/tenants/<id>/` (out of the
 * tenant's reach).
 *
 * Uses the non-deprecated @pulumi/aws 7 resources (`aws.s3.Bucket` and the separate
 * `BucketVersioning`, `BucketServerSideEncryptionConfiguration`, `BucketLifecycleConfiguration`,
 * ... rather than their `V2` aliases or inline bucket arguments).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { InputError, type Problem } from "../errors";
import type { RetentionSettings } from "./config";
import { accessLogPrefix, type TenantLayout } from "./layout";
import { dedicatedBucketLifecycleRules } from "./lifecycle";
import { dedicatedBucketPolicy, SSE_KMS } from "./policies";
import { policyJson } from "./policy-document";

export interface TenantDedicatedBucketArgs {
  /** Physical bucket name (`layout.dedicatedBucketName`, from naming.ts). */
  readonly bucketName: string;
  /** The tenant's key layout; lifecycle prefix rules use its temp/ and backups/ paths. */
  readonly layout: TenantLayout;
  /** ARN of the tenant's KMS key: default encryption and the only key writes may name. */
  readonly keyArn: pulumi.Input<string>;
  /** ARN of the tenant principal's role: the only principal allowed to read or write object data. */
  readonly tenantRoleArn: pulumi.Input<string>;
  /** Days backups/ objects are kept (the plan's `limits.backup_retention_days`). */
  readonly backupRetentionDays: number;
  /** temp/ expiry, noncurrent-version and incomplete-upload bounds (platform settings). */
  readonly retention: RetentionSettings;
  /**
   * The platform's server-access-log bucket (`platform.s3.accessLogBucket`): the bucket's
   * requests are logged there under `access-logs/tenants/<id>/`, partitioned by event date.
   */
  readonly accessLogBucket: string;
  /** Tags of the bucket (the tenant's `tenantTags`). */
  readonly tags: Record<string, string>;
  /**
   * Delete the bucket's objects and versions when the stack is destroyed. Security: data loss on
   * destroy; offboarding should export the tenant's data first.
   * @default false
   */
  readonly forceDestroy?: boolean;
}

/** The config key the access-log bucket comes from (problem paths name it). */
export const ACCESS_LOG_BUCKET_PATH = "platform.s3.accessLogBucket";

/**
 * Every problem with the access-log settings of a dedicated bucket (empty when valid): a plan with
 * `dedicated_resources` needs the platform's log bucket, and a bucket may not log into itself
 * (each delivered log object would be logged again).
 */
export function dedicatedBucketProblems(args: { readonly accessLogBucket?: string; readonly bucketName?: string }): Problem[] {
  if (args.accessLogBucket === undefined || args.accessLogBucket === "") {
    return [
      {
        path: ACCESS_LOG_BUCKET_PATH,
        message: "got nothing; expected the platform's server-access-log bucket, required when the plan has dedicated_resources (a dedicated bucket logs every request there)",
      },
    ];
  }
  if (args.bucketName !== undefined && args.accessLogBucket === args.bucketName) {
    return [
      {
        path: ACCESS_LOG_BUCKET_PATH,
        message: `got ${JSON.stringify(args.accessLogBucket)}, the dedicated bucket itself; expected the platform's log bucket (a bucket logging into itself logs its own log deliveries)`,
      },
    ];
  }
  return [];
}

export class TenantDedicatedBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  /** The bucket policy JSON, as applied. */
  readonly policyJson: pulumi.Output<string>;

  /** The server access logging configuration. */
  readonly accessLogging: aws.s3.BucketLogging;

  constructor(name: string, args: TenantDedicatedBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = dedicatedBucketProblems(args);
    if (problems.length > 0) throw new InputError(`TenantDedicatedBucket ${name} arguments`, problems);
    super("controlcore:s3:TenantDedicatedBucket", name, {}, opts);
    const { bucketName, tags } = args;
    const child = { parent: this };

    this.bucket = new aws.s3.Bucket(`${name}-bucket`, { bucket: bucketName, forceDestroy: args.forceDestroy ?? false, tags }, child);
    const ownership = new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      child,
    );
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access-block`,
      { bucket: this.bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      child,
    );
    const versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } },
      child,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: this.bucket.id,
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: SSE_KMS, kmsMasterKeyId: args.keyArn },
            // One data key per bucket and key instead of one KMS call per object.
            bucketKeyEnabled: true,
            blockedEncryptionTypes: ["SSE-C"],
          },
        ],
      },
      child,
    );
    this.policyJson = pulumi
      .all([args.keyArn, args.tenantRoleArn])
      .apply(([keyArn, tenantRoleArn]) => policyJson(dedicatedBucketPolicy({ bucket: bucketName, keyArn, tenantRoleArn })));
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      { bucket: this.bucket.id, policy: this.policyJson },
      // The public access block first, as AWS recommends, and ownership before any write.
      { parent: this, dependsOn: [publicAccessBlock, ownership] },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: this.bucket.id,
        rules: dedicatedBucketLifecycleRules(args.layout, args.backupRetentionDays, args.retention).map((r) => ({ ...r })),
      },
      // Noncurrent-version rules act on a versioned bucket.
      { parent: this, dependsOn: [versioning] },
    );

    // Server access logs: every request to the bucket (who, what, when, result), delivered by S3
    // to the platform's log bucket, whose policy must allow logging.s3.amazonaws.com
    // (serverAccessLogDeliveryStatement). Date-partitioned keys, for Athena.
    this.accessLogging = new aws.s3.BucketLogging(
      `${name}-access-logging`,
      {
        bucket: this.bucket.id,
        targetBucket: args.accessLogBucket,
        targetPrefix: accessLogPrefix(args.layout),
        targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
      },
      child,
    );

    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn, policy: this.policyJson });
  }
}
