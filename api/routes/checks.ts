/**
 * The tenant check endpoints over part B's checks (api/checks/**): live health, usage (metrics),
 * limits, config, validate-access. The tenant comes from the path (operators) or must be the caller's own
 * (tenants; api/routes/scope.ts). A tenant with no state on this platform is 404.
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { InputError } from "../../components/errors";
import { tenantConfig } from "../checks/config";
import type { CheckContext } from "../checks/context";
import { z } from "zod";
import { validateAccess } from "../checks/access";
import { tenantHealth } from "../checks/health";
import { AccessDecision, ResourceRef, TenantConfig, TenantHealth, TenantLimits, TenantNotFoundError, TenantUsage } from "../checks/schemas";
import { tenantLimits, tenantUsage } from "../checks/usage";
import { ApiProblem, problemResponses } from "../problems";
import { scopedTenant } from "./scope";
import { TenantParams } from "./tenant";

/** Maps the checks' errors to problems. */
export async function checked<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof TenantNotFoundError) throw new ApiProblem("not-found", e.message);
    if (InputError.isInstance(e)) throw new ApiProblem("invalid-request", e.message, e.problems.map((p) => ({ path: p.path, message: p.message })));
    throw e;
  }
}

export function registerCheckRoutes(app: FastifyInstance, checks: CheckContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const errors = problemResponses("invalid-request", "forbidden", "not-found");
  const route = <T>(name: string, summary: string, schema: unknown, fn: (ctx: CheckContext, tenantId: string) => Promise<T>) =>
    r.get(
      `/api/v1/tenant-isolation/:tenantId/${name}`,
      { schema: { summary, params: TenantParams, response: { 200: schema as typeof TenantHealth, ...errors } } },
      async (req) => {
        const tenantId = scopedTenant(req, req.params.tenantId);
        return checked(() => fn(checks, tenantId)) as never;
      },
    );
  route("health", "Live isolation checks (PostgreSQL RLS, policies, role, grants; Redis ACL) against the declared state; drift listed", TenantHealth, tenantHealth);
  route("metrics", "Usage against plan limits: rows per table, connections, Redis keys and memory under the tenant's prefix (bounded SCAN)", TenantUsage, (c, t) => tenantUsage(c, t));
  route("limits", "The effective plan's limits (with overrides) next to current usage", TenantLimits, (c, t) => tenantLimits(c, t));
  route("config", "The effective plan and the non-secret platform inputs of the tenant", TenantConfig, tenantConfig);
  r.post(
    "/api/v1/tenant-isolation/:tenantId/validate-access",
    {
      schema: {
        summary: "Whether the tenant may reach a resource (a table row, an S3 object key, a Redis key or channel), and why — from the declared policies",
        params: TenantParams,
        body: z.strictObject({ resource: ResourceRef }),
        response: { 200: AccessDecision, ...errors, ...problemResponses("payload-too-large") },
      },
    },
    async (req) => {
      const tenantId = scopedTenant(req, req.params.tenantId);
      return checked(() => validateAccess(checks, tenantId, req.body.resource));
    },
  );
}
