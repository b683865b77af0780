/**
 * The queue's guarantees against the real PostgreSQL (a database of this file's own, dropped
 * after), with overlapping workers (separate pg-boss instances, as on separate machines) and a
 * scripted engine that records when each tenant's operations run.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../components/errors";
import { type Engine, EngineError, type Operation, type OperationResult, type TenantRequest } from "../../cli/ops/engine";
import { enqueue } from "../../cli/jobs/enqueue";
import { BOSS_SCHEMA, type OpsQueue, QUEUE, openQueue } from "../../cli/jobs/queue";
import { attemptRecords, jobRecord, overlappingAttempts } from "../../cli/jobs/records";
import { type RunningWorker, startWorker } from "../../cli/jobs/worker";
import { PG_ADMIN, PG_HOST, PG_PORT, adminClient } from "../helpers/pg";

const DB = `controlcore_jobs_test_${process.pid}`;
const URL_ = `postgresql://${PG_ADMIN}@${PG_HOST}:${PG_PORT}/${DB}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An engine whose behaviour per tenant is scripted; it counts operations running per tenant. */
class ScriptedEngine implements Engine {
  readonly name = "local" as const;
  running = new Map<string, number>();
  maxRunning = new Map<string, number>();
  calls: Array<{ tenantId: string; op: Operation; at: number }> = [];
  constructor(private readonly script: (req: TenantRequest, call: number) => Promise<void>) {}
  async run(op: Operation, req: TenantRequest): Promise<OperationResult> {
    const n = this.calls.filter((c) => c.tenantId === req.tenantId).length + 1;
    this.calls.push({ tenantId: req.tenantId, op, at: Date.now() });
    const now = (this.running.get(req.tenantId) ?? 0) + 1;
    this.running.set(req.tenantId, now);
    this.maxRunning.set(req.tenantId, Math.max(now, this.maxRunning.get(req.tenantId) ?? 0));
    try {
      await this.script(req, n);
      return { tenantId: req.tenantId, operation: op, changes: { create: 3 }, unchanged: false, durationSeconds: 0.1 };
    } finally {
      this.running.set(req.tenantId, (this.running.get(req.tenantId) ?? 1) - 1);
    }
  }
  async outputs(): Promise<Record<string, unknown>> {
    return {};
  }
  async status(req: Pick<TenantRequest, "tenantId">) {
    return { tenantId: req.tenantId, exists: true, resourceCount: 0, pendingOperations: 0 };
  }
}

let producer: OpsQueue;
const opened: OpsQueue[] = [];
const workers: RunningWorker[] = [];

async function worker(engine: Engine, id: string, concurrency = 2): Promise<void> {
  const q = await openQueue(URL_, { supervise: true, maintenanceIntervalSeconds: 1 });
  opened.push(q);
  workers.push(await startWorker(q, { engine, concurrency, pollSeconds: 0.5, workerId: id }));
}

