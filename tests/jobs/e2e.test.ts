/**
 * End to end with the REAL local engine: 3 worker processes share the queue, N tenant setups are
 * enqueued, one worker is SIGKILLed while it runs a job; every tenant ends set up exactly once,
 * no tenant ever had two operations at once (from the job records), retries are counted. Then a
 * fleet `up` of those tenants in waves with a canary, interrupted (SIGINT) and resumed without
 * redoing finished tenants; then every tenant is cleaned up through the queue.
 *
 * N is JOBS_E2E_TENANTS (default 16, which keeps this file under a minute on 2 shared cores;
 * the README gives the 200-tenant run's figures).
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { enqueue } from "../../cli/jobs/enqueue";
import { LocalEngine } from "../../cli/ops/local-engine";
import { type OpsQueue, openQueue } from "../../cli/jobs/queue";
import { attemptRecords, jobRecords, overlappingAttempts } from "../../cli/jobs/records";
import { PG_ADMIN, PG_HOST, PG_PORT, adminClient, runTag } from "../helpers/pg";

const ROOT = path.resolve(__dirname, "..", "..");
const N = Number(process.env.JOBS_E2E_TENANTS ?? 16);
const OPS_DB = `controlcore_jobs_test_${process.pid}_e2e`;
const TENANT_DB = `controlcore_jobs_tenants_${process.pid}`;
const url = (db: string) => `postgresql://${PG_ADMIN}@${PG_HOST}:${PG_PORT}/${db}`;
const STATE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "tenantctl-jobs-e2e-"));
const TAG = runTag();
const tenants = Array.from({ length: N }, (_, i) => `e2e${TAG}-${i}`);
const env = { ...process.env, DATABASE_URL: url(TENANT_DB), TENANTCTL_STATE_DIR: STATE_DIR, TENANTCTL_OPS_DATABASE_URL: url(OPS_DB) };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc { child: ChildProcess; lines: Array<Record<string, unknown>>; exited: Promise<number | null> }

function start(file: string, args: string[]): Proc {
  const child = spawn(process.execPath, ["-r", "tsx/cjs", file, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: Array<Record<string, unknown>> = [];
  let buf = "";
  child.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        lines.push(JSON.parse(l));
      } catch {
        lines.push({ text: l });
      }
    }
  });
  child.stderr!.on("data", (d: Buffer) => process.stderr.write(`[${path.basename(file)} ${child.pid}] ${d}`));
  return { child, lines, exited: new Promise((r) => child.on("exit", (code) => r(code))) };
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

let q: OpsQueue;
const workers: Proc[] = [];

beforeAll(async () => {
  const admin = await adminClient();
  await admin.query(`CREATE DATABASE ${TENANT_DB}`);
  await admin.end();
  q = await openQueue(url(OPS_DB));
});

afterAll(async () => {
  for (const w of workers) w.child.kill("SIGKILL");
  await q?.close();
  // Whatever a failed run left set up (roles are cluster-wide): local down, tenant by tenant.
  const engine = new LocalEngine({ targets: { databaseUrl: url(TENANT_DB) }, stateDir: STATE_DIR });
  for (const t of tenants) await engine.run("destroy", { tenantId: t, plan: "pro" }).catch(() => undefined);
  const admin = await adminClient();
  for (const db of [OPS_DB, TENANT_DB]) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.end();
  fs.rmSync(STATE_DIR, { recursive: true, force: true });
});

it(`${N} setups across 3 worker processes, one SIGKILLed mid-job; a fleet rollout interrupted and resumed; all cleaned up`, async () => {
  const t0 = Date.now();
  for (let i = 0; i < 3; i++) {
    workers.push(start("cli/jobs/worker-main.ts", ["--concurrency", "1", "--poll-seconds", "0.5", "--maintenance-seconds", "1", "--worker-id", `worker-${i}`, ...(process.env.JOBS_E2E_PROGRESS ? ["--progress"] : [])]));
  }
  await until("workers started", () => workers.every((w) => w.lines.some((l) => l.event === "worker-started")));
  const ids: string[] = [];
  for (const t of tenants) ids.push((await enqueue(q, { kind: "setup", tenantId: t, plan: "pro", requestedBy: "e2e" }, { expireInSeconds: 8, retryDelaySeconds: 1 })).jobId);

  // Kill worker-0 while it runs a job (its first), while the others keep working.
  const victim = workers[0]!;
  const started = await until("worker-0 mid-job", () => {
    const last = [...victim.lines].reverse().find((l) => l.event === "started" || l.event === "succeeded" || l.event === "failed");
    return last?.event === "started" ? last : undefined;
  });
  victim.child.kill("SIGKILL");
  await victim.exited;

  const records = await until("every setup finished", async () => {
    const r = await jobRecords(q.pool);
    return r.filter((x) => x.kind === "setup").every((x) => x.state === "succeeded" || x.state === "failed") ? r : undefined;
  }, 240_000);
  const setupSeconds = (Date.now() - t0) / 1000;
  const setups = records.filter((x) => x.kind === "setup");
  expect(setups.map((x) => x.state)).toEqual(tenants.map(() => "succeeded"));
  expect(new Set(setups.map((x) => x.tenantId))).toEqual(new Set(tenants));
  // The killed job came back and finished; its abandoned attempt is on record.
  const killed = setups.find((x) => x.jobId === started.jobId)!;
  expect(killed.attempts).toBeGreaterThanOrEqual(2);
  const attempts = await attemptRecords(q.pool);
  expect(attempts.find((a) => a.jobId === started.jobId && a.attempt === 1)).toMatchObject({ worker: "worker-0", outcome: "abandoned" });
  expect(overlappingAttempts(attempts)).toEqual([]);
  // Set up exactly once: one succeeded attempt per tenant.
  const succeededPerTenant = new Map<string, number>();
  for (const a of attempts.filter((x) => x.outcome === "succeeded")) succeededPerTenant.set(a.tenantId, (succeededPerTenant.get(a.tenantId) ?? 0) + 1);
  expect([...succeededPerTenant.values()].every((n) => n === 1)).toBe(true);
  expect(succeededPerTenant.size).toBe(N);
  const retries = setups.reduce((n, x) => n + x.attempts - 1, 0);
  expect(retries).toBeGreaterThanOrEqual(1);
  // Every tenant's login role exists in the tenants' database server.
  const admin = await adminClient(TENANT_DB);
  const roles = await admin.query("SELECT count(*)::int AS n FROM pg_roles WHERE rolname LIKE $1", [`tenant_e2e${TAG}%`]);
  await admin.end();
  expect(roles.rows[0].n).toBeGreaterThanOrEqual(N);
  process.stdout.write(`jobs e2e: ${N} setups in ${setupSeconds.toFixed(1)} s with 3 workers × 1 (one killed), ${retries} retries\n`);

  // Fleet `up` in waves (canary 1, then 2, 4, …), interrupted after a few tenants, then resumed.
  const stateFile = path.join(STATE_DIR, "fleet-up.json");
  const fleetArgs = ["up", "--plan", "pro", "--state", stateFile, "--canary", "1", "--growth", "2", "--concurrency", "1", "--json"];
  const first = start("cli/fleet/fleet-main.ts", fleetArgs);
  await until("three fleet tenants", () => first.lines.filter((l) => l.event === "tenant").length >= 3);
  first.child.kill("SIGINT");
  expect(await first.exited).toBe(1);
  const firstSummary = first.lines.find((l) => l.event === "summary") as { stoppedReason: string; ran: string[]; succeeded: number; waves: string[][] };
  expect(firstSummary.stoppedReason).toBe("interrupted");
  expect(firstSummary.waves[0]).toHaveLength(1);
  expect(firstSummary.waves[1]).toHaveLength(2);
  const doneFirst = firstSummary.ran;
  const second = start("cli/fleet/fleet-main.ts", fleetArgs);
  expect(await second.exited).toBe(0);
  const s2 = second.lines.find((l) => l.event === "summary") as { resumed: boolean; skipped: number; ran: string[]; succeeded: number; total: number; failed: number };
  expect(s2.resumed).toBe(true);
  expect(s2.skipped).toBe(doneFirst.length);
  expect(s2.ran.filter((t) => doneFirst.includes(t))).toEqual([]);
  expect([...doneFirst, ...s2.ran].sort()).toEqual([...tenants].sort());
  expect(s2).toMatchObject({ succeeded: N, total: N, failed: 0 });

  // Clean every tenant up through the queue.
  for (const t of tenants) await enqueue(q, { kind: "cleanup", tenantId: t, plan: "pro", requestedBy: "e2e" }, { expireInSeconds: 8, retryDelaySeconds: 1 });
  await until("every cleanup", async () => (await jobRecords(q.pool)).filter((x) => x.kind === "cleanup" && x.state === "succeeded").length === N, 240_000);
  for (const w of workers.slice(1)) w.child.kill("SIGTERM");
  for (const w of workers.slice(1)) expect(await w.exited).toBe(0);
  const after = await adminClient(TENANT_DB);
  const left = await after.query("SELECT count(*)::int AS n FROM pg_roles WHERE rolname LIKE $1", [`tenant_e2e${TAG}%`]);
  await after.end();
  expect(left.rows[0].n).toBe(0);
}, 600_000);
