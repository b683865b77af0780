/**
 * The platform's S3 section: the shared bucket every pooled tenant has a prefix in, the account
 * and region the tenant's key and role live in, the roles that administer tenant keys, the EKS
 * cluster whose pods assume the tenant role, and the fixed retention classes the platform's
 * shared lifecycle configuration implements. Nothing here is per tenant.
 */
import { z } from "zod";

const accountId = z.string().regex(/^\d{12}$/, "a 12-digit AWS account ID");

const region = z
  .string()
  .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "an AWS region code such as us-east-1");

const roleArn = z
  .string()
  .regex(
    /^arn:aws:iam::\d{12}:role\/[\w+=,.@\-/]{1,512}$/,
    "an IAM role ARN (arn:aws:iam::<account>:role/<name>) in the aws partition",
  );

/** S3 general purpose bucket names: 3-63 lowercase letters, digits, dots and hyphens. */
const bucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)");

const days = z.number().int().positive();

/** Platform inputs of the S3 isolation (config section `platform.s3`). */
export const S3PlatformSchema = z
  .strictObject({
    sharedBucketName: bucketName
      .default("control-core-tenant-data")
      .describe(
        "The platform's shared tenant-data bucket (the spec's control-core-tenant-data). Pooled tenants get the prefix tenants/<id>/ in it. The platform stack owns its bucket policy and lifecycle configuration; a tenant stack adds nothing to either.",
      ),
    accountId: accountId.describe("AWS account that holds the shared bucket, the tenant keys and the tenant roles."),
    region: region
      .default("us-east-1")
      .describe("Region of the tenant keys and buckets; decides the kms:ViaService values (s3.<region>.amazonaws.com)."),
    keyAdminRoleArn: roleArn.describe(
      "Platform role that administers tenant KMS keys (describe, enable, disable, rotate, tag, schedule deletion, put policy). It gets no data use of any tenant key.",
    ),
    deployerRoleArn: roleArn.describe(
      "Role the tenant stacks are deployed with. It administers the key like keyAdminRoleArn (so CreateKey passes KMS's lockout safety check) and may encrypt and decrypt through Secrets Manager only, to write the tenant's secrets whose values it already holds in Pulumi state.",
    ),
    delegateKeyAdministrationToAccount: z
      .boolean()
      .default(true)
      .describe(
        "Also name the account root in the key-administration statement, so that IAM policies in the account can grant key administration (never data use) and a deleted admin role cannot leave a key unmanageable. Security: set false to limit administration to the two roles above.",
      ),
    eksClusterName: z
      .string()
      .regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, "an EKS cluster name")
      .describe("EKS cluster whose tenant pods assume the tenant role through EKS Pod Identity."),
    accessLogBucket: bucketName
      .optional()
      .describe(
        "The platform's server-access-log bucket (same account and region as the tenant buckets). Every dedicated bucket logs its requests there under access-logs/tenants/<id>/, out of the tenant's reach. Required when a plan has dedicated_resources. The platform owns it: its bucket policy must let logging.s3.amazonaws.com put objects under access-logs/ (serverAccessLogDeliveryStatement), and its default encryption should be SSE-S3.",
      ),
    backupRetentionDays: z
      .array(days)
      .min(1)
      .default([30, 90])
      .describe(
        "Backup retention classes the shared bucket's lifecycle configuration implements (one tag-filtered rule each: retention-class=backup-<n>d). A pooled tenant's plan must use one of them.",
      ),
    tempExpirationDays: days.default(1).describe("Days after which objects under temp/ expire."),
    noncurrentVersionDays: days
      .default(30)
      .describe("Days a noncurrent object version is kept before it expires (bounds versioning storage)."),
    abortIncompleteMultipartDays: days.default(7).describe("Days after which incomplete multipart uploads are aborted."),
  })
  .describe("S3 isolation: shared bucket, tenant key administration, pod identity and retention classes.");

export type S3Platform = z.infer<typeof S3PlatformSchema>;

/** The retention settings the lifecycle rules are built from. */
export type RetentionSettings = Pick<
  S3Platform,
  "tempExpirationDays" | "noncurrentVersionDays" | "abortIncompleteMultipartDays"
>;
