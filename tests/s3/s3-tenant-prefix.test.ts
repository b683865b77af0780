/**
 * S3TenantPrefix under Pulumi mocks: exact child types, names, parents and inputs for a pooled
 * (Pro) and a dedicated (Custom) tenant; the documents applied are the pure functions' output
 * for the recorded ARNs; tags everywhere; nothing that names another tenant.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { MockRun, RecordedResource } from "../../cli/engine/mock-engine";
import { tenantNames } from "../../components/naming";
import { tenantKeyPolicy } from "../../components/s3/kms-policy";
import { tenantLayout } from "../../components/s3/layout";
import { retentionTags } from "../../components/s3/lifecycle";
import { dedicatedBucketPolicy, tenantAccessPolicy } from "../../components/s3/policies";
import { policyJson } from "../../components/s3/policy-document";
import { podIdentityTrustPolicy } from "../../components/identity/principal";
import {
  ACCESS_LOG_BUCKET,
  ACCOUNT,
  ADMIN_ROLE_ARN,
  CLUSTER,
  CUSTOM,
  DEPLOYER_ROLE_ARN,
  PLATFORM,
  PRO,
  REGION,
  runTenants,
  SHARED_BUCKET,
  subtree,
  type TenantOutputs,
  logsAndAlarmsStatements,
  tagsFor,
  one,
} from "./helpers/fixtures";

type Run = MockRun<Record<string, TenantOutputs>>;

/** `[type, name, parent name]` of every resource, sorted by name. */
function shape(resources: readonly RecordedResource[], all = resources): Array<[string, string, string]> {
  const byUrn = new Map(all.map((r) => [r.urn, r.name]));
  return resources
    .map((r): [string, string, string] => [r.type, r.name, byUrn.get(r.parent ?? "") ?? "(stack)"])
    .sort((a, b) => a[1].localeCompare(b[1]));
}

const TAGGABLE = new Set(["aws:iam/role:Role", "aws:eks/podIdentityAssociation:PodIdentityAssociation", "aws:kms/key:Key", "aws:s3/bucket:Bucket"]);

