/**
 * Shared fixtures of the S3 tests: a platform section, tenant tags, and a mock run of one or
 * more tenants' S3TenantPrefix with the area's placeholder rules.
 */
import * as pulumi from "@pulumi/pulumi";
import { type RecordedResource, runUnderMocks } from "../../../cli/engine/mock-engine";
import { PLACEHOLDER_ACCOUNT, PLACEHOLDER_REGION } from "../../../cli/engine/placeholders";
import type { S3Platform } from "../../../components/s3/config";
import type { KeyServiceStatement } from "../../../components/s3/kms-policy";
import { monitoringKeyPolicyStatements } from "../../../components/monitoring/policies";
import { tenantTags } from "../../../components/naming";
import { tenantNames } from "../../../components/naming";

export const ACCOUNT = PLACEHOLDER_ACCOUNT;
export const REGION = PLACEHOLDER_REGION;
export const ADMIN_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/controlcore-platform-admin`;
export const DEPLOYER_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/controlcore-deployer`;
export const SHARED_BUCKET = "control-core-tenant-data";
export const CLUSTER = "controlcore-prod";
export const ACCESS_LOG_BUCKET = "controlcore-access-logs";

/** The platform section as a platform stack would publish it (every default spelled out). */
export const PLATFORM: S3Platform = {
  sharedBucketName: SHARED_BUCKET,
  accountId: ACCOUNT,
  region: REGION,
  keyAdminRoleArn: ADMIN_ROLE_ARN,
  deployerRoleArn: DEPLOYER_ROLE_ARN,
  delegateKeyAdministrationToAccount: true,
  eksClusterName: CLUSTER,
  accessLogBucket: ACCESS_LOG_BUCKET,
  backupRetentionDays: [30, 90],
  tempExpirationDays: 1,
  noncurrentVersionDays: 30,
  abortIncompleteMultipartDays: 7,
};

export function tagsFor(id: string, plan: string): Record<string, string> {
  return tenantTags(tenantNames(id), plan);
}

/** The service statements TenantStack adds when the plan has monitoring_isolation (the real builder). */
export function logsAndAlarmsStatements(id: string): KeyServiceStatement[] {
  return monitoringKeyPolicyStatements({ names: tenantNames(id), region: REGION, accountId: ACCOUNT });
}

export interface TenantSpec {
  readonly id: string;
  readonly plan: "pro" | "custom";
  readonly dedicated: boolean;
  readonly backupRetentionDays: number;
  readonly keyPolicyServiceStatements?: readonly KeyServiceStatement[];
}

export const PRO = (id: string): TenantSpec => ({
  id,
  plan: "pro",
  dedicated: false,
  backupRetentionDays: 30,
  keyPolicyServiceStatements: logsAndAlarmsStatements(id),
});
export const CUSTOM = (id: string): TenantSpec => ({
  id,
  plan: "custom",
  dedicated: true,
  backupRetentionDays: 90,
  keyPolicyServiceStatements: logsAndAlarmsStatements(id),
});

/**
 * Runs, per tenant, its TenantIdentity (logical name `t-<id>-identity`: key, alias, principal)
 * and its S3TenantPrefix (`t-<id>-s3`) given that identity, as TenantStack wires them, under mocks.
 */
export async function runTenants(specs: readonly TenantSpec[]) {
  return runUnderMocks(
    async () => {
      const { S3TenantPrefix } = await import("../../../components/s3/s3-tenant-prefix.js");
      const { TenantIdentity } = await import("../../../components/identity/tenant-identity.js");
      const { tenantNames } = await import("../../../components/naming.js");
      const out: Record<string, unknown> = {};
      for (const s of specs) {
        const names = tenantNames(s.id);
        const tags = tagsFor(s.id, s.plan);
        const identity = new TenantIdentity(`t-${s.id}-identity`, {
          names,
          tags,
          platform: PLATFORM,
          keyPolicyServiceStatements: s.keyPolicyServiceStatements,
        });
        const c = new S3TenantPrefix(`t-${s.id}-s3`, {
          names,
          tags,
          backupRetentionDays: s.backupRetentionDays,
          dedicated: s.dedicated,
          platform: PLATFORM,
          identity,
        });
        out[s.id] = {
          kmsKeyArn: identity.kmsKeyArn,
          kmsAliasName: identity.kmsAliasName,
          principalRoleArn: identity.principalRoleArn,
          bucketName: c.bucketName,
          bucketArn: c.bucketArn,
          policies: pulumi.all([c.policies, identity.policies]).apply(([s3, id]) => ({ ...s3, ...id })),
          storageConfig: c.storageConfig,
        };
      }
      return out as Record<string, TenantOutputs>;
    },
  );
}

export interface TenantOutputs {
  kmsKeyArn: string;
  kmsAliasName: string;
  principalRoleArn: string;
  bucketName: string;
  bucketArn: string;
  policies: { identity: string; key: string; trust: string; bucket?: string };
  storageConfig: Record<string, unknown>;
}

/** The resources of one component subtree (the component and every descendant). */
export function subtree(resources: readonly RecordedResource[], rootName: string): RecordedResource[] {
  const root = resources.find((r) => r.name === rootName && !r.custom);
  if (!root) throw new Error(`no component named ${rootName}`);
  const inTree = new Set([root.urn]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of resources) {
      if (r.parent && inTree.has(r.parent) && !inTree.has(r.urn)) {
        inTree.add(r.urn);
        grew = true;
      }
    }
  }
  return resources.filter((r) => inTree.has(r.urn));
}

/** The one resource of `type` in `resources`; throws when there is not exactly one. */
export function one(resources: readonly RecordedResource[], type: string): RecordedResource {
  const found = resources.filter((r) => r.type === type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]!;
}
