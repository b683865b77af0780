/**
 * The offline plan: runs the real program (stack config → plan → TenantStack) with the Pulumi
 * engine replaced by runtime mocks, and returns the tenant's resource tree. No cloud, no CLI.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE } from "../components/platform-config";
import { readStackConfig } from "../components/stack-config";
import { tenantProgram } from "../components/tenant-program";
import { LEVELS_WITH_OWN_SCHEMA, type IsolationLevel, type Plan } from "../plans/schema";
import { deepMerge } from "../plans/load";
import { type MockRunOptions, type RecordedResource, redactSecrets, runUnderMocks } from "./engine/mock-engine";
import { readStackFile, toRuntimeConfig } from "./engine/stack-file";

/** The project's root directory (where Pulumi.yaml lives). */
export const PROJECT_DIR = path.resolve(__dirname, "..");

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

/** One resource of the plan, as printed with `--json`. */
export interface PlannedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent: string | null;
  readonly inputs: Record<string, unknown>;
}

export interface OfflinePlan {
  readonly tenant: string;
  readonly plan: Plan;
  readonly resources: PlannedResource[];
}

/** The overrides a request implies: its own, plus the isolation level and its matching database_schema. */
export function requestOverrides(req: PlanRequest): Record<string, unknown> | undefined {
  const level = req.isolation
    ? { isolation_level: req.isolation, database_schema: LEVELS_WITH_OWN_SCHEMA.includes(req.isolation) }
    : undefined;
  if (!level) return req.overrides;
  return deepMerge(req.overrides ?? {}, level) as Record<string, unknown>;
}

/** The stack config the program reads for a request: the stack file's platform, the request's tenant and plan. */
export function requestConfig(req: PlanRequest): { values: Record<string, string>; secretKeys: string[] } {
  const file = readStackFile(req.stackFile ?? path.join(PROJECT_DIR, "Pulumi.dev.yaml"));
  const key = (k: string) => `${CONFIG_NAMESPACE}:${k}`;
  const values: Record<string, unknown> = { ...file.values };
  for (const k of ["tenantId", "plan", "planOverrides"]) delete values[key(k)];
  values[key("tenantId")] = req.tenantId;
  values[key("plan")] = req.plan;
  const overrides = requestOverrides(req);
  if (overrides) values[key("planOverrides")] = overrides;
  if (req.platform) values[key("platform")] = req.platform;
  const secretKeys = [...file.secretKeys];
  if (req.secrets?.postgresAdminPassword !== undefined) {
    values[key("postgresAdminPassword")] = req.secrets.postgresAdminPassword;
    secretKeys.push(key("postgresAdminPassword"));
  } else if (values[key("postgresAdminPassword")] === undefined) {
    values[key("postgresAdminPassword")] = "placeholder-secret-postgresAdminPassword";
    secretKeys.push(key("postgresAdminPassword"));
  }
  return { values: toRuntimeConfig(values), secretKeys };
}

/** A run of the program: the raw recording (secrets wrapped), its outputs and the plan it used. */
export interface ProgramRun {
  readonly resources: RecordedResource[];
  readonly outputs: Record<string, unknown>;
  readonly plan: Plan;
}

/** Runs the program for a request under mocks; {@link offlinePlan} redacts it for printing. */
export async function runProgram(req: PlanRequest, options: MockRunOptions = {}): Promise<ProgramRun> {
  const config = requestConfig(req);
  let plan: Plan | undefined;
  const run = await runUnderMocks(
    async () => {
      pulumi.runtime.setAllConfig(config.values, config.secretKeys);
      const args = await readStackConfig();
      plan = args.plan.plan;
      return tenantProgram(args);
    },
    { stack: req.tenantId, ...options },
  );
  return { resources: run.resources, outputs: run.outputs as unknown as Record<string, unknown>, plan: plan! };
}

/** Drops the serialized code of dynamic providers: it is the program's own code, not configuration. */
function printableInputs(r: RecordedResource): Record<string, unknown> {
  const { __provider, ...rest } = r.inputs;
  const inputs = redactSecrets(rest) as Record<string, unknown>;
  if (__provider !== undefined) inputs.__provider = "[serialized dynamic provider]";
  return inputs;
}

/** The offline plan of a tenant: every resource with its redacted inputs, in registration order. */
export async function offlinePlan(req: PlanRequest): Promise<OfflinePlan> {
  const { resources, plan } = await runProgram(req);
  return {
    tenant: req.tenantId,
    plan,
    resources: resources.map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      parent: r.parent ?? null,
      inputs: printableInputs(r),
    })),
  };
}
