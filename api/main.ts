/**
 * `tenantctl api` / `npm run api`: the HTTP API. Embedded default: the local engine and
 * in-process workers, needing only the local PostgreSQL and Redis; `--engine pulumi` and
 * `--workers 0` (external `tenantctl worker` processes) for production. SIGTERM/SIGINT close the
 * server: no new requests, the workers get `--grace-seconds` to finish running jobs (pg-boss
 * fails the rest by expiry, and another worker retries them).
 */
import { type EngineName } from "../cli/ops/commands";
import { engineForJobs } from "../cli/jobs/commands";
import { opsDatabaseUrl } from "../cli/jobs/queue";
import { resolveTargets } from "../cli/local/local-mode";
import { buildServer } from "./server";

export interface ApiCommandOptions {
  readonly engine: EngineName;
  readonly stackFile?: string;
  readonly host: string;
  readonly port: number;
  readonly workers: number;
  readonly queueUrl?: string;
  readonly graceSeconds?: number;
}

export async function apiCommand(o: ApiCommandOptions): Promise<void> {
  // The tenant checks read local mode's state on the servers the local engine targets ($DATABASE_URL, $REDIS_URL).
  const targets = resolveTargets();
  const app = await buildServer({
    checks: { databaseUrl: targets.databaseUrl, redisUrl: targets.redisUrl, ...(process.env.TENANTCTL_STATE_DIR ? { stateDir: process.env.TENANTCTL_STATE_DIR } : {}) },
    engine: engineForJobs({ engine: o.engine, stackFile: o.stackFile }),
    queueUrl: opsDatabaseUrl(o.queueUrl),
    workers: o.workers,
    operatorTokens: process.env.CONTROLCORE_API_OPERATOR_TOKENS,
    jwksDir: process.env.CONTROLCORE_API_JWKS_DIR,
    graceSeconds: o.graceSeconds,
  });
  if (!process.env.CONTROLCORE_API_OPERATOR_TOKENS) app.log.warn("CONTROLCORE_API_OPERATOR_TOKENS is empty: no operator can call setup or cleanup");
  await app.listen({ host: o.host, port: o.port });
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  app.log.info("shutting down: finishing running jobs");
  await app.close();
}
