/**
 * Reads a tenant stack's config (see README, "Configuration reference") into program arguments.
 * Platform inputs come from the `platform` config object, or from a platform stack's outputs
 * when `platformStack` is set.
 *
 * Every key is read and validated before any problem is reported, and the problems of all keys
 * (tenant ID, plan, platform, the tenant's own settings, and what only their combination can
 * tell) are reported in one {@link InputError} whose paths are the config keys.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadPlan, type LoadedPlan } from "../plans/load";
import { InputError, type Problem, zodProblems } from "./errors";
import { tenantIdProblems } from "./naming";
import {
  CONFIG_NAMESPACE,
  type PlatformConfig,
  PlatformConfigSchema,
  type TenantSettings,
  TenantSettingsSchema,
} from "./platform-config";
import { tenantSettingsProblems, tenantStackProblems, uniqueProblems } from "./tenant-inputs";
import type { TenantProgramArgs } from "./tenant-program";

/** The source named in stack config errors. */
export function stackConfigSource(): string {
  return `stack config of stack ${JSON.stringify(pulumi.getStack())} (namespace ${CONFIG_NAMESPACE})`;
}

/** Reads and validates the stack's config; throws one InputError naming every bad key. */
export async function readStackConfig(): Promise<TenantProgramArgs> {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const problems: Problem[] = [];
  // Pulumi.yaml declares these keys with empty defaults: empty means unset.
  const get = (key: string) => (config.get(key) ? config.get(key) : undefined);
  const getObject = (key: string): unknown => {
    try {
      return config.getObject<unknown>(key);
    } catch (e) {
      problems.push({ path: key, message: `not valid JSON: ${(e as Error).message}` });
      return undefined;
    }
  };

  const tenantId = get("tenantId");
  if (tenantId === undefined) problems.push({ path: "tenantId", message: "missing; set it with `pulumi config set tenantId <id>`" });
  else problems.push(...tenantIdProblems(tenantId));

  let plan: LoadedPlan | undefined;
  try {
    plan = loadPlan(config.get("plan") ?? "pro", getObject("planOverrides"));
  } catch (e) {
    if (!InputError.isInstance(e)) throw e;
    // Plan problems keep their source (the plan file, with the overrides) in the path.
    problems.push(...e.problems.map((p) => ({ path: `plan.${p.path}`, message: `${p.message} (${e.source})` })));
  }

  const customDomain = get("customDomain");
  const rawTenant = dropUndefined({
    redisCell: get("redisCell"),
    network: customDomain ? { customDomain: dropUndefined({ name: customDomain, stage: config.get("customDomainStage") }) } : undefined,
    security: dropUndefined({
      corsAllowedOrigins: getObject("corsAllowedOrigins"),
      jwtKeySlots: getObject("jwtKeySlots"),
      activeJwtKey: get("activeJwtKey"),
      apiKeyNames: getObject("apiKeyNames"),
    }),
  });
  const tenantResult = TenantSettingsSchema.safeParse(rawTenant);
  if (!tenantResult.success) {
    // The tenant's settings are top-level stack config keys: security.corsAllowedOrigins.1 is corsAllowedOrigins.1.
    problems.push(
      ...zodProblems(tenantResult.error.issues, rawTenant, TenantSettingsSchema).map((p) => ({
        ...p,
        path: p.path.replace(/^security\./, "").replace(/^network\.customDomain\.name/, "customDomain").replace(/^network\.customDomain\.stage/, "customDomainStage"),
      })),
    );
  }
  const tenant: TenantSettings | undefined = tenantResult.success ? tenantResult.data : undefined;
  // Checked raw so that reading an empty secret does not warn; the value stays secret.
  const kubeconfig = pulumi.runtime.getConfig(`${CONFIG_NAMESPACE}:kubeconfig`) ? config.requireSecret("kubeconfig") : undefined;

  let platform: PlatformConfig | undefined;
  let postgresAdminPassword: pulumi.Input<string> | undefined;
  const platformStack = get("platformStack");
  if (platformStack) {
    const ref = new pulumi.StackReference(`${tenantId ?? "tenant"}-platform`, { name: platformStack });
    const published = await ref.getOutputDetails("platform");
    const password = await ref.getOutputDetails("postgresAdminPassword");
    const pw = password.secretValue ?? password.value;
    if (typeof pw !== "string") {
      problems.push({ path: "platformStack", message: `platform stack ${platformStack} has no secret string output "postgresAdminPassword"` });
    } else {
      postgresAdminPassword = pulumi.secret(pw);
    }
    const raw = published.value ?? published.secretValue;
    const parsed = PlatformConfigSchema.safeParse(raw);
    if (parsed.success) platform = parsed.data;
    else problems.push(...zodProblems(parsed.error.issues, raw, PlatformConfigSchema, ["platform"]).map((p) => ({ ...p, message: `${p.message} (output of platform stack ${platformStack})` })));
  } else {
    if (!pulumi.runtime.getConfig(`${CONFIG_NAMESPACE}:postgresAdminPassword`)) {
      problems.push({
        path: "postgresAdminPassword",
        message: "missing; set it with `pulumi config set --secret postgresAdminPassword <password>`, or set platformStack",
      });
    } else {
      postgresAdminPassword = config.requireSecret("postgresAdminPassword");
    }
    const raw = getObject("platform");
    if (raw === undefined) {
      problems.push({ path: "platform", message: "missing; expected the platform object (see Pulumi.dev.yaml), or set platformStack" });
    } else {
      const parsed = PlatformConfigSchema.safeParse(raw);
      if (parsed.success) platform = parsed.data;
      else problems.push(...zodProblems(parsed.error.issues, raw, PlatformConfigSchema, ["platform"]));
    }
  }

  // What only the combination can tell (a plan needing a missing section, a retention class the
  // shared bucket lacks, CORS origins over the platform's cap...), once every part parsed.
  if (tenant) {
    problems.push(
      ...(plan && platform && tenantId !== undefined
        ? tenantStackProblems({ tenantId, plan: plan.plan, platform, tenant, hasKubeconfig: kubeconfig !== undefined })
        : tenantSettingsProblems(tenant, plan?.plan, platform ?? {})),
    );
  }
  if (problems.length > 0 || !tenantId || !plan || !platform || !postgresAdminPassword) {
    throw new InputError(stackConfigSource(), uniqueProblems(problems));
  }
  return {
    tenantId,
    plan,
    platform,
    secrets: { postgresAdminPassword, ...(kubeconfig ? { kubeconfig } : {}) },
    ...(tenant ? { tenant } : {}),
  };
}

function dropUndefined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
