/**
 * The worker: takes tenant jobs from the queue and runs them with an {@link Engine}. Any number
 * of workers on any number of machines share the queue.
 *
 * At most one operation per tenant at a time, three ways deep:
 * 1. enqueue refuses a second unfinished job for a tenant (enqueue.ts);
 * 2. the queue's `singleton` policy admits one active job per tenant (pg-boss's unique index);
 * 3. the operation runs under a session advisory lock on the tenant, held on its own
 *    connection: a job that pg-boss expired and handed out again while its first worker is
 *    still alive finds the lock taken and retries later (a `conflict`). A SIGKILLed worker's
 *    connection closes, which frees the lock; pg-boss's maintenance fails the job by expiry and
 *    it is retried by another worker, and the operation (idempotent) converges.
 */
import * as os from "node:os";
import type PgBoss from "pg-boss";
import { InputError, formatProblems } from "../../components/errors";
import { type Engine, EngineError, type EngineEvent, type Operation, type OperationResult } from "../ops/engine";
import { type JobPayload, JobPayloadSchema, OPERATION_OF, jobPayloadProblems, tenantRequestOf } from "./job-types";
import { BOSS_SCHEMA, type OpsQueue, QUEUE, RECORDS_SCHEMA, tryTenantLock } from "./queue";

export interface WorkerOptions {
  readonly engine: Engine;
  /** Jobs this process runs at once (each is one pg-boss polling loop). */
  readonly concurrency: number;
  /** Seconds between polls of an idle loop (pg-boss minimum 0.5). */
  readonly pollSeconds?: number;
  /** Names this worker in attempt records; default host:pid. */
  readonly workerId?: string;
  /** One line per job event (NDJSON from `tenantctl worker`). */
  readonly log?: (event: Record<string, unknown>) => void;
  /** Engine progress events. */
  readonly onEvent?: (jobId: string, e: EngineEvent) => void;
}

export interface RunningWorker {
  readonly workerId: string;
  /** Stops taking jobs, waits up to `timeoutSeconds` for running ones (pg-boss fails the rest, to be retried). */
  stop(timeoutSeconds?: number): Promise<void>;
}

/** How a failed attempt ends: retried by pg-boss, or failed now for good. */
export function classifyFailure(e: unknown): { retryable: boolean; kind: string; message: string; hint?: string } {
  if (e instanceof EngineError) return { retryable: e.retryable, kind: e.kind, message: e.message, hint: e.hint };
  if (InputError.isInstance(e)) return { retryable: false, kind: "invalid-input", message: e.message };
  const code = (e as { code?: unknown } | null)?.code;
  // Network failures before an engine could classify them: try again.
  if (typeof code === "string" && ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "57P01", "57P03"].includes(code)) {
    return { retryable: true, kind: "transient", message: (e as Error).message };
  }
  return { retryable: false, kind: "failed", message: e instanceof Error ? e.message : String(e) };
}

/** Starts `concurrency` polling loops on the queue. */
export async function startWorker(q: OpsQueue, opts: WorkerOptions): Promise<RunningWorker> {
  const workerId = opts.workerId ?? `${os.hostname()}:${process.pid}`;
  const log = opts.log ?? (() => undefined);
  const handler = async ([job]: PgBoss.JobWithMetadata<unknown>[]) => runJob(q, job!, { ...opts, workerId, log });
  const ids: string[] = [];
  for (let i = 0; i < opts.concurrency; i++) {
    ids.push(await q.boss.work(QUEUE, { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: opts.pollSeconds ?? 1 }, handler));
  }
  return {
    workerId,
    stop: async (timeoutSeconds = 30) => {
      await q.boss.stop({ graceful: true, wait: true, close: false, timeout: timeoutSeconds * 1000 });
    },
  };
}

type JobContext = WorkerOptions & { workerId: string; log: (event: Record<string, unknown>) => void };

