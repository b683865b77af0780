/**
 * Loading plans: a named plan (`pro`, `custom`) or a path to a user's YAML, with per-tenant
 * overrides merged on top, validated by {@link PlanSchema}. Every problem is reported at once,
 * naming the source, the key path, the value and what was expected.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { type Plan, PlanSchema } from "./schema";

/** Plans shipped with the project, by name. */
export const BUILTIN_PLANS = ["pro", "custom"] as const;

/** Directory of the shipped plan files. */
export const PLANS_DIR = __dirname;

/** One problem found in a plan. */
export interface PlanProblem {
  /** Dotted key path (`limits.max_policies`), or `(root)`. */
  readonly path: string;
  /** What was wrong and what was expected. */
  readonly message: string;
}

/** Thrown when a plan cannot be loaded or is invalid; `problems` lists every problem. */
export class PlanError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly PlanProblem[],
  ) {
    const n = problems.length;
    super(
      `invalid plan ${source}: ${n} problem${n === 1 ? "" : "s"}\n` +
        problems.map((p) => `  - ${p.path}: ${p.message}`).join("\n"),
    );
    this.name = "PlanError";
  }
}

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
    throw new PlanError(ref, [
      {
        path: "(plan)",
        message: `unknown plan ${JSON.stringify(ref)}; expected one of ${BUILTIN_PLANS.join(", ")} or a path to a .yaml file`,
      },
    ]);
  }
  return path.resolve(cwd, ref);
}

/** Reads and parses one YAML file into a plain value; YAML syntax errors become a PlanError. */
export function readYamlFile(file: string, source = file): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PlanError(source, [
      { path: "(file)", message: code === "ENOENT" ? `file not found: ${file}` : `cannot read ${file}: ${String(e)}` },
    ]);
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new PlanError(
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

function valueAt(root: unknown, keys: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const k of keys) {
    if (!isPlainObject(cur) && !Array.isArray(cur)) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

function show(v: unknown): string {
  return v === undefined ? "nothing" : JSON.stringify(v);
}

function dotted(keys: readonly PropertyKey[]): string {
  return keys.length === 0 ? "(root)" : keys.map(String).join(".");
}

/** Turns zod issues into problems that name the key path, the value and what was expected. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], input: unknown): PlanProblem[] {
  const problems: PlanProblem[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      const parent = valueAt(input, issue.path);
      const known = Object.keys(isPlainObject(parent) ? parent : {}).filter((k) => !issue.keys.includes(k));
      for (const key of issue.keys) {
        problems.push({
          path: dotted([...issue.path, key]),
          message: `unknown key (value ${show(valueAt(parent, [key]))}); expected only the keys of the plan schema${known.length ? `, such as ${known.slice(0, 6).join(", ")}` : ""}`,
        });
      }
      continue;
    }
    const value = valueAt(input, issue.path);
    const message = issue.code === "custom" ? issue.message : `got ${show(value)}; ${issue.message}`;
    problems.push({ path: dotted(issue.path), message });
  }
  return problems;
}

/** Validates a plain value as a plan; throws a {@link PlanError} listing every problem. */
export function parsePlan(value: unknown, source: string): Plan {
  const result = PlanSchema.safeParse(value);
  if (!result.success) throw new PlanError(source, describeIssues(result.error.issues, value));
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
  const raw = readYamlFile(file, source);
  if (overrides !== undefined && !isPlainObject(overrides)) {
    throw new PlanError(`${source} + overrides`, [
      { path: "(overrides)", message: `got ${show(overrides)}; expected a mapping of plan keys` },
    ]);
  }
  const merged = overrides === undefined ? raw : deepMerge(raw, overrides);
  const label = overrides === undefined ? source : `${source} + overrides`;
  return { plan: parsePlan(merged, label), source };
}
