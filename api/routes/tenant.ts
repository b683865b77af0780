/**
 * Per-tenant read endpoints. `status` is the engine's stack status and the tenant's last job.
 * A tenant caller names itself in the path; any other ID is 403 (api/routes/scope.ts).
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { jobRecords } from "../../cli/jobs/records";
import { EngineError } from "../../cli/ops/engine";
import { ApiProblem, problemResponses } from "../problems";
import type { ApiContext } from "../server";
import { scopedTenant } from "./scope";

export const TenantParams = z.object({ tenantId: z.string() });
export const StatusView = z.object({
  tenantId: z.string(),
  exists: z.boolean(),
  engine: z.string(),
  resourceCount: z.number().int(),
  pendingOperations: z.number().int(),
  lastUpdate: z.object({ operation: z.string(), result: z.string(), startedAt: z.string(), endedAt: z.string().optional() }).nullable(),
  lastJob: z.object({ jobId: z.string(), kind: z.string(), state: z.string(), finishedAt: z.string().nullable(), error: z.record(z.string(), z.unknown()).nullable() }).nullable(),
});

export function registerTenantRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    "/api/v1/tenant-isolation/:tenantId/status",
    {
      schema: {
        summary: "The tenant's stack state and its last operation",
        params: TenantParams,
        response: { 200: StatusView, ...problemResponses("invalid-request", "forbidden", "unavailable") },
      },
    },
    async (req) => {
      const tenantId = scopedTenant(req, req.params.tenantId);
      req.log = req.log.child({ tenant: tenantId });
      let s;
      try {
        s = await ctx.engine.status({ tenantId });
      } catch (e) {
        if (e instanceof EngineError && e.kind === "unavailable") throw new ApiProblem("unavailable", e.message);
        throw e;
      }
      const last = (await jobRecords(ctx.queue.pool, tenantId)).pop();
      return {
        tenantId,
        exists: s.exists,
        engine: ctx.engine.name,
        resourceCount: s.resourceCount,
        pendingOperations: s.pendingOperations,
        lastUpdate: s.lastUpdate ?? null,
        lastJob: last
          ? { jobId: last.jobId, kind: last.kind, state: last.state, finishedAt: last.finishedAt ? new Date(last.finishedAt).toISOString() : null, error: last.error }
          : null,
      };
    },
  );
}
