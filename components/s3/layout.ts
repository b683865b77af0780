/**
 * Where a tenant's objects live and the ARNs and service names its policies refer to. Pure: the
 * same tenant and platform give the same strings, and nothing here names another tenant.
 */
import type { TenantNames } from "../naming";

/** The spec's sub-prefixes under `tenants/<id>/`, keyed by purpose. */
export const SUB_PREFIXES = {
  policies: "policies/",
  ccLogs: "cc-logs/",
  backups: "backups/",
  temp: "temp/",
} as const;
export type SubPrefix = keyof typeof SUB_PREFIXES;

/** The tenant's prefix and the full key prefix of each sub-prefix. */
export interface TenantLayout {
  /** `tenants/<id>/`, always with the trailing slash that keeps `acme` apart from `acme-corp`. */
  readonly prefix: string;
  readonly paths: { readonly [K in SubPrefix]: string };
}

/** The tenant's key layout (the spec's "S3 Prefix Configuration"). */
export function tenantLayout(names: TenantNames): TenantLayout {
  const prefix = names.s3Prefix;
  if (!prefix.endsWith("/")) throw new Error(`S3 prefix ${JSON.stringify(prefix)} must end with "/"`);
  const paths = Object.fromEntries(
    Object.entries(SUB_PREFIXES).map(([k, sub]) => [k, `${prefix}${sub}`]),
  ) as { [K in SubPrefix]: string };
  return { prefix, paths };
}

/**
 * Root of the server access logs in the platform's log bucket. Outside `tenants/`, so no tenant
 * principal can read, overwrite or delete the record of its own requests (its identity policy
 * denies every object outside `tenants/<id>/`).
 */
export const ACCESS_LOG_ROOT = "access-logs/";

/** `access-logs/tenants/<id>/`: where a tenant's dedicated bucket delivers its server access logs. */
export function accessLogPrefix(layout: TenantLayout): string {
  return `${ACCESS_LOG_ROOT}${layout.prefix}`;
}

/** `arn:aws:s3:::<bucket>`. */
export function bucketArn(bucket: string): string {
  return `arn:aws:s3:::${bucket}`;
}

/** `arn:aws:s3:::<bucket>/<keyPattern>`. */
export function objectArn(bucket: string, keyPattern: string): string {
  return `arn:aws:s3:::${bucket}/${keyPattern}`;
}

/** `arn:aws:iam::<account>:root`: the account as a principal (delegates to IAM policies). */
export function accountRootArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:root`;
}

/** `arn:aws:eks:<region>:<account>:cluster/<name>`. */
export function eksClusterArn(region: string, accountId: string, cluster: string): string {
  return `arn:aws:eks:${region}:${accountId}:cluster/${cluster}`;
}

/**
 * The `kms:ViaService` value of a service in a region.
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
 */
export function viaService(service: "s3" | "secretsmanager", region: string): string {
  return `${service}.${region}.amazonaws.com`;
}

/** The dedicated bucket's name: the tenant's prefix from naming.ts plus the account ID. */
export function dedicatedBucketName(names: TenantNames, accountId: string): string {
  return `${names.s3DedicatedBucketPrefix}${accountId}`;
}
