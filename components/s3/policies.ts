/**
 * S3 policy documents, each built once by a pure function, one concern per document:
 *
 * - {@link tenantAccessPolicy}: the tenant principal's identity policy (inline on its role);
 * - {@link dedicatedBucketPolicy}: the bucket policy of a tenant's dedicated bucket;
 * - {@link sharedBucketPolicy}: the PLATFORM's shared-bucket policy, tenant-free, exported for
 *   the platform stack and for evaluating pooled requests as AWS would.
 *
 * Per-tenant rules live in the tenant's own identity policy, never in the shared bucket policy
 * (20 KB: one statement per tenant there would fail at about 50 tenants).
 */
import {
  KMS_KEY_USE_ACTIONS,
  S3_LIST_ACTIONS,
  S3_MULTIPART_CONTINUATION_OPERATIONS,
  S3_OBJECT_ALL_ACTIONS,
  S3_OBJECT_DATA_ACTIONS,
  S3_OBJECT_READ_WRITE_ACTIONS,
  S3_TAGGING_WRITE_ACTIONS,
} from "./actions";
import { bucketArn, objectArn, type TenantLayout, viaService } from "./layout";
import { RETENTION_CLASS_TAG, type RetentionTags } from "./lifecycle";
import { type IamPolicyDocument, type PolicyStatement, policyDocument } from "./policy-document";

/** The only server-side encryption a tenant write may ask for. */
export const SSE_KMS = "aws:kms";
/** Oldest TLS version the buckets accept. */
export const MIN_TLS_VERSION = "1.2";

const SSE_KEY = "s3:x-amz-server-side-encryption";
const SSE_KMS_KEY_ID_KEY = "s3:x-amz-server-side-encryption-aws-kms-key-id";
const CREATION_OPERATION_KEY = "s3:ObjectCreationOperation";

/** What the tenant's identity policy is built from. */
export interface TenantAccessPolicyInput {
  /** Bucket holding the tenant's prefix: the shared bucket, or the tenant's dedicated bucket. */
  readonly bucket: string;
  readonly layout: TenantLayout;
  /** ARN of the tenant's KMS key (key/..., not an alias: S3 compares the header literally). */
  readonly keyArn: string;
  readonly region: string;
  /**
   * Retention tags writes under temp/ and backups/ must carry. Set for the shared bucket, whose
   * platform lifecycle rules filter on them; omitted for a dedicated bucket (prefix rules).
   */
  readonly requiredRetentionTags?: RetentionTags;
}

/** Services through which the tenant may use its key. */
function keyServices(region: string): string[] {
  return [viaService("s3", region), viaService("secretsmanager", region)];
}

/**
 * Refuses `PutObject` unless `key` equals `value`, except for the parts and completion of a
 * multipart upload (they carry no such header; their `CreateMultipartUpload` was checked).
 * `StringNotEquals` is true when the key is absent, so a request without the header is refused.
 */
function denyPutUnless(sid: string, resource: string, key: string, value: string): PolicyStatement {
  return {
    Sid: sid,
    Effect: "Deny",
    Action: "s3:PutObject",
    Resource: resource,
    Condition: { StringNotEquals: { [key]: value, [CREATION_OPERATION_KEY]: [...S3_MULTIPART_CONTINUATION_OPERATIONS] } },
  };
}

/**
 * The tenant principal's identity policy.
 *
 * Allows: listing the bucket only with a prefix inside `tenants/<id>/`; object read, write and
 * delete under that prefix; use of the tenant key only through S3 and Secrets Manager.
 * Denies (so that no other policy attached to the role can widen it): listing with any other
 * prefix or none; any object outside the prefix, in any bucket; a write that is not SSE-KMS
 * with the tenant key; use of any other key, or of the tenant key outside those services; and,
 * in the shared bucket, a write under temp/ or backups/ without its retention tag.
 */
