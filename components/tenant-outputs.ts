/**
 * The stack outputs of a tenant: one typed shape, assembled once from the TenantStack's
 * children, registered as the component's outputs and returned by the program as the stack's
 * outputs (`pulumi stack output`). Every credential in it is a secret Output.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Plan } from "../plans/schema";
import type { TenantPgEndpoint } from "./postgres/postgres-schema-with-rls";
import type { RedisAppConfig } from "./redis/app-config";
import type { RedisConnection } from "./redis/redis-namespace";
import type { S3StorageConfig } from "./s3/s3-tenant-prefix";
import type { TenantJwks } from "./security/jwks";
import type { TenantStack } from "./tenant-stack";

/** The tenant's AWS identity, for the platform and the tenant's workloads. */
export interface IdentityOutputs {
  /** ARN of the tenant's KMS key. */
  readonly kmsKeyArn: pulumi.Output<string>;
  /** `alias/controlcore/tenant/<id>`. */
  readonly kmsAliasName: string;
  /** ARN of the tenant principal (IAM role assumed through EKS Pod Identity). */
  readonly principalRoleArn: pulumi.Output<string>;
}

/** The tenant's public credentials material; private keys and API key values stay in Secrets Manager. */
export interface SecurityOutputs {
  /** The JWKS the platform's verifier trusts for this tenant. */
  readonly jwks: pulumi.Output<TenantJwks>;
  /** The slot tokens are signed with (`a` or `b`). */
  readonly activeJwtKey: string;
  /** `kid` of the active signing key. */
  readonly activeKid: pulumi.Output<string>;
  /** Per API key name: the secret holding it and its fingerprint (`sha256:<hex>`). */
  readonly apiKeys: Record<string, { readonly secretArn: pulumi.Output<string>; readonly fingerprint: pulumi.Output<string> }>;
  /** The normalized CORS allowed origins. */
  readonly corsAllowedOrigins: readonly string[];
}

/** Where the tenant's logs, alarms and dashboards are. */
export interface MonitoringOutputs {
  readonly logGroupNames: Record<string, pulumi.Output<string>>;
  readonly topicArn: pulumi.Output<string>;
  readonly pagingAlarmArn: pulumi.Output<string>;
  readonly dashboardNames: pulumi.Output<string>[];
}

/** The outputs of a tenant stack. Optional sections exist exactly when the plan enables them. */
export interface TenantStackOutputs {
  readonly tenantId: string;
  /** The plan's name (`pro`, `custom`, or a user's plan). */
  readonly plan: string;
  readonly isolationLevel: Plan["isolation_level"];
  /** Where the tenant's database is and what it is called (no credential). */
  readonly postgres: pulumi.Output<TenantPgEndpoint>;
  /** The tenant's database password. Secret. */
  readonly postgresPassword: pulumi.Output<string>;
  /** The tenant's connection URL, password included. Secret. */
  readonly postgresUrl: pulumi.Output<string>;
  /** Key prefix, TTLs and memory allowance the application uses (no credential). */
  readonly redis?: RedisAppConfig;
  /** Endpoint, user and password of the tenant's Redis user. Secret. */
  readonly redisConnection?: pulumi.Output<RedisConnection>;
  readonly identity?: IdentityOutputs;
  /** What the application needs to read and write its objects (no credential). */
  readonly s3?: pulumi.Output<S3StorageConfig>;
  readonly security?: SecurityOutputs;
  readonly monitoring?: MonitoringOutputs;
  /** Subdomain, certificate, customer DNS records and edge limits. */
  readonly network?: ReturnType<NonNullable<TenantStack["network"]>["outputs"]>;
  /** The tenant's Kubernetes namespace. */
  readonly kubernetesNamespace?: pulumi.Output<string>;
}

/** Assembles the outputs from a TenantStack's children (called once, at the end of its constructor). */
export function tenantStackOutputs(stack: TenantStack, plan: Plan): TenantStackOutputs {
  const { identity, security, monitoring } = stack;
  return {
    tenantId: stack.names.id,
    plan: plan.name,
    isolationLevel: plan.isolation_level,
    postgres: stack.postgres.endpoint,
    postgresPassword: pulumi.secret(stack.postgres.password),
    postgresUrl: pulumi.secret(stack.postgres.url),
    ...(stack.redis ? { redis: stack.redis.config, redisConnection: pulumi.secret(stack.redis.connection) } : {}),
    ...(identity
      ? { identity: { kmsKeyArn: identity.kmsKeyArn, kmsAliasName: identity.kmsAliasName, principalRoleArn: identity.principalRoleArn } }
      : {}),
    ...(stack.s3 ? { s3: stack.s3.storageConfig } : {}),
    ...(security
      ? {
          security: {
            jwks: security.jwks,
            activeJwtKey: security.activeJwtKey,
            activeKid: security.activeKid,
            apiKeys: Object.fromEntries(
              Object.entries(security.apiKeys).map(([n, k]) => [n, { secretArn: k.secretArn, fingerprint: k.fingerprint }]),
            ),
            corsAllowedOrigins: security.corsAllowedOrigins,
          },
        }
      : {}),
    ...(monitoring
      ? {
          monitoring: {
            logGroupNames: monitoring.logGroupNames,
            topicArn: monitoring.topicArn,
            pagingAlarmArn: monitoring.pagingAlarmArn,
            dashboardNames: monitoring.dashboardNames,
          },
        }
      : {}),
    ...(stack.network ? { network: stack.network.outputs() } : {}),
    ...(stack.kubernetes ? { kubernetesNamespace: stack.kubernetes.namespaceName } : {}),
  };
}
