/**
 * TenantStack: everything one tenant gets, composed from one child component per isolation
 * concern and parameterized by the tenant's plan. One Pulumi stack holds one TenantStack.
 *
 * Every input is validated by {@link tenantStackProblems} before anything is registered, and
 * every problem of every child is reported at once (`components/tenant-inputs.ts`).
 */
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Plan } from "../plans/schema";
import { InputError } from "./errors";
import { TenantIdentity } from "./identity/tenant-identity";
import { TenantNamespace } from "./kubernetes/tenant-namespace";
import { TenantMonitoring } from "./monitoring/tenant-monitoring";
import type { TenantNames } from "./naming";
import { TenantNetwork } from "./network/tenant-network";
import type { PlatformConfig, PlatformSecrets, TenantSettings } from "./platform-config";
import { PostgresSchemaWithRls } from "./postgres/postgres-schema-with-rls";
import { RedisNamespace } from "./redis/redis-namespace";
import { S3TenantPrefix } from "./s3/s3-tenant-prefix";
import { SecurityCredentials } from "./security/security-credentials";
import { tenantChildArgs, tenantStackProblems } from "./tenant-inputs";
import { type TenantStackOutputs, tenantStackOutputs } from "./tenant-outputs";

export interface TenantStackArgs {
  /** The tenant ID (`naming.tenantIdProblem`). Decides every physical name. */
  readonly tenantId: string;
  /** The validated plan (with per-tenant overrides already merged). Plain: it decides which children exist. */
  readonly plan: Plan;
  /** Shared platform inputs, validated by `PlatformConfigSchema`. */
  readonly platform: PlatformConfig;
  /** Platform secrets (admin passwords, kubeconfig); passed as secret Inputs. */
  readonly secrets: PlatformSecrets;
  /** The tenant's own settings beyond the plan (a pinned Redis cell, custom domain, CORS, key slots). */
  readonly tenant?: TenantSettings;
  /**
   * Settings of the explicit AWS providers this stack creates (the us-east-1 provider of
   * CloudFront certificates). An explicit provider does not read the stack's `aws:` config, so
   * without them it would run with ambient credentials (another profile, no assumed role).
   * @default the stack's own `aws:` config (profile, assumeRoles, allowedAccountIds...), read by
   * `awsProviderArgsFromConfig`
   */
  readonly awsProviderArgs?: Omit<aws.ProviderArgs, "region">;
}

/** The type token of the component. */
export const TENANT_STACK_TYPE = "controlcore:tenant:TenantStack";

export class TenantStack extends pulumi.ComponentResource {
  /** The tenant's physical names. */
  readonly names: TenantNames;
  /** Database isolation: the tenant's role, schema or database, tables and RLS. */
  readonly postgres: PostgresSchemaWithRls;
  /**
   * The tenant's AWS identity: its KMS key and its principal (plans with `s3_prefix`,
   * `security_isolation` or `monitoring_isolation`); the children below receive it.
   */
  readonly identity?: TenantIdentity;
  /** Cache isolation: the tenant's Redis user confined to its namespace (plan redis_namespace). */
  readonly redis?: RedisNamespace;
  /** Object storage isolation: the tenant prefix or dedicated bucket (plan s3_prefix). */
  readonly s3?: S3TenantPrefix;
  /** Security isolation: JWT signing keys, API keys, CORS origins (plan security_isolation). */
  readonly security?: SecurityCredentials;
  /** Monitoring isolation: log groups, metric filters, dashboards, alarms (plan monitoring_isolation). */
  readonly monitoring?: TenantMonitoring;
  /** Network isolation: subdomain, certificate, CDN and edge rate limits (plan network_isolation). */
  readonly network?: TenantNetwork;
  /** The tenant's Kubernetes namespace (when the platform has a cluster). */
  readonly kubernetes?: TenantNamespace;
  /** The stack outputs: one typed shape, registered here and returned by the program. */
  readonly outputs: TenantStackOutputs;

  constructor(name: string, args: TenantStackArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate everything before anything is declared: bad input must not leave half a tenant
    // behind, and every problem of every child is reported at once.
    const problems = tenantStackProblems({ ...args, hasKubeconfig: args.secrets.kubeconfig !== undefined });
    if (problems.length > 0) throw new InputError(`inputs of tenant ${JSON.stringify(args.tenantId)}`, problems);
    super(TENANT_STACK_TYPE, name, {}, opts);
    // The children's plain arguments, exactly as validated above; Outputs are added here.
    const child = tenantChildArgs(args);
    this.names = child.names;
    const { plan, secrets } = args;

    this.postgres = new PostgresSchemaWithRls(
      `${name}-postgres`,
      {
        names: this.names,
        isolationLevel: plan.isolation_level,
        limits: plan.limits,
        database: plan.database,
        postgres: args.platform.postgres,
        adminPassword: secrets.postgresAdminPassword,
      },
      { parent: this },
    );

    if (child.identity) {
      this.identity = new TenantIdentity(
        `${name}-identity`,
        {
          ...child.identity,
          // Until 0.2 the key, alias and principal were children of the S3 component.
          movedFrom: { name: `${name}-s3`, urn: pulumi.createUrn(`${name}-s3`, "controlcore:s3:S3TenantPrefix", this) },
        },
        { parent: this },
      );
    }
    const identity = this.identity;

    if (child.redis) this.redis = new RedisNamespace(`${name}-redis`, child.redis, { parent: this });

    if (child.s3 && identity) this.s3 = new S3TenantPrefix(`${name}-s3`, { ...child.s3, identity }, { parent: this });

    if (child.security && identity) {
      this.security = new SecurityCredentials(
        `${name}-security`,
        { names: this.names, tags: child.tags, kmsKeyArn: identity.kmsKeyArn, tenantPrincipalArn: identity.principalRoleArn, ...child.security },
        { parent: this },
      );
    }

    if (child.monitoring && identity) {
      this.monitoring = new TenantMonitoring(`${name}-monitoring`, { ...child.monitoring, kmsKeyArn: identity.kmsKeyArn }, { parent: this });
    }

    if (child.network) {
      const security = this.security;
      this.network = new TenantNetwork(
        `${name}-network`,
        {
          ...child.network,
          // API Gateway meters exactly the keys stored in the tenant's secrets.
          ...(security ? { apiKeyValues: Object.fromEntries(Object.entries(security.apiKeys).map(([k, v]) => [k, v.value])) } : {}),
          // The us-east-1 provider gets the stack's aws: settings, not ambient credentials.
          awsProviderArgs: args.awsProviderArgs ?? TenantNetwork.stackAwsProviderArgs(),
        },
        { parent: this },
      );
    }

    if (child.kubernetes) {
      const placement = this.redis?.placement;
      this.kubernetes = new TenantNamespace(
        `${name}-k8s`,
        {
          ...child.kubernetes,
          ...(secrets.kubeconfig !== undefined ? { kubeconfig: secrets.kubeconfig } : {}),
          ...(identity ? { principalRoleArn: identity.principalRoleArn } : {}),
          ...(placement?.kind === "pooled" ? { redisCell: placement.cell } : {}),
        },
        { parent: this },
      );
    }

    this.outputs = tenantStackOutputs(this, plan);
    this.registerOutputs(this.outputs);
  }
}
