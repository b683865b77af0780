/**
 * `tenantctl fleet <up|preview|refresh>`: selects the tenants (`--plan`: the tenants whose last
 * finished job set them up on that plan, from the job records; or `--tenants FILE`: one
 * `tenant [plan]` per line), then runs the rollout under the queue's tenant locks, so a fleet
 * operation never runs beside a worker's job on the same tenant. SIGINT/SIGTERM stop scheduling;
 * running operations finish and are recorded; re-running continues.
 * Direct entry (tests): `node -r tsx/cjs cli/fleet/fleet-main.ts up --plan pro --state FILE`.
 */
import * as fs from "node:fs";
import { EngineError, type Engine } from "../ops/engine";
import { validateTenantId } from "../../components/naming";
import { LocalEngine } from "../ops/local-engine";
import { type OpsQueue, RECORDS_SCHEMA, openQueue, opsDatabaseUrl, tryTenantLock } from "../jobs/queue";
import { type FleetOperation, type FleetSummary, type FleetTarget, renderFleetSummary, runFleet } from "./fleet";

export interface FleetCommandOptions {
  readonly operation: FleetOperation;
  readonly plan?: string;
  readonly tenantsFile?: string;
  readonly stateFile: string;
  readonly queueUrl?: string;
  readonly canary?: number;
  readonly growth?: number;
  readonly maxWave?: number;
  readonly maxFailures?: number;
  readonly concurrency?: number;
  readonly json?: boolean;
  /** Per-family API calls of one tenant (Pulumi engine: counted from the offline plan). */
  readonly costOf?: (t: FleetTarget) => Readonly<Record<string, number>>;
  /** Per-family API calls of one tenant on a plan, computed once per plan before the rollout. */
  readonly planCost?: (plan: string) => Promise<Readonly<Record<string, number>>>;
}

/** The tenants whose latest finished job left them set up on `plan` (cleaned-up tenants are left out). */
export async function tenantsOnPlan(q: OpsQueue, plan: string): Promise<FleetTarget[]> {
  const r = await q.pool.query<{ tenant_id: string; kind: string; plan: string }>(
    `SELECT DISTINCT ON (tenant_id) tenant_id, kind, request->>'plan' AS plan FROM ${RECORDS_SCHEMA}.job_record
     WHERE state = 'succeeded' ORDER BY tenant_id, finished_at DESC`,
  );
  return r.rows.filter((x) => x.kind !== "cleanup" && x.plan === plan).map((x) => ({ tenantId: x.tenant_id, plan: x.plan }));
}

/** `tenant [plan]` per line; `#` starts a comment. */
export function parseTenantsFile(text: string, defaultPlan: string): FleetTarget[] {
  return text
    .split("\n")
    .map((l) => l.replace(/#.*/, "").trim())
    .filter(Boolean)
    .map((l) => {
      const [id, plan] = l.split(/\s+/);
      return { tenantId: validateTenantId(id, `tenants file: ${id}`), plan: plan ?? defaultPlan };
    });
}

export async function runFleetCommand(o: FleetCommandOptions, engine: Engine, signal?: AbortSignal): Promise<FleetSummary> {
  const q = await openQueue(opsDatabaseUrl(o.queueUrl), { poolSize: (o.concurrency ?? 4) * 2 + 2 });
  try {
    const targets = o.tenantsFile ? parseTenantsFile(fs.readFileSync(o.tenantsFile, "utf8"), o.plan ?? "pro") : await tenantsOnPlan(q, o.plan ?? "pro");
    const costs = new Map<string, Readonly<Record<string, number>>>();
    if (o.planCost) for (const plan of new Set(targets.map((t) => t.plan))) costs.set(plan, await o.planCost(plan));
    const costOf = o.costOf ?? (o.planCost ? (t: FleetTarget) => costs.get(t.plan) ?? {} : undefined);
    const withLock = async <T>(tenantId: string, fn: () => Promise<T>): Promise<T> => {
      const unlock = await tryTenantLock(q.pool, tenantId);
      if (!unlock) throw new EngineError("conflict", `tenant ${tenantId} is being operated on by a worker or another fleet run`);
      try {
        return await fn();
      } finally {
        await unlock();
      }
    };
    const summary = await runFleet({
      engine, operation: o.operation, targets, stateFile: o.stateFile, canary: o.canary, growth: o.growth, maxWave: o.maxWave,
      maxFailures: o.maxFailures, concurrency: o.concurrency, costOf, withLock, signal,
      onTenant: (id, t) => {
        if (o.json) process.stdout.write(`${JSON.stringify({ event: "tenant", tenant: id, ...t })}\n`);
      },
    });
    process.stdout.write(o.json ? `${JSON.stringify({ event: "summary", ...summary })}\n` : `${renderFleetSummary(summary)}\n`);
    return summary;
  } finally {
    await q.close();
  }
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const num = (n: string) => (argValue(argv, n) === undefined ? undefined : Number(argValue(argv, n)));
  const ac = new AbortController();
  process.once("SIGINT", () => ac.abort());
  process.once("SIGTERM", () => ac.abort());
  runFleetCommand(
    {
      operation: argv[0] as FleetOperation,
      plan: argValue(argv, "--plan"),
      tenantsFile: argValue(argv, "--tenants"),
      stateFile: argValue(argv, "--state") ?? ".tenantctl/fleet/state.json",
      queueUrl: argValue(argv, "--queue-url"),
      canary: num("--canary"),
      growth: num("--growth"),
      maxWave: num("--max-wave"),
      maxFailures: num("--max-failures"),
      concurrency: num("--concurrency"),
      json: argv.includes("--json"),
    },
    new LocalEngine(),
    ac.signal,
  ).then(
    (s) => process.exit(s.stoppedReason ? 1 : s.failed > 0 ? 1 : 0),
    (e) => {
      process.stderr.write(`tenantctl fleet: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
