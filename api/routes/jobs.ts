/**
 * Setup and cleanup as jobs of the PostgreSQL queue (cli/jobs: enqueue refuses a tenant's second
 * unfinished job, which becomes 409), and the job's progress. `Idempotency-Key` makes a retried
 * POST return the job the first one created (same caller, same key, same body), and a reuse of
 * the key for another body is 422.
 */
import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { InputError } from "../../components/errors";
import { BUILTIN_PLANS, loadPlan } from "../../plans/load";
import { ISOLATION_LEVELS } from "../../plans/schema";
import { requestOverrides } from "../../cli/plan-request";
import { enqueue } from "../../cli/jobs/enqueue";
import { jobRecord, jobRecords } from "../../cli/jobs/records";
import { EngineError } from "../../cli/ops/engine";
import { callerName } from "../auth";
import { ApiProblem, problemResponses } from "../problems";
import type { ApiContext } from "../server";
import { requireOperator, scopedTenant } from "./scope";

/**
 * Plans by name only: a plan file's path names the server's filesystem, which no HTTP caller may
 * choose.
 */
const PlanName = z.enum(BUILTIN_PLANS);

export const SetupBody = z.strictObject({
  tenantId: z.string(),
  plan: PlanName.default("pro"),
  isolation: z.enum(ISOLATION_LEVELS).optional(),
  overrides: z.record(z.string(), z.unknown()).optional(),
});
export const CleanupBody = z.strictObject({
  tenantId: z.string(),
  /** The plan the tenant was set up with; default: its last setup's plan. */
  plan: PlanName.optional(),
});
export const Accepted = z.object({ jobId: z.string(), tenantId: z.string(), kind: z.string(), location: z.string() });
export const JobView = z.object({
  jobId: z.string(),
  kind: z.string(),
  tenantId: z.string(),
  state: z.string(),
  attempts: z.number().int(),
  requestedBy: z.string(),
  requestedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  result: z.record(z.string(), z.unknown()).nullable(),
  error: z.record(z.string(), z.unknown()).nullable(),
});
const IdemHeaders = z.object({ "idempotency-key": z.string().min(1).max(200).optional() }).loose();

