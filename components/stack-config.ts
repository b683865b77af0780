/**
 * Reads a tenant stack's config (see README, "Configuration reference") into program arguments.
 * Platform inputs come from the `platform` config object, or from a platform stack's outputs
 * when `platformStack` is set.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadPlan } from "../plans/load";
import { TenantIdError, validateTenantId } from "./naming";
import { CONFIG_NAMESPACE, ConfigError, parsePlatformConfig, parseTenantSettings } from "./platform-config";
import type { TenantProgramArgs } from "./tenant-program";

/** Reads and validates the stack's config; throws an error naming the key on bad input. */
export async function readStackConfig(): Promise<TenantProgramArgs> {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const rawId = config.require("tenantId");
  let tenantId: string;
  try {
    tenantId = validateTenantId(rawId);
  } catch (e) {
    if (e instanceof TenantIdError) {
      throw new ConfigError(`stack config ${CONFIG_NAMESPACE}:tenantId`, [{ path: "tenantId", message: e.reason }]);
    }
    throw e;
  }
  const plan = loadPlan(config.get("plan") ?? "pro", config.getObject<unknown>("planOverrides"));
  // Pulumi.yaml declares these keys with empty defaults: empty means unset.
  const get = (key: string) => (config.get(key) ? config.get(key) : undefined);
  const customDomain = get("customDomain");
  const tenant = parseTenantSettings(
    dropUndefined({
      redisCell: get("redisCell"),
      network: customDomain ? { customDomain: dropUndefined({ name: customDomain, stage: config.get("customDomainStage") }) } : undefined,
      security: dropUndefined({
        corsAllowedOrigins: config.getObject<unknown>("corsAllowedOrigins"),
        jwtKeySlots: config.getObject<unknown>("jwtKeySlots"),
        activeJwtKey: get("activeJwtKey"),
        apiKeyNames: config.getObject<unknown>("apiKeyNames"),
      }),
    }),
  );
  // Checked raw so that reading an empty secret does not warn; the value stays secret.
  const kubeconfig = pulumi.runtime.getConfig(`${CONFIG_NAMESPACE}:kubeconfig`) ? config.requireSecret("kubeconfig") : undefined;

  const platformStack = get("platformStack");
  if (platformStack) {
    const ref = new pulumi.StackReference(`${tenantId}-platform`, { name: platformStack });
    const platform = await ref.getOutputDetails("platform");
    const password = await ref.getOutputDetails("postgresAdminPassword");
    const pw = password.secretValue ?? password.value;
    if (typeof pw !== "string") {
      throw new ConfigError(`platform stack ${platformStack}`, [
        { path: "postgresAdminPassword", message: "expected a secret string output" },
      ]);
    }
    return {
      tenantId,
      plan,
      platform: parsePlatformConfig(platform.value ?? platform.secretValue, `platform stack ${platformStack} output "platform"`),
      secrets: { postgresAdminPassword: pulumi.secret(pw), ...(kubeconfig ? { kubeconfig } : {}) },
      tenant,
    };
  }
  if (!pulumi.runtime.getConfig(`${CONFIG_NAMESPACE}:postgresAdminPassword`)) {
    throw new ConfigError(`stack config ${CONFIG_NAMESPACE}:postgresAdminPassword`, [
      {
        path: "postgresAdminPassword",
        message: "missing; set it with `pulumi config set --secret postgresAdminPassword <password>`, or set platformStack",
      },
    ]);
  }
  return {
    tenantId,
    plan,
    platform: parsePlatformConfig(config.requireObject<unknown>("platform")),
    secrets: { postgresAdminPassword: config.requireSecret("postgresAdminPassword"), ...(kubeconfig ? { kubeconfig } : {}) },
    tenant,
  };
}

function dropUndefined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
