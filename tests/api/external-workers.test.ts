/**
 * `--workers 0`: the API only enqueues; an external worker (as `tenantctl worker` runs it) on the
 * same queue runs the job, and the API reports its progress.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { openQueue } from "../../cli/jobs/queue";
import { startWorker } from "../../cli/jobs/worker";
import { LocalEngine } from "../../cli/ops/local-engine";
import { OP, type TestApi, startApi, waitJob } from "./helpers";
import { runTag } from "../helpers/pg";

const A = `axa${runTag()}`;
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
let api: TestApi;

beforeAll(async () => {
  api = await startApi("api_ext", { workers: 0 });
});
afterAll(async () => {
  await api?.close();
});

it("with no in-process workers a setup stays queued until an external worker takes it", async () => {
  const r = await api.call("POST", "/api/v1/tenant-isolation/setup", { auth: OP, body: { tenantId: A } });
  expect(r.status).toBe(202);
  await new Promise((res) => setTimeout(res, 1500));
  expect((await api.call("GET", `/api/v1/jobs/${r.body.jobId}`, { auth: OP })).body.state).toBe("queued");
  const q = await openQueue(api.opsDbUrl, { supervise: false });
  const w = await startWorker(q, { engine: new LocalEngine({ targets: { databaseUrl: api.tenantDbUrl, redisUrl: REDIS_URL }, stateDir: api.stateDir }), concurrency: 1, pollSeconds: 0.5, workerId: "external-1" });
  try {
    expect(await waitJob(api, r.body.jobId)).toMatchObject({ state: "succeeded", attempts: 1 });
    const c = await api.call("POST", "/api/v1/tenant-isolation/cleanup", { auth: OP, body: { tenantId: A } });
    expect(await waitJob(api, c.body.jobId)).toMatchObject({ state: "succeeded", kind: "cleanup" });
  } finally {
    await w.stop(10);
    await q.close();
  }
  expect((await api.call("GET", `/api/v1/tenant-isolation/${A}/status`, { auth: OP })).body.exists).toBe(false);
});
