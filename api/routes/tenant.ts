/**
 * Per-tenant read endpoints. `status` is the engine's stack status, the tenant's last job and the
 * state of each component the live checks cover (PostgreSQL → database, Redis → cache; the other
 * components — storage, network, monitoring, Kubernetes — are cloud resources the local engine
 * does not apply, and no live check of them exists here: they are listed in `notChecked`).
 * A tenant caller names itself in the path; any other ID is 403 (api/routes/scope.ts).
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { jobRecords } from "../../cli/jobs/records";
import { EngineError } from "../../cli/ops/engine";
import { tenantHealth } from "../checks/health";
import { TenantNotFoundError } from "../checks/schemas";
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
  /** Live state per checked component; null when this platform has no state to check the tenant against. */
  components: z.array(z.object({ component: z.enum(["database", "cache"]), state: z.enum(["ok", "drifted"]), drift: z.array(z.string()) })).nullable(),
  notChecked: z.array(z.string()),
});

const COMPONENT_OF = { postgres: "database", redis: "cache" } as const;
const NOT_CHECKED = ["storage", "network", "monitoring", "kubernetes"];

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
      let s;
      try {
        s = await ctx.engine.status({ tenantId });
      } catch (e) {
        if (e instanceof EngineError && e.kind === "unavailable") throw new ApiProblem("unavailable", e.message);
        throw e;
      }
      const last = (await jobRecords(ctx.queue.pool, tenantId)).pop();
      let components = null;
      if (s.exists) {
        try {
          const h = await tenantHealth(ctx.checks, tenantId);
          components = (["postgres", "redis"] as const).map((c) => {
            const drift = h.drift.filter((d) => d.startsWith(`${c}:`));
            const ok = drift.length === 0 && h.checks.filter((x) => x.component === c).every((x) => x.ok);
            return { component: COMPONENT_OF[c], state: ok ? ("ok" as const) : ("drifted" as const), drift };
          });
        } catch (e) {
          if (!(e instanceof TenantNotFoundError)) throw e;
        }
      }
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
        components,
        notChecked: NOT_CHECKED,
      };
    },
  );
}
