/**
 * TenantStack: everything one tenant gets, composed from one child component per isolation
 * concern and parameterized by the tenant's plan. One Pulumi stack holds one TenantStack.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Plan } from "../plans/schema";
import { type TenantNames, tenantNames } from "./naming";
import { TenantNamespace } from "./kubernetes/tenant-namespace";
import { TenantNetwork } from "./network/tenant-network";
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
export function tenantTags(names: TenantNames, plan: Plan): Record<string, string> {
  return { "controlcore:tenant": names.id, "controlcore:plan": plan.name, "controlcore:managed-by": "pulumi" };
}

export class TenantStack extends pulumi.ComponentResource {
  /** The tenant's physical names. */
  readonly names: TenantNames;
  /** Database isolation: the tenant's role, schema or database, tables and RLS. */
  readonly postgres: PostgresSchemaWithRls;
  /** Cache isolation: the tenant's Redis user confined to its namespace (plan redis_namespace). */
  readonly redis?: RedisNamespace;
  /** Network isolation: subdomain, certificate, CDN and edge rate limits (plan network_isolation). */
  readonly network?: TenantNetwork;
  /** The tenant's Kubernetes namespace (when the platform has a cluster). */
  readonly kubernetes?: TenantNamespace;

  constructor(name: string, args: TenantStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("controlcore:tenant:TenantStack", name, {}, opts);
    // Validate before any child exists: a bad ID must not leave half a tenant behind.
    this.names = tenantNames(args.tenantId);
    const { plan, platform, secrets } = args;
    const tenant = args.tenant ?? {};
    const missing = missingPlatformSections(plan, platform);
    if (missing.length > 0) throw new ConfigError("platform config", missing);
    const tags = tenantTags(this.names, plan);

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
    });
  }
}
