/**
 * Reads a Pulumi stack config file (Pulumi.<stack>.yaml) into the flat key → value map the
 * Pulumi runtime expects, so the offline plan and local mode feed the program the same config
 * shape `pulumi up` would. Encrypted values (`secure:`) cannot be decrypted without the Pulumi
 * CLI: they are replaced by placeholders and marked secret.
 */
import { InputError, type Problem } from "../../components/errors";
import { readYamlFile } from "../../plans/load";

export interface StackConfig {
  /** `namespace:key` → value (objects stay objects). */
  readonly values: Record<string, unknown>;
  /** Keys whose values are secret. */
  readonly secretKeys: string[];
}

/** Reads a stack config file; a missing or malformed file is an InputError from `stack config file <file>`. */
export function readStackFile(file: string): StackConfig {
  const source = `stack config file ${file}`;
  let doc: { config?: unknown } | null;
  try {
    doc = readYamlFile(file) as { config?: unknown } | null;
  } catch (e) {
    // readYamlFile reports a plan's source; this file is stack config.
    const problems = (e as { problems?: Problem[] }).problems;
    if (Array.isArray(problems)) throw new InputError(source, problems);
    throw e;
  }
  const config = doc?.config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new InputError(source, [{ path: "config", message: `got ${JSON.stringify(config)}; expected a mapping of config keys` }]);
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
