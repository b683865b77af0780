/**
 * The boundary validation of a tenant: every problem with a TenantStack's inputs, across every
 * child component, collected at once before anything is registered.
 *
 * Each component exports a pure validator; this module calls each one that applies to the plan
 * and rewrites their paths to the keys a user edits:
 *
 * - `tenantId`, and the tenant's own keys (`corsAllowedOrigins.2`, `jwtKeySlots`, `redisCell`...);
 * - `plan.<key>` for plan keys (`plan.limits.backup_retention_days`);
 * - `platform.<section>.<key>` for platform keys.
 *
 * Pure: no Pulumi resources, no I/O.
 */
import { type Plan, PlanSchema } from "../plans/schema";
import { keysAt, type Problem } from "./errors";
import { type TenantIdentityArgs, tenantIdentityProblems } from "./identity/tenant-identity";
import { type TenantNamespaceArgs, tenantNamespaceProblems } from "./kubernetes/tenant-namespace";
import { monitoringKeyPolicyStatements } from "./monitoring/policies";
import { type TenantMonitoringArgs, tenantMonitoringProblems } from "./monitoring/tenant-monitoring";
import { type TenantNames, tenantIdProblems, tenantNames, tenantTags } from "./naming";
import { missingPlatformSections, needsIdentity, type PlatformConfig, type TenantSettings } from "./platform-config";
import { planTenantNetwork, type TenantNetworkArgs } from "./network/tenant-network";
import { type RedisNamespaceArgs, redisNamespaceProblems } from "./redis/redis-namespace";
import { type S3TenantPrefixArgs, s3TenantPrefixProblems } from "./s3/s3-tenant-prefix";
import { SecurityPlatformSchema, TenantSecuritySchema } from "./security/config";
import { securityCredentialsProblems } from "./security/security-credentials";

/** The inputs this module validates (a TenantStack's arguments). */
export interface TenantInputs {
  readonly tenantId: string;
  readonly plan: Plan;
  readonly platform: PlatformConfig;
  readonly tenant?: TenantSettings;
  /** Whether a kubeconfig secret is configured (its value is not needed to validate). */
  readonly hasKubeconfig?: boolean;
}

/** The plan's top-level keys, from its schema. */
const PLAN_KEYS = new Set(keysAt(PlanSchema, []) ?? []);

/** Prefixes a component's plan-relative paths (`limits.x`) with `plan.`; other paths are kept. */
function inPlan(problems: readonly Problem[]): Problem[] {
  return problems.map((p) => (PLAN_KEYS.has(p.path.split(".")[0]!) ? { ...p, path: `plan.${p.path}` } : p));
}

/** The tenant's security settings with the platform's defaults applied, as SecurityCredentials takes them. */
export function resolvedSecuritySettings(tenant: TenantSettings, platform: Pick<PlatformConfig, "security">) {
  const sec = TenantSecuritySchema.parse(tenant.security ?? {});
  const secPlatform = platform.security ?? SecurityPlatformSchema.parse({});
  return {
    corsAllowedOrigins: sec.corsAllowedOrigins,
    maxCorsOrigins: secPlatform.maxCorsOrigins,
    jwtKeySlots: sec.jwtKeySlots,
    ...(sec.activeJwtKey ? { activeJwtKey: sec.activeJwtKey } : {}),
    apiKeyNames: sec.apiKeyNames,
    recoveryWindowInDays: secPlatform.secretRecoveryWindowDays,
  };
}

/**
 * The plain arguments of each child the plan enables, built once from the tenant's inputs: the
 * boundary validates exactly these, and TenantStack declares the children with exactly these
 * plus the Outputs only known once resources exist (the identity's key and role, the API key
 * values, the stack's aws: settings, the kubeconfig secret). A section is absent when the plan
 * does not enable it or the platform lacks the section it needs.
 */
export interface TenantChildArgs {
  readonly names: TenantNames;
  readonly tags: Record<string, string>;
  readonly identity?: Omit<TenantIdentityArgs, "movedFrom">;
  readonly redis?: RedisNamespaceArgs;
  readonly s3?: Omit<S3TenantPrefixArgs, "identity">;
  readonly security?: ReturnType<typeof resolvedSecuritySettings> & { deployerRoleArn: string; adminRoleArn: string };
  readonly monitoring?: Omit<TenantMonitoringArgs, "kmsKeyArn">;
  readonly network?: Omit<TenantNetworkArgs, "apiKeyValues" | "awsProviderArgs">;
  readonly kubernetes?: Omit<TenantNamespaceArgs, "kubeconfig" | "principalRoleArn" | "provider">;
}

