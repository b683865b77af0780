/**
 * Fleet rollouts: one operation (`up`, `preview`, `refresh`) over many tenants in waves — a
 * canary first, then growing batches — stopping when failures pass a threshold, shaped by the
 * AWS API token buckets, and resumable: the state file records every finished tenant, and
 * re-running the same rollout continues without redoing the tenants that succeeded.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Engine, Operation, OperationResult } from "../ops/engine";
import { classifyFailure } from "../jobs/worker";
import { RateLimiter } from "./quotas";
import { type WaveOptions, planWaves, shouldStop } from "./waves";

export type FleetOperation = Extract<Operation, "up" | "preview" | "refresh">;

export interface FleetTarget {
  readonly tenantId: string;
  readonly plan: string;
}

export interface TenantOutcome {
  status: "pending" | "succeeded" | "failed";
  wave?: number;
  /** Runs of this tenant across all runs of the rollout. */
  attempts: number;
  changes?: Record<string, number>;
  durationSeconds?: number;
  error?: { kind: string; message: string };
  finishedAt?: string;
}

/** The resumable state file. */
export interface FleetState {
  version: 1;
  operation: FleetOperation;
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
  stoppedReason?: string;
  /** How many times the rollout was started (1 + resumptions). */
  runs: number;
  tenants: Record<string, TenantOutcome>;
}

export interface FleetOptions extends WaveOptions {
  readonly engine: Engine;
  readonly operation: FleetOperation;
  readonly targets: readonly FleetTarget[];
  /** Where the rollout's state is kept (resumed from when it exists and is unfinished). */
  readonly stateFile: string;
  /** Stop when failures exceed this count (or this fraction of attempted tenants, when < 1). @default 0 */
  readonly maxFailures?: number;
  /** Operations at once inside a wave. @default 4 */
  readonly concurrency?: number;
  /** The API calls per family of one tenant's operation (for the token buckets). */
  readonly costOf?: (t: FleetTarget) => Readonly<Record<string, number>>;
  readonly limiter?: RateLimiter;
  /** Runs `fn` holding the tenant's lock (the queue's), or throws a conflict. */
  readonly withLock?: <T>(tenantId: string, fn: () => Promise<T>) => Promise<T>;
  /** Aborting stops scheduling; running operations finish and are recorded. */
  readonly signal?: AbortSignal;
  readonly onTenant?: (tenantId: string, outcome: TenantOutcome) => void;
}

export interface FleetSummary {
  readonly operation: FleetOperation;
  readonly stateFile: string;
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly pending: number;
  /** Tenants that had succeeded in an earlier run and were not run again. */
  readonly skipped: number;
  /** Tenants run by this run. */
  readonly ran: readonly string[];
  readonly waves: ReadonlyArray<readonly string[]>;
  readonly stoppedReason?: string;
  readonly resumed: boolean;
  readonly tenants: Readonly<Record<string, TenantOutcome>>;
}

export function readFleetState(file: string): FleetState | undefined {
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, "utf8")) as FleetState;
}

