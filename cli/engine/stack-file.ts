/**
 * Reads a Pulumi stack config file (Pulumi.<stack>.yaml) into the flat key → value map the
 * Pulumi runtime expects, so the offline plan and local mode feed the program the same config
 * shape `pulumi up` would. Encrypted values (`secure:`) cannot be decrypted without the Pulumi
 * CLI: they are replaced by placeholders and marked secret.
 */
import { PlanError, readYamlFile } from "../../plans/load";

export interface StackConfig {
  /** `namespace:key` → value (objects stay objects). */
  readonly values: Record<string, unknown>;
  /** Keys whose values are secret. */
  readonly secretKeys: string[];
}

export function readStackFile(file: string): StackConfig {
  const doc = readYamlFile(file) as { config?: unknown } | null;
  const config = doc?.config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new PlanError(file, [{ path: "config", message: "expected a mapping of config keys" }]);
  }
  const values: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (typeof value === "object" && value !== null && "secure" in value) {
      values[key] = `placeholder-secret-${key.split(":").pop()}`;
      secretKeys.push(key);
    } else values[key] = value;
  }
  return { values, secretKeys };
}

/** The form `pulumi.runtime.setAllConfig` takes: every value a string, objects as JSON. */
export function toRuntimeConfig(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}
