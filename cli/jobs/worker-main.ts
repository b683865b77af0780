/**
 * The worker process: `tenantctl worker` (cli/tenantctl.ts) and this file's direct entry with the
 * local engine (`node -r tsx/cjs cli/jobs/worker-main.ts --concurrency N`), used by the tests. Prints one NDJSON line per job event; SIGTERM/SIGINT stop it gracefully (running
 * jobs get `--grace-seconds` to finish, then pg-boss fails them to be retried elsewhere).
 */
import { LocalEngine } from "../ops/local-engine";
import type { Engine } from "../ops/engine";
import { DEFAULT_RETRY_POLICY, openQueue, opsDatabaseUrl } from "./queue";
import { startWorker } from "./worker";

export interface WorkerCommandOptions {
  readonly concurrency: number;
  readonly queueUrl?: string;
  readonly pollSeconds?: number;
  readonly maintenanceSeconds?: number;
  readonly graceSeconds?: number;
  readonly workerId?: string;
  /** Also print the engine's progress events (one NDJSON line each). */
  readonly progress?: boolean;
}

/**
 * Runs a worker with `engine` until SIGTERM/SIGINT; resolves when it has stopped. `tenantctl
 * worker --engine pulumi` passes the Pulumi engine built as its other commands build it.
 */
export async function runWorkerCommand(o: WorkerCommandOptions, engine: Engine): Promise<void> {
  const q = await openQueue(opsDatabaseUrl(o.queueUrl), {
    supervise: true,
    maintenanceIntervalSeconds: o.maintenanceSeconds ?? 30,
    poolSize: o.concurrency * 2 + 2,
  }, DEFAULT_RETRY_POLICY);
  const out = (e: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), ...e })}\n`);
  const w = await startWorker(q, { engine, concurrency: o.concurrency, pollSeconds: o.pollSeconds, workerId: o.workerId, log: out,
    ...(o.progress ? { onEvent: (jobId: string, e: unknown) => out({ event: "progress", jobId, ...(e as Record<string, unknown>) }) } : {}),
  });
  out({ event: "worker-started", worker: w.workerId, concurrency: o.concurrency, engine: engine.name, pid: process.pid });
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  out({ event: "worker-stopping", worker: w.workerId });
  await w.stop(o.graceSeconds ?? 30);
  await q.close();
  out({ event: "worker-stopped", worker: w.workerId });
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const num = (name: string) => (argValue(argv, name) === undefined ? undefined : Number(argValue(argv, name)));
  runWorkerCommand({
    concurrency: num("--concurrency") ?? 1,
    queueUrl: argValue(argv, "--queue-url"),
    pollSeconds: num("--poll-seconds"),
    maintenanceSeconds: num("--maintenance-seconds"),
    graceSeconds: num("--grace-seconds"),
    workerId: argValue(argv, "--worker-id"),
    progress: argv.includes("--progress"),
  }, new LocalEngine()).then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`tenantctl worker: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