function writeFleetState(file: string, s: FleetState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  s.updatedAt = new Date().toISOString();
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(s, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

/** Runs (or resumes) a rollout. */
export async function runFleet(o: FleetOptions): Promise<FleetSummary> {
  const prior = readFleetState(o.stateFile);
  const resume = prior !== undefined && prior.finishedAt === undefined && prior.operation === o.operation;
  const now = new Date().toISOString();
  const state: FleetState = resume
    ? { ...prior!, runs: prior!.runs + 1, stoppedReason: undefined }
    : { version: 1, operation: o.operation, startedAt: now, updatedAt: now, runs: 1, tenants: {} };
  for (const t of o.targets) state.tenants[t.tenantId] ??= { status: "pending", attempts: 0 };
  writeFleetState(o.stateFile, state);

  const done = new Set(Object.entries(state.tenants).filter(([, v]) => v.status === "succeeded").map(([k]) => k));
  const todo = o.targets.filter((t) => !done.has(t.tenantId));
  const waves = planWaves(todo, o);
  const limiter = o.limiter ?? new RateLimiter();
  const ran: string[] = [];
  let failures = 0;
  let attempted = 0;
  let stoppedReason: string | undefined;

  for (let w = 0; w < waves.length; w++) {
    if (o.signal?.aborted) {
      stoppedReason = "interrupted";
      break;
    }
    const wave = waves[w]!;
    let waveFailures = 0;
    const queue = [...wave];
    const runOne = async (t: FleetTarget) => {
      const outcome = state.tenants[t.tenantId]!;
      outcome.wave = w;
      outcome.attempts += 1;
      ran.push(t.tenantId);
      attempted += 1;
      const started = Date.now();
      try {
        await limiter.acquire(o.costOf?.(t) ?? {});
        const run = () => o.engine.run(o.operation, { tenantId: t.tenantId, plan: t.plan });
        const r: OperationResult = o.withLock ? await o.withLock(t.tenantId, run) : await run();
        Object.assign(outcome, { status: "succeeded", changes: { ...r.changes }, error: undefined });
      } catch (e) {
        const f = classifyFailure(e);
        Object.assign(outcome, { status: "failed", error: { kind: f.kind, message: f.message } });
        waveFailures += 1;
        failures += 1;
      }
      outcome.durationSeconds = (Date.now() - started) / 1000;
      outcome.finishedAt = new Date().toISOString();
      writeFleetState(o.stateFile, state);
      o.onTenant?.(t.tenantId, outcome);
    };
    const lanes = Array.from({ length: Math.min(o.concurrency ?? 4, wave.length) }, async () => {
      for (let t = queue.shift(); t; t = queue.shift()) {
        if (o.signal?.aborted) return;
        await runOne(t);
      }
    });
    await Promise.all(lanes);
    if (o.signal?.aborted) {
      stoppedReason = "interrupted";
      break;
    }
    if (shouldStop({ wave: w, waveFailures, failures, attempted }, o.maxFailures ?? 0)) {
      stoppedReason = w === 0 && waveFailures > 0 ? "canary failed" : `failures (${failures}) passed the threshold`;
      break;
    }
  }
  state.stoppedReason = stoppedReason;
  const outcomes = Object.values(state.tenants);
  const pending = outcomes.filter((x) => x.status === "pending").length;
  const failed = outcomes.filter((x) => x.status === "failed").length;
  // Finished: every tenant was tried and nothing stopped it. Failed tenants are retried by a re-run.
  if (!stoppedReason && pending === 0 && failed === 0) state.finishedAt = new Date().toISOString();
  writeFleetState(o.stateFile, state);
  return {
    operation: o.operation,
    stateFile: o.stateFile,
    total: outcomes.length,
    succeeded: outcomes.filter((x) => x.status === "succeeded").length,
    failed,
    pending,
    skipped: done.size,
    ran,
    waves: waves.map((wv) => wv.map((t) => t.tenantId)),
    ...(stoppedReason ? { stoppedReason } : {}),
    resumed: resume,
    tenants: state.tenants,
  };
}

/** The summary as a table (one row per tenant) and a closing line. */
export function renderFleetSummary(s: FleetSummary): string {
  const rows = Object.entries(s.tenants).map(([id, t]) => [
    id,
    t.status,
    t.wave === undefined ? "-" : String(t.wave),
    t.changes ? Object.entries(t.changes).map(([k, v]) => `${k} ${v}`).join(", ") || "none" : "-",
    t.durationSeconds === undefined ? "-" : `${t.durationSeconds.toFixed(1)}s`,
    t.error ? `${t.error.kind}: ${t.error.message.split("\n")[0]}` : "",
  ]);
  const head = ["TENANT", "STATUS", "WAVE", "CHANGES", "TIME", "ERROR"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  const closing =
    `${s.operation}: ${s.succeeded}/${s.total} succeeded, ${s.failed} failed, ${s.pending} pending` +
    (s.skipped ? `, ${s.skipped} already done before this run` : "") +
    ` in ${s.waves.length} wave(s)` +
    (s.stoppedReason ? `; stopped: ${s.stoppedReason} (re-run to continue; state ${s.stateFile})` : "");
  return [line(head), ...rows.map(line), closing].join("\n");
}