async function runJob(q: OpsQueue, job: PgBoss.JobWithMetadata<unknown>, ctx: JobContext): Promise<OperationResult> {
  const attempt = job.retryCount + 1;
  const lastAttempt = job.retryCount >= job.retryLimit;
  const problems = jobPayloadProblems(job.data);
  const data = (job.data ?? {}) as Record<string, unknown>;
  const tenantId = String(data.tenantId ?? "");
  // A job another producer sent straight to the queue gets its record here: every job has one.
  await q.pool.query(
    `INSERT INTO ${RECORDS_SCHEMA}.job_record (job_id, kind, tenant_id, request, requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (job_id) DO NOTHING`,
    [job.id, String(data.kind ?? "unknown"), tenantId, JSON.stringify(data), String(data.requestedBy ?? "unknown (sent to the queue directly)"), job.createdOn],
  );
  if (problems.length > 0) {
    const message = formatProblems("job", problems);
    await recordAttempt(q, job.id, attempt, tenantId, ctx.workerId, "invalid-input", { kind: "invalid-input", message });
    await finishRecord(q, job.id, "failed", attempt, null, { kind: "invalid-input", message });
    await failForGood(q, job.id);
    ctx.log({ event: "failed", jobId: job.id, tenant: tenantId, attempt, kind: "invalid-input", message });
    throw new InputError("job", problems);
  }
  const payload: JobPayload = JobPayloadSchema.parse(job.data);
  const unlock = await tryTenantLock(q.pool, payload.tenantId);
  if (!unlock) {
    const err = new EngineError("conflict", `tenant ${payload.tenantId} is being operated on by another worker or fleet run`, "retried later");
    await recordAttempt(q, job.id, attempt, payload.tenantId, ctx.workerId, "conflict", { kind: "conflict", message: err.message });
    if (lastAttempt) await finishRecord(q, job.id, "failed", attempt, null, { kind: "conflict", message: err.message });
    ctx.log({ event: "conflict", jobId: job.id, tenant: payload.tenantId, attempt });
    throw err;
  }
  try {
    return await runLocked(q, job, payload, attempt, lastAttempt, ctx);
  } finally {
    await unlock();
  }
}

async function runLocked(
  q: OpsQueue,
  job: PgBoss.JobWithMetadata<unknown>,
  payload: JobPayload,
  attempt: number,
  lastAttempt: boolean,
  ctx: JobContext,
): Promise<OperationResult> {
  // Holding the tenant's lock, no other attempt of this tenant runs: an attempt still open is one
  // whose worker died (its connection, and with it the lock, is gone). It ended by now.
  await q.pool.query(
    `UPDATE ${RECORDS_SCHEMA}.job_attempt SET ended_at = clock_timestamp(), outcome = 'abandoned' WHERE tenant_id = $1 AND ended_at IS NULL`,
    [payload.tenantId],
  );
  await q.pool.query(
    `INSERT INTO ${RECORDS_SCHEMA}.job_attempt (job_id, attempt, tenant_id, worker) VALUES ($1, $2, $3, $4)
     ON CONFLICT (job_id, attempt) DO UPDATE SET worker = EXCLUDED.worker, started_at = clock_timestamp(), ended_at = NULL, outcome = NULL`,
    [job.id, attempt, payload.tenantId, ctx.workerId],
  );
  await q.pool.query(
    `UPDATE ${RECORDS_SCHEMA}.job_record SET state = 'running', attempts = $2, started_at = COALESCE(started_at, clock_timestamp()) WHERE job_id = $1`,
    [job.id, attempt],
  );
  const op = OPERATION_OF[payload.kind];
  ctx.log({ event: "started", jobId: job.id, tenant: payload.tenantId, kind: payload.kind, operation: op, attempt, worker: ctx.workerId });
  try {
    const result = await runIdempotent(ctx.engine, op, payload, (e) => ctx.onEvent?.(job.id, e));
    await endAttempt(q, job.id, attempt, "succeeded", null);
    await finishRecord(q, job.id, "succeeded", attempt, result as unknown as Record<string, unknown>, null);
    await completeJob(q, job.id, result);
    ctx.log({ event: "succeeded", jobId: job.id, tenant: payload.tenantId, attempt, unchanged: result.unchanged });
    return result;
  } catch (e) {
    const f = classifyFailure(e);
    const error = { kind: f.kind, message: f.message, ...(f.hint ? { hint: f.hint } : {}) };
    await endAttempt(q, job.id, attempt, f.retryable ? "retryable" : "failed", error);
    if (!f.retryable) await failForGood(q, job.id);
    if (!f.retryable || lastAttempt) await finishRecord(q, job.id, "failed", attempt, null, error);
    else await q.pool.query(`UPDATE ${RECORDS_SCHEMA}.job_record SET state = 'retrying', error = $2 WHERE job_id = $1`, [job.id, error]);
    ctx.log({ event: f.retryable && !lastAttempt ? "retrying" : "failed", jobId: job.id, tenant: payload.tenantId, attempt, ...error });
    throw e;
  }
}

