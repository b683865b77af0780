/**
 * Retention: the shared bucket's rules are a fixed, tenant-free set keyed by tag; a dedicated
 * bucket's rules are the tenant's own, keyed by prefix.
 */
import { describe, expect, it } from "vitest";
import { tenantNames } from "../../components/naming";
import { tenantLayout } from "../../components/s3/layout";
import {
  backupRetentionClass,
  dedicatedBucketLifecycleRules,
  retentionTags,
  sharedBucketLifecycleRules,
} from "../../components/s3/lifecycle";

const SETTINGS = { tempExpirationDays: 1, noncurrentVersionDays: 30, abortIncompleteMultipartDays: 7 };
const HOUSEKEEPING = [
  {
    id: "noncurrent-versions",
    status: "Enabled",
    filter: {},
    expiration: { expiredObjectDeleteMarker: true },
    noncurrentVersionExpiration: { noncurrentDays: 30 },
  },
  { id: "abort-incomplete-multipart-uploads", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
];

describe("sharedBucketLifecycleRules (platform-owned)", () => {
  it("is one rule per retention class plus temp and housekeeping, filtered by tag under tenants/", () => {
    expect(sharedBucketLifecycleRules([90, 30, 30], SETTINGS)).toEqual([
      {
        id: "temp-objects",
        status: "Enabled",
        filter: { and: { prefix: "tenants/", tags: { "retention-class": "temp" } } },
        expiration: { days: 1 },
      },
      {
        id: "backup-30d",
        status: "Enabled",
        filter: { and: { prefix: "tenants/", tags: { "retention-class": "backup-30d" } } },
        expiration: { days: 30 },
      },
      {
        id: "backup-90d",
        status: "Enabled",
        filter: { and: { prefix: "tenants/", tags: { "retention-class": "backup-90d" } } },
        expiration: { days: 90 },
      },
      ...HOUSEKEEPING,
    ]);
  });

  it("names no tenant: the same rules whatever the tenants", () => {
    const json = JSON.stringify(sharedBucketLifecycleRules([30, 90], SETTINGS));
    expect(json).not.toMatch(/tenants\/[a-z]/);
    expect(sharedBucketLifecycleRules([30, 90], SETTINGS)).toHaveLength(5);
  });
});

describe("dedicatedBucketLifecycleRules (tenant-owned)", () => {
  it("expires temp/ and backups/ by prefix, bounds versions and uploads", () => {
    expect(dedicatedBucketLifecycleRules(tenantLayout(tenantNames("acme")), 90, SETTINGS)).toEqual([
      { id: "temp", status: "Enabled", filter: { prefix: "tenants/acme/temp/" }, expiration: { days: 1 } },
      { id: "backups", status: "Enabled", filter: { prefix: "tenants/acme/backups/" }, expiration: { days: 90 } },
      ...HOUSEKEEPING,
    ]);
  });
});

describe("retention classes", () => {
  it("tags temp/ and backups/ writes with their class", () => {
    expect(retentionTags(30)).toEqual({ temp: { "retention-class": "temp" }, backups: { "retention-class": "backup-30d" } });
  });

  it.each([0, -1, 1.5])("refuses a backup retention of %s days", (days) => {
    expect(() => backupRetentionClass(days)).toThrow(`backup retention must be a positive whole number of days, got ${days}`);
  });
});
