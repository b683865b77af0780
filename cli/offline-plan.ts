/**
 * The offline plan: runs the real program (stack config → plan → TenantStack) with the Pulumi
 * engine replaced by runtime mocks, and returns the tenant's resource tree. No cloud, no CLI.
 */
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE } from "../components/platform-config";
import { readStackConfig } from "../components/stack-config";
import { tenantProgram } from "../components/tenant-program";
import type { Plan } from "../plans/schema";
import type { LoadedPlan } from "../plans/load";
import { type MockRunOptions, type RecordedResource, redactSecrets, runUnderMocks } from "./engine/mock-engine";
import { type AwsLocation, placeholderLocation } from "./engine/placeholders";
import { readStackFile, toRuntimeConfig } from "./engine/stack-file";
import { JSON_OUTPUT_VERSION, type PlanSummary, planSummary } from "./json-output";
import { type PlanRequest, requestOverrides } from "./plan-request";
import { DEFAULT_STACK_FILE } from "./project-dir";

export { PROJECT_DIR } from "./project-dir";
export type { PlanRequest } from "./plan-request";
export { requestOverrides } from "./plan-request";

/** One resource of the plan, as printed with `--json`. */
export interface PlannedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent: string | null;
  readonly inputs: Record<string, unknown>;
}

/** What `tenantctl plan --json` prints (README, "JSON outputs"). */
export interface OfflinePlan {
  readonly version: typeof JSON_OUTPUT_VERSION;
  readonly tenant: string;
  readonly plan: PlanSummary;
  /** The plan's settings after the stack's and the request's overrides. */
  readonly planSettings: Plan;
  /** The account and region of every placeholder ID and ARN in `resources`. */
  readonly placeholders: AwsLocation;
  readonly resources: PlannedResource[];
}

/**
 * The stack config the program reads for a request (the stack file's platform, the request's
 * tenant and plan), and the location its placeholders live in: the platform's account and region.
 */
export function requestConfig(req: PlanRequest): { values: Record<string, string>; secretKeys: string[]; location: AwsLocation } {
  const file = readStackFile(req.stackFile ?? DEFAULT_STACK_FILE);
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
  return { values: toRuntimeConfig(values), secretKeys, location: placeholderLocation(values, CONFIG_NAMESPACE) };
}

/** A run of the program: the raw recording (secrets wrapped), its outputs and the plan it used. */
export interface ProgramRun {
  readonly resources: RecordedResource[];
  readonly outputs: Record<string, unknown>;
  readonly plan: Plan;
  /** The plan and where it came from (`pro`, `custom` or a file's path). */
  readonly loadedPlan: LoadedPlan;
  /** Where the run's placeholders live. */
  readonly placeholders: AwsLocation;
}

/** Runs the program for a request under mocks; {@link offlinePlan} redacts it for printing. */
export async function runProgram(req: PlanRequest, options: MockRunOptions = {}): Promise<ProgramRun> {
  const config = requestConfig(req);
  let loadedPlan: LoadedPlan | undefined;
  const run = await runUnderMocks(
    async () => {
      pulumi.runtime.setAllConfig(config.values, config.secretKeys);
      const args = await readStackConfig();
      loadedPlan = args.plan;
      return tenantProgram(args);
    },
    { stack: req.tenantId, placeholders: config.location, ...options },
  );
  return {
    resources: run.resources,
    outputs: run.outputs as unknown as Record<string, unknown>,
    plan: loadedPlan!.plan,
    loadedPlan: loadedPlan!,
    placeholders: options.placeholders ?? config.location,
  };
}

/** Drops the serialized code of dynamic providers: it is the program's own code, not configuration. */
function printableInputs(r: RecordedResource): Record<string, unknown> {
  const { __provider, ...rest } = r.inputs;
  const inputs = redactSecrets(rest) as Record<string, unknown>;
  if (__provider !== undefined) inputs.__provider = "[serialized dynamic provider]";
  return inputs;
}

/** Every string of a JSON-like tree. */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (typeof v === "object" && v !== null) for (const x of Object.values(v)) strings(x, out);
  return out;
}

/**
 * The values the engine made up (IDs and computed outputs no input supplied): what the human
 * output marks as known only after deployment. Secrets are left out, never printed.
 */
export function placeholderValues(resources: readonly RecordedResource[]): Set<string> {
  const made = new Set<string>();
  for (const r of resources) {
    const given = new Set(strings(redactSecrets(r.inputs)));
    given.add(r.name);
    const candidates = [r.id ?? "", ...Object.entries(r.state).filter(([k]) => !(k in r.inputs)).flatMap(([, v]) => strings(redactSecrets(v)))];
    // Short values ("none", "[secret]") would mark unrelated text.
    for (const v of candidates) if (v.length >= 8 && v !== "[secret]" && !given.has(v)) made.add(v);
  }
  return made;
}

/** The offline plan of a tenant and the values it made up (see {@link placeholderValues}). */
export async function offlinePlanWithPlaceholders(req: PlanRequest): Promise<{ plan: OfflinePlan; placeholderValues: Set<string> }> {
  const run = await runProgram(req);
  return { plan: toOfflinePlan(req, run), placeholderValues: placeholderValues(run.resources) };
}

/** The offline plan of a tenant: every resource with its redacted inputs, in registration order. */
export async function offlinePlan(req: PlanRequest): Promise<OfflinePlan> {
  return toOfflinePlan(req, await runProgram(req));
}

/** The printable plan of a run (what `plan --json` prints). */
export function toOfflinePlan(req: PlanRequest, run: ProgramRun): OfflinePlan {
  const { resources, plan } = run;
  return {
    version: JSON_OUTPUT_VERSION,
    tenant: req.tenantId,
    plan: planSummary(run.loadedPlan),
    planSettings: plan,
    placeholders: run.placeholders,
    resources: resources.map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      parent: r.parent ?? null,
      inputs: printableInputs(r),
    })),
  };
}
