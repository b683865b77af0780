/**
 * The operations engine interface: what `tenantctl` commands, the job queue's workers, fleet
 * rollouts and (later) the HTTP API call to operate one tenant's stack. Two real engines
 * implement it: the Pulumi engine (Automation API, one stack per tenant) and the local engine
 * (offline plan + local mode against real PostgreSQL and Redis).
 *
 * Every failure an engine reports is an {@link EngineError} with a stable `kind`, so callers map
 * outcomes (exit codes, retry or not, HTTP status) without parsing messages.
 */
import type { IsolationLevel } from "../../plans/schema";

/** The operations every engine supports. */
export type Operation = "preview" | "up" | "refresh" | "destroy";

/** What an operation acts on: one tenant, its plan and per-tenant settings. */
export interface TenantRequest {
  /** A valid tenant ID (checked by the caller with `naming.tenantIdProblem`). */
  readonly tenantId: string;
  /** `pro`, `custom` or a path to a plan YAML. */
  readonly plan: string;
  /** Overrides the plan's isolation level. */
  readonly isolation?: IsolationLevel;
  /** Further plan overrides (same keys as a plan file). */
  readonly overrides?: Record<string, unknown>;
}

/** One progress event of a running operation (rendered as a task list, or NDJSON with --json). */
export interface EngineEvent {
  readonly type: "started" | "resource" | "diagnostic" | "output" | "finished";
  readonly tenantId: string;
  readonly operation: Operation | "outputs" | "status";
  /** Seconds since the operation started. */
  readonly elapsed: number;
  /** For `resource`: the resource's URN, type and what happens to it (create, update, same, delete, replace). */
  readonly resource?: { readonly urn: string; readonly type: string; readonly op: string };
  /** For `diagnostic` and `output`: the text (never a secret value). */
  readonly message?: string;
  readonly severity?: "info" | "warning" | "error";
}

/** The result of a finished operation. */
export interface OperationResult {
  readonly tenantId: string;
  readonly operation: Operation;
  /** Counts of resources by what happened to them (`create`, `update`, `same`, `delete`, `replace`). */
  readonly changes: Readonly<Record<string, number>>;
  /** True when nothing changed (or would change, for preview). */
  readonly unchanged: boolean;
  /** Seconds the operation took. */
  readonly durationSeconds: number;
}

/** The last known state of a tenant's stack. */
export interface StackStatus {
  readonly tenantId: string;
  /** Whether the stack (or local state) exists. */
  readonly exists: boolean;
  readonly lastUpdate?: {
    readonly operation: string;
    readonly result: "succeeded" | "failed" | "in-progress";
    readonly startedAt: string;
    readonly endedAt?: string;
  };
  readonly resourceCount: number;
  /** Operations a crashed update left pending (Pulumi); how to clear them is in the engine docs. */
  readonly pendingOperations: number;
}

/** Why an operation failed; callers decide retry, exit code and HTTP status from it. */
export type EngineErrorKind =
  /** Bad input (tenant, plan, config): permanent, never retried. */
  | "invalid-input"
  /** Another operation holds the stack (Pulumi's stack lock, a local lock): retry later. */
  | "conflict"
  /** The stack or tenant does not exist. */
  | "not-found"
  /** The engine cannot run here (Pulumi CLI or plugin missing, server unreachable). */
  | "unavailable"
  /** A transient cloud or network failure (throttling, connection refused): retry with backoff. */
  | "transient"
  /** The operation ran and failed (a resource's provider refused); the message names which. */
  | "failed"
  /** A crashed earlier operation left pending operations that must be cleared first. */
  | "pending-operations";

/** The one error an engine throws. */
export class EngineError extends Error {
  constructor(
    readonly kind: EngineErrorKind,
    message: string,
    /** What the user can do about it (install the CLI, clear pending operations, ...). */
    readonly hint?: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = "EngineError";
  }

  /** Whether a retry with backoff may succeed. */
  get retryable(): boolean {
    return this.kind === "conflict" || this.kind === "transient" || this.kind === "unavailable";
  }
}

/** An engine operates tenants' stacks. Implementations: `pulumi-engine.ts`, `local-engine.ts`. */
export interface Engine {
  readonly name: "pulumi" | "local";
  /** Runs one operation, streaming progress to `onEvent`. Idempotent: `up` of an up-to-date tenant changes nothing. */
  run(op: Operation, req: TenantRequest, onEvent?: (e: EngineEvent) => void): Promise<OperationResult>;
  /** The stack's outputs (secrets as `"[secret]"` unless `showSecrets`). */
  outputs(req: Pick<TenantRequest, "tenantId">, showSecrets?: boolean): Promise<Record<string, unknown>>;
  /** The stack's last update, result, resource count and pending operations. */
  status(req: Pick<TenantRequest, "tenantId">): Promise<StackStatus>;
}
