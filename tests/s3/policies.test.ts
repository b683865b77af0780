/**
 * The S3 policy documents, built by the pure functions and compared as exact JSON: a change to
 * what a tenant may do shows here as a diff of the document.
 */
import { describe, expect, it } from "vitest";
import { tenantNames } from "../../components/naming";
import { tenantLayout } from "../../components/s3/layout";
import { retentionTags } from "../../components/s3/lifecycle";
import { dedicatedBucketPolicy, serverAccessLogDeliveryStatement, sharedBucketPolicy, tenantAccessPolicy } from "../../components/s3/policies";
import { POLICY_SIZE_LIMITS, policyDocument, policyJson } from "../../components/s3/policy-document";

const BUCKET = "control-core-tenant-data";
const KEY = "arn:aws:kms:us-east-1:000000000000:key/11111111-2222-4333-a444-555555555555";
const ROLE = "arn:aws:iam::000000000000:role/cc-tenant-acme";
const acme = tenantLayout(tenantNames("acme"));
const SSE = "s3:x-amz-server-side-encryption";
const SSE_KEY_ID = "s3:x-amz-server-side-encryption-aws-kms-key-id";
const TAG = "s3:RequestObjectTag/retention-class";

/**
 * The encryption denies, on `resource`: only headers a request carries are checked, so the parts
 * and completion of a multipart upload (which carry none) pass; `keyArn` undefined for the
 * tenant-free shared bucket policy.
 */
function encryptionDenies(resource: string, keyArn: string | undefined, principal?: "*") {
  const p = principal ? { Principal: principal } : {};
  return [
    {
      Sid: "DenyWritesNotSseKms",
      Effect: "Deny",
      Action: "s3:PutObject",
      Resource: resource,
      Condition: { StringNotEquals: { [SSE]: "aws:kms" }, Null: { [SSE]: "false" } },
      ...p,
    },
    {
      Sid: "DenyWritesSseKmsWithoutKeyId",
      Effect: "Deny",
      Action: "s3:PutObject",
      Resource: resource,
      Condition: { StringEquals: { [SSE]: "aws:kms" }, Null: { [SSE_KEY_ID]: "true" } },
      ...p,
    },
    ...(keyArn
      ? [
          {
            Sid: "DenyWritesWithOtherKey",
            Effect: "Deny",
            Action: "s3:PutObject",
            Resource: resource,
            Condition: { ArnNotEquals: { [SSE_KEY_ID]: keyArn }, Null: { [SSE_KEY_ID]: "false" } },
            ...p,
          },
        ]
      : []),
  ];
}

/** The retention-tag denies of the shared bucket: temp/ tagged `temp`, backups/ with the plan's class. */
function retentionDenies(temp: string, backups: string, backupClass: string) {
  const tagWrites = ["s3:PutObject", "s3:PutObjectTagging", "s3:PutObjectVersionTagging"];
  return [
    {
      Sid: "DenyTempWritesWithOtherRetentionTag",
      Effect: "Deny",
      Action: tagWrites,
      Resource: temp,
      Condition: { StringNotEquals: { [TAG]: "temp" }, Null: { [TAG]: "false" } },
    },
    {
      Sid: "DenyBackupWritesWithOtherRetentionTag",
      Effect: "Deny",
      Action: tagWrites,
      Resource: backups,
      Condition: { StringNotEquals: { [TAG]: backupClass }, Null: { [TAG]: "false" } },
    },
    {
      Sid: "DenyWritesWithoutRetentionTag",
      Effect: "Deny",
      Action: "s3:PutObject",
      Resource: [temp, backups],
      Condition: { Null: { [SSE]: "false", [TAG]: "true" } },
    },
    {
      Sid: "DenyTagChangesWithoutRetentionTag",
      Effect: "Deny",
      Action: ["s3:PutObjectTagging", "s3:PutObjectVersionTagging"],
      Resource: [temp, backups],
      Condition: { Null: { [TAG]: "true" } },
    },
  ];
}

