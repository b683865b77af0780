/**
 * The shapes `tenantctl ... --json` prints. Every output is one JSON object on one line with a
 * {@link JSON_OUTPUT_VERSION} `version` field, and every command that names a tenant's plan
 * describes it with the same {@link PlanSummary}.
 *
 * The version changes only when a field is removed, renamed or changes meaning; new fields may
 * be added within a version.
 */

/** Version of the `--json` output shapes (the `version` field of every output). */
export const JSON_OUTPUT_VERSION = 1;

/** The plan a tenant runs on, as every `--json` output names it. */
export interface PlanSummary {
  /** The plan's `name` (`pro`, `custom`, or the name in a user's plan file). */
  readonly name: string;
  /** `pro`, `custom`, or the absolute path of the user's plan file. */
  readonly source: string;
  /** The isolation level after overrides (`database`, `schema`, `table`, `row`). */
  readonly isolationLevel: string;
}

/** Fields every `--json` output starts with. */
export interface JsonOutputHead {
  readonly version: typeof JSON_OUTPUT_VERSION;
  readonly tenant: string;
  readonly plan: PlanSummary;
}

/** The plan summary of a loaded plan (`{ plan, source }` as plans/load.ts returns it). */
export function planSummary(loaded: { readonly plan: { readonly name: string; readonly isolation_level: string }; readonly source: string }): PlanSummary {
  return { name: loaded.plan.name, source: loaded.source, isolationLevel: loaded.plan.isolation_level };
}

/** One line of JSON: what `--json` writes to stdout. */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
