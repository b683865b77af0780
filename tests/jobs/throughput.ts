/**
 * Measures jobs per minute with the local engine: W worker processes (concurrency 1 each) run M
 * setup jobs; the time from the first enqueue to the last success. Then every tenant is cleaned
 * up and the databases dropped. The README's figures come from this script:
 *
 *   node -r tsx/cjs tests/jobs/throughput.ts --workers 1,2,4 --tenants 24
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { enqueue } from "../../cli/jobs/enqueue";
import { openQueue } from "../../cli/jobs/queue";
import { jobRecords } from "../../cli/jobs/records";
import { LocalEngine } from "../../cli/ops/local-engine";
import { PG_ADMIN, PG_HOST, PG_PORT, adminClient, runTag } from "../helpers/pg";

const ROOT = path.resolve(__dirname, "..", "..");
const arg = (n: string, d: string) => (process.argv.includes(n) ? process.argv[process.argv.indexOf(n) + 1]! : d);
const url = (db: string) => `postgresql://${PG_ADMIN}@${PG_HOST}:${PG_PORT}/${db}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(workers: number, m: number): Promise<{ seconds: number; perMinute: number }> {
  const tag = runTag();
  const opsDb = `controlcore_jobs_bench_${tag}`;
  const tenantDb = `controlcore_jobs_bench_t_${tag}`;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "tenantctl-bench-"));
  const admin = await adminClient();
  await admin.query(`CREATE DATABASE ${tenantDb}`);
  await admin.end();
  const env = { ...process.env, DATABASE_URL: url(tenantDb), TENANTCTL_STATE_DIR: stateDir, TENANTCTL_OPS_DATABASE_URL: url(opsDb) };
  const q = await openQueue(url(opsDb));
  const procs: ChildProcess[] = [];
  let ready = 0;
  for (let i = 0; i < workers; i++) {
    const c = spawn(process.execPath, ["-r", "tsx/cjs", "cli/jobs/worker-main.ts", "--concurrency", "1", "--poll-seconds", "0.5"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "inherit"] });
    c.stdout!.on("data", (d: Buffer) => {
      if (d.toString().includes("worker-started")) ready++;
    });
    procs.push(c);
  }
  while (ready < workers) await sleep(100);
  const tenants = Array.from({ length: m }, (_, i) => `bench${tag}-${i}`);
  const t0 = Date.now();
  for (const t of tenants) await enqueue(q, { kind: "setup", tenantId: t, plan: "pro", requestedBy: "bench" });
  for (;;) {
    const r = await jobRecords(q.pool);
    if (r.filter((x) => x.state === "succeeded").length === m) break;
    if (r.some((x) => x.state === "failed")) throw new Error(`a setup failed: ${JSON.stringify(r.find((x) => x.state === "failed"))}`);
    await sleep(200);
  }
  const seconds = (Date.now() - t0) / 1000;
  for (const c of procs) c.kill("SIGTERM");
  await q.close();
  const engine = new LocalEngine({ targets: { databaseUrl: url(tenantDb) }, stateDir });
  for (const t of tenants) await engine.run("destroy", { tenantId: t, plan: "pro" });
  const a2 = await adminClient();
  for (const db of [opsDb, tenantDb]) await a2.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await a2.end();
  fs.rmSync(stateDir, { recursive: true, force: true });
  return { seconds, perMinute: (m / seconds) * 60 };
}

(async () => {
  const m = Number(arg("--tenants", "24"));
  for (const w of arg("--workers", "1,2,4").split(",").map(Number)) {
    const r = await measure(w, m);
    process.stdout.write(`${JSON.stringify({ workers: w, jobs: m, seconds: Number(r.seconds.toFixed(1)), jobsPerMinute: Number(r.perMinute.toFixed(1)), cpus: os.cpus().length })}\n`);
  }
})().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
