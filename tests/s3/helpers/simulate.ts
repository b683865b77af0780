/**
 * Evaluates one AWS request against an identity policy and a resource policy (bucket or key
 * policy) TOGETHER, with @cloud-copilot/iam-simulate's own multi-policy simulation (identity
 * policies, resource policy, same-account and KMS key-policy trust rules), in Strict mode: every
 * condition is evaluated against the context given, nothing is assumed.
 *
 * It refuses to answer when the simulator could not run the request (bad policy, unknown action,
 * wrong resource type) or ignored a context key as not applicable to the action: either would
 * make a "denied" result meaningless. Before that, the request context is checked against AWS's
 * reference data (`tests/policies/condition-keys.ts`): every key exists, applies to the action
 * and has a value of the type AWS documents (a Bool key "true"/"false", a Numeric key a number,
 * an ARN key an ARN), so a test cannot pass on a context AWS would never send.
 */
import { type EvaluationResult, type RequestAnalysis, runSimulation } from "@cloud-copilot/iam-simulate";
import { contextProblems } from "../../policies/condition-keys";

/** One request, as AWS would authorize it. */
export interface SimRequest {
  /** Caller: an assumed-role session ARN, a role ARN, or a service principal (`pods.eks.amazonaws.com`). */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** Account that owns the resource. */
  readonly resourceAccount: string;
  /** Request context keys as AWS would set them. */
  readonly context?: Record<string, string | string[]>;
  /** The caller's identity policies, by name (none for a service principal). */
  readonly identityPolicies?: Record<string, unknown>;
  /** The resource's policy (bucket, key or trust policy), if any. */
  readonly resourcePolicy?: unknown;
}

/** The decision and which statements decided it. */
export interface SimDecision {
  readonly result: EvaluationResult;
  /** Sids of the identity-policy statements that explicitly denied. */
  readonly identityDenies: string[];
  /** Sids of the resource-policy statements that explicitly denied. */
  readonly resourceDenies: string[];
  /** Sids of the identity-policy statements that allowed. */
  readonly identityAllows: string[];
  /** Sids of the resource-policy statements that allowed. */
  readonly resourceAllows: string[];
  readonly analysis: RequestAnalysis;
}

type Analysis = NonNullable<RequestAnalysis["identityAnalysis"]>;
const sids = (statements: Analysis["denyStatements"] | undefined): string[] =>
  (statements ?? []).map((s) => s.statement.sid() ?? `#${s.statement.index()}`);

export async function simulate(req: SimRequest): Promise<SimDecision> {
  const contextErrors = await contextProblems(req.action, req.context ?? {});
  if (contextErrors.length > 0) {
    throw new Error(`request context is not one AWS would send:\n  - ${contextErrors.join("\n  - ")}`);
  }
  const response = await runSimulation(
    {
      request: {
        principal: req.principal,
        action: req.action,
        resource: { resource: req.resource, accountId: req.resourceAccount },
        contextVariables: req.context ?? {},
      },
      identityPolicies: Object.entries(req.identityPolicies ?? {}).map(([name, policy]) => ({ name, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: req.resourcePolicy,
    },
    { simulationMode: "Strict" },
  );
  if (response.resultType === "error") {
    throw new Error(`simulator refused ${req.action} on ${req.resource}: ${JSON.stringify(response.errors)}`);
  }
  if (response.resultType !== "single") {
    throw new Error(`simulator expanded ${req.resource} as a wildcard; tests must name one concrete resource`);
  }
  const ignored = response.result.ignoredContextKeys ?? [];
  if (ignored.length > 0) {
    throw new Error(`simulator ignored context keys ${ignored.join(", ")} for ${req.action}: they would not be evaluated`);
  }
  const analysis = response.result.analysis;
  return {
    result: response.overallResult,
    identityDenies: sids(analysis.identityAnalysis?.denyStatements),
    resourceDenies: sids(analysis.resourceAnalysis?.denyStatements),
    identityAllows: sids(analysis.identityAnalysis?.allowStatements),
    resourceAllows: sids(analysis.resourceAnalysis?.allowStatements),
    analysis,
  };
}
