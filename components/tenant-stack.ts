/**
 * TenantStack: everything one tenant gets, composed from one child component per isolation
 * concern and parameterized by the tenant's plan. One Pulumi stack holds one TenantStack.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Plan } from "../plans/schema";
import { type TenantNames, tenantNames } from "./naming";
import { TenantNamespace } from "./kubernetes/tenant-namespace";
import { monitoringKeyPolicyStatements } from "./monitoring/policies";
import { TenantMonitoring } from "./monitoring/tenant-monitoring";
import { TenantNetwork } from "./network/tenant-network";
import { S3TenantPrefix } from "./s3/s3-tenant-prefix";
import { SecurityPlatformSchema, TenantSecuritySchema } from "./security/config";
import { SecurityCredentials } from "./security/security-credentials";
import { ConfigError, missingPlatformSections, type PlatformConfig, type PlatformSecrets, type TenantSettings } from "./platform-config";
import { PostgresSchemaWithRls } from "./postgres/postgres-schema-with-rls";
import { RedisNamespace } from "./redis/redis-namespace";

export interface TenantStackArgs {
  /** The tenant ID; validated by `naming.validateTenantId`. Decides every physical name. */
  readonly tenantId: string;
  /** The validated plan (with per-tenant overrides already merged). */
  readonly plan: Plan;
  /** Shared platform inputs. */
  readonly platform: PlatformConfig;
  /** Platform secrets (admin passwords); passed as secret Inputs. */
  readonly secrets: PlatformSecrets;
  /** The tenant's own settings beyond the plan (e.g. a pinned Redis cell). */
  readonly tenant?: TenantSettings;
}

/** The tags every taggable resource of a tenant carries. */
export function tenantTags(names: TenantNames, planName: string): Record<string, string> {
  return { "controlcore:tenant": names.id, "controlcore:plan": planName, "controlcore:managed-by": "pulumi" };
}

export class TenantStack extends pulumi.ComponentResource {
  /** The tenant's physical names. */
  readonly names: TenantNames;
  /** Database isolation: the tenant's role, schema or database, tables and RLS. */
  readonly postgres: PostgresSchemaWithRls;
  /** Cache isolation: the tenant's Redis user confined to its namespace (plan redis_namespace). */
  readonly redis?: RedisNamespace;
  /** Object storage isolation: the tenant prefix, its KMS key and its AWS principal (plan s3_prefix). */
  readonly s3?: S3TenantPrefix;
  /** Security isolation: JWT signing keys, API keys, CORS origins (plan security_isolation). */
  readonly security?: SecurityCredentials;
  /** Monitoring isolation: log groups, metric filters, dashboards, alarms (plan monitoring_isolation). */
  readonly monitoring?: TenantMonitoring;
  /** Network isolation: subdomain, certificate, CDN and edge rate limits (plan network_isolation). */
  readonly network?: TenantNetwork;
  /** The tenant's Kubernetes namespace (when the platform has a cluster). */
  readonly kubernetes?: TenantNamespace;

