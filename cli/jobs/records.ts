/**
 * Job records: the audit trail of every job (who asked, what, when, attempts, duration, result)
 * and of every attempt (which worker, from when to when, how it ended). Read by `tenantctl` and
 * the tests; written by enqueue and the worker.
 */
import type { Pool } from "pg";
import { BOSS_SCHEMA, RECORDS_SCHEMA } from "./queue";

export interface JobRecord {
  readonly jobId: string;
  readonly kind: string;
  readonly tenantId: string;
  readonly request: Record<string, unknown>;
  readonly requestedBy: string;
  readonly requestedAt: Date;
  /** queued, running, retrying, succeeded, failed — or pg-boss's own end state when the last worker died. */
  readonly state: string;
  readonly attempts: number;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly durationMs: number | null;
  readonly result: Record<string, unknown> | null;
  readonly error: Record<string, unknown> | null;
}

export interface AttemptRecord {
  readonly jobId: string;
  readonly attempt: number;
  readonly tenantId: string;
  readonly worker: string;
  readonly startedAt: Date;
  readonly endedAt: Date | null;
  readonly outcome: string | null;
}

const RECORD_COLUMNS = `r.job_id AS "jobId", r.kind, r.tenant_id AS "tenantId", r.request, r.requested_by AS "requestedBy",
  r.requested_at AS "requestedAt",
  -- A job whose last attempt's worker died is ended by pg-boss's expiry, not by a worker.
  CASE WHEN r.finished_at IS NULL AND j.state IN ('failed', 'cancelled') THEN j.state::text ELSE r.state END AS state,
  r.attempts, r.started_at AS "startedAt", r.finished_at AS "finishedAt", r.duration_ms::float8 AS "durationMs", r.result,
  COALESCE(r.error, CASE WHEN r.finished_at IS NULL AND j.state = 'failed' THEN j.output END) AS error`;

/** One job's record, or undefined. */
export async function jobRecord(pool: Pool, jobId: string): Promise<JobRecord | undefined> {
  const r = await pool.query<JobRecord>(
    `SELECT ${RECORD_COLUMNS} FROM ${RECORDS_SCHEMA}.job_record r LEFT JOIN ${BOSS_SCHEMA}.job j ON j.id = r.job_id WHERE r.job_id = $1`,
    [jobId],
  );
  return r.rows[0];
}

/** Every job record, oldest first (optionally of one tenant). */
export async function jobRecords(pool: Pool, tenantId?: string): Promise<JobRecord[]> {
  const r = await pool.query<JobRecord>(
    `SELECT ${RECORD_COLUMNS} FROM ${RECORDS_SCHEMA}.job_record r LEFT JOIN ${BOSS_SCHEMA}.job j ON j.id = r.job_id
     WHERE $1::text IS NULL OR r.tenant_id = $1 ORDER BY r.requested_at, r.job_id`,
    [tenantId ?? null],
  );
  return r.rows;
}

/** Every attempt, by tenant then start. */
export async function attemptRecords(pool: Pool): Promise<AttemptRecord[]> {
  const r = await pool.query<AttemptRecord>(
    `SELECT job_id AS "jobId", attempt, tenant_id AS "tenantId", worker, started_at AS "startedAt", ended_at AS "endedAt", outcome
     FROM ${RECORDS_SCHEMA}.job_attempt ORDER BY tenant_id, started_at, attempt`,
  );
  return r.rows;
}

/**
 * Pairs of attempts of one tenant whose [start, end] overlap (an open attempt counts as running
 * until now): what "at most one operation per tenant at a time" forbids. Pure.
 */
export function overlappingAttempts(attempts: readonly AttemptRecord[], now = new Date()): Array<[AttemptRecord, AttemptRecord]> {
  const byTenant = new Map<string, AttemptRecord[]>();
  // Refused attempts (tenant busy, invalid input) never ran an operation.
  for (const a of attempts.filter((x) => x.outcome !== "conflict" && x.outcome !== "invalid-input")) byTenant.set(a.tenantId, [...(byTenant.get(a.tenantId) ?? []), a]);
  const out: Array<[AttemptRecord, AttemptRecord]> = [];
  for (const list of byTenant.values()) {
    const sorted = [...list].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
    for (let i = 0; i < sorted.length; i++) {
      for (let k = i + 1; k < sorted.length; k++) {
        const endI = (sorted[i]!.endedAt ?? now).getTime();
        if (sorted[k]!.startedAt.getTime() < endI) out.push([sorted[i]!, sorted[k]!]);
      }
    }
  }
  return out;
}
