/**
 * The `enqueue`, `worker` and `fleet` commands of tenantctl (loaded only when one of them runs).
 */
import * as os from "node:os";
import { type Engine, EngineError, type EngineEvent, type Operation, type TenantRequest } from "../ops/engine";
import { CommandExit, exitCodeOf } from "../ops/exit-codes";
import { type EngineName, type OpsOptions, makeEngine } from "../ops/commands";
import { type FleetCommandOptions, runFleetCommand } from "../fleet/fleet-main";
import { enqueue } from "./enqueue";
import type { JobKind } from "./job-types";
import { DEFAULT_RETRY_POLICY, openQueue, opsDatabaseUrl } from "./queue";
import { type WorkerCommandOptions, runWorkerCommand } from "./worker-main";

/**
 * One engine for jobs of many tenants: the Pulumi engine reads each tenant's platform file
 * (Pulumi.<tenant>.yaml when present), so it is made per operation.
 */
export function engineForJobs(opts: OpsOptions): Engine {
  if (opts.engine === "local") return makeEngine("local-jobs", opts);
  return {
    name: "pulumi",
    run: (op: Operation, req: TenantRequest, onEvent?: (e: EngineEvent) => void) => makeEngine(req.tenantId, opts).run(op, req, onEvent),
    outputs: (req, show) => makeEngine(req.tenantId, opts).outputs(req, show),
    status: (req) => makeEngine(req.tenantId, opts).status(req),
  };
}

export interface EnqueueCommandOptions {
  readonly plan: string;
  readonly isolation?: TenantRequest["isolation"];
  readonly requestedBy?: string;
  readonly queueUrl?: string;
  readonly retryLimit?: number;
  readonly expireSeconds?: number;
  readonly json?: boolean;
}

/** `tenantctl enqueue <kind> <tenant>`: prints the job ID (or `{ jobId, ... }` with --json). */
export async function enqueueCommand(kind: JobKind, tenantId: string, o: EnqueueCommandOptions): Promise<void> {
  const q = await openQueue(opsDatabaseUrl(o.queueUrl));
  try {
    const requestedBy = o.requestedBy ?? process.env.TENANTCTL_ACTOR ?? `${os.userInfo().username}@${os.hostname()}`;
    const r = await enqueue(
      q,
      { kind, tenantId, plan: o.plan, ...(o.isolation ? { isolation: o.isolation } : {}), requestedBy },
      { ...DEFAULT_RETRY_POLICY, ...(o.retryLimit !== undefined ? { retryLimit: o.retryLimit } : {}), ...(o.expireSeconds !== undefined ? { expireInSeconds: o.expireSeconds } : {}) },
    );
    process.stdout.write(o.json ? `${JSON.stringify({ jobId: r.jobId, ...r.payload })}\n` : `${r.jobId}\n`);
  } catch (e) {
    if (e instanceof EngineError) {
      process.stderr.write(`tenantctl: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ""}`);
      throw new CommandExit(exitCodeOf(e.kind));
    }
    throw e;
  } finally {
    await q.close();
  }
}

export async function workerCommand(o: WorkerCommandOptions & { engine: EngineName; stackFile?: string }): Promise<void> {
  await runWorkerCommand(o, engineForJobs({ engine: o.engine, stackFile: o.stackFile }));
}

export async function fleetCommand(o: FleetCommandOptions & { engine: EngineName; stackFile?: string }): Promise<void> {
  const ac = new AbortController();
  process.once("SIGINT", () => ac.abort());
  process.once("SIGTERM", () => ac.abort());
  // The Pulumi engine calls AWS: its rollout keeps to the API rates (quotas.ts), counted from the
  // plan's own resources. The local engine calls no AWS API.
  const planCost =
    o.engine === "pulumi"
      ? async (plan: string) => {
          const { offlinePlan }: typeof import("../offline-plan") = require("../offline-plan");
          const { costOf }: typeof import("../fleet/quotas") = require("../fleet/quotas");
          return costOf((await offlinePlan({ tenantId: "fleet-cost", plan, stackFile: o.stackFile })).resources.map((r) => r.type));
        }
      : undefined;
  const s = await runFleetCommand({ ...o, planCost }, engineForJobs({ engine: o.engine, stackFile: o.stackFile }), ac.signal);
  if (s.stoppedReason || s.failed > 0) throw new CommandExit(1);
}
