/**
 * Deterministic placeholders of the right shape for values only known after deployment
 * (IDs, ARNs, endpoints), so every policy document in an offline plan is concrete enough to
 * review and to evaluate. Placeholders live in the run's {@link AwsLocation}: the platform's
 * account and region when the stack config names them (so a plan never mixes the configured
 * account with a made-up one), else {@link PLACEHOLDER_ACCOUNT} in {@link PLACEHOLDER_REGION}.
 */
import type * as pulumi from "@pulumi/pulumi";
import {
  arnIn,
  type AwsLocation,
  type Inputs,
  PLACEHOLDER_ACCOUNT,
  PLACEHOLDER_LOCATION,
  PLACEHOLDER_REGION,
  type Rule,
  stableHex,
  stableUuid,
} from "./placeholder-kit";
import { PLACEHOLDER_RULES_MONITORING } from "./placeholders-monitoring";
import { PLACEHOLDER_RULES_NETWORK } from "./placeholders-network";
import { PLACEHOLDER_RULES_REDIS } from "./placeholders-redis";
import { PLACEHOLDER_RULES_S3 } from "./placeholders-s3";
import { PLACEHOLDER_RULES_SECURITY } from "./placeholders-security";

export { type AwsLocation, type Inputs, PLACEHOLDER_ACCOUNT, PLACEHOLDER_LOCATION, PLACEHOLDER_REGION, type Rule, stableHex, stableUuid };

/** An AWS account ID as ARNs carry it. */
const ACCOUNT_ID = /^\d{12}$/;
/** An AWS region code (`us-east-1`, `us-gov-west-1`). */
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

/**
 * The location placeholders live in for a stack config (`namespace:key` → value, objects as
 * objects): the platform's `s3.accountId` and `s3.region` (else `aws:region`), each falling back
 * to the placeholder account and region when absent or malformed.
 */
export function placeholderLocation(values: Readonly<Record<string, unknown>>, namespace: string): AwsLocation {
  const platform = values[`${namespace}:platform`];
  const s3 = typeof platform === "object" && platform !== null ? (platform as { s3?: unknown }).s3 : undefined;
  const field = (k: string) => (typeof s3 === "object" && s3 !== null ? (s3 as Record<string, unknown>)[k] : undefined);
  const account = field("accountId");
  const region = field("region") ?? values["aws:region"];
  return {
    account: typeof account === "string" && ACCOUNT_ID.test(account) ? account : PLACEHOLDER_ACCOUNT,
    region: typeof region === "string" && REGION.test(region) ? region : PLACEHOLDER_REGION,
  };
}

/** Whether a string is a placeholder made in the placeholder account or named `placeholder-…`. */
export function isPlaceholder(v: unknown): boolean {
  return typeof v === "string" && (v.includes(PLACEHOLDER_ACCOUNT) || v.startsWith("placeholder-"));
}

/**
 * Per-type placeholder rules. A rule returns the ID and the outputs the provider would compute;
 * inputs are echoed back as outputs as a real provider does.
 */
export const PLACEHOLDER_RULES: Record<string, Rule> = {
  "random:index/randomPassword:RandomPassword": (name) => ({
    id: "none",
    extra: { result: `placeholder-password-${stableHex(8, name)}` },
  }),
  "aws:kms/key:Key": (name, _i, at = PLACEHOLDER_LOCATION) => {
    const keyId = stableUuid("kms", name);
    return { id: keyId, extra: { keyId, arn: arnIn(at, "kms", `key/${keyId}`) } };
  },
  "aws:kms/alias:Alias": (_n, i, at = PLACEHOLDER_LOCATION) => ({ id: String(i.name), extra: { arn: arnIn(at, "kms", String(i.name)) } }),
  // IAM is global: its ARNs name no region.
  "aws:iam/role:Role": (name, i, at = PLACEHOLDER_LOCATION) => {
    const roleName = String(i.name ?? name);
    return { id: roleName, extra: { arn: `arn:aws:iam::${at.account}:role/${roleName}`, uniqueId: `AROA${stableHex(17, name).toUpperCase()}` } };
  },
  "aws:iam/policy:Policy": (name, i, at = PLACEHOLDER_LOCATION) => {
    const policyName = String(i.name ?? name);
    const a = `arn:aws:iam::${at.account}:policy/${policyName}`;
    return { id: a, extra: { arn: a } };
  },
  "aws:s3/bucket:Bucket": (name, i) => {
    const bucket = String(i.bucket ?? name);
    return { id: bucket, extra: { bucket, arn: `arn:aws:s3:::${bucket}`, bucketDomainName: `${bucket}.s3.amazonaws.com` } };
  },
  "aws:s3/bucketV2:BucketV2": (name, i) => {
    const bucket = String(i.bucket ?? name);
    return { id: bucket, extra: { bucket, arn: `arn:aws:s3:::${bucket}`, bucketDomainName: `${bucket}.s3.amazonaws.com` } };
  },
  "aws:secretsmanager/secret:Secret": (name, i, at = PLACEHOLDER_LOCATION) => {
    const a = arnIn(at, "secretsmanager", `secret:${String(i.name ?? name)}-${stableHex(6, name)}`);
    return { id: a, extra: { arn: a } };
  },
  "aws:sns/topic:Topic": (name, i, at = PLACEHOLDER_LOCATION) => {
    const a = arnIn(at, "sns", String(i.name ?? name));
    return { id: a, extra: { arn: a } };
  },
  "aws:elasticache/user:User": (name, i, at = PLACEHOLDER_LOCATION) => ({ id: String(i.userId ?? name), extra: { arn: arnIn(at, "elasticache", `user:${String(i.userId ?? name)}`) } }),
  "aws:cloudwatch/logGroup:LogGroup": (name, i, at = PLACEHOLDER_LOCATION) => ({ id: String(i.name ?? name), extra: { arn: arnIn(at, "logs", `log-group:${String(i.name ?? name)}`) } }),
};

/** Every area's rules; an area's rule replaces a generic one of the same type. */
const ALL_RULES: Record<string, Rule> = {
  ...PLACEHOLDER_RULES,
  ...PLACEHOLDER_RULES_REDIS,
  ...PLACEHOLDER_RULES_S3,
  ...PLACEHOLDER_RULES_SECURITY,
  ...PLACEHOLDER_RULES_NETWORK,
  ...PLACEHOLDER_RULES_MONITORING,
};

/**
 * The state a provider would return for a new resource in `at`: its inputs, its ID and its
 * computed outputs.
 */
export function placeholderState(
  args: pulumi.runtime.MockResourceArgs,
  at: AwsLocation = PLACEHOLDER_LOCATION,
): { id: string; state: Record<string, unknown> } {
  const rule = ALL_RULES[args.type];
  if (rule) {
    const { id, extra } = rule(args.name, args.inputs, at);
    return { id, state: { ...args.inputs, ...extra } };
  }
  const id = args.type.startsWith("aws:") ? `placeholder-${stableHex(12, args.type, args.name)}` : `${args.name}`;
  const extra: Record<string, unknown> = {};
  if (args.type.startsWith("aws:")) {
    const service = args.type.split(":")[1]!.split("/")[0]!;
    extra.arn = arnIn(at, service, `${args.type.split(":")[2]!.toLowerCase()}/${args.name}`);
  }
  return { id, state: { ...args.inputs, ...extra } };
}
