/**
 * Requests of the IAM-simulator tests: each tenant's documents read from the recorded resources
 * of a mock run, and requests as AWS would make them (principal, context keys), evaluated with
 * `simulate` (identity policy and resource policy together).
 */
import { expect } from "vitest";
import type { RecordedResource } from "../../../cli/engine/mock-engine";
import { ACCESS_POLICY_NAME } from "../../../components/s3/s3-tenant-prefix";
import { ACCOUNT, REGION, SHARED_BUCKET, one, subtree } from "./fixtures";
import { type SimDecision, simulate } from "./simulate";

export type Ctx = Record<string, string | string[]>;

/** One tenant's documents and ARNs, read from the recorded resources. */
export interface Tenant {
  readonly id: string;
  readonly roleArn: string;
  /** The STS session ARN its pods act as. */
  readonly session: string;
  readonly keyArn: string;
  readonly bucket: string;
  readonly identity: unknown;
  readonly keyPolicy: unknown;
  readonly trust: unknown;
  readonly bucketPolicy: unknown;
}

export function tenantFrom(resources: readonly RecordedResource[], id: string): Tenant {
  // The key and role are the tenant's identity (`t-<id>-identity`); the role policy and bucket are S3's.
  const tree = [...subtree(resources, `t-${id}-identity`), ...subtree(resources, `t-${id}-s3`)];
  const role = one(tree, "aws:iam/role:Role");
  const key = one(tree, "aws:kms/key:Key");
  const rolePolicy = one(tree, "aws:iam/rolePolicy:RolePolicy");
  const bucketPolicy = tree.find((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy");
  const bucketResource = tree.find((r) => r.type === "aws:s3/bucket:Bucket");
  expect(rolePolicy.inputs.role).toBe(role.inputs.name);
  return {
    id,
    roleArn: role.state.arn as string,
    session: `arn:aws:sts::${ACCOUNT}:assumed-role/${role.inputs.name as string}/eks-controlcore-pod-1`,
    keyArn: key.state.arn as string,
    bucket: (bucketResource?.inputs.bucket as string | undefined) ?? SHARED_BUCKET,
    identity: JSON.parse(rolePolicy.inputs.policy as string),
    keyPolicy: JSON.parse(key.inputs.policy as string),
    trust: JSON.parse(role.inputs.assumeRolePolicy as string),
    bucketPolicy: bucketPolicy ? JSON.parse(bucketPolicy.inputs.policy as string) : undefined,
  };
}

export const obj = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;
export const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;
export const S3_VIA = `s3.${REGION}.amazonaws.com`;
export const SECRETS_VIA = `secretsmanager.${REGION}.amazonaws.com`;

/** What AWS sets on every S3 request over HTTPS with TLS 1.3. */
export const tls = (caller: string): Ctx => ({ "aws:PrincipalArn": caller, "aws:SecureTransport": "true", "s3:TlsVersion": "1.3" });
/**
 * The S3 operations authorized as `s3:PutObject`, with the request context S3 builds for each.
 * `s3:ObjectCreationOperation` is a Bool: true for PutObject, CopyObject and
 * CompleteMultipartUpload, false for CreateMultipartUpload, UploadPart and UploadPartCopy (the
 * operations AWS's conditional-writes policy exempts with it). The encryption and tagging headers
 * exist only on the operations that accept them (PutObject, CopyObject, CreateMultipartUpload);
 * the parts and the completion carry none.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes-enforce.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html
 */
export const op = {
  putObject: (headers: Ctx = {}): Ctx => ({ "s3:ObjectCreationOperation": "true", ...headers }),
  copyObject: (source: string, headers: Ctx = {}): Ctx => ({ "s3:ObjectCreationOperation": "true", "s3:x-amz-copy-source": source, ...headers }),
  createMultipartUpload: (headers: Ctx = {}): Ctx => ({ "s3:ObjectCreationOperation": "false", ...headers }),
  uploadPart: (): Ctx => ({ "s3:ObjectCreationOperation": "false" }),
  uploadPartCopy: (source: string): Ctx => ({ "s3:ObjectCreationOperation": "false", "s3:x-amz-copy-source": source }),
  completeMultipartUpload: (): Ctx => ({ "s3:ObjectCreationOperation": "true" }),
} as const;

/** The SSE-KMS headers naming `keyArn`. */
export const kmsHeaders = (keyArn: string): Ctx => ({
  "s3:x-amz-server-side-encryption": "aws:kms",
  "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn,
});
/** The retention tag header (`x-amz-tagging: retention-class=<value>`). */
export const retentionTag = (value: string): Ctx => ({ "s3:RequestObjectTag/retention-class": value });

/** A single-request PutObject with SSE-KMS and `keyArn`. */
export const sseKms = (keyArn: string): Ctx => op.putObject(kmsHeaders(keyArn));

/** A request by tenant `caller` (its session, its identity policy) against `resourcePolicy`. */
export function asTenant(caller: Tenant, action: string, resource: string, context: Ctx, resourcePolicy: unknown): Promise<SimDecision> {
  return simulate({
    principal: caller.session,
    action,
    resource,
    resourceAccount: ACCOUNT,
    context: { ...tls(caller.roleArn), ...context },
    identityPolicies: { [ACCESS_POLICY_NAME]: caller.identity },
    resourcePolicy,
  });
}

/** A KMS request by tenant `caller` on `keyArn` governed by `keyPolicy`. */
export function kmsAsTenant(caller: Tenant, action: string, keyArn: string, context: Ctx, keyPolicy: unknown): Promise<SimDecision> {
  return simulate({
    principal: caller.session,
    action,
    resource: keyArn,
    resourceAccount: ACCOUNT,
    context: { "aws:PrincipalArn": caller.roleArn, "kms:CallerAccount": ACCOUNT, ...context },
    identityPolicies: { [ACCESS_POLICY_NAME]: caller.identity },
    resourcePolicy: keyPolicy,
  });
}

/** An administrator of the account: an identity policy allowing everything (AdministratorAccess). */
export const ADMINISTRATOR_ACCESS = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
export function asAdmin(roleArn: string, action: string, resource: string, context: Ctx, resourcePolicy: unknown): Promise<SimDecision> {
  const name = roleArn.split("/").pop()!;
  return simulate({
    principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${name}/admin-session`,
    action,
    resource,
    resourceAccount: ACCOUNT,
    context: { "aws:PrincipalArn": roleArn, ...context },
    identityPolicies: { AdministratorAccess: ADMINISTRATOR_ACCESS },
    resourcePolicy,
  });
}

export function expectExplicit(d: SimDecision, identity: string[], resource: string[] = []) {
  expect(d.result).toBe("ExplicitlyDenied");
  expect([...d.identityDenies].sort()).toEqual([...identity].sort());
  expect([...d.resourceDenies].sort()).toEqual([...resource].sort());
}
