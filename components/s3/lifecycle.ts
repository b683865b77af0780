/**
 * Retention without per-tenant documents. A bucket has ONE lifecycle configuration (at most 1,000
 * rules) and one owner, so a tenant stack cannot add rules to the shared bucket's. Instead:
 *
 * - the platform owns a FIXED set of rules in the shared bucket, keyed by an object tag
 *   (`retention-class=temp`, `retention-class=backup-<n>d` for each retention the plans offer)
 *   plus bucket-wide rules for noncurrent versions and incomplete uploads
 *   ({@link sharedBucketLifecycleRules}: the same rules for 1 tenant or 100,000);
 * - the tenant's IAM policy refuses writes under `temp/` and `backups/` that do not carry the
 *   tag of their class (see `policies.ts`), so every such object is covered by a platform rule;
 * - a dedicated bucket belongs to the tenant stack, which owns its lifecycle configuration and
 *   uses prefix rules ({@link dedicatedBucketLifecycleRules}).
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html
 */
import type { RetentionSettings } from "./config";
import type { TenantLayout } from "./layout";

/** The object tag key the platform's lifecycle rules filter on. */
export const RETENTION_CLASS_TAG = "retention-class";
/** Tag value of objects under temp/. */
export const TEMP_RETENTION_CLASS = "temp";

/** Tag value of backups kept `days` days (`backup-30d`). */
export function backupRetentionClass(days: number): string {
  if (!Number.isInteger(days) || days < 1) throw new Error(`backup retention must be a positive whole number of days, got ${days}`);
  return `backup-${days}d`;
}

/** The prefix of every tenant in the shared bucket (never a tenant's own prefix). */
export const SHARED_TENANTS_ROOT = "tenants/";

/** A lifecycle rule, shaped like `aws.s3.BucketLifecycleConfiguration` rules. */
export interface LifecycleRule {
  readonly id: string;
  readonly status: "Enabled";
  readonly filter: {
    readonly prefix?: string;
    readonly and?: { readonly prefix: string; readonly tags: Readonly<Record<string, string>> };
  };
  readonly expiration?: { readonly days?: number; readonly expiredObjectDeleteMarker?: boolean };
  readonly noncurrentVersionExpiration?: { readonly noncurrentDays: number };
  readonly abortIncompleteMultipartUpload?: { readonly daysAfterInitiation: number };
}

/** Bucket-wide rules both kinds of bucket need: bounded versions and no orphaned uploads. */
function housekeepingRules(settings: RetentionSettings): LifecycleRule[] {
  return [
    {
      id: "noncurrent-versions",
      status: "Enabled",
      filter: {},
      // Removes delete markers left alone once their noncurrent versions have expired.
      expiration: { expiredObjectDeleteMarker: true },
      noncurrentVersionExpiration: { noncurrentDays: settings.noncurrentVersionDays },
    },
    {
      id: "abort-incomplete-multipart-uploads",
      status: "Enabled",
      filter: {},
      abortIncompleteMultipartUpload: { daysAfterInitiation: settings.abortIncompleteMultipartDays },
    },
  ];
}

/**
 * The shared bucket's lifecycle rules, for the PLATFORM stack to apply. They name no tenant: their
 * number is `3 + backupRetentionDays.length` whatever the number of tenants.
 */
export function sharedBucketLifecycleRules(
  backupRetentionDays: readonly number[],
  settings: RetentionSettings,
): LifecycleRule[] {
  const classes = [...new Set(backupRetentionDays)].sort((a, b) => a - b);
  return [
    {
      id: "temp-objects",
      status: "Enabled",
      filter: { and: { prefix: SHARED_TENANTS_ROOT, tags: { [RETENTION_CLASS_TAG]: TEMP_RETENTION_CLASS } } },
      expiration: { days: settings.tempExpirationDays },
    },
    ...classes.map(
      (days): LifecycleRule => ({
        id: backupRetentionClass(days),
        status: "Enabled",
        filter: { and: { prefix: SHARED_TENANTS_ROOT, tags: { [RETENTION_CLASS_TAG]: backupRetentionClass(days) } } },
        expiration: { days },
      }),
    ),
    ...housekeepingRules(settings),
  ];
}

/** A dedicated bucket's lifecycle rules: prefix rules, owned by the tenant stack. */
export function dedicatedBucketLifecycleRules(
  layout: TenantLayout,
  backupRetentionDays: number,
  settings: RetentionSettings,
): LifecycleRule[] {
  return [
    { id: "temp", status: "Enabled", filter: { prefix: layout.paths.temp }, expiration: { days: settings.tempExpirationDays } },
    { id: "backups", status: "Enabled", filter: { prefix: layout.paths.backups }, expiration: { days: backupRetentionDays } },
    ...housekeepingRules(settings),
  ];
}

/** The tags a writer must put on objects under each retention-managed sub-prefix. */
export interface RetentionTags {
  readonly temp: Readonly<Record<string, string>>;
  readonly backups: Readonly<Record<string, string>>;
}

/** The retention tags of a tenant (published to the application as an output). */
export function retentionTags(backupRetentionDays: number): RetentionTags {
  return {
    temp: { [RETENTION_CLASS_TAG]: TEMP_RETENTION_CLASS },
    backups: { [RETENTION_CLASS_TAG]: backupRetentionClass(backupRetentionDays) },
  };
}
