/**
 * Deterministic placeholders of the right shape for values only known after deployment
 * (IDs, ARNs, endpoints), so every policy document in an offline plan is concrete enough to
 * review and to evaluate. Every placeholder lives in account {@link PLACEHOLDER_ACCOUNT}.
 */
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
// Each area's rules use this module's constants only when called, so the import cycle is safe.
import { PLACEHOLDER_RULES_MONITORING } from "./placeholders-monitoring";
import { PLACEHOLDER_RULES_NETWORK } from "./placeholders-network";
import { PLACEHOLDER_RULES_REDIS } from "./placeholders-redis";
import { PLACEHOLDER_RULES_S3 } from "./placeholders-s3";
import { PLACEHOLDER_RULES_SECURITY } from "./placeholders-security";

export const PLACEHOLDER_ACCOUNT = "000000000000";
export const PLACEHOLDER_REGION = "us-east-1";

/** A stable hex digest of `parts`, for IDs that must look random but never change. */
export function stableHex(length: number, ...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, length);
}

/** A UUID-shaped stable identifier. */
export function stableUuid(...parts: string[]): string {
  const h = stableHex(32, ...parts);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Whether a string is a placeholder this module made (for marking in human output). */
export function isPlaceholder(v: unknown): boolean {
  return typeof v === "string" && (v.includes(PLACEHOLDER_ACCOUNT) || v.startsWith("placeholder-"));
}

export type Inputs = Record<string, any>;
/** Computes the ID and provider-computed outputs of one resource type from its name and inputs. */
export type Rule = (name: string, inputs: Inputs) => { id: string; extra?: Record<string, unknown> };

const arn = (service: string, resource: string, region = PLACEHOLDER_REGION) =>
  `arn:aws:${service}:${region}:${PLACEHOLDER_ACCOUNT}:${resource}`;

/**
 * Per-type placeholder rules. A rule returns the ID and the outputs the provider would compute;
 * inputs are echoed back as outputs as a real provider does.
 */
export const PLACEHOLDER_RULES: Record<string, Rule> = {
  "random:index/randomPassword:RandomPassword": (name) => ({
    id: "none",
    extra: { result: `placeholder-password-${stableHex(8, name)}` },
  }),
  "aws:kms/key:Key": (name) => {
    const keyId = stableUuid("kms", name);
    return { id: keyId, extra: { keyId, arn: arn("kms", `key/${keyId}`) } };
  },
  "aws:kms/alias:Alias": (_n, i) => ({ id: String(i.name), extra: { arn: arn("kms", String(i.name)) } }),
  "aws:iam/role:Role": (name, i) => {
    const roleName = String(i.name ?? name);
    return { id: roleName, extra: { arn: `arn:aws:iam::${PLACEHOLDER_ACCOUNT}:role/${roleName}`, uniqueId: `AROA${stableHex(17, name).toUpperCase()}` } };
  },
  "aws:iam/policy:Policy": (name, i) => {
    const policyName = String(i.name ?? name);
    const a = `arn:aws:iam::${PLACEHOLDER_ACCOUNT}:policy/${policyName}`;
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
  "aws:secretsmanager/secret:Secret": (name, i) => {
    const a = arn("secretsmanager", `secret:${String(i.name ?? name)}-${stableHex(6, name)}`);
    return { id: a, extra: { arn: a } };
  },
  "aws:sns/topic:Topic": (name, i) => {
    const a = arn("sns", String(i.name ?? name));
    return { id: a, extra: { arn: a } };
  },
  "aws:elasticache/user:User": (name, i) => ({ id: String(i.userId ?? name), extra: { arn: arn("elasticache", `user:${String(i.userId ?? name)}`) } }),
  "aws:cloudwatch/logGroup:LogGroup": (name, i) => ({ id: String(i.name ?? name), extra: { arn: arn("logs", `log-group:${String(i.name ?? name)}`) } }),
};

let allRules: Record<string, Rule> | undefined;
/** Every area's rules; an area's rule replaces a generic one of the same type. */
function rules(): Record<string, Rule> {
  allRules ??= {
    ...PLACEHOLDER_RULES,
    ...PLACEHOLDER_RULES_REDIS,
    ...PLACEHOLDER_RULES_S3,
    ...PLACEHOLDER_RULES_SECURITY,
    ...PLACEHOLDER_RULES_NETWORK,
    ...PLACEHOLDER_RULES_MONITORING,
  };
  return allRules;
}

/** The state a provider would return for a new resource: its inputs, its ID and computed outputs. */
export function placeholderState(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
  const rule = rules()[args.type];
  if (rule) {
    const { id, extra } = rule(args.name, args.inputs);
    return { id, state: { ...args.inputs, ...extra } };
  }
  const id = args.type.startsWith("aws:") ? `placeholder-${stableHex(12, args.type, args.name)}` : `${args.name}`;
  const extra: Record<string, unknown> = {};
  if (args.type.startsWith("aws:")) {
    const service = args.type.split(":")[1]!.split("/")[0]!;
    extra.arn = arn(service, `${args.type.split(":")[2]!.toLowerCase()}/${args.name}`);
  }
  return { id, state: { ...args.inputs, ...extra } };
}