/** Builds {@link TenantChildArgs}; `tenantId` must be valid (see {@link tenantStackProblems}). */
export function tenantChildArgs(args: TenantInputs): TenantChildArgs {
  const { plan, platform } = args;
  const tenant = args.tenant ?? {};
  const names = tenantNames(args.tenantId);
  const tags = tenantTags(names, plan.name);
  const s3 = platform.s3;
  return {
    names,
    tags,
    ...(needsIdentity(plan) && s3
      ? {
          identity: {
            names,
            tags,
            platform: s3,
            // CloudWatch Logs and alarms use the tenant key for the tenant's log groups and topic.
            ...(plan.monitoring_isolation
              ? { keyPolicyServiceStatements: monitoringKeyPolicyStatements({ names, region: s3.region, accountId: s3.accountId }) }
              : {}),
          },
        }
      : {}),
    ...(plan.redis_namespace && platform.redis
      ? {
          redis: {
            names,
            settings: plan.redis,
            dedicated: plan.dedicated_resources,
            platform: platform.redis,
            ...(tenant.redisCell !== undefined ? { cell: tenant.redisCell } : {}),
            tags,
          },
        }
      : {}),
    ...(plan.s3_prefix && s3
      ? { s3: { names, tags, backupRetentionDays: plan.limits.backup_retention_days, dedicated: plan.dedicated_resources, platform: s3 } }
      : {}),
    ...(plan.security_isolation && s3
      ? { security: { ...resolvedSecuritySettings(tenant, platform), deployerRoleArn: s3.deployerRoleArn, adminRoleArn: s3.keyAdminRoleArn } }
      : {}),
    ...(plan.monitoring_isolation && s3
      ? {
          monitoring: {
            names,
            planName: plan.name,
            limits: plan.limits,
            rateLimiting: plan.rate_limiting,
            monitoring: plan.monitoring,
            ...(platform.monitoring ? { platform: platform.monitoring } : {}),
            region: s3.region,
            tags,
          },
        }
      : {}),
    ...(plan.network_isolation && platform.network
      ? {
          network: {
            names,
            network: platform.network,
            ...(tenant.network ? { tenant: tenant.network } : {}),
            planName: plan.name,
            cdnEnabled: plan.network.cdn_enabled,
            rateLimiting: plan.rate_limiting,
            limits: plan.limits,
            tags,
          },
        }
      : {}),
    ...(platform.kubernetes
      ? {
          kubernetes: {
            names,
            planName: plan.name,
            settings: plan.kubernetes,
            maxBouncers: plan.limits.max_bouncers,
            platform: platform.kubernetes,
            // Egress follows what the tenant uses: its cache (and a dedicated cache's reader port),
            // the AWS APIs of its plan.
            redis: plan.redis_namespace,
            redisDedicated: plan.redis_namespace && plan.dedicated_resources,
            awsApis: { s3Prefix: plan.s3_prefix, securityIsolation: plan.security_isolation },
          },
        }
      : {}),
  };
}

/**
 * Every problem with a tenant's inputs (empty when valid). The plan and the platform config are
 * already parsed by their schemas; this checks what only the combination can tell and what
 * each child component requires, on the same arguments TenantStack declares them with.
 */
export function tenantStackProblems(args: TenantInputs): Problem[] {
  const idProblems = tenantIdProblems(args.tenantId);
  const problems: Problem[] = [...idProblems, ...missingPlatformSections(args.plan, args.platform)];
  // The children need the tenant's names; without a valid ID only the ID is reported.
  if (idProblems.length > 0) return problems;
  const child = tenantChildArgs(args);
  if (child.identity) problems.push(...tenantIdentityProblems(child.identity));
  if (child.s3) problems.push(...inPlan(s3TenantPrefixProblems(child.s3)));
  if (child.redis) problems.push(...inPlan(redisNamespaceProblems(child.redis)));
  // The key ARN is TenantIdentity's Output: the validator leaves it to the component.
  if (child.monitoring) problems.push(...tenantMonitoringProblems({ ...child.monitoring, kmsKeyArn: DEFERRED_OUTPUT }));
  if (child.network) problems.push(...planTenantNetwork(child.network).problems);
  if (child.kubernetes) {
    problems.push(
      ...tenantNamespaceProblems({
        ...child.kubernetes,
        // The kubeconfig is a secret the boundary does not read; the context check applies without it.
        ...(args.hasKubeconfig ? { kubeconfig: "(set)" } : {}),
        // The principal is TenantIdentity's role, declared when the plan needs the identity.
        ...(child.identity ? { principalRoleArn: DEFERRED_OUTPUT } : {}),
      }),
    );
  }
  problems.push(...tenantSettingsProblems(args.tenant ?? {}, args.plan, args.platform));
  return problems;
}

/** Stands for a value only known once resources are registered (not a plain string, so not checked). */
const DEFERRED_OUTPUT = Object.freeze({ deferred: true }) as unknown as string;

/**
 * Problems of the tenant's own settings (CORS origins, JWT key slots, API key names) that the
 * plan puts to use (all of them when the plan is not known). Needs only the platform's `security` section (defaults when absent), so a
 * bad platform section does not hide them.
 */
export function tenantSettingsProblems(
  tenant: TenantSettings,
  plan: Plan | undefined,
  platform: Partial<Pick<PlatformConfig, "security" | "s3">>,
): Problem[] {
  // With the plan unknown (it has problems of its own), the settings are checked anyway.
  if (plan && !plan.security_isolation) return [];
  return securityCredentialsProblems({
    ...resolvedSecuritySettings(tenant, platform),
    ...(platform.s3 ? { deployerRoleArn: platform.s3.deployerRoleArn, adminRoleArn: platform.s3.keyAdminRoleArn } : {}),
  });
}

/** The problems without repeats (the same path and message reported by two checks). */
export function uniqueProblems(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\0${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
