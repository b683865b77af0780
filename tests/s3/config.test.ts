/** The platform's S3 section and the component's argument checks: defaults, and refusals that name the setting. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR, runProgram } from "../../cli/offline-plan";
import { S3PlatformSchema } from "../../components/s3/config";
import { dedicatedBucketProblems } from "../../components/s3/dedicated-bucket";
import { type S3TenantPrefixArgs, s3TenantPrefixProblems } from "../../components/s3/s3-tenant-prefix";
import { PLATFORM } from "./helpers/fixtures";

const minimal = {
  accountId: "000000000000",
  keyAdminRoleArn: "arn:aws:iam::000000000000:role/controlcore-platform-admin",
  deployerRoleArn: "arn:aws:iam::000000000000:role/controlcore-deployer",
  eksClusterName: "controlcore-prod",
};

describe("S3PlatformSchema", () => {
  it("fills safe defaults: the spec's bucket, account delegation of administration only, 30/90-day classes", () => {
    expect(S3PlatformSchema.parse(minimal)).toEqual({
      ...minimal,
      sharedBucketName: "control-core-tenant-data",
      region: "us-east-1",
      delegateKeyAdministrationToAccount: true,
      backupRetentionDays: [30, 90],
      tempExpirationDays: 1,
      noncurrentVersionDays: 30,
      abortIncompleteMultipartDays: 7,
    });
  });

  it("names every bad key and what it expected", () => {
    const result = S3PlatformSchema.safeParse({
      ...minimal,
      accountId: "12345",
      keyAdminRoleArn: "arn:aws:iam::000000000000:user/alice",
      sharedBucketName: "Control_Core",
      accessLogBucket: "Logs!",
      extra: 1,
    });
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        "accountId: a 12-digit AWS account ID",
        "keyAdminRoleArn: an IAM role ARN (arn:aws:iam::<account>:role/<name>) in the aws partition",
        "sharedBucketName: an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)",
        "accessLogBucket: an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)",
      ]),
    );
    expect(result.error!.issues.some((i) => i.code === "unrecognized_keys")).toBe(true);
  });
});

describe("s3TenantPrefixProblems", () => {
  const args = (over: Partial<S3TenantPrefixArgs>) => ({
    backupRetentionDays: 30,
    dedicated: false,
    platform: PLATFORM,
    ...over,
  });

  it("accepts the Pro and Custom plans' retention", () => {
    expect(s3TenantPrefixProblems(args({}))).toEqual([]);
    expect(s3TenantPrefixProblems(args({ dedicated: true, backupRetentionDays: 90 }))).toEqual([]);
  });

  it("refuses a pooled retention the shared bucket has no rule for, and says how to fix it", () => {
    expect(s3TenantPrefixProblems(args({ backupRetentionDays: 45 }))).toEqual([
      {
        path: "limits.backup_retention_days",
        message:
          "got 45; expected one of the shared bucket's retention classes, 30 or 90 days (platform.s3.backupRetentionDays): add 45 there (tag backup-45d) or use dedicated_resources",
      },
    ]);
  });

  it("lets a dedicated bucket keep any retention (it owns its lifecycle)", () => {
    expect(s3TenantPrefixProblems(args({ dedicated: true, backupRetentionDays: 45 }))).toEqual([]);
  });

  it("refuses a retention that is not a positive whole number of days", () => {
    expect(s3TenantPrefixProblems(args({ backupRetentionDays: 0 }))).toEqual([
      { path: "limits.backup_retention_days", message: "got 0; expected a positive whole number of days" },
    ]);
  });
});

describe("the access-log bucket of dedicated buckets (platform.s3.accessLogBucket)", () => {
  const { accessLogBucket: _, ...withoutLogBucket } = PLATFORM;

  it("is required when the plan has dedicated_resources, and says why", () => {
    expect(s3TenantPrefixProblems({ backupRetentionDays: 90, dedicated: true, platform: withoutLogBucket })).toEqual([
      {
        path: "platform.s3.accessLogBucket",
        message:
          "got nothing; expected the platform's server-access-log bucket, required when the plan has dedicated_resources (a dedicated bucket logs every request there)",
      },
    ]);
  });

  it("a whole-program run of the custom plan without it is refused at the boundary, naming the key", async () => {
    const stack = readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8");
    const without = stack.replace(/\n *#[^\n]*access logs[^\n]*\n *accessLogBucket: [^\n]*/, "");
    expect(without).not.toContain("accessLogBucket");
    const file = path.join(mkdtempSync(path.join(tmpdir(), "cc-s3-")), "Pulumi.nolog.yaml");
    writeFileSync(file, without);
    const err = await runProgram({ tenantId: "acme", plan: "custom", stackFile: file }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    // Refused with the stack config's other problems, not later by the component.
    expect((err as Error).message).toMatch(/^invalid stack config of stack "acme"/);
    expect((err as Error).message).toContain(
      "platform.s3.accessLogBucket: got nothing; expected the platform's server-access-log bucket, required when the plan has dedicated_resources",
    );
    // The pro plan (no dedicated bucket) runs with the same file.
    await expect(runProgram({ tenantId: "acme", plan: "pro", stackFile: file })).resolves.toBeDefined();
  }, 60_000);

  it("is not needed by a pooled plan", () => {
    expect(s3TenantPrefixProblems({ backupRetentionDays: 30, dedicated: false, platform: withoutLogBucket })).toEqual([]);
  });

  it("may not be the dedicated bucket itself", () => {
    expect(dedicatedBucketProblems({ accessLogBucket: "cc-tenant-acme-000000000000", bucketName: "cc-tenant-acme-000000000000" })).toEqual([
      {
        path: "platform.s3.accessLogBucket",
        message:
          'got "cc-tenant-acme-000000000000", the dedicated bucket itself; expected the platform\'s log bucket (a bucket logging into itself logs its own log deliveries)',
      },
    ]);
    expect(dedicatedBucketProblems({ accessLogBucket: "controlcore-access-logs", bucketName: "cc-tenant-acme-000000000000" })).toEqual([]);
  });
});
