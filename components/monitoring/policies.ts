/**
 * Policy documents monitoring needs: the SNS topic policy of the tenant's alarm topic, and the
 * statements the owner of the tenant's KMS key must add to its key policy so that CloudWatch
 * Logs can encrypt the tenant's log groups and CloudWatch alarms can publish to the encrypted
 * topic. Pure: every document is scoped to this tenant's names only.
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 */
import type { TenantNames } from "../naming";
import { alarmArn } from "./alarms";
import type { KeyServiceStatement } from "../s3/kms-policy";

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal: { readonly Service: string } | "*";
  readonly Action: string | readonly string[];
  readonly Resource: string;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

/** Where the tenant's resources live. */
export interface PolicyScope {
  readonly names: TenantNames;
  readonly region: string;
  readonly accountId: string;
}

/** The ARN pattern of the tenant's log groups, as CloudWatch Logs puts it in the encryption context. */
export function tenantLogGroupArnPattern(s: PolicyScope): string {
  return `arn:aws:logs:${s.region}:${s.accountId}:log-group:${s.names.logGroupPrefix}*`;
}

/** The ARN of the paging composite alarm (the only alarm with actions). */
export function pagingAlarmArn(s: PolicyScope): string {
  return alarmArn(s.region, s.accountId, `${s.names.monitoringPrefix}critical`);
}

/**
 * Statements to add to the tenant KMS key's policy. Without the first, CreateLogGroup with the
 * key fails (`AccessDeniedException`); without the second, alarms publish to the encrypted topic
 * and SNS silently drops every notification.
 *
 * The first is bound by `kms:EncryptionContext:aws:logs:arn` to this tenant's log groups, so
 * the CloudWatch Logs service cannot be made to use this key for another tenant's group.
 */
export function monitoringKeyPolicyStatements(s: PolicyScope): KeyServiceStatement[] {
  return [
    {
      Sid: "AllowCloudWatchLogsForTenantLogGroups",
      Effect: "Allow",
      Principal: { Service: `logs.${s.region}.amazonaws.com` },
      Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
      Resource: "*",
      Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": tenantLogGroupArnPattern(s) } },
    },
    {
      Sid: "AllowTenantAlarmsToUseEncryptedTopic",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: {
        StringEquals: { "aws:SourceAccount": s.accountId },
        ArnEquals: { "aws:SourceArn": pagingAlarmArn(s) },
      },
    },
  ];
}

/**
 * The alarm topic's resource policy: only the tenant's paging alarm may publish (CloudWatch, in
 * this account, with that alarm as the source), and never without TLS. Same-account principals
 * with identity policies that grant SNS actions keep working; no other tenant's alarm can
 * publish here because its ARN differs (names end in `--`, so no prefix of one matches another).
 */
export function alarmTopicPolicy(s: PolicyScope & { readonly topicArn: string }): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AllowTenantPagingAlarmToPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: s.topicArn,
        Condition: {
          StringEquals: { "aws:SourceAccount": s.accountId },
          ArnEquals: { "aws:SourceArn": pagingAlarmArn(s) },
        },
      },
      {
        Sid: "DenyPublishWithoutTls",
        Effect: "Deny",
        Principal: "*",
        Action: "sns:Publish",
        Resource: s.topicArn,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}
