/**
 * The jobs a queue carries: one tenant operation each, validated with zod before it is enqueued
 * and again when a worker takes it (a job written by another producer, or by an older version,
 * is refused the same way). Pulumi-free, so `tenantctl enqueue` refuses bad input fast.
 */
import { z } from "zod";
import { type Problem, zodProblems } from "../../components/errors";
import { tenantIdProblems } from "../../components/naming";
import { ISOLATION_LEVELS } from "../../plans/schema";
import type { Operation, TenantRequest } from "../ops/engine";

/** What a job does to its tenant. */
export const JOB_KINDS = ["setup", "update", "cleanup"] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** The engine operation of each kind: setup and update converge (`up`, idempotent), cleanup destroys. */
export const OPERATION_OF: Readonly<Record<JobKind, Operation>> = { setup: "up", update: "up", cleanup: "destroy" };

/** A job's payload, as stored in the queue (and in the job record). */
export const JobPayloadSchema = z
  .object({
    kind: z.enum(JOB_KINDS),
    tenantId: z.string(),
    /** `pro`, `custom` or a plan file's path (as the worker's machine sees it). */
    plan: z.string().min(1, "expected a plan name or a plan file's path"),
    isolation: z.enum(ISOLATION_LEVELS).optional(),
    overrides: z.record(z.string(), z.unknown()).optional(),
    /** Who asked: a user, a pipeline, a service (the audit trail's actor). */
    requestedBy: z.string().min(1, "expected who asks for the job").max(200),
  })
  .strict();
export type JobPayload = z.infer<typeof JobPayloadSchema>;

/** Every problem of a payload (schema and tenant ID), named by key. */
export function jobPayloadProblems(input: unknown): Problem[] {
  const parsed = JobPayloadSchema.safeParse(input);
  const problems = parsed.success ? [] : zodProblems(parsed.error.issues, input, JobPayloadSchema);
  const tenantId = (input as { tenantId?: unknown } | null)?.tenantId;
  if (typeof tenantId === "string") problems.push(...tenantIdProblems(tenantId, "tenantId"));
  return problems;
}

/** The engine request of a (valid) payload. */
export function tenantRequestOf(p: JobPayload): TenantRequest {
  return { tenantId: p.tenantId, plan: p.plan, isolation: p.isolation, overrides: p.overrides };
}
