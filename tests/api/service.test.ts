/**
 * The service's own guarantees: a per-caller rate limit, and graceful shutdown (closing the
 * server lets a running job finish and records it).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { enqueue } from "../../cli/jobs/enqueue";
import { openQueue } from "../../cli/jobs/queue";
import { jobRecord } from "../../cli/jobs/records";
import { localDownDetailed } from "../../cli/local/local-mode";
import { OP, type TenantCreds, type TestApi, startApi, tenantCreds, token } from "./helpers";
import { runTag } from "../helpers/pg";

const TAG = runTag();
const A = `asa${TAG}`;
let api: TestApi;
let ca: TenantCreds;

beforeAll(async () => {
  api = await startApi("api_svc", { rateLimit: { max: 3, timeWindowMs: 60_000 }, workers: 1 });
  ca = await tenantCreds(A, api.jwksDir);
});
afterAll(async () => {
  // The tenant's roles and Redis user are cluster-wide: offboard it before the databases go.
  if (api) await localDownDetailed(A, { targets: { databaseUrl: api.tenantDbUrl, redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" }, stateDir: api.stateDir });
  await api?.close();
});

it("rate limit per caller: the 4th request of one caller is 429; another caller and /health are not limited", async () => {
  const status = `/api/v1/tenant-isolation/${A}/status`;
  const ops = [];
  for (let i = 0; i < 4; i++) ops.push(await api.call("GET", status, { auth: OP }));
  expect(ops.map((r) => r.status)).toEqual([200, 200, 200, 429]);
  expect(ops[3]!.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(ops[3]!.body).toMatchObject({ type: "https://controlcore.io/problems/rate-limited", status: 429 });
  const tenant = await api.call("GET", status, { auth: `Bearer ${await token(ca)}` });
  expect(tenant.status).toBe(200);
  for (let i = 0; i < 5; i++) expect((await api.call("GET", "/health")).status).toBe(200);
});

it("graceful shutdown: a job running when the server closes finishes and is recorded as succeeded", async () => {
  // A fresh window for the operator: a new server would be simpler, but the point is this one.
  await new Promise((r) => setTimeout(r, 10));
  const r = await api.app.inject({ method: "POST", url: "/api/v1/tenant-isolation/setup", headers: { authorization: `${OP}` }, payload: { tenantId: A } });
  // The operator used its 3 requests above: the limit refuses this one too, and it must not queue.
  expect(r.statusCode).toBe(429);
  expect(await api.opsPool.query("SELECT count(*)::int AS n FROM tenantctl_ops.job_record")).toMatchObject({ rows: [{ n: 0 }] });
  const q = await openQueue(api.opsDbUrl);
  const { jobId } = await enqueue(q, { kind: "setup", tenantId: A, plan: "pro", requestedBy: "test" });
  await q.close();
  const end = Date.now() + 60_000;
  while ((await jobRecord(api.opsPool, jobId))?.state !== "running") {
    if (Date.now() > end) throw new Error("the job never started");
    await new Promise((res) => setTimeout(res, 50));
  }
  await api.app.close();
  expect(await jobRecord(api.opsPool, jobId)).toMatchObject({ state: "succeeded", attempts: 1 });
});
