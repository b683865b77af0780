/**
 * Action lists as named constants (after AWS CDK's `aws-s3/lib/perms.ts`): every policy in this
 * area names one of these lists, so a grant reads as what it is for and a change to what a
 * tenant may do is a change in one place.
 *
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html
 */

/** Listing the bucket; always with an `s3:prefix` condition for a tenant. */
export const S3_LIST_ACTIONS = ["s3:ListBucket", "s3:ListBucketVersions"] as const;

/**
 * What a tenant may do with objects under its own prefix. Tagging is limited to adding tags
 * (`PutObjectTagging`, needed to tag on upload); removing tags (`DeleteObjectTagging`) is not
 * granted because the retention-class tag decides when temp/ and backups/ objects expire.
 */
export const S3_OBJECT_READ_WRITE_ACTIONS = [
  "s3:GetObject",
  "s3:GetObjectVersion",
  "s3:GetObjectTagging",
  "s3:PutObject",
  "s3:PutObjectTagging",
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
  "s3:AbortMultipartUpload",
  "s3:ListMultipartUploadParts",
] as const;

/**
 * Every object-level action family, for the deny that keeps a tenant role off every object
 * outside its prefix whatever else is attached to the role.
 */
export const S3_OBJECT_ALL_ACTIONS = [
  "s3:GetObject*",
  "s3:PutObject*",
  "s3:DeleteObject*",
  "s3:RestoreObject",
  "s3:AbortMultipartUpload",
  "s3:ListMultipartUploadParts",
  "s3:ReplicateObject",
  "s3:ReplicateDelete",
] as const;

/**
 * Actions that set an object's tags (checked against the retention-class tag): on upload
 * (`PutObject` with `x-amz-tagging`, which S3 also authorizes as `s3:PutObjectTagging`) and
 * afterwards.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/tagging-managing.html
 */
export const S3_TAGGING_WRITE_ACTIONS = ["s3:PutObject", "s3:PutObjectTagging", "s3:PutObjectVersionTagging"] as const;

/** Actions that replace an object's whole tag set (they always carry the new set). */
export const S3_TAG_SET_ACTIONS = ["s3:PutObjectTagging", "s3:PutObjectVersionTagging"] as const;

/** Reading an object's data: what a dedicated bucket reserves for the tenant principal. */
export const S3_OBJECT_DATA_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"] as const;

/** Data use of a symmetric key (what S3 and Secrets Manager call on the tenant's behalf). */
export const KMS_KEY_USE_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"] as const;

/** What Secrets Manager needs to write (GenerateDataKey) and read back (Decrypt) a secret. */
export const KMS_SECRETS_WRITER_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"] as const;

/**
 * Key administration without data use. Unlike CDK's default admin list this names
 * `kms:CreateAlias` instead of `kms:Create*`: `kms:CreateGrant` would let an administrator grant
 * itself Decrypt. Administration still includes `kms:PutKeyPolicy`, which is what administering
 * a key means; watch it in CloudTrail.
 */
export const KMS_ADMIN_ACTIONS = [
  "kms:CreateAlias",
  "kms:Describe*",
  "kms:Enable*",
  "kms:List*",
  "kms:Put*",
  "kms:Update*",
  "kms:Revoke*",
  "kms:Disable*",
  "kms:Get*",
  "kms:Delete*",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
  "kms:RotateKeyOnDemand",
] as const;

/** What EKS Pod Identity calls on the tenant role's trust policy. */
export const POD_IDENTITY_TRUST_ACTIONS = ["sts:AssumeRole", "sts:TagSession"] as const;
