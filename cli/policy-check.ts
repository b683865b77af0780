/**
 * `tenantctl plan <tenant> --policy`: the isolation policy pack (policy/isolation-policies.ts)
 * run offline over the mocked program's recorded resources, the same functions CrossGuard runs
 * in `pulumi preview --policy-pack policy`, without starting a policy server.
 *
 * Resource policies see each resource's inputs, stack policies every resource's outputs (the
 * offline engine's placeholders), as CrossGuard's `validateResource` and `validateStack` do.
 * Secrets are unwrapped for the check (CrossGuard unwraps them too); no message quotes a secret.
 */
import { evaluatePolicies, ISOLATION_POLICIES, type TenantContext, type Violation } from "../policy/isolation-policies";
import { readTenants } from "./affected-tenants";
import { type RecordedResource, unwrapSecrets } from "./engine/mock-engine";
import { jsonLine } from "./json-output";
import { type OfflinePlan, type PlanRequest, placeholderValues, runProgram, toOfflinePlan } from "./offline-plan";
import { PROJECT_DIR } from "./project-dir";
import { renderPlan } from "./render-plan";

/** Exit code of `plan --policy` with a mandatory violation: the check ran and failed (cli/ops/exit-codes.ts `EXIT.failed`). */
export const POLICY_VIOLATION_EXIT_CODE = 1;

/** The result of checking one tenant's plan. */
export interface PolicyReport {
  readonly tenant: string;
  /** Names of the policies run. */
  readonly policies: string[];
  /** How many resources were checked. */
  readonly resources: number;
  readonly violations: Violation[];
  /** Whether a mandatory policy was violated (the command then fails). */
  readonly failed: boolean;
}

/** The views both kinds of policy see of recorded resources. */
export function policyViews(resources: readonly RecordedResource[]) {
  return resources.map((r) => {
    const inputs = unwrapSecrets(r.inputs) as Record<string, unknown>;
    const state = unwrapSecrets(r.state) as Record<string, unknown>;
    const base = { type: r.type, urn: r.urn, name: r.name };
    return { inputs: { ...base, props: inputs }, outputs: { ...base, props: { ...inputs, ...state } } };
  });
}

/** The other tenants the project declares (tenants/*.yaml, Pulumi.<stack>.yaml). */
export function knownTenants(root = PROJECT_DIR): string[] {
  return [...new Set(readTenants(root).map((t) => t.id))];
}

/** Checks a tenant's recorded resources against the pack. */
export function checkResources(resources: readonly RecordedResource[], ctx: TenantContext): PolicyReport {
  const violations = evaluatePolicies(policyViews(resources), ctx);
  return {
    tenant: ctx.tenantId,
    policies: ISOLATION_POLICIES.map((p) => p.name),
    resources: resources.length,
    violations,
    failed: violations.some((v) => v.enforcementLevel === "mandatory"),
  };
}

/** The human report: one line per violation, then the verdict. */
export function renderPolicyReport(report: PolicyReport): string {
  const lines = report.violations.map((v) => `  ✗ [${v.enforcementLevel}] ${v.policy}: ${v.type} ${v.name}: ${v.message}`);
  const verdict = report.failed
    ? `policy check of tenant ${report.tenant}: ${report.violations.length} violation(s) of ${report.policies.length} policies over ${report.resources} resources`
    : `policy check of tenant ${report.tenant}: ${report.policies.length} policies passed over ${report.resources} resources`;
  return [verdict, ...lines].join("\n");
}

/** `plan --policy --json`: the offline plan with its policy report. */
export function planWithPolicy(plan: OfflinePlan, report: PolicyReport): OfflinePlan & { policy: PolicyReport } {
  return { ...plan, policy: report };
}

/** Thrown after the report is printed when a mandatory policy is violated (tenantctl exits 1). */
export class PolicyViolationError extends Error {
  constructor(readonly report: PolicyReport) {
    const n = report.violations.filter((v) => v.enforcementLevel === "mandatory").length;
    super(`tenant ${report.tenant}: ${n} mandatory isolation policy violation(s); the plan is refused`);
  }
}

/**
 * `tenantctl plan <tenant> --policy`: runs the program once under mocks, prints the plan (human
 * or `--json` with a `policy` field) and the policy report, and throws a
 * {@link PolicyViolationError} when a mandatory policy is violated.
 */
export async function runPlanWithPolicy(req: PlanRequest, opts: { json?: boolean; full?: boolean }): Promise<PolicyReport> {
  const run = await runProgram(req);
  const report = checkResources(run.resources, { tenantId: req.tenantId, otherTenants: knownTenants() });
  const plan = toOfflinePlan(req, run);
  process.stdout.write(
    opts.json ? jsonLine(planWithPolicy(plan, report)) : `${renderPlan(plan, opts.full, placeholderValues(run.resources))}\n\n${renderPolicyReport(report)}\n`,
  );
  if (report.failed) throw new PolicyViolationError(report);
  return report;
}
