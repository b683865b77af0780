/**
 * The README's load figure (not part of the test suite: it sets up LOAD_TENANTS tenants first):
 * a real API server on loopback with the local engine, LOAD_TENANTS tenants set up through the
 * API's own setup endpoint, then autocannon against `status` (and `health`, when the API has
 * it) of a random tenant per request, as the operator.
 *
 *   node -r tsx/cjs tests/api/load.ts          # LOAD_TENANTS=100 LOAD_SECONDS=10 LOAD_CONNECTIONS=20
 */
import { OP, startApi, waitJob } from "./helpers";
import { runTag } from "../helpers/pg";

interface Histogram { average: number; total: number; p50: number; p99: number }
interface CannonResult { requests: Histogram; latency: Histogram; non2xx: number; errors: number }
// autocannon ships no type declarations.
const autocannon = require("autocannon") as (o: Record<string, unknown>) => Promise<CannonResult>;

const N = Number(process.env.LOAD_TENANTS ?? 100);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 20);

async function main(): Promise<void> {
  const tag = runTag();
  const tenants = Array.from({ length: N }, (_, i) => `ld${tag}-${i}`);
  const api = await startApi("api_load", { workers: 3, rateLimit: { max: 1_000_000_000, timeWindowMs: 60_000 }, logLevel: "warn" });
  try {
    const t0 = Date.now();
    const jobs = [];
    for (const t of tenants) {
      const r = await api.call("POST", "/api/v1/tenant-isolation/setup", { auth: OP, body: { tenantId: t } });
      if (r.status !== 202) throw new Error(`setup ${t}: ${r.status} ${r.text}`);
      jobs.push(r.body.jobId as string);
    }
    for (const j of jobs) {
      const done = await waitJob(api, j, 600_000);
      if (done.state !== "succeeded") throw new Error(`job ${j}: ${JSON.stringify(done)}`);
    }
    process.stdout.write(`${N} tenants set up through the API in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    const doc = (await api.call("GET", "/openapi.json")).body as { paths: Record<string, unknown> };
    for (const name of ["status", "health"]) {
      if (!(`/api/v1/tenant-isolation/{tenantId}/${name}` in doc.paths)) {
        process.stdout.write(`${name}: not served by this API build; not measured\n`);
        continue;
      }
      const result = await autocannon({
        url: api.base,
        connections: CONNECTIONS,
        duration: SECONDS,
        headers: { authorization: OP },
        requests: [{ method: "GET", setupRequest: (req: Record<string, unknown>) => ({ ...req, path: `/api/v1/tenant-isolation/${tenants[Math.floor(Math.random() * N)]}/${name}` }) }],
      });
      const non2xx = result.non2xx + result.errors;
      process.stdout.write(
        `${name}: ${N} tenants, ${CONNECTIONS} connections, ${SECONDS} s: ${result.requests.average.toFixed(0)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ${result.requests.total} requests, ${non2xx} non-2xx/errors\n`,
      );
    }
    // Offboard the tenants again (cluster-wide roles and Redis users).
    const cleanups = [];
    for (const t of tenants) cleanups.push((await api.call("POST", "/api/v1/tenant-isolation/cleanup", { auth: OP, body: { tenantId: t } })).body.jobId as string);
    for (const j of cleanups) await waitJob(api, j, 600_000);
  } finally {
    await api.close();
  }
}

main().then(() => process.exit(0), (e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