async function stopWorkers(): Promise<void> {
  for (const w of workers.splice(0)) await w.stop(5);
  for (const q of opened.splice(0)) await q.close();
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 40_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

const finished = (id: string) => until(`job ${id}`, async () => {
  const r = await jobRecord(producer.pool, id);
  return r && (r.state === "succeeded" || r.state === "failed") ? r : undefined;
});

beforeAll(async () => {
  const admin = await adminClient();
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.end();
  producer = await openQueue(URL_);
});

afterEach(stopWorkers);

afterAll(async () => {
  await stopWorkers();
  await producer?.close();
  const admin = await adminClient();
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.end();
});

describe("enqueue", () => {
  it("refuses invalid input with every problem at once, and queues nothing", async () => {
    const e = await enqueue(producer, { kind: "deploy", tenantId: "Bad_Id", plan: "pro", requestedBy: "ci", colour: "red" }).catch((x) => x);
    expect(InputError.isInstance(e)).toBe(true);
    expect((e as InputError).problems.map((p) => p.path).sort()).toEqual(["colour", "kind", "tenantId"]);
    expect((e as InputError).message).toContain('kind: got "deploy"');
    expect(await producer.boss.getQueueSize(QUEUE)).toBe(0);
  });

  it("refuses a second job for a tenant whose first is unfinished, naming it (conflict)", async () => {
    const first = await enqueue(producer, { kind: "setup", tenantId: "solo-one", plan: "pro", requestedBy: "alice" });
    const e = await enqueue(producer, { kind: "update", tenantId: "solo-one", plan: "pro", requestedBy: "bob" }).catch((x) => x);
    expect(e).toBeInstanceOf(EngineError);
    expect((e as EngineError).kind).toBe("conflict");
    expect((e as EngineError).message).toBe(`tenant solo-one already has job ${first.jobId} (created); one job per tenant at a time`);
    await producer.boss.cancel(QUEUE, first.jobId);
    // Finished (here: cancelled), the tenant takes a new job.
    const again = await enqueue(producer, { kind: "update", tenantId: "solo-one", plan: "pro", requestedBy: "bob" });
    expect(again.jobId).not.toBe(first.jobId);
    await producer.boss.cancel(QUEUE, again.jobId);
  });
});

describe("workers", () => {
  it("never run two operations of one tenant at once, even when a job expires while its worker still runs it", async () => {
    // Tenant slow-one: its first run outlives the job's expiry (1 s): pg-boss hands the job out
    // again while the first worker is still running it; the tenant lock makes the second
    // attempt a conflict, retried until the first has finished.
    const engine = new ScriptedEngine(async (req, call) => {
      await sleep(req.tenantId === "slow-one" && call === 1 ? 3500 : 200);
    });
    await worker(engine, "w1");
    await worker(engine, "w2");
    const slow = await enqueue(producer, { kind: "setup", tenantId: "slow-one", plan: "pro", requestedBy: "pipeline" }, { expireInSeconds: 1, retryDelaySeconds: 0, retryLimit: 20 });
    const others = [];
    for (let i = 0; i < 6; i++) others.push(await enqueue(producer, { kind: "setup", tenantId: `fast-${i}x`, plan: "pro", requestedBy: "pipeline" }));
    for (const j of [slow, ...others]) expect((await finished(j.jobId)).state).toBe("succeeded");
    // A producer that bypasses enqueue (same queue, same key) is still serialized by pg-boss's singleton policy.
    const a = await producer.boss.send(QUEUE, { kind: "update", tenantId: "fast-0x", plan: "pro", requestedBy: "raw" }, { singletonKey: "fast-0x" });
    const b = await producer.boss.send(QUEUE, { kind: "update", tenantId: "fast-0x", plan: "pro", requestedBy: "raw" }, { singletonKey: "fast-0x" });
    await until("raw jobs", async () => {
      const ja = await producer.boss.getJobById(QUEUE, a!);
      const jb = await producer.boss.getJobById(QUEUE, b!);
      return ja?.state === "completed" && jb?.state === "completed";
    });
    await stopWorkers();

    expect(Math.max(...engine.maxRunning.values())).toBe(1);
    const attempts = await attemptRecords(producer.pool);
    const slowAttempts = attempts.filter((x) => x.tenantId === "slow-one");
    // The expired job came back while its first run was alive: refused (conflict) at least once.
    expect(slowAttempts.some((x) => x.outcome === "conflict")).toBe(true);
    expect(slowAttempts.filter((x) => x.outcome === "succeeded").length).toBeGreaterThanOrEqual(1);
    expect(overlappingAttempts(attempts)).toEqual([]);
    // The first run's late success completes the job in pg-boss too: it is not left in `retry`
    // to run once more after its record says succeeded.
    expect((await producer.boss.getJobById(QUEUE, slow.jobId))!.state).toBe("completed");
  });

  it("retries a retryable failure with exponential backoff and jitter, then succeeds; every attempt recorded", async () => {
    const engine = new ScriptedEngine(async (req, call) => {
      if (call <= 2) throw new EngineError("transient", `Throttling: Rate exceeded (call ${call})`);
    });
    await worker(engine, "w-retry");
    const j = await enqueue(producer, { kind: "setup", tenantId: "flaky-one", plan: "pro", requestedBy: "alice@example.com" }, { retryDelaySeconds: 1, retryLimit: 4 });
    const r = await finished(j.jobId);
    await stopWorkers();
    expect(r.state).toBe("succeeded");
    expect(r.attempts).toBe(3);
    const at = engine.calls.map((c) => c.at);
    // pg-boss: retry n waits d·2^n/2 + random·d·2^n/2 → [1 s, 2 s), then [2 s, 4 s) (+ polling).
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(1000);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(2000);
    const job = await producer.boss.getJobById(QUEUE, j.jobId);
    expect(job!.retryCount).toBe(2);
    const attempts = (await attemptRecords(producer.pool)).filter((x) => x.jobId === j.jobId);
    expect(attempts.map((x) => [x.attempt, x.outcome])).toEqual([[1, "retryable"], [2, "retryable"], [3, "succeeded"]]);
  });

  it("stops retrying at the limit and keeps the error", async () => {
    const engine = new ScriptedEngine(async () => {
      throw new EngineError("transient", "connect ECONNREFUSED 10.0.0.1:443");
    });
    await worker(engine, "w-limit");
    const j = await enqueue(producer, { kind: "setup", tenantId: "down-one", plan: "pro", requestedBy: "alice" }, { retryDelaySeconds: 0, retryLimit: 2 });
    const r = await finished(j.jobId);
    await stopWorkers();
    expect(r.state).toBe("failed");
    expect(r.attempts).toBe(3);
    expect(engine.calls.length).toBe(3);
    expect(r.error).toEqual({ kind: "transient", message: "connect ECONNREFUSED 10.0.0.1:443" });
  });

  it("fails invalid input at once, permanently, with the error on the job and its record", async () => {
    const engine = new ScriptedEngine(async () => {
      throw new EngineError("invalid-input", "invalid plan file /plans/gold.yaml: no such file");
    });
    await worker(engine, "w-invalid");
    const j = await enqueue(producer, { kind: "setup", tenantId: "bad-plan", plan: "/plans/gold.yaml", requestedBy: "alice" }, { retryDelaySeconds: 0, retryLimit: 5 });
    const r = await finished(j.jobId);
    // A payload another producer wrote, bypassing enqueue's validation.
    const raw = await producer.boss.send(QUEUE, { kind: "setup", tenantId: "Not_Valid", plan: "pro", requestedBy: "raw" }, { singletonKey: "Not_Valid", retryLimit: 5 });
    const rawJob = await until("raw invalid job", async () => {
      const x = await producer.boss.getJobById(QUEUE, raw!);
      return x?.state === "failed" ? x : undefined;
    });
    await stopWorkers();
    expect(r.state).toBe("failed");
    expect(r.attempts).toBe(1);
    expect(engine.calls.filter((c) => c.tenantId === "bad-plan").length).toBe(1);
    expect(r.error).toEqual({ kind: "invalid-input", message: "invalid plan file /plans/gold.yaml: no such file" });
    const job = await producer.boss.getJobById(QUEUE, j.jobId);
    expect(job!.state).toBe("failed");
    expect(job!.retryCount).toBe(0);
    expect((job!.output as { message: string }).message).toBe("invalid plan file /plans/gold.yaml: no such file");
    expect(rawJob.retryCount).toBe(0);
    expect((rawJob.output as { message: string }).message).toContain('tenantId: got "Not_Valid"');
    expect(engine.calls.some((c) => c.tenantId === "Not_Valid")).toBe(false);
  });

  it("records who asked, what, when, attempts, duration and result", async () => {
    const engine = new ScriptedEngine(async () => {
      await sleep(300);
    });
    await worker(engine, "w-audit");
    const before = new Date();
    const j = await enqueue(producer, { kind: "update", tenantId: "audit-one", plan: "custom", isolation: "schema", requestedBy: "pipeline:onboarding#42" });
    const r = await finished(j.jobId);
    await stopWorkers();
    expect(r).toMatchObject({
      jobId: j.jobId, kind: "update", tenantId: "audit-one", requestedBy: "pipeline:onboarding#42", state: "succeeded", attempts: 1,
      request: { plan: "custom", isolation: "schema", retryPolicy: { retryLimit: 5, retryDelaySeconds: 5, expireInSeconds: 900 } },
      result: { tenantId: "audit-one", operation: "up", changes: { create: 3 }, unchanged: false },
      error: null,
    });
    expect(r.requestedAt.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    expect(r.startedAt!.getTime()).toBeGreaterThanOrEqual(r.requestedAt.getTime());
    expect(r.durationMs).toBeGreaterThanOrEqual(300);
    expect(r.finishedAt!.getTime() - r.startedAt!.getTime()).toBeCloseTo(r.durationMs!, -2);
    const jobs = await producer.pool.query(`SELECT data FROM ${BOSS_SCHEMA}.job WHERE id = $1`, [j.jobId]);
    expect(jobs.rows[0].data.requestedBy).toBe("pipeline:onboarding#42");
  });
});
