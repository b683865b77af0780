/**
 * What a command asks the offline engine for: a tenant, a plan and its overrides. Pulumi-free,
 * so that `tenantctl` validates a request (tenant ID, plan file, isolation level) before it
 * loads the Pulumi SDKs.
 */
import { deepMerge } from "../plans/load";
import { type IsolationLevel, LEVELS_WITH_OWN_SCHEMA } from "../plans/schema";

export interface PlanRequest {
  readonly tenantId: string;
  /** `pro`, `custom` or a path to a plan file (absolute, or relative to the current directory). */
  readonly plan: string;
  /** Overrides the plan's isolation level (and database_schema to match). */
  readonly isolation?: IsolationLevel;
  /** Further per-tenant plan overrides. */
  readonly overrides?: Record<string, unknown>;
  /** Stack config file whose platform settings are used; default Pulumi.dev.yaml. */
  readonly stackFile?: string;
  /** Platform config replacing the stack file's (local mode points it at local servers). */
  readonly platform?: Record<string, unknown>;
  /** Platform secrets replacing the stack file's. */
  readonly secrets?: { postgresAdminPassword?: string };
}

/** The overrides a request implies: its own, plus the isolation level and its matching database_schema. */
export function requestOverrides(req: Pick<PlanRequest, "isolation" | "overrides">): Record<string, unknown> | undefined {
  const level = req.isolation
    ? { isolation_level: req.isolation, database_schema: LEVELS_WITH_OWN_SCHEMA.includes(req.isolation) }
    : undefined;
  if (!level) return req.overrides;
  return deepMerge(req.overrides ?? {}, level) as Record<string, unknown>;
}