const IDEM_DDL = `CREATE SCHEMA IF NOT EXISTS tenantctl_api;
CREATE TABLE IF NOT EXISTS tenantctl_api.idempotency (
  caller text NOT NULL, key text NOT NULL, request_sha256 text NOT NULL, job_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (caller, key))`;

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function registerJobRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  let ddl: Promise<unknown> | undefined;
  const idemTable = () => (ddl ??= ctx.queue.pool.query(IDEM_DDL).catch((e) => { ddl = undefined; throw e; }));

  async function submit(req: FastifyRequest, reply: FastifyReply, kind: "setup" | "cleanup", payload: Record<string, unknown>) {
    const caller = callerName(req.caller);
    const key = (req.headers["idempotency-key"] as string | undefined) ?? undefined;
    const hash = createHash("sha256").update(JSON.stringify({ kind, payload })).digest("hex");
    const accepted = (jobId: string) => {
      const location = `/api/v1/jobs/${jobId}`;
      reply.status(202).header("location", location);
      return { jobId, tenantId: String(payload.tenantId), kind, location };
    };
    const earlier = async () => {
      if (!key) return undefined;
      await idemTable();
      const row = (await ctx.queue.pool.query<{ request_sha256: string; job_id: string }>(
        "SELECT request_sha256, job_id FROM tenantctl_api.idempotency WHERE caller = $1 AND key = $2", [caller, key])).rows[0];
      if (row && row.request_sha256 !== hash) throw new ApiProblem("idempotency-key-reused", "this Idempotency-Key was used for a different request");
      return row?.job_id;
    };
    const prior = await earlier();
    if (prior) return accepted(prior);
    let jobId: string;
    try {
      jobId = (await enqueue(ctx.queue, { kind, ...payload, requestedBy: `api ${caller}` })).jobId;
    } catch (e) {
      if (e instanceof EngineError && e.kind === "conflict") {
        // A concurrent retry with the same key may have created the job a moment ago.
        const again = await earlier();
        if (again) return accepted(again);
        throw new ApiProblem("conflict", `an operation for tenant ${String(payload.tenantId)} is queued or running`);
      }
      if (InputError.isInstance(e)) throw new ApiProblem("invalid-request", e.message, e.problems.map((p) => ({ path: p.path, message: p.message })));
      throw e;
    }
    if (key) {
      await ctx.queue.pool.query(
        "INSERT INTO tenantctl_api.idempotency (caller, key, request_sha256, job_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", [caller, key, hash, jobId]);
    }
    req.log.info({ jobId, kind }, "job enqueued");
    return accepted(jobId);
  }

  r.post(
    "/api/v1/tenant-isolation/setup",
    {
      schema: {
        summary: "Set a tenant up (async job; operators only)",
        headers: IdemHeaders,
        body: SetupBody,
        response: { 202: Accepted, ...problemResponses("invalid-request", "forbidden", "conflict", "idempotency-key-reused", "payload-too-large") },
      },
    },
    async (req, reply) => {
      requireOperator(req);
      const tenantId = scopedTenant(req, req.body.tenantId);
      const { plan, isolation, overrides } = req.body;
      // The effective plan must load (schema, overrides, isolation) before anything is queued.
      try {
        loadPlan(plan, requestOverrides({ isolation, overrides }));
      } catch (e) {
        if (InputError.isInstance(e)) throw new ApiProblem("invalid-request", e.message, e.problems.map((p) => ({ path: p.path, message: p.message })));
        throw e;
      }
      return submit(req, reply, "setup", { tenantId, plan, ...(isolation ? { isolation } : {}), ...(overrides ? { overrides } : {}) });
    },
  );

  r.post(
    "/api/v1/tenant-isolation/cleanup",
    {
      schema: {
        summary: "Offboard a tenant (async job; operators only)",
        headers: IdemHeaders,
        body: CleanupBody,
        response: { 202: Accepted, ...problemResponses("invalid-request", "forbidden", "conflict", "idempotency-key-reused", "payload-too-large") },
      },
    },
    async (req, reply) => {
      requireOperator(req);
      const tenantId = scopedTenant(req, req.body.tenantId);
      // The destroy operation does not read the plan; the job record keeps the one the tenant had.
      const last = (await jobRecords(ctx.queue.pool, tenantId)).filter((j) => j.kind === "setup").pop();
      const plan = req.body.plan ?? (typeof last?.request.plan === "string" ? last.request.plan : "pro");
      return submit(req, reply, "cleanup", { tenantId, plan });
    },
  );

  r.get(
    "/api/v1/jobs/:jobId",
    {
      schema: {
        summary: "A job's progress and result (a tenant sees only its own jobs)",
        params: z.object({ jobId: z.string() }),
        response: { 200: JobView, ...problemResponses("not-found") },
      },
    },
    async (req) => {
      const missing = () => new ApiProblem("not-found", `no job ${req.params.jobId}`);
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(req.params.jobId)) throw missing();
      const j = await jobRecord(ctx.queue.pool, req.params.jobId);
      // Another tenant's job is answered exactly like a job that does not exist.
      if (!j || (req.caller?.kind === "tenant" && req.caller.tenantId !== j.tenantId)) throw missing();
      return {
        jobId: j.jobId, kind: j.kind, tenantId: j.tenantId, state: j.state, attempts: j.attempts, requestedBy: j.requestedBy,
        requestedAt: iso(j.requestedAt)!, startedAt: iso(j.startedAt), finishedAt: iso(j.finishedAt), durationMs: j.durationMs,
        result: j.result, error: j.error,
      };
    },
  );
}
