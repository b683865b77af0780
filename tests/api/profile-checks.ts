/**
 * What one `status` and one `health` call cost (not part of the test suite): a real API server
 * on loopback with the local engine, one tenant set up through the API, then one warm-up call and
 * one counted call per endpoint: PostgreSQL connections opened and queries sent (pg's Client, all
 * databases), Redis connections opened and commands sent (ioredis), and the call's wall time.
 *
 *   node -r tsx/cjs tests/api/profile-checks.ts
 */
import { Redis } from "ioredis";
import { Client } from "pg";
import { OP, startApi, waitJob } from "./helpers";
import { runTag } from "../helpers/pg";

const counts = { pgConnect: 0, pgQuery: 0, redisConnect: 0, redisCommand: 0 };
const wrap = <T extends object>(proto: T, name: keyof T, key: keyof typeof counts) => {
  const orig = proto[name] as unknown as (...a: unknown[]) => unknown;
  (proto as Record<string, unknown>)[name as string] = function (this: unknown, ...a: unknown[]) {
    counts[key] += 1;
    return orig.apply(this, a);
  };
};
wrap(Client.prototype, "connect", "pgConnect");
wrap(Client.prototype, "query", "pgQuery");
wrap(Redis.prototype, "connect", "redisConnect");
wrap(Redis.prototype, "sendCommand", "redisCommand");

async function main(): Promise<void> {
  const tenant = `pf${runTag()}-0`;
  const api = await startApi("api_profile", { workers: 1, logLevel: "warn" });
  try {
    const r = await api.call("POST", "/api/v1/tenant-isolation/setup", { auth: OP, body: { tenantId: tenant } });
    const done = await waitJob(api, r.body.jobId as string, 600_000);
    if (done.state !== "succeeded") throw new Error(JSON.stringify(done));
    for (const name of ["status", "health"]) {
      const url = `/api/v1/tenant-isolation/${tenant}/${name}`;
      await api.call("GET", url, { auth: OP }); // warm-up
      // The in-process worker polls the queue meanwhile (its queries are counted too: a few per call at most).
      const idle0 = { ...counts };
      const t0 = Date.now();
      const res = await api.call("GET", url, { auth: OP });
      const ms = Date.now() - t0;
      const during = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v - idle0[k as keyof typeof counts]]));
      process.stdout.write(`${name} (HTTP ${res.status}): ${ms} ms; ${JSON.stringify(during)}\n`);
    }
    const c = await api.call("POST", "/api/v1/tenant-isolation/cleanup", { auth: OP, body: { tenantId: tenant } });
    await waitJob(api, c.body.jobId as string, 600_000);
  } finally {
    await api.close();
  }
}

main().then(() => process.exit(0), (e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