describe("pooled tenant (Pro: prefix in the shared bucket)", () => {
  let run: Run;
  let tree: RecordedResource[];
  let all: RecordedResource[];
  beforeAll(async () => {
    run = await runTenants([PRO("acme")]);
    tree = subtree(run.resources, "t-acme-s3");
    all = [...subtree(run.resources, "t-acme-identity"), ...tree];
  });

  it("creates only the role policy; the key, alias and principal are the tenant's identity, received", () => {
    expect(shape(tree)).toEqual([
      ["controlcore:s3:S3TenantPrefix", "t-acme-s3", "(stack)"],
      ["aws:iam/rolePolicy:RolePolicy", "t-acme-s3-access-policy", "t-acme-s3"],
    ]);
    expect(shape(subtree(run.resources, "t-acme-identity"))).toEqual([
      ["controlcore:identity:TenantIdentity", "t-acme-identity", "(stack)"],
      ["aws:kms/key:Key", "t-acme-identity-key", "t-acme-identity"],
      ["aws:kms/alias:Alias", "t-acme-identity-key-alias", "t-acme-identity"],
      ["controlcore:identity:TenantPrincipal", "t-acme-identity-principal", "t-acme-identity"],
      ["aws:eks/podIdentityAssociation:PodIdentityAssociation", "t-acme-identity-principal-pod-identity", "t-acme-identity-principal"],
      ["aws:iam/role:Role", "t-acme-identity-principal-role", "t-acme-identity-principal"],
    ]);
  });

  it("the key: rotation on, 30-day deletion window, symmetric, tagged, policy from tenantKeyPolicy", () => {
    const key = one(all, "aws:kms/key:Key");
    const roleArn = one(all, "aws:iam/role:Role").state.arn as string;
    expect(key.inputs).toEqual({
      description: "Control Core tenant acme: objects under tenants/acme/, secrets under controlcore/tenants/acme/",
      keyUsage: "ENCRYPT_DECRYPT",
      customerMasterKeySpec: "SYMMETRIC_DEFAULT",
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      tags: tagsFor("acme", "pro"),
      policy: policyJson(
        tenantKeyPolicy({
          accountId: ACCOUNT,
          region: REGION,
          tenantRoleArn: roleArn,
          keyAdminRoleArn: ADMIN_ROLE_ARN,
          deployerRoleArn: DEPLOYER_ROLE_ARN,
          delegateAdministrationToAccount: true,
          serviceStatements: logsAndAlarmsStatements("acme"),
        }),
      ),
    });
    expect(roleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/cc-tenant-acme`);
  });

  it("the alias names the key by the naming module's alias", () => {
    const key = one(all, "aws:kms/key:Key");
    expect(one(all, "aws:kms/alias:Alias").inputs).toEqual({ name: "alias/controlcore/tenant/acme", targetKeyId: key.state.keyId });
  });

  it("the role: the tenant's name, Pod Identity trust, shortest sessions, tagged", () => {
    expect(one(all, "aws:iam/role:Role").inputs).toEqual({
      name: "cc-tenant-acme",
      description: "Control Core tenant acme: workload principal (EKS Pod Identity, tenant-acme/tenant-acme)",
      assumeRolePolicy: policyJson(
        podIdentityTrustPolicy({ names: tenantNames("acme"), accountId: ACCOUNT, region: REGION, clusterName: CLUSTER }),
      ),
      maxSessionDuration: 3600,
      forceDetachPolicies: true,
      tags: tagsFor("acme", "pro"),
    });
  });

  it("the Pod Identity association binds the tenant's namespace and ServiceAccount to the role", () => {
    expect(one(all, "aws:eks/podIdentityAssociation:PodIdentityAssociation").inputs).toEqual({
      clusterName: CLUSTER,
      namespace: "tenant-acme",
      serviceAccount: "tenant-acme",
      roleArn: `arn:aws:iam::${ACCOUNT}:role/cc-tenant-acme`,
      tags: tagsFor("acme", "pro"),
    });
  });

  it("the role policy is tenantAccessPolicy for the shared bucket and the recorded key, with retention tags", () => {
    const keyArn = one(all, "aws:kms/key:Key").state.arn as string;
    expect(one(tree, "aws:iam/rolePolicy:RolePolicy").inputs).toEqual({
      name: "controlcore-s3-tenant-access",
      role: "cc-tenant-acme",
      policy: policyJson(
        tenantAccessPolicy({
          bucket: SHARED_BUCKET,
          layout: tenantLayout(tenantNames("acme")),
          keyArn,
          region: REGION,
          requiredRetentionTags: retentionTags(30),
        }),
      ),
    });
  });

  it("adds nothing to the shared bucket: no bucket, bucket policy, lifecycle or object resource", () => {
    expect(tree.filter((r) => r.type.startsWith("aws:s3/"))).toEqual([]);
  });

  it("publishes the storage configuration the application needs, and the documents it applied", () => {
    const out = run.outputs.acme!;
    const keyArn = one(all, "aws:kms/key:Key").state.arn as string;
    expect(out.storageConfig).toEqual({
      bucket: SHARED_BUCKET,
      region: REGION,
      dedicated: false,
      prefix: "tenants/acme/",
      paths: {
        policies: "tenants/acme/policies/",
        ccLogs: "tenants/acme/cc-logs/",
        backups: "tenants/acme/backups/",
        temp: "tenants/acme/temp/",
      },
      serverSideEncryption: "aws:kms",
      kmsKeyArn: keyArn,
      kmsAlias: "alias/controlcore/tenant/acme",
      retentionTags: { temp: { "retention-class": "temp" }, backups: { "retention-class": "backup-30d" } },
    });
    expect(out.policies).toEqual({
      identity: one(tree, "aws:iam/rolePolicy:RolePolicy").inputs.policy,
      key: one(all, "aws:kms/key:Key").inputs.policy,
      trust: one(all, "aws:iam/role:Role").inputs.assumeRolePolicy,
    });
    expect(out.bucketName).toBe(SHARED_BUCKET);
    expect(out.principalRoleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/cc-tenant-acme`);
  });
});