const KEY_USE = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"];
const SERVICES = ["s3.us-east-1.amazonaws.com", "secretsmanager.us-east-1.amazonaws.com"];
const OWN = `arn:aws:s3:::${BUCKET}/tenants/acme/*`;

/** The statements both kinds of bucket share (bucket name as given). */
function coreStatements(bucket: string) {
  const own = `arn:aws:s3:::${bucket}/tenants/acme/*`;
  return [
    {
      Sid: "ListOwnPrefix",
      Effect: "Allow",
      Action: ["s3:ListBucket", "s3:ListBucketVersions"],
      Resource: `arn:aws:s3:::${bucket}`,
      Condition: { StringLike: { "s3:prefix": ["tenants/acme/", "tenants/acme/*"] } },
    },
    {
      Sid: "ReadWriteOwnObjects",
      Effect: "Allow",
      Action: [
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:GetObjectTagging",
        "s3:PutObject",
        "s3:PutObjectTagging",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
      ],
      Resource: own,
    },
    {
      Sid: "UseOwnKeyThroughServices",
      Effect: "Allow",
      Action: KEY_USE,
      Resource: KEY,
      Condition: { StringEquals: { "kms:ViaService": SERVICES } },
    },
    {
      Sid: "DenyListOutsideOwnPrefix",
      Effect: "Deny",
      Action: ["s3:ListBucket", "s3:ListBucketVersions"],
      Resource: `arn:aws:s3:::${bucket}`,
      Condition: { StringNotLike: { "s3:prefix": ["tenants/acme/", "tenants/acme/*"] } },
    },
    {
      Sid: "DenyObjectsOutsideOwnPrefix",
      Effect: "Deny",
      Action: [
        "s3:GetObject*",
        "s3:PutObject*",
        "s3:DeleteObject*",
        "s3:RestoreObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
        "s3:ReplicateObject",
        "s3:ReplicateDelete",
      ],
      NotResource: own,
    },
    ...encryptionDenies(own, KEY),
    { Sid: "DenyOtherKeys", Effect: "Deny", Action: KEY_USE, NotResource: KEY },
    {
      Sid: "DenyOwnKeyOutsideServices",
      Effect: "Deny",
      Action: KEY_USE,
      Resource: KEY,
      Condition: { StringNotEquals: { "kms:ViaService": SERVICES } },
    },
  ];
}

describe("tenantAccessPolicy (the tenant role's identity policy)", () => {
  it("in the shared bucket: own prefix and key only, SSE-KMS with the own key, retention tags under temp/ and backups/", () => {
    const doc = tenantAccessPolicy({ bucket: BUCKET, layout: acme, keyArn: KEY, region: "us-east-1", requiredRetentionTags: retentionTags(30) });
    expect(doc).toEqual({
      Version: "2012-10-17",
      Statement: [
        ...coreStatements(BUCKET),
        ...retentionDenies(`arn:aws:s3:::${BUCKET}/tenants/acme/temp/*`, `arn:aws:s3:::${BUCKET}/tenants/acme/backups/*`, "backup-30d"),
      ],
    });
  });

  it("in a dedicated bucket: the same confinement, no tag requirement (prefix lifecycle rules)", () => {
    const bucket = "cc-tenant-acme-000000000000";
    const doc = tenantAccessPolicy({ bucket, layout: acme, keyArn: KEY, region: "us-east-1" });
    expect(doc).toEqual({ Version: "2012-10-17", Statement: coreStatements(bucket) });
  });

  it("every Allow is confined to the tenant's prefix, its bucket or its key", () => {
    const doc = tenantAccessPolicy({ bucket: BUCKET, layout: acme, keyArn: KEY, region: "us-east-1", requiredRetentionTags: retentionTags(30) });
    const allowed = doc.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => [s.Resource].flat());
    expect(allowed).toEqual([`arn:aws:s3:::${BUCKET}`, OWN, KEY]);
  });

  it("fits a role's inline policy quota (10,240 characters) for the longest tenant ID and bucket name", () => {
    const id = `a${"b".repeat(30)}c`;
    const doc = tenantAccessPolicy({
      bucket: "b".repeat(63),
      layout: tenantLayout(tenantNames(id)),
      keyArn: KEY,
      region: "ap-southeast-2",
      requiredRetentionTags: retentionTags(3650),
    });
    const size = policyJson(doc).length;
    expect(size).toBeLessThan(POLICY_SIZE_LIMITS.roleInlinePolicies);
    // The quota is for all inline policies of the role together: leave 4 KB for others.
    expect(size).toBeLessThan(POLICY_SIZE_LIMITS.roleInlinePolicies - 4_096);
  });
});

