/**
 * KMS and principal isolation claims under an IAM policy simulator: a tenant uses only its own
 * key and only through S3 and Secrets Manager; its key policy lets in its principal and no other
 * tenant's; administrators administer keys without data use; only the tenant's pods assume its
 * role.
 *
 * Every document evaluated is taken from the RECORDED RESOURCE INPUTS of the program run under
 * mocks (role policy, key policy, trust policy, bucket policy exactly as they would be sent to
 * AWS), for two tenants whose IDs are a prefix of one another (`acme` = A, `acme-corp` = B), and
 * evaluated by @cloud-copilot/iam-simulate (AGPL-3.0, a dev dependency used only by these tests)
 * with identity and resource policies together (`helpers/simulate.ts`). Each refusal asserts its
 * kind: an explicit deny (and by which statements) or an implicit deny (nothing allows it).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT, ADMIN_ROLE_ARN, CLUSTER, DEPLOYER_ROLE_ARN, PRO, REGION, runTenants, SHARED_BUCKET } from "./helpers/fixtures";
import {
  asAdmin,
  type Ctx,
  expectExplicit,
  kmsAsTenant,
  obj,
  S3_VIA,
  SECRETS_VIA,
  type Tenant,
  tenantFrom,
} from "./helpers/requests";
import { simulate } from "./helpers/simulate";

describe("two pooled tenants' keys and principals (Pro)", () => {
  let A: Tenant;
  let B: Tenant;

  beforeAll(async () => {
    const run = await runTenants([PRO("acme"), PRO("acme-corp")]);
    A = tenantFrom(run.resources, "acme");
    B = tenantFrom(run.resources, "acme-corp");
    expect(A.bucket).toBe(SHARED_BUCKET);
    expect(B.bucket).toBe(SHARED_BUCKET);
  });

  describe("tenant A uses its own key through S3 and Secrets Manager", () => {
    it.each(["kms:GenerateDataKey", "kms:Decrypt", "kms:Encrypt"])("%s on its key through S3", async (action) => {
      const d = await kmsAsTenant(A, action, A.keyArn, { "kms:ViaService": S3_VIA }, A.keyPolicy);
      expect(d.result).toBe("Allowed");
      expect(d.resourceAllows).toEqual(["TenantUseThroughS3"]);
      expect(d.identityAllows).toEqual(["UseOwnKeyThroughServices"]);
    });

    it("kms:Decrypt and GenerateDataKey on its key through Secrets Manager", async () => {
      for (const action of ["kms:Decrypt", "kms:GenerateDataKey"]) {
        const d = await kmsAsTenant(A, action, A.keyArn, { "kms:ViaService": SECRETS_VIA }, A.keyPolicy);
        expect(d.result, action).toBe("Allowed");
        expect(d.resourceAllows).toEqual(["TenantUseThroughSecretsManager"]);
      }
    });
  });

  describe("tenant A's key use is confined to its key, through S3 and Secrets Manager", () => {
    it("kms:Decrypt and GenerateDataKey on B's key (B's key policy), even through S3: explicit deny", async () => {
      for (const action of ["kms:Decrypt", "kms:GenerateDataKey"]) {
        const d = await kmsAsTenant(A, action, B.keyArn, { "kms:ViaService": S3_VIA }, B.keyPolicy);
        expectExplicit(d, ["DenyOtherKeys"]);
        expect(d.analysis.resourceAnalysis?.result, action).toBe("ImplicitlyDenied");
      }
    });

    it("kms:Decrypt on its own key called directly (no kms:ViaService): explicit deny, and the key policy allows nothing", async () => {
      const d = await kmsAsTenant(A, "kms:Decrypt", A.keyArn, {}, A.keyPolicy);
      expectExplicit(d, ["DenyOwnKeyOutsideServices"]);
      expect(d.analysis.resourceAnalysis?.result).toBe("ImplicitlyDenied");
    });

    it("kms:Decrypt on its own key through another service (EBS): explicit deny", async () => {
      const d = await kmsAsTenant(A, "kms:Decrypt", A.keyArn, { "kms:ViaService": `ec2.${REGION}.amazonaws.com` }, A.keyPolicy);
      expectExplicit(d, ["DenyOwnKeyOutsideServices"]);
    });

    it("B's key policy alone does not let A's principal in, even through S3: implicit deny", async () => {
      const d = await simulate({
        principal: A.session,
        action: "kms:Decrypt",
        resource: B.keyArn,
        resourceAccount: ACCOUNT,
        context: { "aws:PrincipalArn": A.roleArn, "kms:CallerAccount": ACCOUNT, "kms:ViaService": S3_VIA },
        resourcePolicy: B.keyPolicy,
      });
      expect(d.result).toBe("ImplicitlyDenied");
      expect(d.resourceAllows).toEqual([]);
    });
  });

  describe("A's key policy on its own: A's principal versus B's principal", () => {
    const viaS3 = (t: Tenant): Ctx => ({ "aws:PrincipalArn": t.roleArn, "kms:CallerAccount": ACCOUNT, "kms:ViaService": S3_VIA });
    const keyOnly = (t: Tenant) =>
      simulate({ principal: t.session, action: "kms:Decrypt", resource: A.keyArn, resourceAccount: ACCOUNT, context: viaS3(t), resourcePolicy: A.keyPolicy });

    it("A's principal, with no identity policy at all: allowed by the key policy", async () => {
      const d = await keyOnly(A);
      expect(d.result).toBe("Allowed");
      expect(d.resourceAllows).toEqual(["TenantUseThroughS3"]);
    });

    it("B's principal, with no identity policy: implicit deny (not named)", async () => {
      const d = await keyOnly(B);
      expect(d.result).toBe("ImplicitlyDenied");
      expect(d.resourceAllows).toEqual([]);
    });

    it("B's principal with its own identity policy: explicit deny", async () => {
      const d = await kmsAsTenant(B, "kms:Decrypt", A.keyArn, viaS3(B), A.keyPolicy);
      expectExplicit(d, ["DenyOtherKeys"]);
    });
  });

  describe("administrators administer the key but cannot use it", () => {
    const s3Context = (): Ctx => ({ "kms:ViaService": S3_VIA, "kms:CallerAccount": ACCOUNT });

    it("the platform admin role (AdministratorAccess) decrypting A's data, through S3 or directly: implicit deny", async () => {
      for (const context of [s3Context(), { "kms:CallerAccount": ACCOUNT }]) {
        const d = await asAdmin(ADMIN_ROLE_ARN, "kms:Decrypt", A.keyArn, context, A.keyPolicy);
        expect(d.result).toBe("ImplicitlyDenied");
        expect(d.identityAllows.length).toBe(1);
        expect(d.resourceAllows).toEqual([]);
      }
    });

    it("the admin role cannot grant itself use (kms:CreateGrant): implicit deny", async () => {
      expect((await asAdmin(ADMIN_ROLE_ARN, "kms:CreateGrant", A.keyArn, {}, A.keyPolicy)).result).toBe("ImplicitlyDenied");
    });

    it("the admin role and the deployer can administer (no lockout): DescribeKey, PutKeyPolicy, ScheduleKeyDeletion", async () => {
      for (const role of [ADMIN_ROLE_ARN, DEPLOYER_ROLE_ARN]) {
        for (const action of ["kms:DescribeKey", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:EnableKeyRotation"]) {
          const d = await simulate({
            principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${role.split("/").pop()}/s`,
            action,
            resource: A.keyArn,
            resourceAccount: ACCOUNT,
            resourcePolicy: A.keyPolicy,
          });
          expect(d.result, `${role} ${action}`).toBe("Allowed");
          expect(d.resourceAllows).toEqual(["KeyAdministration"]);
        }
      }
    });

    it("any other admin of the account may administer through IAM (root delegation) but not decrypt", async () => {
      const other = `arn:aws:iam::${ACCOUNT}:role/some-account-admin`;
      expect((await asAdmin(other, "kms:PutKeyPolicy", A.keyArn, {}, A.keyPolicy)).result).toBe("Allowed");
      expect((await asAdmin(other, "kms:Decrypt", A.keyArn, s3Context(), A.keyPolicy)).result).toBe("ImplicitlyDenied");
    });

    it("the deployer may write and read A's secrets through Secrets Manager only", async () => {
      const via = (service: string): Ctx => ({ "kms:ViaService": service, "kms:CallerAccount": ACCOUNT });
      for (const action of ["kms:GenerateDataKey", "kms:Decrypt"]) {
        const d = await asAdmin(DEPLOYER_ROLE_ARN, action, A.keyArn, via(SECRETS_VIA), A.keyPolicy);
        expect(d.result, action).toBe("Allowed");
        expect(d.resourceAllows).toEqual(["DeployerWritesTenantSecrets"]);
      }
      expect((await asAdmin(DEPLOYER_ROLE_ARN, "kms:Decrypt", A.keyArn, via(S3_VIA), A.keyPolicy)).result).toBe("ImplicitlyDenied");
      expect((await asAdmin(DEPLOYER_ROLE_ARN, "kms:Encrypt", A.keyArn, via(SECRETS_VIA), A.keyPolicy)).result).toBe("ImplicitlyDenied");
      expect((await asAdmin(DEPLOYER_ROLE_ARN, "kms:Decrypt", A.keyArn, { "kms:CallerAccount": ACCOUNT }, A.keyPolicy)).result).toBe("ImplicitlyDenied");
    });
  });

  describe("the trust policy: only the tenant's pods, through EKS Pod Identity", () => {
    const clusterArn = `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`;
    const assume = (t: Tenant, principal: string, ns: string, sa: string, cluster = clusterArn, action = "sts:AssumeRole") =>
      simulate({
        principal,
        action,
        resource: t.roleArn,
        resourceAccount: ACCOUNT,
        context: {
          "aws:RequestTag/eks-cluster-arn": cluster,
          "aws:RequestTag/kubernetes-namespace": ns,
          "aws:RequestTag/kubernetes-service-account": sa,
        },
        resourcePolicy: t.trust,
      });

    it("A's ServiceAccount in A's namespace assumes A's role (AssumeRole and TagSession)", async () => {
      for (const action of ["sts:AssumeRole", "sts:TagSession"]) {
        expect((await assume(A, "pods.eks.amazonaws.com", "tenant-acme", "tenant-acme", clusterArn, action)).result).toBe("Allowed");
      }
    });

    it.each([
      ["B's namespace and ServiceAccount", "tenant-acme-corp", "tenant-acme-corp", undefined],
      ["A's namespace, another ServiceAccount", "tenant-acme", "default", undefined],
      ["another cluster", "tenant-acme", "tenant-acme", `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/other`],
    ])("%s cannot assume A's role: implicit deny", async (_what, ns, sa, cluster) => {
      expect((await assume(A, "pods.eks.amazonaws.com", ns, sa, cluster ?? clusterArn)).result).toBe("ImplicitlyDenied");
    });

    it("A's pods cannot assume B's role; no other principal can assume A's", async () => {
      expect((await assume(B, "pods.eks.amazonaws.com", "tenant-acme", "tenant-acme")).result).toBe("ImplicitlyDenied");
      expect((await assume(A, "ec2.amazonaws.com", "tenant-acme", "tenant-acme")).result).toBe("ImplicitlyDenied");
    });
  });
});

describe("what the simulator cannot evaluate (pinned, so a change in the simulator shows up here)", () => {
  it("drops kms:EncryptionContext:<key> context keys: the key policy therefore does not rely on them", async () => {
    const run = await runTenants([PRO("acme")]);
    const A = tenantFrom(run.resources, "acme");
    await expect(
      kmsAsTenant(A, "kms:Decrypt", A.keyArn, { "kms:ViaService": S3_VIA, "kms:EncryptionContext:aws:s3:arn": obj(SHARED_BUCKET, "tenants/acme/x") }, A.keyPolicy),
    ).rejects.toThrow("simulator ignored context keys kms:EncryptionContext:aws:s3:arn for kms:Decrypt");
  });
});
