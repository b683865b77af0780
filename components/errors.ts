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