/**
 * Runs the operation so that a retry converges to the declared state: `destroy` of a tenant that
 * is already gone (an earlier attempt removed it, then its worker died) is done, not an error.
 */
export async function runIdempotent(engine: Engine, op: Operation, payload: JobPayload, onEvent?: (e: EngineEvent) => void): Promise<OperationResult> {
  try {
    return await engine.run(op, tenantRequestOf(payload), onEvent);
  } catch (e) {
    if (op === "destroy" && e instanceof EngineError && e.kind === "not-found") {
      return { tenantId: payload.tenantId, operation: op, changes: {}, unchanged: true, durationSeconds: 0 };
    }
    throw e;
  }
}

/**
 * Marks the job completed in pg-boss whatever state it is in now. pg-boss only completes an
 * `active` job; a job that expired while this (slow, alive) worker ran it is back in `retry`,
 * and would otherwise run once more after the tenant already converged.
 */
async function completeJob(q: OpsQueue, jobId: string, result: OperationResult): Promise<void> {
  await q.pool.query(
    `UPDATE ${BOSS_SCHEMA}.job SET state = 'completed', completed_on = now(), output = $3 WHERE name = $1 AND id = $2 AND state < 'completed'`,
    [QUEUE, jobId, JSON.stringify(result)],
  );
}

/**
 * Makes the job's coming failure final: pg-boss retries a failed job while retry_count <
 * retry_limit (its fail SQL), so the limit is lowered to the count for a failure no retry can
 * fix (invalid input, a provider's refusal). The error itself is kept on the job by pg-boss.
 */
async function failForGood(q: OpsQueue, jobId: string): Promise<void> {
  await q.pool.query(`UPDATE ${BOSS_SCHEMA}.job SET retry_limit = retry_count WHERE name = $1 AND id = $2 AND state = 'active'`, [QUEUE, jobId]);
}

async function recordAttempt(q: OpsQueue, jobId: string, attempt: number, tenantId: string, worker: string, outcome: string, error: unknown): Promise<void> {
  await q.pool.query(
    `INSERT INTO ${RECORDS_SCHEMA}.job_attempt (job_id, attempt, tenant_id, worker, ended_at, outcome, error) VALUES ($1, $2, $3, $4, clock_timestamp(), $5, $6)
     ON CONFLICT (job_id, attempt) DO UPDATE SET ended_at = clock_timestamp(), outcome = EXCLUDED.outcome, error = EXCLUDED.error`,
    [jobId, attempt, tenantId, worker, outcome, JSON.stringify(error)],
  );
  await q.pool.query(`UPDATE ${RECORDS_SCHEMA}.job_record SET attempts = GREATEST(attempts, $2) WHERE job_id = $1`, [jobId, attempt]);
}

async function endAttempt(q: OpsQueue, jobId: string, attempt: number, outcome: string, error: unknown): Promise<void> {
  await q.pool.query(
    `UPDATE ${RECORDS_SCHEMA}.job_attempt SET ended_at = clock_timestamp(), outcome = $3, error = $4 WHERE job_id = $1 AND attempt = $2`,
    [jobId, attempt, outcome, error === null ? null : JSON.stringify(error)],
  );
}

async function finishRecord(q: OpsQueue, jobId: string, state: "succeeded" | "failed", attempts: number, result: unknown, error: unknown): Promise<void> {
  await q.pool.query(
    `UPDATE ${RECORDS_SCHEMA}.job_record SET state = $2, attempts = GREATEST(attempts, $3), finished_at = clock_timestamp(),
       duration_ms = (extract(epoch FROM clock_timestamp() - COALESCE(started_at, clock_timestamp())) * 1000)::bigint,
       result = $4, error = $5
     WHERE job_id = $1`,
    [jobId, state, attempts, result === null ? null : JSON.stringify(result), error === null ? null : JSON.stringify(error)],
  );
}
