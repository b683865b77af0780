/**
 * Local mode: a production-identical tenant on a laptop. Runs the real program under mocks with
 * the platform pointed at local servers (DATABASE_URL, REDIS_URL), then applies the recorded
 * resources with the appliers, keeping a state file (like Pulumi's) so that `up` converges,
 * a second `up` changes nothing, and `down` removes exactly what was made.
 */
import { randomInt } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { Client } from "pg";
import { CONFIG_NAMESPACE } from "../../components/platform-config";
import { tenantNames, validateTenantId } from "../../components/naming";
import type { IsolationLevel } from "../../plans/schema";
import { type RecordedResource, unwrapSecrets } from "../engine/mock-engine";
import { readStackFile } from "../engine/stack-file";
import { PROJECT_DIR, runProgram } from "../offline-plan";
import type { AppliedResource, LocalApplier, LocalContext, LocalTargets } from "./applier";
import { PostgresApplier } from "./postgres-applier";
import { redisApplier } from "./redis-applier";

export const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/controlcore";
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

export interface LocalRequest {
  readonly tenantId: string;
  readonly plan: string;
  readonly isolation?: IsolationLevel;
  /** Further per-tenant plan overrides (same keys as a plan file). */
  readonly overrides?: Record<string, unknown>;
  /** Defaults: $DATABASE_URL, $REDIS_URL, then the local servers. */
  readonly targets?: Partial<LocalTargets>;
  /** Where state files live; default $TENANTCTL_STATE_DIR or .tenantctl/local in the project. */
  readonly stateDir?: string;
}

/** What `local up --json` prints. */
export interface LocalResult {
  tenant: string;
  plan: string;
  isolationLevel: string;
  postgres: Record<string, unknown>;
  [section: string]: unknown;
  /** Resource types the program declares that only exist in the cloud. */
  notAppliedLocally: string[];
}

interface StateFile {
  version: 1;
  tenant: string;
  isolationLevel: string;
  targets: LocalTargets;
  resources: AppliedResource[];
}

export function resolveTargets(t?: Partial<LocalTargets>): LocalTargets {
  return {
    databaseUrl: t?.databaseUrl ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    redisUrl: t?.redisUrl ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL,
  };
}

function stateFileOf(tenant: string, targets: LocalTargets, dir?: string): string {
  const base = dir ?? process.env.TENANTCTL_STATE_DIR ?? path.join(PROJECT_DIR, ".tenantctl", "local");
  const u = new URL(targets.databaseUrl);
  const server = `${u.hostname}-${u.port || "5432"}-${u.pathname.replace(/^\//, "") || "postgres"}`.replace(/[^a-zA-Z0-9._-]/g, "_");
  return path.join(base, server, `${tenant}.json`);
}

function readState(file: string): StateFile | undefined {
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, "utf8")) as StateFile;
}