describe("dedicatedBucketPolicy", () => {
  it("TLS 1.2+ only, every write SSE-KMS with the tenant key, object data for the tenant role only", () => {
    const bucket = "cc-tenant-acme-000000000000";
    const own = [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`];
    expect(dedicatedBucketPolicy({ bucket, keyArn: KEY, tenantRoleArn: ROLE })).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: own,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
        {
          Sid: "DenyOutdatedTls",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: own,
          Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
        },
        ...encryptionDenies(`arn:aws:s3:::${bucket}/*`, KEY, "*"),
        {
          Sid: "DenyObjectDataToOtherPrincipals",
          Effect: "Deny",
          Principal: "*",
          Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
          Resource: `arn:aws:s3:::${bucket}/*`,
          Condition: { ArnNotEquals: { "aws:PrincipalArn": ROLE } },
        },
      ],
    });
  });

  it("grants nothing (Deny only), so Block Public Access never sees it as public", () => {
    const doc = dedicatedBucketPolicy({ bucket: "cc-tenant-acme-000000000000", keyArn: KEY, tenantRoleArn: ROLE });
    expect(doc.Statement.map((s) => s.Effect)).toEqual(["Deny", "Deny", "Deny", "Deny", "Deny", "Deny"]);
  });
});

describe("sharedBucketPolicy (the platform's, exported for the platform stack)", () => {
  it("names no tenant and no tenant key: one size for any number of tenants", () => {
    const doc = sharedBucketPolicy(BUCKET);
    const json = policyJson(doc);
    expect(json).not.toMatch(/tenants\//);
    expect(json).not.toMatch(/arn:aws:kms/);
    expect(doc.Statement.map((s) => s.Sid)).toEqual(["DenyInsecureTransport", "DenyOutdatedTls", "DenyWritesNotSseKms", "DenyWritesSseKmsWithoutKeyId"]);
    expect(doc.Statement.slice(2)).toEqual(encryptionDenies(`arn:aws:s3:::${BUCKET}/*`, undefined, "*"));
    expect(json.length).toBeLessThan(POLICY_SIZE_LIMITS.bucketPolicy / 10);
  });
});

describe("serverAccessLogDeliveryStatement (for the platform's log bucket policy)", () => {
  it("lets only S3's logging service write under access-logs/, for buckets of this account named cc-tenant-*", () => {
    expect(serverAccessLogDeliveryStatement({ logBucket: "controlcore-access-logs", accountId: "000000000000", sourceBucketPattern: "cc-tenant-*" })).toEqual({
      Sid: "S3ServerAccessLogDelivery",
      Effect: "Allow",
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: "arn:aws:s3:::controlcore-access-logs/access-logs/*",
      Condition: {
        ArnLike: { "aws:SourceArn": "arn:aws:s3:::cc-tenant-*" },
        StringEquals: { "aws:SourceAccount": "000000000000" },
      },
    });
  });
});

describe("policyDocument", () => {
  it("refuses two statements with the same Sid", () => {
    const s = { Sid: "A", Effect: "Allow" as const, Action: "s3:GetObject", Resource: "*" };
    expect(() => policyDocument([s, s])).toThrow('policy document has two statements with Sid "A"');
  });
});
