import { runSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import { alarmTopicPolicy, monitoringKeyPolicyStatements, type PolicyScope } from "../../components/monitoring/policies";
import { tenantNames } from "../../components/naming";
import { ACCOUNT, REGION } from "./fixtures";

const scope = (tenant: string): PolicyScope => ({ names: tenantNames(tenant), region: REGION, accountId: ACCOUNT });
const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:cc-tenant-acme--alarms`;
const alarm = (name: string) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;

/** Evaluates one sns:Publish against the tenant's topic policy with AWS's policy semantics. */
async function publish(principal: string, context: Record<string, string>): Promise<string> {
  const r = await runSimulation(
    {
      request: { principal, action: "sns:Publish", resource: { resource: topicArn, accountId: ACCOUNT }, contextVariables: context },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: alarmTopicPolicy({ ...scope("acme"), topicArn }) as unknown as Record<string, unknown>,
    } as Parameters<typeof runSimulation>[0],
    {},
  );
  if (r.resultType === "error") throw new Error(JSON.stringify(r.errors));
  return r.overallResult;
}

describe("alarm topic policy", () => {
  it("is exactly: the tenant's paging alarm may publish, nothing publishes without TLS", () => {
    expect(alarmTopicPolicy({ ...scope("acme"), topicArn })).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AllowTenantPagingAlarmToPublish",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: "sns:Publish",
          Resource: topicArn,
          Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT }, ArnEquals: { "aws:SourceArn": alarm("cc-tenant-acme--critical") } },
        },
        {
          Sid: "DenyPublishWithoutTls",
          Effect: "Deny",
          Principal: "*",
          Action: "sns:Publish",
          Resource: topicArn,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
  });

  const tls = { "aws:SecureTransport": "true", "aws:SourceAccount": ACCOUNT };

  it("allows CloudWatch publishing for acme's paging alarm", async () => {
    expect(await publish("cloudwatch.amazonaws.com", { ...tls, "aws:SourceArn": alarm("cc-tenant-acme--critical") })).toBe("Allowed");
  });

  it.each([
    ["acme-corp's paging alarm", alarm("cc-tenant-acme-corp--critical")],
    ["globex's paging alarm", alarm("cc-tenant-globex--critical")],
    ["acme's own warning alarm (warnings never notify)", alarm("cc-tenant-acme--storage-warning")],
    ["an alarm of the same name in another account", `arn:aws:cloudwatch:${REGION}:444455556666:alarm:cc-tenant-acme--critical`],
  ])("refuses CloudWatch publishing for %s", async (_what, sourceArn) => {
    expect(await publish("cloudwatch.amazonaws.com", { ...tls, "aws:SourceArn": sourceArn })).toBe("ImplicitlyDenied");
  });

  it("refuses another service principal", async () => {
    expect(await publish("events.amazonaws.com", { ...tls, "aws:SourceArn": alarm("cc-tenant-acme--critical") })).toBe("ImplicitlyDenied");
  });

  it("explicitly denies the paging alarm itself without TLS", async () => {
    expect(
      await publish("cloudwatch.amazonaws.com", { ...tls, "aws:SecureTransport": "false", "aws:SourceArn": alarm("cc-tenant-acme--critical") }),
    ).toBe("ExplicitlyDenied");
  });
});

describe("KMS key policy statements for monitoring", () => {
  it("bind CloudWatch Logs to the tenant's log groups and CloudWatch to the tenant's paging alarm", () => {
    expect(monitoringKeyPolicyStatements(scope("acme"))).toEqual([
      {
        Sid: "AllowCloudWatchLogsForTenantLogGroups",
        Effect: "Allow",
        Principal: { Service: "logs.us-east-1.amazonaws.com" },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/controlcore/tenants/acme/*` } },
      },
      {
        Sid: "AllowTenantAlarmsToUseEncryptedTopic",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT }, ArnEquals: { "aws:SourceArn": alarm("cc-tenant-acme--critical") } },
      },
    ]);
  });

  it("the log-group pattern of acme does not cover acme-corp's groups (trailing slash)", () => {
    const pattern = monitoringKeyPolicyStatements(scope("acme"))[0]!.Condition!.ArnLike!["kms:EncryptionContext:aws:logs:arn"] as string;
    // ArnLike's `*` matches any characters; the literal part must be a prefix.
    const prefix = pattern.slice(0, -1);
    expect(`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/controlcore/tenants/acme/application`.startsWith(prefix)).toBe(true);
    expect(`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/controlcore/tenants/acme-corp/application`.startsWith(prefix)).toBe(false);
  });
});
