/**
 * The one error shape of the project. Every refusal of user input — a plan file, stack config,
 * platform config, a command-line argument, a component's arguments — is an {@link InputError}
 * that names its real source and lists every problem at once:
 *
 * ```
 * invalid <source>: <n> problem(s)
 *   - <key path>: <what was wrong, with the value>; expected <what was expected>
 * ```
 *
 * Validators are pure functions that return {@link Problem}s; callers collect the problems of
 * every key before throwing once, so fixing one problem never reveals another.
 *
 * This module imports nothing from Pulumi, so a CLI can refuse bad input before loading the
 * SDKs. Pulumi still shows it as a clean error: it carries the marker Pulumi's `RunError` uses
 * (`__pulumiRunError`), which makes the engine print the message without a stack trace.
 */

/** One thing wrong with an input. */
export interface Problem {
  /** Dotted key path as the user wrote it (`limits.max_policies`, `platform.s3.accountId`), or `(root)`. */
  readonly path: string;
  /** What was wrong (with the value) and what was expected. */
  readonly message: string;
}

/** Where a problem's input came from, shown first in the message. */
export type InputSource = string;

/** Thrown for every refusal of user input; `problems` lists all of them. */
export class InputError extends Error {
  /** Pulumi's RunError marker: the engine prints the message alone, without a stack trace. */
  readonly __pulumiRunError = true;

  constructor(
    /** The real source: `plan pro`, `stack config controlcore-tenant:platform`, `argument <tenant>`, ... */
    readonly source: InputSource,
    readonly problems: readonly Problem[],
  ) {
    super(formatProblems(source, problems));
    this.name = "InputError";
  }

  /** True for an InputError, also one from another copy of this module. */
  static isInstance(e: unknown): e is InputError {
    return typeof e === "object" && e !== null && (e as { name?: unknown }).name === "InputError" && Array.isArray((e as InputError).problems);
  }
}

/** The message of an {@link InputError}. */
export function formatProblems(source: InputSource, problems: readonly Problem[]): string {
  const n = problems.length;
  return `invalid ${source}: ${n} problem${n === 1 ? "" : "s"}\n` + problems.map((p) => `  - ${p.path}: ${p.message}`).join("\n");
}

/** Throws one InputError when there are problems. */
export function throwIfProblems(source: InputSource, problems: readonly Problem[]): void {
  if (problems.length > 0) throw new InputError(source, problems);
}

/** Prefixes every problem's path with `prefix.` (for a section validated on its own). */
export function withPrefix(prefix: string, problems: readonly Problem[]): Problem[] {
  return problems.map((p) => ({ path: p.path === "(root)" ? prefix : `${prefix}.${p.path}`, message: p.message }));
}

/** Renders a value for a message: `nothing` for undefined, JSON otherwise. */
export function show(v: unknown): string {
  return v === undefined ? "nothing" : JSON.stringify(v);
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/**
 * The candidate closest to `word` (case-insensitive), when it is close enough to be a typo:
 * at most a third of the word's length in edits, or the same letters in another case.
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** The parts of a zod 4 schema's definition that {@link keysAt} walks. */
interface SchemaDef {
  readonly type: string;
  readonly shape?: Record<string, { _zod: { def: SchemaDef } }>;
  readonly innerType?: { _zod: { def: SchemaDef } };
  readonly in?: { _zod: { def: SchemaDef } };
  readonly element?: { _zod: { def: SchemaDef } };
}

/** A zod 4 schema, as far as this module reads it (no runtime import of zod). */
export interface ZodLike {
  readonly _zod: { readonly def: SchemaDef };
}

/** The keys the schema allows at `path` (an object inside `schema`), or `undefined`. */
export function keysAt(schema: ZodLike, path: readonly PropertyKey[]): string[] | undefined {
  let def: SchemaDef | undefined = schema._zod.def;
  const unwrap = () => {
    while (def && (def.innerType || def.in) && def.type !== "object" && def.type !== "array") {
      def = (def.innerType ?? def.in)!._zod.def;
    }
  };
  unwrap();
  for (const key of path) {
    if (!def) return undefined;
    if (def.type === "object" && typeof key === "string") def = def.shape?.[key]?._zod.def;
    else if (def.type === "array") def = def.element?._zod.def;
    else return undefined;
    unwrap();
  }
  return def?.type === "object" && def.shape ? Object.keys(def.shape) : undefined;
}

/** A zod 4 issue, as far as this module reads it. */
export interface ZodIssueLike {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly keys?: readonly string[];
}

function isRecord(v: unknown): v is Record<PropertyKey, unknown> {
  return typeof v === "object" && v !== null;
}

function valueAt(root: unknown, keys: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const k of keys) {
    if (!isRecord(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** `a.b.2.c` for a key path; `(root)` for the empty path. */
export function dottedPath(keys: readonly PropertyKey[]): string {
  return keys.length === 0 ? "(root)" : keys.map(String).join(".");
}

/**
 * Turns zod issues into problems that name the key path, the value and what was expected. An
 * unknown key is answered with the keys the SCHEMA allows there (not the keys of the input) and a
 * "did you mean" when one of them is close.
 *
 * @param prefix path of `input` inside the whole input (`platform`), prepended to every path.
 */
export function zodProblems(issues: readonly ZodIssueLike[], input: unknown, schema: ZodLike, prefix: readonly PropertyKey[] = []): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      const allowed = keysAt(schema, issue.path) ?? [];
      for (const key of issue.keys ?? []) {
        const guess = didYouMean(key, allowed);
        problems.push({
          path: dottedPath([...prefix, ...issue.path, key]),
          message:
            `unknown key (value ${show(valueAt(input, [...issue.path, key]))})` +
            (guess ? `; did you mean "${guess}"?` : "") +
            (allowed.length ? ` Expected one of: ${allowed.join(", ")}` : ""),
        });
      }
      continue;
    }
    const value = valueAt(input, issue.path);
    const message = issue.code === "custom" ? issue.message : `got ${show(value)}; ${issue.message}`;
    problems.push({ path: dottedPath([...prefix, ...issue.path]), message });
  }
  return problems;
}
