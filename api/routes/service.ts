/** The service's own endpoints: liveness, readiness, Prometheus metrics, the OpenAPI document. */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { ProblemSchema } from "../problems";
import type { ApiContext } from "../server";

export function registerServiceRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get("/health", { schema: { summary: "Liveness of the API process", security: [], response: { 200: z.object({ status: z.literal("ok") }) } } }, async () => ({ status: "ok" as const }));
  r.get(
    "/ready",
    {
      schema: {
        summary: "Readiness: the job queue's database answers",
        security: [],
        response: { 200: z.object({ status: z.literal("ready") }), 503: ProblemSchema },
      },
    },
    async (_req, reply) => {
      try {
        await ctx.queue.pool.query("SELECT 1");
        return { status: "ready" as const };
      } catch (e) {
        return reply.status(503).type("application/problem+json").send({
          type: "https://controlcore.io/problems/unavailable", title: "Service unavailable", status: 503,
          detail: `the operations database does not answer: ${(e as Error).message}`,
        });
      }
    },
  );
  r.get("/metrics", { schema: { summary: "Request and latency counters of the API (Prometheus text)", security: [], produces: ["text/plain"], response: { 200: z.string() } } }, async (_req, reply) => {
    reply.type("text/plain; version=0.0.4");
    return ctx.metrics.render();
  });
  r.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}
