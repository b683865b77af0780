/**
 * Enqueueing a tenant operation: validated, refused while the tenant has an unfinished job, and
 * recorded in the same transaction as the pg-boss job (a job never exists without its record).
 */
import { throwIfProblems } from "../../components/errors";
import { EngineError } from "../ops/engine";
import { type JobPayload, JobPayloadSchema, jobPayloadProblems } from "./job-types";
import { BOSS_SCHEMA, DEFAULT_RETRY_POLICY, type OpsQueue, QUEUE, RECORDS_SCHEMA, type RetryPolicy, bossDb, inTransaction, lockKey } from "./queue";

export interface Enqueued {
  readonly jobId: string;
  readonly payload: JobPayload;
}

/**
 * Enqueues one job. A second job for a tenant whose previous job is still queued, retrying or
 * running is refused (EngineError `conflict`, naming that job): one outstanding job per tenant
 * keeps pg-boss's singleton queue from ever holding two jobs of one tenant, which would stall
 * the queue's head while the first runs (timgit/pg-boss#535: a fetch that would violate the
 * singleton index fetches nothing).
 */
export async function enqueue(q: OpsQueue, input: unknown, policy: Partial<RetryPolicy> = {}): Promise<Enqueued> {
  throwIfProblems("job", jobPayloadProblems(input));
  const payload = JobPayloadSchema.parse(input);
  const p = { ...DEFAULT_RETRY_POLICY, ...policy };
  const jobId = await inTransaction(q.pool, async (c) => {
    // Enqueuers of one tenant take turns; the check below and the insert are then one step.
    await c.query("SELECT pg_advisory_xact_lock($1::bigint)", [lockKey("enqueue", payload.tenantId)]);
    const open = await c.query<{ id: string; state: string }>(
      `SELECT id, state FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND singleton_key = $2 AND state < 'completed' ORDER BY created_on LIMIT 1`,
      [QUEUE, payload.tenantId],
    );
    if (open.rows[0]) {
      const { id, state } = open.rows[0];
      throw new EngineError(
        "conflict",
        `tenant ${payload.tenantId} already has job ${id} (${state}); one job per tenant at a time`,
        "enqueue again when that job has finished (its record says when)",
      );
    }
    const id = await q.boss.send(QUEUE, payload, {
      singletonKey: payload.tenantId,
      retryLimit: p.retryLimit,
      retryDelay: p.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: p.expireInSeconds,
      db: bossDb(c),
    });
    if (id === null) throw new Error(`pg-boss did not create the job for tenant ${payload.tenantId}`);
    const { requestedBy, kind, tenantId, ...rest } = payload;
    await c.query(
      `INSERT INTO ${RECORDS_SCHEMA}.job_record (job_id, kind, tenant_id, request, requested_by) VALUES ($1, $2, $3, $4, $5)`,
      [id, kind, tenantId, JSON.stringify({ ...rest, retryPolicy: p }), requestedBy],
    );
    return id;
  });
  return { jobId, payload };
}