export function tenantAccessPolicy(input: TenantAccessPolicyInput): IamPolicyDocument {
  const { bucket, layout, keyArn, region } = input;
  const ownObjects = objectArn(bucket, `${layout.prefix}*`);
  const ownPrefixes = [layout.prefix, `${layout.prefix}*`];
  const statements: PolicyStatement[] = [
    {
      Sid: "ListOwnPrefix",
      Effect: "Allow",
      Action: [...S3_LIST_ACTIONS],
      Resource: bucketArn(bucket),
      Condition: { StringLike: { "s3:prefix": ownPrefixes } },
    },
    { Sid: "ReadWriteOwnObjects", Effect: "Allow", Action: [...S3_OBJECT_READ_WRITE_ACTIONS], Resource: ownObjects },
    {
      Sid: "UseOwnKeyThroughServices",
      Effect: "Allow",
      Action: [...KMS_KEY_USE_ACTIONS],
      Resource: keyArn,
      Condition: { StringEquals: { "kms:ViaService": keyServices(region) } },
    },
    {
      Sid: "DenyListOutsideOwnPrefix",
      Effect: "Deny",
      Action: [...S3_LIST_ACTIONS],
      Resource: bucketArn(bucket),
      Condition: { StringNotLike: { "s3:prefix": ownPrefixes } },
    },
    { Sid: "DenyObjectsOutsideOwnPrefix", Effect: "Deny", Action: [...S3_OBJECT_ALL_ACTIONS], NotResource: ownObjects },
    denyPutUnless("DenyWritesNotSseKms", ownObjects, SSE_KEY, SSE_KMS),
    denyPutUnless("DenyWritesWithOtherKey", ownObjects, SSE_KMS_KEY_ID_KEY, keyArn),
    { Sid: "DenyOtherKeys", Effect: "Deny", Action: [...KMS_KEY_USE_ACTIONS], NotResource: keyArn },
    {
      Sid: "DenyOwnKeyOutsideServices",
      Effect: "Deny",
      Action: [...KMS_KEY_USE_ACTIONS],
      Resource: keyArn,
      Condition: { StringNotEquals: { "kms:ViaService": keyServices(region) } },
    },
  ];
  const tags = input.requiredRetentionTags;
  if (tags) {
    statements.push(
      denyTaggingUnless("DenyTempWritesWithoutRetentionTag", objectArn(bucket, `${layout.paths.temp}*`), tags.temp),
      denyTaggingUnless("DenyBackupWritesWithoutRetentionTag", objectArn(bucket, `${layout.paths.backups}*`), tags.backups),
    );
  }
  return policyDocument(statements);
}

/**
 * Refuses writes (and tag changes) under `resource` unless they carry the retention tag. The
 * multipart exemption applies only to PutObject requests; tagging requests carry no
 * `s3:ObjectCreationOperation`, which a negated operator treats as "not equal", so they are
 * checked on the tag alone.
 */
function denyTaggingUnless(sid: string, resource: string, tag: Readonly<Record<string, string>>): PolicyStatement {
  const value = tag[RETENTION_CLASS_TAG];
  if (value === undefined) throw new Error(`retention tag ${JSON.stringify(tag)} has no ${RETENTION_CLASS_TAG} key`);
  return {
    Sid: sid,
    Effect: "Deny",
    Action: [...S3_TAGGING_WRITE_ACTIONS],
    Resource: resource,
    Condition: {
      StringNotEquals: {
        [`s3:RequestObjectTag/${RETENTION_CLASS_TAG}`]: value,
        [CREATION_OPERATION_KEY]: [...S3_MULTIPART_CONTINUATION_OPERATIONS],
      },
    },
  };
}

/** Denies plain HTTP and TLS older than {@link MIN_TLS_VERSION} on a bucket and its objects. */
function transportStatements(bucket: string): PolicyStatement[] {
  const resources = [bucketArn(bucket), objectArn(bucket, "*")];
  return [
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: resources,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
    {
      Sid: "DenyOutdatedTls",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: resources,
      Condition: { NumericLessThan: { "s3:TlsVersion": MIN_TLS_VERSION } },
    },
  ];
}

/** What a dedicated bucket's policy is built from. */
export interface DedicatedBucketPolicyInput {
  readonly bucket: string;
  readonly keyArn: string;
  /** The tenant principal's role ARN: the only principal that may read or write object data. */
  readonly tenantRoleArn: string;
}

/**
 * A tenant's dedicated bucket policy: TLS 1.2+ only; every write SSE-KMS with the tenant key
 * (whoever writes); object data read and written by the tenant principal only. Administration
 * (bucket configuration, listing, deleting objects when the bucket is retired) stays with IAM.
 */
export function dedicatedBucketPolicy(input: DedicatedBucketPolicyInput): IamPolicyDocument {
  const { bucket, keyArn, tenantRoleArn } = input;
  const objects = objectArn(bucket, "*");
  const anyone = (s: PolicyStatement): PolicyStatement => ({ ...s, Principal: "*" }) as PolicyStatement;
  return policyDocument([
    ...transportStatements(bucket),
    anyone(denyPutUnless("DenyWritesNotSseKms", objects, SSE_KEY, SSE_KMS)),
    anyone(denyPutUnless("DenyWritesWithOtherKey", objects, SSE_KMS_KEY_ID_KEY, keyArn)),
    {
      Sid: "DenyObjectDataToOtherPrincipals",
      Effect: "Deny",
      Principal: "*",
      Action: [...S3_OBJECT_DATA_ACTIONS],
      Resource: objects,
      Condition: { ArnNotEquals: { "aws:PrincipalArn": tenantRoleArn } },
    },
  ]);
}

/**
 * The shared bucket's policy, for the PLATFORM stack: TLS 1.2+ only and SSE-KMS on every write.
 * It names no tenant and no tenant key, so it is the same size for any number of tenants; each
 * tenant's key is enforced by that tenant's identity policy.
 */
export function sharedBucketPolicy(bucket: string): IamPolicyDocument {
  const anyone = (s: PolicyStatement): PolicyStatement => ({ ...s, Principal: "*" }) as PolicyStatement;
  return policyDocument([
    ...transportStatements(bucket),
    anyone(denyPutUnless("DenyWritesNotSseKms", objectArn(bucket, "*"), SSE_KEY, SSE_KMS)),
  ]);
}
