/**
 * S3 isolation claims under an IAM policy simulator: a tenant lists, reads and writes only its
 * own prefix, only with its own key, tags temp/ and backups/ writes with their retention class,
 * and a dedicated bucket refuses plain HTTP, other keys and other principals.
 *
 * Every document evaluated is taken from the RECORDED RESOURCE INPUTS of the program run under
 * mocks (role policy, key policy, trust policy, bucket policy exactly as they would be sent to
 * AWS), for two tenants whose IDs are a prefix of one another (`acme` = A, `acme-corp` = B), and
 * evaluated by @cloud-copilot/iam-simulate (AGPL-3.0, a dev dependency used only by these tests)
 * with identity and resource policies together (`helpers/simulate.ts`). Each refusal asserts its
 * kind: an explicit deny (and by which statements) or an implicit deny (nothing allows it).
 * The shared bucket's policy is the platform's (`sharedBucketPolicy`), not the tenant program's.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { sharedBucketPolicy } from "../../components/s3/policies";
import { ACCOUNT, ADMIN_ROLE_ARN, CUSTOM, PRO, REGION, runTenants, SHARED_BUCKET } from "./helpers/fixtures";
import {
  asAdmin,
  asTenant,
  bucketArn,
  type Ctx,
  expectExplicit,
  kmsAsTenant,
  kmsHeaders,
  obj,
  op,
  retentionTag,
  S3_VIA,
  sseKms,
  type Tenant,
  tenantFrom,
  tls,
} from "./helpers/requests";

/**
 * The requests of one multipart upload of `key` as S3 authorizes them (all as s3:PutObject): the
 * creation carries the encryption headers (and `tags`), the parts, a part copied from
 * `copySource` and the completion carry none.
 */
function multipartUpload(keyArn: string, copySource: string, tags: Ctx = {}): Array<[string, Ctx]> {
  return [
    ["CreateMultipartUpload", op.createMultipartUpload({ ...kmsHeaders(keyArn), ...tags })],
    ["UploadPart", op.uploadPart()],
    ["UploadPartCopy", op.uploadPartCopy(copySource)],
    ["CompleteMultipartUpload", op.completeMultipartUpload()],
  ];
}