function writeState(file: string, state: StateFile): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // The state holds the tenant's passwords: owner-only, written atomically.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** The platform's postgres section for a DATABASE_URL. */
async function postgresPlatform(databaseUrl: string): Promise<{ platform: Record<string, unknown>; password: string }> {
  const u = new URL(databaseUrl);
  if (!/^postgres(ql)?:$/.test(u.protocol)) throw new Error(`DATABASE_URL must be a postgresql:// URL, got ${u.protocol}//…`);
  const database = decodeURIComponent(u.pathname.replace(/^\//, "")) || "controlcore";
  const host = u.hostname || "127.0.0.1";
  const port = Number(u.port || 5432);
  const user = decodeURIComponent(u.username || "postgres");
  const password = decodeURIComponent(u.password);
  const connect = async (db: string) => {
    const c = new Client({ host, port, user, password: password || undefined, database: db });
    try {
      await c.connect();
    } catch (e) {
      throw new Error(
        `cannot connect to PostgreSQL at ${host}:${port} as ${user} (${(e as Error).message}). ` +
          `Start it (e.g. pg_ctlcluster 15 main start) or set DATABASE_URL.`,
      );
    }
    return c;
  };
  // Platform bootstrap: the shared database is the platform's; create it if this server lacks it.
  const maint = await connect("postgres");
  let superuser = false;
  try {
    const exists = await maint.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (exists.rowCount === 0) await maint.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    superuser = (await maint.query("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).rows[0]?.rolsuper === true;
  } finally {
    await maint.end();
  }
  return {
    platform: { host, port, database, adminUser: user, sslMode: "disable", superuser },
    password: password || "local-trust-auth",
  };
}

/** Real random passwords for local mode, reused from state so a second `up` changes nothing. */
function passwordState(previous: ReadonlyMap<string, AppliedResource>) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return (args: pulumi.runtime.MockResourceArgs) => {
    if (args.type !== "random:index/randomPassword:RandomPassword") return undefined;
    const prior = [...previous.values()].find((r) => r.type === args.type && r.name === args.name);
    const length = Number(args.inputs.length ?? 32);
    const result =
      (prior?.state.result as string | undefined) ?? Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join("");
    return { id: "none", state: { ...args.inputs, result } };
  };
}

function appliers(current: () => ReadonlyMap<string, AppliedResource>): LocalApplier[] {
  return [new PostgresApplier(current), redisApplier];
}

function applierFor(list: LocalApplier[], type: string): LocalApplier | undefined {
  return list.find((a) => a.types.includes(type));
}

function toApplied(r: RecordedResource): AppliedResource {
  return {
    urn: r.urn, type: r.type, name: r.name,
    inputs: unwrapSecrets(r.inputs) as Record<string, unknown>,
    state: unwrapSecrets(r.state) as Record<string, unknown>,
  };
}

/** Creates or converges a tenant on the local servers. */
export async function localUp(req: LocalRequest): Promise<LocalResult> {
  const tenant = validateTenantId(req.tenantId);
  const targets = resolveTargets(req.targets);
  const file = stateFileOf(tenant, targets, req.stateDir);
  const prior = readState(file);
  const previous = new Map((prior?.resources ?? []).map((r) => [r.urn, r]));

  const pg = await postgresPlatform(targets.databaseUrl);
  const devStack = readStackFile(path.join(PROJECT_DIR, "Pulumi.dev.yaml"));
  const platform = { ...((devStack.values[`${CONFIG_NAMESPACE}:platform`] as Record<string, unknown>) ?? {}), postgres: pg.platform };
  const run = await runProgram(
    {
      tenantId: tenant, plan: req.plan, isolation: req.isolation, overrides: req.overrides,
      platform, secrets: { postgresAdminPassword: pg.password },
    },
    { state: passwordState(previous) },
  );
  if (prior && prior.isolationLevel !== run.plan.isolation_level) {
    throw new Error(
      `tenant ${tenant} is set up locally at the ${prior.isolationLevel} level; moving it to ${run.plan.isolation_level} would drop its data. ` +
        `Run \`tenantctl local down ${tenant}\` first.`,
    );
  }

  const applied = new Map<string, AppliedResource>();
  const list = appliers(() => applied);
  const ctx: LocalContext = { targets, tenant: tenantNames(tenant), previous };
  const notApplied = new Set<string>();
  const madeNow: AppliedResource[] = [];
  try {
    for (const rec of run.resources.filter((r) => r.custom)) {
      const r = toApplied(rec);
      applied.set(r.urn, r);
      const applier = applierFor(list, r.type);
      if (!applier) {
        if (r.type !== "random:index/randomPassword:RandomPassword") notApplied.add(r.type);
        continue;
      }
      const saved = (await applier.up(r, ctx)) ?? undefined;
      const done = { ...r, saved: saved ?? previous.get(r.urn)?.saved };
      applied.set(r.urn, done);
      if (!previous.has(r.urn)) madeNow.push(done);
    }
    // Resources of the previous run the program no longer declares are removed, as Pulumi would.
    for (const old of [...previous.values()].reverse()) {
      if (!applied.has(old.urn)) await applierFor(list, old.type)?.down(old, { ...ctx, previous });
    }
  } catch (e) {
    // Nothing half-applied: undo what this run created (never what an earlier run made).
    const undo = new Map([...previous, ...applied]);
    for (const r of madeNow.reverse()) {
      await applierFor(list, r.type)?.down(r, { ...ctx, previous: undo }).catch(() => undefined);
    }
    throw e;
  }
  const resources = [...applied.values()];
  writeState(file, { version: 1, tenant, isolationLevel: run.plan.isolation_level, targets, resources });

  const outputs = unwrapSecrets(run.outputs) as Record<string, any>;
  const result: LocalResult = {
    tenant,
    plan: run.plan.name,
    isolationLevel: run.plan.isolation_level,
    postgres: { url: outputs.postgresUrl, ...outputs.postgres, password: outputs.postgresPassword },
    notAppliedLocally: [...notApplied].sort(),
  };
  for (const a of list) {
    const described = a.describe?.(resources, ctx);
    if (described && a.section) result[a.section] = described;
  }
  return result;
}

/** Removes everything `local up` made for the tenant. Returns false when there was nothing. */
export async function localDown(tenantId: string, opts: { targets?: Partial<LocalTargets>; stateDir?: string } = {}): Promise<boolean> {
  const tenant = validateTenantId(tenantId);
  const targets = resolveTargets(opts.targets);
  const file = stateFileOf(tenant, targets, opts.stateDir);
  const state = readState(file);
  if (!state) return false;
  const previous = new Map(state.resources.map((r) => [r.urn, r]));
  const list = appliers(() => previous);
  const ctx: LocalContext = { targets: state.targets, tenant: tenantNames(tenant), previous };
  const remaining = [...state.resources];
  while (remaining.length > 0) {
    const r = remaining[remaining.length - 1]!;
    await applierFor(list, r.type)?.down(r, ctx);
    remaining.pop();
    // Keep the state true to what still exists, so an interrupted down can be resumed.
    writeState(file, { ...state, resources: remaining });
  }
  fs.rmSync(file);
  return true;
}

/** Human output of `local up`. */
export function renderLocal(r: LocalResult): string {
  const lines = [
    `tenant ${r.tenant} is up locally (plan ${r.plan}, ${r.isolationLevel} isolation)`,
    `  postgres: ${String(r.postgres.url).replace(/:[^:@/]+@/, ":****@")}`,
  ];
  for (const [k, v] of Object.entries(r)) {
    if (["tenant", "plan", "isolationLevel", "postgres", "notAppliedLocally"].includes(k)) continue;
    const url = (v as { url?: string })?.url;
    if (url) lines.push(`  ${k}: ${url.replace(/:[^:@/]+@/, ":****@")}`);
  }
  lines.push("  (passwords hidden; --json prints them)");
  if (r.notAppliedLocally.length) lines.push(`  cloud-only, not applied locally: ${r.notAppliedLocally.join(", ")}`);
  return lines.join("\n");
}
