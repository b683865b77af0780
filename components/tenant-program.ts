/**
 * The program factory: given a tenant, its plan and the platform inputs, declares the tenant's
 * stack and returns its outputs. `index.ts` calls it with stack config; the offline plan, local
 * mode and the tests call it with the same arguments under mocks, so all of them run one program.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { LoadedPlan } from "../plans/load";
import type { PlatformConfig, PlatformSecrets, TenantSettings } from "./platform-config";
import { TenantStack } from "./tenant-stack";

export interface TenantProgramArgs {
  readonly tenantId: string;
  readonly plan: LoadedPlan;
  readonly platform: PlatformConfig;
  readonly secrets: PlatformSecrets;
  readonly tenant?: TenantSettings;
}

/** The stack outputs of a tenant; every credential is secret. */
export interface TenantProgramOutputs {
  tenantId: string;
  plan: string;
  planSource: string;
  isolationLevel: string;
  postgres: TenantStack["postgres"]["endpoint"];
  postgresPassword: pulumi.Output<string>;
  postgresUrl: pulumi.Output<string>;
  redis?: unknown;
  redisConnection?: pulumi.Output<unknown>;
  kubernetesNamespace?: pulumi.Output<string>;
  network?: Record<string, unknown>;
  s3?: pulumi.Output<unknown>;
  security?: Record<string, unknown>;
  monitoring?: Record<string, unknown>;
}

export function tenantProgram(args: TenantProgramArgs): TenantProgramOutputs {
  const { plan } = args.plan;
  const stack = new TenantStack(args.tenantId, {
    tenantId: args.tenantId,
    plan,
    platform: args.platform,
    secrets: args.secrets,
    ...(args.tenant ? { tenant: args.tenant } : {}),
  });
  return {
    tenantId: stack.names.id,
    plan: plan.name,
    planSource: args.plan.source,
    isolationLevel: plan.isolation_level,
    postgres: stack.postgres.endpoint,
    postgresPassword: stack.postgres.password,
    postgresUrl: stack.postgres.url,
    ...(stack.redis ? { redis: stack.redis.config, redisConnection: stack.redis.connection } : {}),
    ...(stack.kubernetes ? { kubernetesNamespace: stack.kubernetes.namespaceName } : {}),
    ...(stack.network ? { network: stack.network.outputs() } : {}),
    ...(stack.s3 ? { s3: stack.s3.storageConfig } : {}),
    ...(stack.security
      ? {
          security: {
            jwks: stack.security.jwks,
            activeJwtKey: stack.security.activeJwtKey,
            activeKid: stack.security.activeKid,
            apiKeys: Object.fromEntries(
              Object.entries(stack.security.apiKeys).map(([n, k]) => [n, { secretArn: k.secretArn, fingerprint: k.fingerprint }]),
            ),
            corsAllowedOrigins: stack.security.corsAllowedOrigins,
          },
        }
      : {}),
    ...(stack.monitoring
      ? {
          monitoring: {
            logGroupNames: stack.monitoring.logGroupNames,
            topicArn: stack.monitoring.topicArn,
            pagingAlarmArn: stack.monitoring.pagingAlarmArn,
            dashboardNames: stack.monitoring.dashboardNames,
          },
        }
      : {}),
  };
}