describe("dedicated tenant (Custom: a bucket of its own)", () => {
  let run: Run;
  let tree: RecordedResource[];
  let all: RecordedResource[];
  const BUCKET = `cc-tenant-globex-${ACCOUNT}`;
  beforeAll(async () => {
    run = await runTenants([CUSTOM("globex")]);
    tree = subtree(run.resources, "t-globex-s3");
    all = [...subtree(run.resources, "t-globex-identity"), ...tree];
  });

  it("adds the dedicated bucket component with its eight resources", () => {
    expect(shape(tree.filter((r) => r.name.startsWith("t-globex-s3-dedicated")), tree)).toEqual([
      ["controlcore:s3:TenantDedicatedBucket", "t-globex-s3-dedicated", "t-globex-s3"],
      ["aws:s3/bucketLogging:BucketLogging", "t-globex-s3-dedicated-access-logging", "t-globex-s3-dedicated"],
      ["aws:s3/bucket:Bucket", "t-globex-s3-dedicated-bucket", "t-globex-s3-dedicated"],
      ["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "t-globex-s3-dedicated-encryption", "t-globex-s3-dedicated"],
      ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "t-globex-s3-dedicated-lifecycle", "t-globex-s3-dedicated"],
      ["aws:s3/bucketOwnershipControls:BucketOwnershipControls", "t-globex-s3-dedicated-ownership", "t-globex-s3-dedicated"],
      ["aws:s3/bucketPolicy:BucketPolicy", "t-globex-s3-dedicated-policy", "t-globex-s3-dedicated"],
      ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "t-globex-s3-dedicated-public-access-block", "t-globex-s3-dedicated"],
      ["aws:s3/bucketVersioning:BucketVersioning", "t-globex-s3-dedicated-versioning", "t-globex-s3-dedicated"],
    ]);
    expect(tree).toHaveLength(11);
  });

  it("logs every request to the platform's log bucket under access-logs/tenants/<id>/, out of the tenant's prefix", () => {
    expect(one(tree, "aws:s3/bucketLogging:BucketLogging").inputs).toEqual({
      bucket: BUCKET,
      targetBucket: ACCESS_LOG_BUCKET,
      targetPrefix: "access-logs/tenants/globex/",
      targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
    });
  });

  it("the bucket: versioned, default-encrypted with the tenant key (Bucket Keys), private, ACLs off, kept on destroy", () => {
    const keyArn = one(all, "aws:kms/key:Key").state.arn as string;
    expect(one(tree, "aws:s3/bucket:Bucket").inputs).toEqual({ bucket: BUCKET, forceDestroy: false, tags: tagsFor("globex", "custom") });
    expect(one(tree, "aws:s3/bucketVersioning:BucketVersioning").inputs).toEqual({ bucket: BUCKET, versioningConfiguration: { status: "Enabled" } });
    expect(one(tree, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs).toEqual({
      bucket: BUCKET,
      rules: [
        { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn }, bucketKeyEnabled: true, blockedEncryptionTypes: ["SSE-C"] },
      ],
    });
    expect(one(tree, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).toEqual({
      bucket: BUCKET,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(one(tree, "aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs).toEqual({
      bucket: BUCKET,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
  });

  it("the bucket policy is dedicatedBucketPolicy for the recorded key and role", () => {
    const keyArn = one(all, "aws:kms/key:Key").state.arn as string;
    const tenantRoleArn = one(all, "aws:iam/role:Role").state.arn as string;
    expect(one(tree, "aws:s3/bucketPolicy:BucketPolicy").inputs).toEqual({
      bucket: BUCKET,
      policy: policyJson(dedicatedBucketPolicy({ bucket: BUCKET, keyArn, tenantRoleArn })),
    });
  });

  it("the lifecycle is the tenant's own, by prefix, with the plan's 90-day backups", () => {
    expect(one(tree, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs).toEqual({
      bucket: BUCKET,
      rules: [
        { id: "temp", status: "Enabled", filter: { prefix: "tenants/globex/temp/" }, expiration: { days: 1 } },
        { id: "backups", status: "Enabled", filter: { prefix: "tenants/globex/backups/" }, expiration: { days: 90 } },
        {
          id: "noncurrent-versions",
          status: "Enabled",
          filter: {},
          expiration: { expiredObjectDeleteMarker: true },
          noncurrentVersionExpiration: { noncurrentDays: 30 },
        },
        { id: "abort-incomplete-multipart-uploads", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
      ],
    });
  });

  it("the identity policy points at the dedicated bucket, without tag requirements", () => {
    const keyArn = one(all, "aws:kms/key:Key").state.arn as string;
    const policy = one(tree, "aws:iam/rolePolicy:RolePolicy").inputs.policy as string;
    expect(policy).toBe(policyJson(tenantAccessPolicy({ bucket: BUCKET, layout: tenantLayout(tenantNames("globex")), keyArn, region: REGION })));
    expect(policy).not.toContain(SHARED_BUCKET);
  });

  it("publishes the dedicated bucket and its policy", () => {
    const out = run.outputs.globex!;
    expect(out.bucketName).toBe(BUCKET);
    expect(out.bucketArn).toBe(`arn:aws:s3:::${BUCKET}`);
    expect(out.policies.bucket).toBe(one(tree, "aws:s3/bucketPolicy:BucketPolicy").inputs.policy);
    expect(out.storageConfig).toMatchObject({ bucket: BUCKET, dedicated: true, retentionTags: { backups: { "retention-class": "backup-90d" } } });
  });
});

describe("tags and tenant separation", () => {
  let run: Run;
  let distinct: Run;
  beforeAll(async () => {
    run = await runTenants([PRO("acme"), PRO("acme-corp"), CUSTOM("globex")]);
    distinct = await runTenants([PRO("acme"), CUSTOM("globex"), PRO("initech")]);
  });

  it("every taggable resource carries its own tenant's tags", () => {
    for (const [id, plan] of [["acme", "pro"], ["acme-corp", "pro"], ["globex", "custom"]] as const) {
      const taggable = [...subtree(run.resources, `t-${id}-identity`), ...subtree(run.resources, `t-${id}-s3`)].filter((r) => TAGGABLE.has(r.type));
      expect(taggable.length, id).toBe(plan === "custom" ? 4 : 3);
      for (const r of taggable) expect(r.inputs.tags, `${id} ${r.name}`).toEqual(tagsFor(id, plan));
    }
  });

  it("nothing in a tenant's resources names another tenant", () => {
    // IDs that share no substring (and contain non-hex letters, so no placeholder ID or ARN can
    // contain them by chance): any appearance of another tenant's ID is a reference to it.
    const ids = ["acme", "globex", "initech"];
    for (const id of ids) {
      const tree = [...subtree(distinct.resources, `t-${id}-identity`), ...subtree(distinct.resources, `t-${id}-s3`)];
      const json = JSON.stringify(tree.map((r) => ({ name: r.name, inputs: r.inputs, state: r.state })));
      expect(json, id).toContain(`tenants/${id}/`);
      for (const other of ids.filter((o) => o !== id)) expect(json.includes(other), `${id} names ${other}`).toBe(false);
    }
    // And with a tenant whose ID extends another's: acme's resources never name acme-corp.
    const acme = JSON.stringify([...subtree(run.resources, "t-acme-identity"), ...subtree(run.resources, "t-acme-s3")].map((r) => r.inputs));
    expect(acme).not.toContain("acme-corp");
  });

  it("the two tenants' keys, roles and policies differ", () => {
    const a = run.outputs.acme!;
    const b = run.outputs["acme-corp"]!;
    expect(a.kmsKeyArn).not.toBe(b.kmsKeyArn);
    expect(a.principalRoleArn).not.toBe(b.principalRoleArn);
    expect(a.policies.identity).not.toContain("tenants/acme-corp/");
    expect(b.policies.identity).toContain("tenants/acme-corp/");
  });
});

describe("bad input", () => {
  it("refuses a pooled retention the shared lifecycle has no class for, before registering anything", async () => {
    const { S3TenantPrefix } = await import("../../components/s3/s3-tenant-prefix.js");
    const identity = { kmsKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/k`, principalRoleArn: "r", principalRoleName: "r" };
    const args = { names: tenantNames("acme"), tags: tagsFor("acme", "pro"), backupRetentionDays: 45, dedicated: false, platform: PLATFORM, identity };
    expect(() => new S3TenantPrefix("t-acme-s3", args)).toThrow(
      "invalid S3TenantPrefix t-acme-s3 arguments: 1 problem\n  - limits.backup_retention_days: got 45; expected one of the shared bucket's retention classes, 30 or 90 days (platform.s3.backupRetentionDays): add 45 there (tag backup-45d) or use dedicated_resources",
    );
  });

  it("refuses a role session outside IAM's range", async () => {
    const { TenantPrincipal } = await import("../../components/identity/tenant-principal.js");
    const args = { names: tenantNames("acme"), tags: {}, platform: PLATFORM, maxSessionDurationSeconds: 60 };
    expect(() => new TenantPrincipal("t-acme-principal", args)).toThrow(
      "invalid TenantPrincipal t-acme-principal arguments: 1 problem\n  - maxSessionDurationSeconds: got 60; expected a whole number of seconds from 3600 to 43200 (IAM's range)",
    );
  });
});
