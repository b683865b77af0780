/**
 * Loading plans: a named plan (`pro`, `custom`) or a path to a user's YAML, with per-tenant
 * overrides merged on top, validated by {@link PlanSchema}. Every problem is reported at once,
 * naming the source, the key path, the value and what was expected.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { InputError, type Problem, show, zodProblems } from "../components/errors";
import { type Plan, PlanSchema } from "./schema";

/** Plans shipped with the project, by name. */
export const BUILTIN_PLANS = ["pro", "custom"] as const;

/** Directory of the shipped plan files. */
export const PLANS_DIR = __dirname;

/** One problem found in a plan (the project's one {@link Problem} shape). */
export type PlanProblem = Problem;

/** A validated plan and where it came from. */
export interface LoadedPlan {
  readonly plan: Plan;
  /** `pro`, `custom`, or the path of the user's file. */
  readonly source: string;
}

/** Resolves a plan reference to a file: a built-in name or a path (relative to `cwd`). */
export function resolvePlanFile(ref: string, cwd = process.cwd()): string {
  if ((BUILTIN_PLANS as readonly string[]).includes(ref)) return path.join(PLANS_DIR, `${ref}.yaml`);
  if (!/\.ya?ml$/.test(ref)) {
    throw new InputError(`plan ${JSON.stringify(ref)}`, [
      {
        path: "(plan)",
        message: `unknown plan ${JSON.stringify(ref)}; expected one of ${BUILTIN_PLANS.join(", ")} or a path to a .yaml file`,
      },
    ]);
  }
  return path.resolve(cwd, ref);
}

/**
 * Reads and parses one YAML file into a plain value; an unreadable file or YAML syntax errors
 * become an InputError whose source is `source` (say what the file is: `plan ./tiny.yaml`,
 * `stack config file Pulumi.dev.yaml`).
 */
export function readYamlFile(file: string, source = `file ${file}`): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(source, [
      { path: "(file)", message: code === "ENOENT" ? `file not found: ${file}` : `cannot read ${file}: ${String(e)}` },
    ]);
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new InputError(
      source,
      doc.errors.map((e) => ({
        path: `(yaml line ${e.linePos?.[0]?.line ?? "?"})`,
        message: e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, ""),
      })),
    );
  }
  return doc.toJS();
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Deep-merges `override` onto `base`: objects merge key by key, everything else replaces. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) out[k] = deepMerge(base[k], v);
  return out;
}

/** Every problem with a plain value as a plan (empty when it is one), paths relative to the plan. */
export function planProblems(value: unknown): Problem[] {
  const result = PlanSchema.safeParse(value);
  return result.success ? [] : zodProblems(result.error.issues, value, PlanSchema);
}

/** Validates a plain value as a plan; throws an {@link InputError} (source `plan <source>`) listing every problem. */
export function parsePlan(value: unknown, source: string): Plan {
  const result = PlanSchema.safeParse(value);
  if (!result.success) throw new InputError(`plan ${source}`, zodProblems(result.error.issues, value, PlanSchema));
  return result.data;
}

/**
 * Loads a plan by name or path and merges per-tenant overrides onto it before validating, so an
 * override is held to the same schema as the plan itself.
 *
 * @param ref `pro`, `custom`, or a path to a YAML file.
 * @param overrides Partial plan (same keys) from stack config; deep-merged onto the plan.
 */
export function loadPlan(ref: string, overrides?: unknown, cwd = process.cwd()): LoadedPlan {
  const file = resolvePlanFile(ref, cwd);
  const source = (BUILTIN_PLANS as readonly string[]).includes(ref) ? ref : file;
  const raw = readYamlFile(file, `plan ${source}`);
  if (overrides !== undefined && !isPlainObject(overrides)) {
    throw new InputError(`plan ${source} + overrides`, [
      { path: "(overrides)", message: `got ${show(overrides)}; expected a mapping of plan keys` },
    ]);
  }
  const merged = overrides === undefined ? raw : deepMerge(raw, overrides);
  const label = overrides === undefined ? source : `${source} + overrides`;
  return { plan: parsePlan(merged, label), source };
}