  constructor(name: string, args: TenantStackArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before anything is declared: bad input must not leave half a tenant behind.
    const names = tenantNames(args.tenantId);
    const missing = missingPlatformSections(args.plan, args.platform);
    if (missing.length > 0) throw new ConfigError("platform config", missing);
    super("controlcore:tenant:TenantStack", name, {}, opts);
    this.names = names;
    const { plan, platform, secrets } = args;
    const tenant = args.tenant ?? {};
    const tags = tenantTags(this.names, plan.name);

    this.postgres = new PostgresSchemaWithRls(
      `${name}-postgres`,
      {
        names: this.names,
        isolationLevel: plan.isolation_level,
        limits: plan.limits,
        database: plan.database,
        postgres: platform.postgres,
        adminPassword: secrets.postgresAdminPassword,
      },
      { parent: this },
    );

    if (plan.redis_namespace && platform.redis) {
      this.redis = new RedisNamespace(
        `${name}-redis`,
        {
          names: this.names,
          settings: plan.redis,
          dedicated: plan.dedicated_resources,
          platform: platform.redis,
          ...(tenant.redisCell !== undefined ? { cell: tenant.redisCell } : {}),
          tags,
        },
        { parent: this },
      );
    }

    if (plan.s3_prefix && platform.s3) {
      const scope = { names: this.names, region: platform.s3.region, accountId: platform.s3.accountId };
      this.s3 = new S3TenantPrefix(
        `${name}-s3`,
        {
          names: this.names,
          tags,
          backupRetentionDays: plan.limits.backup_retention_days,
          dedicated: plan.dedicated_resources,
          platform: platform.s3,
          // CloudWatch Logs and alarms use the tenant key for the tenant's log groups and topic.
          ...(plan.monitoring_isolation ? { keyPolicyServiceStatements: monitoringKeyPolicyStatements(scope) } : {}),
        },
        { parent: this },
      );
    }

    if (plan.security_isolation && this.s3 && platform.s3) {
      const sec = TenantSecuritySchema.parse(tenant.security ?? {});
      const secPlatform = platform.security ?? SecurityPlatformSchema.parse({});
      this.security = new SecurityCredentials(
        `${name}-security`,
        {
          names: this.names,
          kmsKeyArn: this.s3.kmsKeyArn,
          tenantPrincipalArn: this.s3.principalRoleArn,
          deployerRoleArn: platform.s3.deployerRoleArn,
          adminRoleArn: platform.s3.keyAdminRoleArn,
          tags,
          corsAllowedOrigins: sec.corsAllowedOrigins,
          maxCorsOrigins: secPlatform.maxCorsOrigins,
          jwtKeySlots: sec.jwtKeySlots,
          ...(sec.activeJwtKey ? { activeJwtKey: sec.activeJwtKey } : {}),
          apiKeyNames: sec.apiKeyNames,
          recoveryWindowInDays: secPlatform.secretRecoveryWindowDays,
        },
        { parent: this },
      );
    }

    if (plan.monitoring_isolation && this.s3 && platform.s3) {
      this.monitoring = new TenantMonitoring(
        `${name}-monitoring`,
        {
          names: this.names,
          planName: plan.name,
          limits: plan.limits,
          rateLimiting: plan.rate_limiting,
          monitoring: plan.monitoring,
          ...(platform.monitoring ? { platform: platform.monitoring } : {}),
          region: platform.s3.region,
          kmsKeyArn: this.s3.kmsKeyArn,
          tags,
        },
        { parent: this },
      );
    }

    if (plan.network_isolation && platform.network) {
      this.network = new TenantNetwork(
        `${name}-network`,
        {
          names: this.names,
          network: platform.network,
          ...(tenant.network ? { tenant: tenant.network } : {}),
          planName: plan.name,
          cdnEnabled: plan.network.cdn_enabled,
          rateLimiting: plan.rate_limiting,
          limits: plan.limits,
          tags,
        },
        { parent: this },
      );
    }

    if (platform.kubernetes) {
      const placement = this.redis?.placement;
      this.kubernetes = new TenantNamespace(
        `${name}-k8s`,
        {
          names: this.names,
          planName: plan.name,
          settings: plan.kubernetes,
          maxBouncers: plan.limits.max_bouncers,
          platform: platform.kubernetes,
          ...(secrets.kubeconfig !== undefined ? { kubeconfig: secrets.kubeconfig } : {}),
          ...(this.s3 ? { principalRoleArn: this.s3.principalRoleArn } : {}),
          redis: plan.redis_namespace,
          ...(placement?.kind === "pooled" ? { redisCell: placement.cell } : {}),
        },
        { parent: this },
      );
    }

    this.registerOutputs({
      postgres: this.postgres.endpoint,
      redis: this.redis?.config,
      kubernetesNamespace: this.kubernetes?.namespaceName,
      network: this.network?.outputs(),
      s3: this.s3?.storageConfig,
      jwks: this.security?.jwks,
    });
  }
}
