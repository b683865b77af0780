/**
 * The shared platform inputs a tenant stack needs (database endpoint and admin credentials,
 * Redis cells, bucket, hosted zone, clusters) and the tenant's own settings, validated by zod
 * with errors that name the config key, the value and what was expected.
 *
 * Values may be Pulumi Inputs when they come from a platform StackReference; validation then
 * covers what is known while the program runs.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { Plan } from "../plans/schema";
import { InputError, type Problem, zodProblems } from "./errors";
import { KubernetesPlatformSchema } from "./kubernetes/config";
import { MonitoringPlatformSchema } from "./monitoring/config";
import { S3PlatformSchema } from "./s3/config";
import { SecurityPlatformSchema, TenantSecuritySchema } from "./security/config";
import { NetworkPlatformSchema, TenantNetworkSchema } from "./network/config";
import { RedisPlatformSchema } from "./redis/config";

/** The config namespace: the project name in Pulumi.yaml. */
export const CONFIG_NAMESPACE = "controlcore-tenant";

const identifier = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, "a lowercase PostgreSQL identifier (letters, digits, underscores; at most 63)");

/** The platform's PostgreSQL server and the admin role the stack provisions with. */
export const PostgresPlatformSchema = z.strictObject({
  host: z.string().min(1).describe("Host name of the platform's PostgreSQL server."),
  port: z.number().int().min(1).max(65535).default(5432).describe("Port of the PostgreSQL server."),
  database: identifier.default("controlcore").describe("The platform's shared database (schema, table and row levels)."),
  adminUser: z.string().min(1).default("postgres").describe("Role the stack provisions with (CREATEROLE, CREATEDB)."),
  sslMode: z
    .enum(["disable", "require", "verify-ca", "verify-full"])
    .default("require")
    .describe("TLS mode to the server. Security default: require; disable is for local servers only."),
  superuser: z
    .boolean()
    .default(false)
    .describe("Whether adminUser is a true superuser (false on RDS and Aurora, where rds_superuser is not)."),
});
export type PostgresPlatform = z.infer<typeof PostgresPlatformSchema>;

/**
 * Platform inputs, one section per shared service. A section is required when the tenant's plan
 * enables what it serves (see {@link missingPlatformSections}).
 */
export const PlatformConfigSchema = z.strictObject({
  postgres: PostgresPlatformSchema,
  redis: RedisPlatformSchema.optional().describe("Pooled Redis cells; required when the plan enables redis_namespace."),
  kubernetes: KubernetesPlatformSchema.optional().describe("The platform's cluster; when absent no namespace is declared."),
  network: NetworkPlatformSchema.optional().describe("DNS zone, entry point, CDN and edge rate limits; required when the plan enables network_isolation."),
  s3: S3PlatformSchema.optional().describe("Shared bucket, account, key administrators; required when the plan enables s3_prefix, security_isolation or monitoring_isolation (they use the tenant key)."),
  security: SecurityPlatformSchema.optional().describe("Token issuer, audience and lifetimes, secret recovery window; every key has a default."),
  monitoring: MonitoringPlatformSchema.optional().describe("Metric namespace and dashboard layout; every key has a default."),
});
export type PlatformConfig = z.infer<typeof PlatformConfigSchema>;

/** Secrets of the platform, kept apart so they never pass through plain validation output. */
export interface PlatformSecrets {
  /** Password of `postgres.adminUser`. */
  readonly postgresAdminPassword: pulumi.Input<string>;
  /** Kubeconfig of the platform's cluster (secret); absent when the default provider is used. */
  readonly kubeconfig?: pulumi.Input<string>;
}

/** The tenant's own settings beyond its plan (stack config keys of the same names). */
export const TenantSettingsSchema = z.strictObject({
  redisCell: z
    .string()
    .min(1)
    .optional()
    .describe("Name of the Redis cell the tenant is pinned to, overriding hashed placement."),
  network: TenantNetworkSchema.optional().describe("The tenant's custom domain, if any."),
  security: TenantSecuritySchema.optional().describe("The tenant's CORS origins, JWT key slots and API key names."),
});
export type TenantSettings = z.infer<typeof TenantSettingsSchema>;

/** Validates the tenant's settings; throws an InputError listing every problem. */
export function parseTenantSettings(raw: unknown, source = `stack config ${CONFIG_NAMESPACE}`): TenantSettings {
  const result = TenantSettingsSchema.safeParse(raw);
  if (!result.success) throw new InputError(source, zodProblems(result.error.issues, raw, TenantSettingsSchema));
  return result.data;
}

/** The plan flags that need the tenant's identity (its KMS key and principal, `components/identity/`). */
export const IDENTITY_FLAGS = ["s3_prefix", "security_isolation", "monitoring_isolation"] as const;

/** Whether the plan declares the tenant's identity (its KMS key and principal). */
export function needsIdentity(plan: Plan): boolean {
  return IDENTITY_FLAGS.some((f) => plan[f]);
}

/**
 * Platform sections the plan needs but the config lacks, as problems (empty when complete).
 * Paths are `platform.<section>`.
 */
export function missingPlatformSections(plan: Plan, platform: PlatformConfig): Problem[] {
  const problems: Problem[] = [];
  const needs: Array<[keyof PlatformConfig, ReadonlyArray<keyof Plan>, string]> = [
    ["redis", ["redis_namespace"], ""],
    ["network", ["network_isolation"], ""],
    // The account, key administrators and cluster of the tenant's identity live in platform.s3.
    ["s3", IDENTITY_FLAGS, " (the tenant's KMS key and principal are declared from it)"],
  ];
  for (const [section, flags, why] of needs) {
    const on = flags.filter((f) => plan[f] === true);
    if (on.length > 0 && platform[section] === undefined) {
      problems.push({
        path: `platform.${section}`,
        message: `missing; plan ${plan.name} enables ${on.join(", ")}, which ${on.length === 1 ? "needs" : "need"} it${why}`,
      });
    }
  }
  return problems;
}

/** Every problem with plain platform config (empty when valid), paths prefixed `platform.`. */
export function platformConfigProblems(raw: unknown): Problem[] {
  const result = PlatformConfigSchema.safeParse(raw);
  return result.success ? [] : zodProblems(result.error.issues, raw, PlatformConfigSchema, ["platform"]);
}

/** Validates plain platform config, throwing an InputError that lists every problem. */
export function parsePlatformConfig(raw: unknown, source = `stack config ${CONFIG_NAMESPACE}`): PlatformConfig {
  const result = PlatformConfigSchema.safeParse(raw);
  if (!result.success) throw new InputError(source, zodProblems(result.error.issues, raw, PlatformConfigSchema, ["platform"]));
  return result.data;
}
