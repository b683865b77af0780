/**
 * The tenant key policy, exact: who administers, who uses it and through what; and the
 * properties that keep it safe (administration exists and has no data use; no IAM delegation of
 * data use).
 */
import { describe, expect, it } from "vitest";
import { KMS_ADMIN_ACTIONS } from "../../components/s3/actions";
import { type KeyServiceStatement, keyServiceStatementProblems, type TenantKeyPolicyInput, tenantKeyPolicy } from "../../components/s3/kms-policy";
import { POLICY_SIZE_LIMITS, policyJson } from "../../components/s3/policy-document";

const ACCOUNT = "000000000000";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/cc-tenant-acme`;
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/controlcore-platform-admin`;
const DEPLOYER = `arn:aws:iam::${ACCOUNT}:role/controlcore-deployer`;
const LOGS: KeyServiceStatement = {
  Sid: "AllowCloudWatchLogsForTenantLogGroups",
  Effect: "Allow",
  Principal: { Service: "logs.us-east-1.amazonaws.com" },
  Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
  Resource: "*",
  Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/controlcore/tenants/acme/*` } },
};
const input: TenantKeyPolicyInput = {
  accountId: ACCOUNT,
  region: "us-east-1",
  tenantRoleArn: ROLE,
  keyAdminRoleArn: ADMIN,
  deployerRoleArn: DEPLOYER,
  delegateAdministrationToAccount: true,
  serviceStatements: [LOGS],
};
const KEY_USE = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"];
const SECRETS_CONDITION = {
  StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com", "kms:CallerAccount": ACCOUNT },
};

describe("tenantKeyPolicy", () => {
  it("is exactly: administration, tenant use via S3 and Secrets Manager, deployer secret writes, then the service statements passed in", () => {
    expect(tenantKeyPolicy(input)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "KeyAdministration",
          Effect: "Allow",
          Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:root`, ADMIN, DEPLOYER] },
          Action: [
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
          ],
          Resource: "*",
        },
        {
          Sid: "TenantUseThroughS3",
          Effect: "Allow",
          Principal: { AWS: ROLE },
          Action: KEY_USE,
          Resource: "*",
          Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:CallerAccount": ACCOUNT } },
        },
        {
          Sid: "TenantUseThroughSecretsManager",
          Effect: "Allow",
          Principal: { AWS: ROLE },
          Action: KEY_USE,
          Resource: "*",
          Condition: SECRETS_CONDITION,
        },
        {
          Sid: "DeployerWritesTenantSecrets",
          Effect: "Allow",
          Principal: { AWS: DEPLOYER },
          Action: ["kms:Decrypt", "kms:GenerateDataKey"],
          Resource: "*",
          Condition: SECRETS_CONDITION,
        },
        LOGS,
      ],
    });
  });

  it("always has an administration statement (no lockout), even without account delegation", () => {
    const doc = tenantKeyPolicy({ ...input, delegateAdministrationToAccount: false });
    const admin = doc.Statement.find((s) => s.Sid === "KeyAdministration");
    expect(admin?.Principal).toEqual({ AWS: [ADMIN, DEPLOYER] });
    expect(admin?.Action).toContain("kms:Put*");
  });

  it("names the admin role once when it is also the deployer", () => {
    const doc = tenantKeyPolicy({ ...input, deployerRoleArn: ADMIN, delegateAdministrationToAccount: false });
    expect(doc.Statement[0]?.Principal).toEqual({ AWS: [ADMIN] });
  });

  it("gives administrators no data use and no way to grant it (no kms:CreateGrant)", () => {
    const matches = (pattern: string, action: string) =>
      new RegExp(`^${pattern.replace(/\*/g, ".*")}$`, "i").test(action);
    const data = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:CreateGrant"];
    for (const action of data) {
      expect(KMS_ADMIN_ACTIONS.filter((p) => matches(p, action)), action).toEqual([]);
    }
  });

  it("has no 'Enable IAM policies' statement: the account root is never given data use", () => {
    const root = `arn:aws:iam::${ACCOUNT}:root`;
    const rootStatements = tenantKeyPolicy(input).Statement.filter((s) =>
      JSON.stringify(s.Principal ?? {}).includes(root),
    );
    expect(rootStatements.map((s) => s.Sid)).toEqual(["KeyAdministration"]);
    expect(JSON.stringify(tenantKeyPolicy(input))).not.toContain('"kms:*"');
  });

  it("without service statements, has exactly its own four", () => {
    const doc = tenantKeyPolicy({ ...input, serviceStatements: [] });
    expect(doc.Statement.map((s) => s.Sid)).toEqual([
      "KeyAdministration",
      "TenantUseThroughS3",
      "TenantUseThroughSecretsManager",
      "DeployerWritesTenantSecrets",
    ]);
  });

  it("refuses service statements that would let an IAM principal in, deny, lack a condition or reuse a Sid", () => {
    const bad = [
      { ...LOGS, Sid: "AnyoneInTheAccount", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } },
      { ...LOGS, Sid: "Everyone", Principal: "*" },
      { ...LOGS, Sid: "NoCondition", Condition: {} },
      { ...LOGS, Sid: "KeyAdministration" },
      { ...LOGS, Sid: "Deny", Effect: "Deny" },
    ] as unknown as KeyServiceStatement[];
    const iam = 'Principal must be one AWS service principal ({ Service: "<service>.amazonaws.com" }); IAM principals are never added to a tenant key policy';
    expect(keyServiceStatementProblems(bad)).toEqual([
      `keyPolicyServiceStatements[0] ("AnyoneInTheAccount"): ${iam}`,
      `keyPolicyServiceStatements[1] ("Everyone"): ${iam}`,
      `keyPolicyServiceStatements[2] ("NoCondition"): a Condition binding the service to the tenant's resources is required (confused-deputy guard)`,
      `keyPolicyServiceStatements[3] ("KeyAdministration"): Sid is already used in the key policy`,
      `keyPolicyServiceStatements[4] ("Deny"): Effect must be "Allow", got "Deny"`,
    ]);
    expect(() => tenantKeyPolicy({ ...input, serviceStatements: bad })).toThrow("invalid key policy service statements:");
  });

  it("fits the 32 KB key policy quota by far", () => {
    expect(policyJson(tenantKeyPolicy(input)).length).toBeLessThan(POLICY_SIZE_LIMITS.keyPolicy / 8);
  });
});
