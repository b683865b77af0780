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
  expectExplicit,
  kmsAsTenant,
  obj,
  S3_VIA,
  sseKms,
  type Tenant,
  tenantFrom,
  tls,
} from "./helpers/requests";

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

    it("a multipart upload: created with SSE-KMS and its key, parts and completion carry no headers", async () => {
      const create = await asTenant(A, "s3:PutObject", aObj("backups/big"), {
        ...sseKms(A.keyArn),
        "s3:ObjectCreationOperation": "CreateMultipartUpload",
        "s3:RequestObjectTag/retention-class": "backup-30d",
      }, shared);
      expect(create.result).toBe("Allowed");
      for (const op of ["UploadPart", "CompleteMultipartUpload"]) {
        const d = await asTenant(A, "s3:PutObject", aObj("backups/big"), { "s3:ObjectCreationOperation": op }, undefined);
        expect(d.result, op).toBe("Allowed");
      }
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

  describe("tenant A's writes must use its own key", () => {
    it("PutObject without any encryption header: explicit deny (identity and shared bucket policy)", async () => {
      const d = await asTenant(A, "s3:PutObject", aObj("policies/p.rego"), { "s3:ObjectCreationOperation": "PutObject" }, shared);
      expectExplicit(d, ["DenyWritesNotSseKms", "DenyWritesWithOtherKey"], ["DenyWritesNotSseKms"]);
    });

    it("PutObject with SSE-S3 (AES256): explicit deny", async () => {
      const d = await asTenant(A, "s3:PutObject", aObj("policies/p.rego"), {
        "s3:ObjectCreationOperation": "PutObject",
        "s3:x-amz-server-side-encryption": "AES256",
      }, shared);
      expectExplicit(d, ["DenyWritesNotSseKms", "DenyWritesWithOtherKey"], ["DenyWritesNotSseKms"]);
    });

    it("PutObject with aws:kms and no key ID (the bucket's default key): explicit deny", async () => {
      const d = await asTenant(A, "s3:PutObject", aObj("policies/p.rego"), {
        "s3:ObjectCreationOperation": "PutObject",
        "s3:x-amz-server-side-encryption": "aws:kms",
      }, shared);
      expectExplicit(d, ["DenyWritesWithOtherKey"]);
    });

    it("PutObject with aws:kms and B's key ARN: explicit deny", async () => {
      const d = await asTenant(A, "s3:PutObject", aObj("policies/p.rego"), sseKms(B.keyArn), shared);
      expectExplicit(d, ["DenyWritesWithOtherKey"]);
    });

    it("PutObject with its key's alias instead of its ARN: explicit deny (S3 compares the ARN)", async () => {
      const d = await asTenant(A, "s3:PutObject", aObj("policies/p.rego"), sseKms(`arn:aws:kms:${REGION}:${ACCOUNT}:alias/controlcore/tenant/acme`), shared);
      expectExplicit(d, ["DenyWritesWithOtherKey"]);
    });

    it("a multipart upload created without SSE: explicit deny on CreateMultipartUpload", async () => {
      const d = await asTenant(A, "s3:PutObject", aObj("backups/big"), {
        "s3:ObjectCreationOperation": "CreateMultipartUpload",
        "s3:RequestObjectTag/retention-class": "backup-30d",
      }, shared);
      expectExplicit(d, ["DenyWritesNotSseKms", "DenyWritesWithOtherKey"], ["DenyWritesNotSseKms"]);
    });
  });

  describe("retention: writes under temp/ and backups/ carry their class (no per-tenant lifecycle rule needed)", () => {
    it("temp/ without the tag: explicit deny", async () => {
      expectExplicit(await asTenant(A, "s3:PutObject", aObj("temp/t"), sseKms(A.keyArn), shared), ["DenyTempWritesWithoutRetentionTag"]);
    });

    it("temp/ tagged as a backup (to keep it longer): explicit deny", async () => {
      const d = await asTenant(A, "s3:PutObject", aObj("temp/t"), { ...sseKms(A.keyArn), "s3:RequestObjectTag/retention-class": "backup-90d" }, shared);
      expectExplicit(d, ["DenyTempWritesWithoutRetentionTag"]);
    });

    it("backups/ with another plan's class (90 days on a 30-day plan): explicit deny", async () => {
      const d = await asTenant(A, "s3:PutObject", aObj("backups/b"), { ...sseKms(A.keyArn), "s3:RequestObjectTag/retention-class": "backup-90d" }, shared);
      expectExplicit(d, ["DenyBackupWritesWithoutRetentionTag"]);
    });

    it("re-tagging a backup with another class: explicit deny", async () => {
      const d = await asTenant(A, "s3:PutObjectTagging", aObj("backups/b"), { "s3:RequestObjectTag/retention-class": "keep" }, shared);
      expectExplicit(d, ["DenyBackupWritesWithoutRetentionTag"]);
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

  it("a write with another key is refused by both the identity and the bucket policy", async () => {
    const d = await asTenant(A, "s3:PutObject", aKey("policies/p"), sseKms(B.keyArn), A.bucketPolicy);
    expectExplicit(d, ["DenyWritesWithOtherKey"], ["DenyWritesWithOtherKey"]);
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
