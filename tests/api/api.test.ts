/**
 * The HTTP API end to end on loopback (issue 10): a real server, real PostgreSQL (its own tenant
 * and operations databases) and Redis, the local engine and in-process workers.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobRecords } from "../../cli/jobs/records";
import { OP, OPERATOR_TOKEN, type TenantCreds, type TestApi, noneToken, startApi, tenantCreds, token, waitJob } from "./helpers";
import { withRedis } from "../../cli/local/redis-applier";
import { tenantNames } from "../../components/naming";
import { adminClient, runTag } from "../helpers/pg";

const TAG = runTag();
const A = `apa${TAG}`;
const B = `apb${TAG}`;
const GHOST = `apg${TAG}`; // never set up
let api: TestApi;
let ca: TenantCreds;
let cb: TenantCreds;
const jwt = async (c: TenantCreds, o = {}) => `Bearer ${await token(c, o)}`;
const status = (t: string) => `/api/v1/tenant-isolation/${t}/status`;

beforeAll(async () => {
  api = await startApi("api_e2e");
  ca = await tenantCreds(A, api.jwksDir);
  cb = await tenantCreds(B, api.jwksDir);
});
afterAll(async () => {
  await api?.close();
});

describe("service endpoints", () => {
  it("/health and /ready answer without a credential", async () => {
    expect((await api.call("GET", "/health")).body).toEqual({ status: "ok" });
    expect((await api.call("GET", "/ready")).body).toEqual({ status: "ready" });
  });

  it("the OpenAPI document validates", async () => {
    const doc = (await api.call("GET", "/openapi.json")).body;
    const res = await new Validator().validate(doc);
    expect(res.errors ?? []).toEqual([]);
    expect(res.valid).toBe(true);
    expect(Object.keys(doc.paths)).toContain("/api/v1/tenant-isolation/{tenantId}/status");
  });
});

describe("authentication: 401 for unknown or malformed credentials", () => {
  const cases: Array<[string, () => Promise<string | undefined>]> = [
    ["no credential", async () => undefined],
    ["a malformed header", async () => "Basic abc"],
    ["an unknown bearer token", async () => `Bearer ${OPERATOR_TOKEN}x`],
    ["an expired token", async () => jwt(ca, { iat: Math.floor(Date.now() / 1000) - 900, exp: Math.floor(Date.now() / 1000) - 300 })],
    ["an alg:none token", async () => `Bearer ${noneToken(A)}`],
    ["a wrong-audience token", async () => jwt(ca, { audience: "someone-else" })],
    ["a wrong-issuer token", async () => jwt(ca, { issuer: "https://evil.example" })],
    ["B's key signing a token that claims tenant A", async () => jwt(cb, { tenant: A })],
    ["a token of a tenant with no JWKS", async () => jwt(await tenantCreds(GHOST, api.jwksDir, false))],
    ["a token whose typ is not at+jwt", async () => jwt(ca, { typ: "JWT" })],
    ["a wrong API key", async () => `ApiKey ${A}:${cb.apiKey}`],
    ["an API key naming a path", async () => `ApiKey ../${A}:${ca.apiKey}`],
  ];
  for (const [name, auth] of cases) {
    it(name, async () => {
      const r = await api.call("GET", status(A), { auth: await auth() });
      expect(r.status).toBe(401);
      expect(r.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(r.body).toMatchObject({ type: "https://controlcore.io/problems/unauthorized", status: 401 });
    });
  }
});

describe("setup, jobs, status, cleanup", () => {
  it("a tenant may not call setup or cleanup (operators only)", async () => {
    for (const url of ["/api/v1/tenant-isolation/setup", "/api/v1/tenant-isolation/cleanup"]) {
      const r = await api.call("POST", url, { auth: await jwt(ca), body: { tenantId: A } });
      expect(r.status).toBe(403);
      expect(r.body.type).toBe("https://controlcore.io/problems/forbidden");
    }
    expect(await jobRecords(api.opsPool, A)).toEqual([]);
  });

  it("bad input is a 4xx problem and nothing is queued", async () => {
    const post = (o: { body?: unknown; raw?: string; headers?: Record<string, string> }) => api.call("POST", "/api/v1/tenant-isolation/setup", { auth: OP, ...o });
    const malformed = await post({ raw: '{"tenantId": "x",' });
    expect([malformed.status, malformed.body.type]).toEqual([400, "https://controlcore.io/problems/invalid-request"]);
    const big = await post({ body: { tenantId: A, overrides: { pad: "x".repeat(70_000) } } });
    expect([big.status, big.body.type]).toEqual([413, "https://controlcore.io/problems/payload-too-large"]);
    const traversal = await post({ body: { tenantId: "../etc" } });
    expect([traversal.status, traversal.body.problems[0].path]).toEqual([400, "tenantId"]);
    const reserved = await post({ body: { tenantId: "admin" } });
    expect(reserved.status).toBe(400);
    expect(reserved.body.problems[0].message).toContain("administration");
    const unknown = await post({ body: { tenantId: A, colour: "red" } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.problems[0].message).toContain("colour");
    const badPlan = await post({ body: { tenantId: A, plan: "/etc/passwd" } });
    expect([badPlan.status, badPlan.body.problems[0].path]).toEqual([400, "body.plan"]);
    const badOverride = await post({ body: { tenantId: A, overrides: { database: { connection_limit: "lots" } } } });
    expect([badOverride.status, badOverride.body.type]).toEqual([400, "https://controlcore.io/problems/invalid-request"]);
    expect(JSON.stringify(badOverride.body.problems)).toContain("database.connection_limit");
    const media = await post({ raw: "tenantId=x", headers: { "content-type": "application/xml" } });
    expect([media.status, media.body.type]).toEqual([415, "https://controlcore.io/problems/unsupported-media-type"]);
    const traversalPath = await api.call("GET", status("..%2F..%2Fetc"), { auth: OP });
    expect(traversalPath.status).toBe(400);
    const all = await jobRecords(api.opsPool);
    expect(all).toEqual([]);
  });

  it("two concurrent setups of one tenant: exactly one 202 and one 409", async () => {
    const [r1, r2] = await Promise.all([0, 1].map(() => api.call("POST", "/api/v1/tenant-isolation/setup", { auth: OP, body: { tenantId: A, plan: "pro" } })));
    expect([r1!.status, r2!.status].sort()).toEqual([202, 409]);
    const ok = r1!.status === 202 ? r1! : r2!;
    const conflict = r1!.status === 409 ? r1! : r2!;
    expect(conflict.body.type).toBe("https://controlcore.io/problems/conflict");
    expect(ok.headers.get("location")).toBe(`/api/v1/jobs/${ok.body.jobId}`);
    const job = await waitJob(api, ok.body.jobId);
    expect(job).toMatchObject({ state: "succeeded", kind: "setup", tenantId: A, requestedBy: "api operator:#1" });
  });

  it("Idempotency-Key: a retry gets the same job; the key with another body is 422", async () => {
    const body = { tenantId: B, plan: "pro" };
    const headers = { "idempotency-key": `k-${TAG}` };
    const first = await api.call("POST", "/api/v1/tenant-isolation/setup", { auth: OP, body, headers });
    expect(first.status).toBe(202);
    const retry = await api.call("POST", "/api/v1/tenant-isolation/setup", { auth: OP, body, headers });
    expect(retry.status).toBe(202);
    expect(retry.body.jobId).toBe(first.body.jobId);
    const other = await api.call("POST", "/api/v1/tenant-isolation/setup", { auth: OP, body: { tenantId: B, plan: "custom" }, headers });
    expect([other.status, other.body.type]).toEqual([422, "https://controlcore.io/problems/idempotency-key-reused"]);
    expect(await waitJob(api, first.body.jobId)).toMatchObject({ state: "succeeded" });
    // Still the same job after it finished.
    const late = await api.call("POST", "/api/v1/tenant-isolation/setup", { auth: OP, body, headers });
    expect(late.body.jobId).toBe(first.body.jobId);
    expect((await jobRecords(api.opsPool, B)).length).toBe(1);
  });

  it("status: the stack exists, with its last operation", async () => {
    const r = await api.call("GET", status(A), { auth: OP });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ tenantId: A, exists: true, engine: "local", lastUpdate: { operation: "update", result: "succeeded" }, lastJob: { kind: "setup", state: "succeeded" } });
    expect(r.body.resourceCount).toBeGreaterThan(0);
  });

  it("health, metrics, limits and config of a set-up tenant, for the operator and the tenant itself", async () => {
    for (const auth of [OP, await jwt(ca), `ApiKey ${A}:${ca.apiKey}`]) {
      const h = await api.call("GET", `/api/v1/tenant-isolation/${A}/health`, { auth });
      expect([h.status, h.body.tenant, h.body.healthy, h.body.drift]).toEqual([200, A, true, []]);
      expect(h.body.checks.map((c: { check: string }) => c.check)).toEqual(expect.arrayContaining(["role superuser", "role bypassrls", "role grants"]));
    }
    const m = await api.call("GET", `/api/v1/tenant-isolation/${A}/metrics`, { auth: await jwt(ca) });
    expect([m.status, m.body.tenant, m.body.postgres.connections.limit]).toEqual([200, A, 20]);
    expect(m.body.redis.prefix).toContain(A);
    const l = await api.call("GET", `/api/v1/tenant-isolation/${A}/limits`, { auth: await jwt(ca) });
    expect([l.status, l.body.tenant, l.body.plan]).toEqual([200, A, "pro"]);
    const c = await api.call("GET", `/api/v1/tenant-isolation/${A}/config`, { auth: await jwt(ca) });
    expect([c.status, c.body.tenant, c.body.plan]).toEqual([200, A, "pro"]);
    expect(c.text).not.toMatch(/postgresql:\/\/[^"@]*:[^"@[]+@/);
    const s = await api.call("GET", status(A), { auth: OP });
    expect(s.body.components).toEqual([
      { component: "database", state: "ok", drift: [] },
      { component: "cache", state: "ok", drift: [] },
    ]);
  });

  it("validate-access: allowed and denied for each resource kind, with the reason", async () => {
    const auth = await jwt(ca);
    const cases: Array<[unknown, boolean, RegExp]> = [
      [{ kind: "row", table: "policies", tenantId: A }, true, /admits only rows with tenant_id = '.*', and this row's tenant_id is/],
      [{ kind: "row", table: "policies", tenantId: B }, false, new RegExp(`this row's tenant_id is '${B}'$`)],
      [{ kind: "s3", key: `tenants/${A}/reports/1.pdf` }, true, /allowed by statement/],
      [{ kind: "s3", key: `tenants/${B}/x` }, false, /explicitly denied by statement DenyObjectsOutsideOwnPrefix$/],
      [{ kind: "redis-key", name: `tenant:{${A}}:x` }, true, /matches the declared key patterns/],
      [{ kind: "redis-key", name: `tenant:{${B}}:x` }, false, /is outside the declared key patterns/],
      [{ kind: "redis-channel", name: `tenant:{${A}}:events` }, true, /matches the declared channel patterns/],
      [{ kind: "redis-channel", name: `tenant:{${B}}:events` }, false, /is outside the declared channel patterns/],
    ];
    for (const [resource, allowed, why] of cases) {
      const r = await api.call("POST", `/api/v1/tenant-isolation/${A}/validate-access`, { auth, body: { resource } });
      expect([r.status, r.body.tenant, r.body.allowed]).toEqual([200, A, allowed]);
      expect(r.body.reason).toMatch(why);
    }
    const onB = await api.call("POST", `/api/v1/tenant-isolation/${B}/validate-access`, { auth, body: { resource: { kind: "redis-key", name: "x" } } });
    expect(onB.status).toBe(403);
    const bad = await api.call("POST", `/api/v1/tenant-isolation/${A}/validate-access`, { auth, body: { resource: { kind: "file", name: "x" } } });
    expect([bad.status, bad.body.type]).toEqual([400, "https://controlcore.io/problems/invalid-request"]);
  });

  it("A's credential on B: 403 on every tenant route, the same body for B and a tenant that does not exist", async () => {
    const auth = await jwt(ca);
    for (const route of ["status", "health", "metrics", "limits", "config"]) {
      const onB = await api.call("GET", `/api/v1/tenant-isolation/${B}/${route}`, { auth });
      const onGhost = await api.call("GET", `/api/v1/tenant-isolation/${GHOST}/${route}`, { auth });
      expect([route, onB.status, onGhost.status]).toEqual([route, 403, 403]);
      expect({ ...onB.body, instance: undefined }).toEqual({ ...onGhost.body, instance: undefined });
    }
  });

  it("a tenant reads its own status with its JWT or its API key", async () => {
    for (const auth of [await jwt(ca), `ApiKey ${A}:${ca.apiKey}`]) {
      const r = await api.call("GET", status(A), { auth });
      expect([r.status, r.body.tenantId, r.body.exists]).toEqual([200, A, true]);
    }
  });

  it("tenant A on B: 403 with the same body whether B exists or not", async () => {
    const onB = await api.call("GET", status(B), { auth: await jwt(ca) });
    const onGhost = await api.call("GET", status(GHOST), { auth: await jwt(ca) });
    const onInvalid = await api.call("GET", status("admin"), { auth: await jwt(ca) });
    expect(onB.status).toBe(403);
    const strip = (b: any) => ({ ...b, instance: undefined });
    expect(strip(onGhost.body)).toEqual(strip(onB.body));
    expect(strip(onInvalid.body)).toEqual(strip(onB.body));
  });

  it("a tenant sees only its own jobs: another tenant's job is a 404 like a job that does not exist", async () => {
    const bJob = (await jobRecords(api.opsPool, B))[0]!.jobId;
    const aJob = (await jobRecords(api.opsPool, A))[0]!.jobId;
    const own = await api.call("GET", `/api/v1/jobs/${aJob}`, { auth: await jwt(ca) });
    expect([own.status, own.body.tenantId]).toEqual([200, A]);
    const other = await api.call("GET", `/api/v1/jobs/${bJob}`, { auth: await jwt(ca) });
    const none = await api.call("GET", "/api/v1/jobs/00000000-0000-4000-8000-000000000000", { auth: await jwt(ca) });
    expect([other.status, none.status]).toEqual([404, 404]);
    expect(other.body.title).toBe(none.body.title);
    expect(other.text).not.toContain(B);
  });

  it("logs: request ID, caller and tenant on the request's lines; no credential material", async () => {
    const t = await token(ca);
    const r = await api.call("GET", status(A), { auth: `Bearer ${t}` });
    const id = r.headers.get("x-request-id");
    const lines = api.logs.map((l) => JSON.parse(l)).filter((l) => l.reqId === id);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines.filter((x) => x.msg !== "incoming request")) expect([l.caller, l.tenant]).toEqual([`tenant:${A}:jwt:user-1`, A]);
    // An operator's request: the tenant it names, in the path or the body.
    const op = await api.call("GET", status(A), { auth: OP });
    const opLines = api.logs.map((l) => JSON.parse(l)).filter((l) => l.reqId === op.headers.get("x-request-id") && l.msg === "request completed");
    expect(opLines.map((l) => [l.caller, l.tenant])).toEqual([["operator:#1", A]]);
    const bad = await api.call("POST", "/api/v1/tenant-isolation/cleanup", { auth: OP, body: { tenantId: GHOST, plan: "nope" } });
    const badLines = api.logs.map((l) => JSON.parse(l)).filter((l) => l.reqId === bad.headers.get("x-request-id") && l.msg === "request completed");
    expect([bad.status, badLines.length, badLines[0].caller]).toEqual([400, 1, "operator:#1"]);
    const all = api.logs.join("\n");
    for (const secret of [t, OPERATOR_TOKEN, ca.apiKey]) expect(all).not.toContain(secret);
  });

  it("cleanup: an operator's async job offboards the tenant; status then says it does not exist", async () => {
    const r = await api.call("POST", "/api/v1/tenant-isolation/cleanup", { auth: OP, body: { tenantId: B } });
    expect(r.status).toBe(202);
    expect(await waitJob(api, r.body.jobId)).toMatchObject({ state: "succeeded", kind: "cleanup", tenantId: B });
    const s = await api.call("GET", status(B), { auth: OP });
    expect(s.body).toMatchObject({ tenantId: B, exists: false, resourceCount: 0, lastJob: { kind: "cleanup", state: "succeeded" } });
  });

  it("drift injected by hand (NO FORCE RLS, BYPASSRLS, an extra grant, ACL +@all) is named by health and status", async () => {
    const t = tenantNames(A);
    const c = await adminClient(new URL(api.tenantDbUrl).pathname.slice(1));
    try {
      await c.query(`ALTER TABLE "${t.pgSchema}"."policies" NO FORCE ROW LEVEL SECURITY`);
      await c.query(`ALTER ROLE "${t.pgRole}" BYPASSRLS`);
      await c.query(`GRANT TRUNCATE ON "${t.pgSchema}"."users" TO "${t.pgRole}"`);
    } finally {
      await c.end();
    }
    await withRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", (r) => r.call("ACL", "SETUSER", t.elasticacheUserId, "+@all"));
    const h = await api.call("GET", `/api/v1/tenant-isolation/${A}/health`, { auth: await jwt(ca) });
    expect([h.status, h.body.healthy]).toEqual([200, false]);
    expect(h.body.drift).toHaveLength(4);
    expect(h.body.drift[0]).toBe(`postgres: row-level security is not forced on "${t.pgSchema}"."policies"`);
    expect(h.body.drift[1]).toBe(`postgres: role "${t.pgRole}" bypassrls is true, declared false`);
    expect(h.body.drift[2]).toMatch(new RegExp(`^postgres: role "${t.pgRole}" has undeclared privilege table .*"users": TRUNCATE$`));
    expect(h.body.drift[3]).toMatch(new RegExp(`^redis: ACL user ${t.elasticacheUserId} commands differ`));
    const s = await api.call("GET", status(A), { auth: OP });
    expect(s.body.components.map((x: { component: string; state: string; drift: string[] }) => [x.component, x.state, x.drift.length])).toEqual([
      ["database", "drifted", 3],
      ["cache", "drifted", 1],
    ]);
  });

  it("/metrics counts the API's requests by route and status (Prometheus text)", async () => {
    const r = await api.call("GET", "/metrics");
    expect(r.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(r.text).toMatch(/^# TYPE controlcore_api_requests_total counter$/m);
    expect(r.text).toMatch(/^controlcore_api_requests_total\{method="POST",route="\/api\/v1\/tenant-isolation\/setup",status="409"\} 1$/m);
    expect(r.text).toMatch(/^controlcore_api_request_duration_seconds_count\{method="GET",route="\/api\/v1\/tenant-isolation\/:tenantId\/status"\} \d+$/m);
  });

  it("cleanup of the drifted tenant: it is gone, and health says so (404, not set up)", async () => {
    const r = await api.call("POST", "/api/v1/tenant-isolation/cleanup", { auth: OP, body: { tenantId: A } });
    expect(await waitJob(api, r.body.jobId)).toMatchObject({ state: "succeeded", kind: "cleanup" });
    const h = await api.call("GET", `/api/v1/tenant-isolation/${A}/health`, { auth: OP });
    expect([h.status, h.body.type, h.body.detail]).toEqual([404, "https://controlcore.io/problems/not-found", `tenant "${A}" is not set up here`]);
    const s = await api.call("GET", status(A), { auth: OP });
    expect(s.body).toMatchObject({ exists: false, components: null });
  });

  it("every route of the OpenAPI document was answered with a 2xx by at least one test", async () => {
    const doc = (await api.call("GET", "/openapi.json")).body;
    const metrics = (await api.call("GET", "/metrics")).text;
    const served = new Set(
      [...metrics.matchAll(/^controlcore_api_requests_total\{method="(\w+)",route="([^"]+)",status="2\d\d"\}/gm)].map((m) => `${m[1]} ${m[2]!.replace(/:(\w+)/g, "{$1}")}`),
    );
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(documented.length).toBeGreaterThanOrEqual(7);
    expect(documented.filter((d) => !served.has(d))).toEqual([]);
  });
});
