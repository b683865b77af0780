/** Which tenant a request may concern. */
import type { FastifyRequest } from "fastify";
import { tenantIdProblems } from "../../components/naming";
import { ApiProblem } from "../problems";

/** The caller must be an operator (setup, cleanup). */
export function requireOperator(req: FastifyRequest): void {
  if (req.caller?.kind !== "operator") throw new ApiProblem("forbidden", "this operation is for operators only");
}

/**
 * The tenant a request concerns: for operators the named tenant (a valid ID, else 400); for a
 * tenant caller only itself — naming any other ID is 403 with the same body whether that tenant
 * exists or not (and whether the ID is even valid), so nothing about other tenants leaks.
 */
export function scopedTenant(req: FastifyRequest, named: string): string {
  const c = req.caller;
  if (!c) throw new ApiProblem("unauthorized", "missing, malformed or unknown credential");
  if (c.kind === "tenant") {
    if (named !== c.tenantId) throw new ApiProblem("forbidden", "a tenant credential may only act on its own tenant");
    return named;
  }
  const problems = tenantIdProblems(named, "tenantId");
  if (problems.length > 0) throw new ApiProblem("invalid-request", `tenantId ${JSON.stringify(named)} is not a valid tenant ID`, problems);
  return named;
}
