/**
 * A tenant's effective configuration: its plan with the values it was applied with, and the
 * platform inputs the program ran with for it (local mode's: the dev stack's platform config with
 * `postgres` pointed at the database server, cli/local/local-mode.ts localPlatform). Never a
 * secret: the admin password is not part of the platform inputs (postgresPlatform returns it
 * apart), credentials in URLs and every password-, token-, key- or secret-named value are
 * replaced by `[secret]` (cli/ops/local-engine.ts redactOutputs, plus the names below).
 */
import * as path from "node:path";
import { localPlatform, postgresPlatform } from "../../cli/local/local-mode";
import { readStackFile } from "../../cli/engine/stack-file";
import { PROJECT_DIR } from "../../cli/offline-plan";
import { redactOutputs } from "../../cli/ops/local-engine";
import { CONFIG_NAMESPACE } from "../../components/platform-config";
import type { CheckContext } from "./context";
import type { TenantConfig } from "./schemas";
import { loadTenant } from "./tenant-state";
import { effectivePlanOf } from "./usage";

/** Names of values that are credentials whatever they hold. */
export const SECRET_NAME = /password|passphrase|private.?key|api.?key|token|credential|secret(_?value|_?string)?$/i;

/** `v` with every credential-named value and every URL password replaced by `[secret]`. */
export function withoutSecrets(v: unknown, keyName = ""): unknown {
  if (SECRET_NAME.test(keyName) && v !== undefined && v !== null) return "[secret]";
  if (Array.isArray(v)) return v.map((x) => withoutSecrets(x));
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutSecrets(x, k)]));
  return redactOutputs(v, keyName);
}

/** The effective plan (with overrides) and the non-secret platform inputs of the tenant. */
export async function tenantConfig(ctx: CheckContext, tenantId: string): Promise<TenantConfig> {
  const t = await loadTenant(ctx, tenantId);
  const { plan, overrides } = await effectivePlanOf(ctx, t);
  const { platform: postgres } = await postgresPlatform(ctx.databaseUrl, { createDatabase: false });
  const dev = (readStackFile(path.join(PROJECT_DIR, "Pulumi.dev.yaml")).values[`${CONFIG_NAMESPACE}:platform`] as Record<string, unknown>) ?? {};
  const platform = withoutSecrets(localPlatform(dev, postgres, plan.name)) as Record<string, unknown>;
  return {
    tenant: t.names.id,
    plan: plan.name,
    level: plan.isolation_level,
    effectivePlan: plan as unknown as Record<string, unknown>,
    overrides,
    platform,
  };
}