/** A platform key as the platform might set it as the shared bucket's default: AWS's default key policy (delegates to IAM). */
const PLATFORM_DEFAULT_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/99999999-8888-4777-a666-555555555555`;
const AWS_DEFAULT_KEY_POLICY = {
  Version: "2012-10-17",
  Statement: [{ Sid: "EnableIamUserPermissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }],
};

describe("pooled tenants in the shared bucket (Pro)", () => {
  let A: Tenant;
  let B: Tenant;
  const shared = sharedBucketPolicy(SHARED_BUCKET);
  const aObj = (key: string) => obj(SHARED_BUCKET, `tenants/acme/${key}`);

  beforeAll(async () => {
    const run = await runTenants([PRO("acme"), PRO("acme-corp")]);
    A = tenantFrom(run.resources, "acme");
    B = tenantFrom(run.resources, "acme-corp");
    expect(A.bucket).toBe(SHARED_BUCKET);
    expect(B.bucket).toBe(SHARED_BUCKET);
  });

  describe("tenant A is allowed on its own prefix and key", () => {
    it.each(["tenants/acme/", "tenants/acme/policies/", "tenants/acme/backups/2025-"])("ListBucket with prefix %s", async (prefix) => {
      const d = await asTenant(A, "s3:ListBucket", bucketArn(SHARED_BUCKET), { "s3:prefix": prefix }, shared);
      expect(d.result).toBe("Allowed");
      expect(d.identityAllows).toEqual(["ListOwnPrefix"]);
    });

    it("GetObject and DeleteObject under its prefix", async () => {
      for (const action of ["s3:GetObject", "s3:DeleteObject", "s3:GetObjectVersion", "s3:DeleteObjectVersion"]) {
        const d = await asTenant(A, action, aObj("policies/p.rego"), {}, shared);
        expect(d.result, action).toBe("Allowed");
      }
    });

    it("PutObject with SSE-KMS and its own key ARN", async () => {
      const d = await asTenant(A, "s3:PutObject", aObj("policies/p.rego"), sseKms(A.keyArn), shared);
      expect(d.result).toBe("Allowed");
      expect(d.identityAllows).toEqual(["ReadWriteOwnObjects"]);
    });

    it("PutObject under temp/ and backups/ with the retention tag of its plan", async () => {
      const temp = await asTenant(A, "s3:PutObject", aObj("temp/t"), { ...sseKms(A.keyArn), "s3:RequestObjectTag/retention-class": "temp" }, shared);
      expect(temp.result).toBe("Allowed");
      const backup = await asTenant(
        A,
        "s3:PutObject",
        aObj("backups/b.dump"),
        { ...sseKms(A.keyArn), "s3:RequestObjectTag/retention-class": "backup-30d" },
        shared,
      );
      expect(backup.result).toBe("Allowed");
    });

    it.each([
      ["policies/big.tar", {}],
      ["backups/big.dump", retentionTag("backup-30d")],
      ["temp/big.tmp", retentionTag("temp")],
    ] as Array<[string, Ctx]>)("a multipart upload of %s: every request allowed by identity and shared bucket policy", async (key, tags) => {
      for (const [name, context] of multipartUpload(A.keyArn, `${SHARED_BUCKET}/tenants/acme/policies/part-source`, tags)) {
        const d = await asTenant(A, "s3:PutObject", aObj(key), context, shared);
        expect(d.result, name).toBe("Allowed");
        expect(d.identityAllows, name).toEqual(["ReadWriteOwnObjects"]);
      }
    });

    it("the simulation refuses to run on a request context AWS would never send", async () => {
      // The values the multipart test used to send: s3:ObjectCreationOperation is a Bool.
      await expect(
        asTenant(A, "s3:PutObject", aObj("backups/big"), { "s3:ObjectCreationOperation": "CreateMultipartUpload" }, shared),
      ).rejects.toThrow('"CreateMultipartUpload" is not a Bool value (s3:ObjectCreationOperation is Bool)');
      await expect(asTenant(A, "s3:GetObject", aObj("policies/p"), { "s3:x-amz-server-side-encryption": "aws:kms" }, shared)).rejects.toThrow(
        "s3:x-amz-server-side-encryption does not apply to s3:GetObject",
      );
    });

    it("CopyObject within its prefix with SSE-KMS and its key", async () => {
      const d = await asTenant(A, "s3:PutObject", aObj("policies/copy.rego"), op.copyObject(`${SHARED_BUCKET}/tenants/acme/policies/p.rego`, kmsHeaders(A.keyArn)), shared);
      expect(d.result).toBe("Allowed");
    });
  });

  describe("tenant A is refused on tenant B's prefix", () => {
    it.each(["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectVersion", "s3:PutObjectTagging"])(
      "%s on tenants/acme-corp/x: explicit deny",
      async (action) => {
        const context = action === "s3:PutObject" ? sseKms(A.keyArn) : {};
        const d = await asTenant(A, action, obj(SHARED_BUCKET, "tenants/acme-corp/x"), context, shared);
        expectExplicit(d, ["DenyObjectsOutsideOwnPrefix"]);
      },
    );

    it("even with B's key on the write: explicit deny", async () => {
      const d = await asTenant(A, "s3:PutObject", obj(SHARED_BUCKET, "tenants/acme-corp/x"), sseKms(B.keyArn), shared);
      expectExplicit(d, ["DenyObjectsOutsideOwnPrefix"]);
    });

    it("objects outside tenants/ and in other buckets: explicit deny", async () => {
      expectExplicit(await asTenant(A, "s3:GetObject", obj(SHARED_BUCKET, "platform/config.json"), {}, shared), ["DenyObjectsOutsideOwnPrefix"]);
      expectExplicit(await asTenant(A, "s3:GetObject", obj("some-other-bucket", "tenants/acme/x"), {}, undefined), ["DenyObjectsOutsideOwnPrefix"]);
    });
  });

  describe("tenant A cannot list outside its prefix", () => {
    it.each([
      ["B's prefix", "tenants/acme-corp/"],
      ["the tenants root", "tenants/"],
      ["its ID without the slash (would list acme-corp too)", "tenants/acme"],
      ["the bucket root", ""],
    ])("ListBucket with %s: explicit deny", async (_what, prefix) => {
      const d = await asTenant(A, "s3:ListBucket", bucketArn(SHARED_BUCKET), { "s3:prefix": prefix }, shared);
      expectExplicit(d, ["DenyListOutsideOwnPrefix"]);
    });

    it("ListBucket without a prefix: explicit deny", async () => {
      expectExplicit(await asTenant(A, "s3:ListBucket", bucketArn(SHARED_BUCKET), {}, shared), ["DenyListOutsideOwnPrefix"]);
    });

    it("ListBucketVersions with B's prefix: explicit deny", async () => {
      const d = await asTenant(A, "s3:ListBucketVersions", bucketArn(SHARED_BUCKET), { "s3:prefix": "tenants/acme-corp/" }, shared);
      expectExplicit(d, ["DenyListOutsideOwnPrefix"]);
    });
  });

  describe("tenant A's writes must use its own key, whichever operation creates the object", () => {
    const ALIAS = `arn:aws:kms:${REGION}:${ACCOUNT}:alias/controlcore/tenant/acme`;
    const creating = (headers: Ctx): Array<[string, Ctx]> => [
      ["PutObject", op.putObject(headers)],
      ["CreateMultipartUpload", op.createMultipartUpload(headers)],
      ["CopyObject", op.copyObject(`${SHARED_BUCKET}/tenants/acme/policies/p.rego`, headers)],
    ];
    it.each([
      ["SSE-S3 (AES256)", { "s3:x-amz-server-side-encryption": "AES256" }, ["DenyWritesNotSseKms"], ["DenyWritesNotSseKms"]],
      ["DSSE-KMS", { "s3:x-amz-server-side-encryption": "aws:kms:dsse" }, ["DenyWritesNotSseKms"], ["DenyWritesNotSseKms"]],
      ["aws:kms without a key ID (S3 would use aws/s3)", { "s3:x-amz-server-side-encryption": "aws:kms" }, ["DenyWritesSseKmsWithoutKeyId"], ["DenyWritesSseKmsWithoutKeyId"]],
      ["aws:kms with B's key ARN", "B", ["DenyWritesWithOtherKey"], []],
      ["aws:kms with its own key's alias instead of the ARN", kmsHeaders(ALIAS), ["DenyWritesWithOtherKey"], []],
    ] as Array<[string, Ctx | "B", string[], string[]]>)("%s: explicit deny on PutObject, CreateMultipartUpload and CopyObject", async (_what, headers, identity, bucket) => {
      for (const [name, context] of creating(headers === "B" ? kmsHeaders(B.keyArn) : headers)) {
        const d = await asTenant(A, "s3:PutObject", aObj("policies/p.rego"), context, shared);
        expect(d.result, name).toBe("ExplicitlyDenied");
        expect([...d.identityDenies].sort(), name).toEqual(identity);
        expect([...d.resourceDenies].sort(), name).toEqual(bucket);
      }
    });

    it("no encryption header at all: IAM cannot tell it from a completion, so S3 applies the bucket default — and the tenant may not use the platform's default key", async () => {
      // PutObject without headers has the same context as CompleteMultipartUpload: policies let it through...
      const put = await asTenant(A, "s3:PutObject", aObj("policies/p.rego"), op.putObject(), shared);
      expect(put.result).toBe("Allowed");
      // ...and S3 then encrypts with the shared bucket's default SSE-KMS key, calling KMS with the
      // tenant's permissions: refused by the tenant's own identity policy, even under a key policy
      // that delegates everything to IAM.
      const generate = await kmsAsTenant(A, "kms:GenerateDataKey", PLATFORM_DEFAULT_KEY, { "kms:ViaService": S3_VIA }, AWS_DEFAULT_KEY_POLICY);
      expectExplicit(generate, ["DenyOtherKeys"]);
    });
  });

  describe("retention: writes under temp/ and backups/ carry their class (no per-tenant lifecycle rule needed)", () => {
    it("temp/ with the encryption headers but without the tag: explicit deny", async () => {
      expectExplicit(await asTenant(A, "s3:PutObject", aObj("temp/t"), sseKms(A.keyArn), shared), ["DenyWritesWithoutRetentionTag"]);
    });

    it("a multipart upload of backups/ created without the tag: explicit deny on CreateMultipartUpload", async () => {
      const d = await asTenant(A, "s3:PutObject", aObj("backups/big"), op.createMultipartUpload(kmsHeaders(A.keyArn)), shared);
      expectExplicit(d, ["DenyWritesWithoutRetentionTag"]);
    });

    it("temp/ tagged as a backup (to keep it longer): explicit deny", async () => {
      const d = await asTenant(A, "s3:PutObject", aObj("temp/t"), { ...sseKms(A.keyArn), ...retentionTag("backup-90d") }, shared);
      expectExplicit(d, ["DenyTempWritesWithOtherRetentionTag"]);
    });

    it("backups/ with another plan's class (90 days on a 30-day plan), single-part or multipart: explicit deny", async () => {
      const single = await asTenant(A, "s3:PutObject", aObj("backups/b"), { ...sseKms(A.keyArn), ...retentionTag("backup-90d") }, shared);
      expectExplicit(single, ["DenyBackupWritesWithOtherRetentionTag"]);
      const multi = await asTenant(A, "s3:PutObject", aObj("backups/b"), op.createMultipartUpload({ ...kmsHeaders(A.keyArn), ...retentionTag("backup-90d") }), shared);
      expectExplicit(multi, ["DenyBackupWritesWithOtherRetentionTag"]);
    });

    it("re-tagging a backup with another class: explicit deny", async () => {
      const d = await asTenant(A, "s3:PutObjectTagging", aObj("backups/b"), retentionTag("keep"), shared);
      expectExplicit(d, ["DenyBackupWritesWithOtherRetentionTag"]);
    });

    it("replacing a temp object's tags with a set without the retention tag: explicit deny", async () => {
      const d = await asTenant(A, "s3:PutObjectTagging", aObj("temp/t"), { "s3:RequestObjectTag/owner": "team-a" }, shared);
      expectExplicit(d, ["DenyTagChangesWithoutRetentionTag"]);
    });

    it("re-tagging with its own class is allowed", async () => {
      expect((await asTenant(A, "s3:PutObjectTagging", aObj("temp/t"), retentionTag("temp"), shared)).result).toBe("Allowed");
    });

    it("removing the tags of a temp object: implicit deny (DeleteObjectTagging is not granted)", async () => {
      const d = await asTenant(A, "s3:DeleteObjectTagging", aObj("temp/t"), {}, shared);
      expect(d.result).toBe("ImplicitlyDenied");
    });
  });
});

describe("dedicated buckets (Custom)", () => {
  let A: Tenant;
  let B: Tenant;
  const aKey = (key: string) => obj(A.bucket, `tenants/acme/${key}`);

  beforeAll(async () => {
    const run = await runTenants([CUSTOM("acme"), CUSTOM("acme-corp")]);
    A = tenantFrom(run.resources, "acme");
    B = tenantFrom(run.resources, "acme-corp");
    expect(A.bucket).toBe(`cc-tenant-acme-${ACCOUNT}`);
    expect(A.bucketPolicy).toBeDefined();
  });

  it("A reads, writes (with its key) and lists its prefix in its bucket", async () => {
    expect((await asTenant(A, "s3:PutObject", aKey("policies/p"), sseKms(A.keyArn), A.bucketPolicy)).result).toBe("Allowed");
    expect((await asTenant(A, "s3:GetObject", aKey("policies/p"), {}, A.bucketPolicy)).result).toBe("Allowed");
    expect((await asTenant(A, "s3:ListBucket", bucketArn(A.bucket), { "s3:prefix": "tenants/acme/" }, A.bucketPolicy)).result).toBe("Allowed");
  });

  it("the bucket policy refuses plain HTTP: explicit deny, even for the tenant", async () => {
    const d = await asTenant(A, "s3:GetObject", aKey("policies/p"), { "aws:SecureTransport": "false" }, A.bucketPolicy);
    expectExplicit(d, [], ["DenyInsecureTransport"]);
  });

  it("the bucket policy refuses TLS 1.0: explicit deny", async () => {
    const d = await asTenant(A, "s3:GetObject", aKey("policies/p"), { "s3:TlsVersion": "1.0" }, A.bucketPolicy);
    expectExplicit(d, [], ["DenyOutdatedTls"]);
  });

  it("a multipart upload in its bucket: every request allowed by identity and bucket policy", async () => {
    for (const [name, context] of multipartUpload(A.keyArn, `${A.bucket}/tenants/acme/policies/part-source`)) {
      const d = await asTenant(A, "s3:PutObject", aKey("backups/big.dump"), context, A.bucketPolicy);
      expect(d.result, name).toBe("Allowed");
    }
  });

  it("a write without encryption headers is allowed: the bucket's default is SSE-KMS with A's key", async () => {
    expect((await asTenant(A, "s3:PutObject", aKey("policies/p"), op.putObject(), A.bucketPolicy)).result).toBe("Allowed");
  });

  it.each([
    ["SSE-S3 (AES256)", { "s3:x-amz-server-side-encryption": "AES256" }, "DenyWritesNotSseKms"],
    ["aws:kms without a key ID", { "s3:x-amz-server-side-encryption": "aws:kms" }, "DenyWritesSseKmsWithoutKeyId"],
    ["another tenant's key", "B", "DenyWritesWithOtherKey"],
    ["its key's alias", kmsHeaders(`arn:aws:kms:${REGION}:${ACCOUNT}:alias/controlcore/tenant/acme`), "DenyWritesWithOtherKey"],
  ] as Array<[string, Ctx | "B", string]>)("a write with %s is refused by both the identity and the bucket policy, single-part or multipart", async (_what, headers, sid) => {
    const h = headers === "B" ? kmsHeaders(B.keyArn) : headers;
    for (const context of [op.putObject(h), op.createMultipartUpload(h)]) {
      expectExplicit(await asTenant(A, "s3:PutObject", aKey("policies/p"), context, A.bucketPolicy), [sid], [sid]);
    }
  });

  it("B's principal is refused in A's bucket by both policies", async () => {
    const d = await asTenant(B, "s3:GetObject", aKey("policies/p"), {}, A.bucketPolicy);
    expectExplicit(d, ["DenyObjectsOutsideOwnPrefix"], ["DenyObjectDataToOtherPrincipals"]);
  });

  it("an administrator with AdministratorAccess cannot read or write A's objects: explicit deny", async () => {
    const read = await asAdmin(ADMIN_ROLE_ARN, "s3:GetObject", aKey("policies/p"), tls(ADMIN_ROLE_ARN), A.bucketPolicy);
    expectExplicit(read, [], ["DenyObjectDataToOtherPrincipals"]);
    const write = await asAdmin(ADMIN_ROLE_ARN, "s3:PutObject", aKey("policies/p"), { ...tls(ADMIN_ROLE_ARN), ...sseKms(A.keyArn) }, A.bucketPolicy);
    expectExplicit(write, [], ["DenyObjectDataToOtherPrincipals"]);
  });

  it("the dedicated tenant uses its key through S3 for its bucket", async () => {
    const d = await kmsAsTenant(A, "kms:GenerateDataKey", A.keyArn, { "kms:ViaService": S3_VIA }, A.keyPolicy);
    expect(d.result).toBe("Allowed");
  });
});
