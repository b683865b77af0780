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
import { tenantIdentityProblems } from "./identity/tenant-identity";
import { tenantNamespaceProblems } from "./kubernetes/tenant-namespace";
import { tenantMonitoringProblems } from "./monitoring/tenant-monitoring";
import { tenantIdProblems, tenantNames, tenantTags } from "./naming";
import { missingPlatformSections, needsIdentity, type PlatformConfig, type TenantSettings } from "./platform-config";
import { planTenantNetwork } from "./network/tenant-network";
import { redisNamespaceProblems } from "./redis/redis-namespace";
import { s3TenantPrefixProblems } from "./s3/s3-tenant-prefix";
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
 * Every problem with a tenant's inputs (empty when valid). The plan and the platform config are
 * already parsed by their schemas; this checks what only the combination can tell and what
 * each child component requires.
 */
export function tenantStackProblems(args: TenantInputs): Problem[] {
  const idProblems = tenantIdProblems(args.tenantId);
  const { plan, platform } = args;
  const tenant = args.tenant ?? {};
  const problems: Problem[] = [...idProblems, ...missingPlatformSections(plan, platform)];
  // The children need the tenant's names; without a valid ID only the ID is reported.
  if (idProblems.length > 0) return problems;
  const names = tenantNames(args.tenantId);
  const tags = tenantTags(names, plan.name);

  if (needsIdentity(plan) && platform.s3) {
    problems.push(...tenantIdentityProblems({}));
  }
  if (plan.s3_prefix && platform.s3) {
    problems.push(
      ...inPlan(
        s3TenantPrefixProblems({ backupRetentionDays: plan.limits.backup_retention_days, dedicated: plan.dedicated_resources, platform: platform.s3 }),
      ),
    );
  }
  if (plan.redis_namespace && platform.redis) {
    problems.push(
      ...inPlan(
        redisNamespaceProblems({
          names,
          settings: plan.redis,
          dedicated: plan.dedicated_resources,
          platform: platform.redis,
          ...(tenant.redisCell !== undefined ? { cell: tenant.redisCell } : {}),
          tags,
        }),
      ),
    );
  }
  if (plan.monitoring_isolation && platform.s3) {
    problems.push(
      ...tenantMonitoringProblems({
        names,
        planName: plan.name,
        limits: plan.limits,
        rateLimiting: plan.rate_limiting,
        monitoring: plan.monitoring,
        ...(platform.monitoring ? { platform: platform.monitoring } : {}),
        region: platform.s3.region,
        // Declared by TenantIdentity: an Output here, which the validator leaves to the component.
        kmsKeyArn: DEFERRED_OUTPUT,
        tags,
      }),
    );
  }
  if (plan.network_isolation && platform.network) {
    problems.push(
      ...planTenantNetwork({
        names,
        network: platform.network,
        ...(tenant.network ? { tenant: tenant.network } : {}),
        planName: plan.name,
        cdnEnabled: plan.network.cdn_enabled,
        rateLimiting: plan.rate_limiting,
        limits: plan.limits,
        tags,
      }).problems,
    );
  }
  if (platform.kubernetes) {
    problems.push(
      ...tenantNamespaceProblems({
        planName: plan.name,
        platform: platform.kubernetes,
        // The kubeconfig is a secret the boundary does not read; the context check applies without it.
        ...(args.hasKubeconfig ? { kubeconfig: "(set)" } : {}),
        // The principal is TenantIdentity's role, declared when the plan needs the identity.
        ...(needsIdentity(plan) && platform.s3 ? { principalRoleArn: DEFERRED_OUTPUT } : {}),
        redis: plan.redis_namespace,
        redisDedicated: plan.redis_namespace && plan.dedicated_resources,
        awsApis: { s3Prefix: plan.s3_prefix, securityIsolation: plan.security_isolation },
      }),
    );
  }
  problems.push(...tenantSettingsProblems(tenant, plan, platform));
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
