/**
 * The local engine: the {@link Engine} over the offline plan and local mode, against real
 * PostgreSQL and Redis (DATABASE_URL, REDIS_URL), so every operation runs on a machine without
 * the Pulumi CLI.
 *
 * - `preview`: runs the program under mocks exactly as `up` would (same platform, the state's
 *   passwords) and compares it with the local state: create, update, same, delete.
 * - `up` / `destroy`: local mode's `localUp` / `localDownDetailed`.
 * - `refresh`: re-reads what the state says exists from the servers (roles, databases, Redis
 *   users) and reports what is missing.
 * - `outputs` / `status`: from the state file and this engine's record beside it.
 *
 * One operation per tenant at a time on a machine: a lock file holding the owner's PID
 * (a lock left by a dead process is taken over); a second operation gets a `conflict`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { Client } from "pg";
import { InputError } from "../../components/errors";
import { CONFIG_NAMESPACE } from "../../components/platform-config";
import { loadPlan } from "../../plans/load";
import type { AppliedResource, LocalTargets } from "../local/applier";
import {
  localDownDetailed,
  localPlatform,
  localUp,
  locateState,
  type LocalResult,
  postgresPlatform,
  readState,
  resolveTargets,
  type StateFile,
} from "../local/local-mode";
import { PostgresApplier } from "../local/postgres-applier";
import { ELASTICACHE_USER_TYPE, redisApplier, withRedis } from "../local/redis-applier";
import { unwrapSecrets } from "../engine/mock-engine";
import { readStackFile } from "../engine/stack-file";
import { PROJECT_DIR, requestOverrides, runProgram } from "../offline-plan";
import { type Engine, EngineError, type EngineEvent, type Operation, type OperationResult, type StackStatus, type TenantRequest } from "./engine";

export interface LocalEngineOptions {
  /** Defaults: $DATABASE_URL, $REDIS_URL, then the local servers. */
  readonly targets?: Partial<LocalTargets>;
  /** Where state files live; default $TENANTCTL_STATE_DIR or .tenantctl/local in the project. */
  readonly stateDir?: string;
}

/** What this engine records beside local mode's state file (`<state>.ops.json`, mode 0600). */
interface OpsRecord {
  lastUpdate: NonNullable<StackStatus["lastUpdate"]>;
  /** The tenant's outputs (as `local up --json` prints them; secrets in clear: the file is owner-only). */
  outputs?: Record<string, unknown>;
}

const ROLE = "postgresql:index/role:Role";
const DATABASE = "postgresql:index/database:Database";
const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";

/** Resource types local mode applies (the others are cloud-only). */
function appliedTypes(): Set<string> {
  return new Set([...new PostgresApplier(() => new Map()).types, ...redisApplier.types]);
}

/** `postgresql://u:pw@h/db` → `postgresql://u:[secret]@h/db`; `password` keys → `[secret]`. */
export function redactOutputs(v: unknown, keyName = ""): unknown {
  if (/password/i.test(keyName) && v !== undefined && v !== null) return "[secret]";
  if (typeof v === "string") return v.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]+@/i, "$1:[secret]@");
  if (Array.isArray(v)) return v.map((x) => redactOutputs(x));
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactOutputs(x, k)]));
  return v;
}

/** The changes of a preview: declared (locally applied) resources against the state. */
export function previewChanges(
  declared: ReadonlyArray<Pick<AppliedResource, "urn" | "inputs">>,
  state: ReadonlyArray<Pick<AppliedResource, "urn" | "inputs">>,
): { changes: Record<string, number>; steps: Array<{ urn: string; op: string }> } {
  const before = new Map(state.map((r) => [r.urn, r]));
  const steps: Array<{ urn: string; op: string }> = [];
  for (const r of declared) {
    const b = before.get(r.urn);
    steps.push({ urn: r.urn, op: !b ? "create" : JSON.stringify(b.inputs) === JSON.stringify(r.inputs) ? "same" : "update" });
  }
  const now = new Set(declared.map((r) => r.urn));
  for (const r of [...state].reverse()) if (!now.has(r.urn)) steps.push({ urn: r.urn, op: "delete" });
  const changes: Record<string, number> = {};
  for (const s of steps) changes[s.op] = (changes[s.op] ?? 0) + 1;
  return { changes, steps };
}

function typeOfUrn(urn: string): string {
  return urn.split("::")[2]?.split("$").pop() ?? "";
}

function unchangedOf(changes: Readonly<Record<string, number>>): boolean {
  return Object.keys(changes).every((k) => k === "same");
}

/**
 * PostgreSQL errors that a retry resolves: two sessions changing the same catalog row at once
 * (`tuple concurrently updated`: e.g. two tenants' `up` granting or revoking on the shared
 * database at the same moment), a deadlock, a serialization failure.
 */
const PG_RACE = /tuple concurrently (updated|deleted)|deadlock detected|could not serialize access/;

/** Whether `e` is a {@link PG_RACE} error. */
export function isCatalogRace(e: unknown): boolean {
  return PG_RACE.test((e as Error)?.message ?? "");
}

/**
 * Runs `fn`, again (up to `attempts` in all, after a short jittered pause) while it fails with a
 * {@link isCatalogRace} error. Safe for local mode: a failed `up` is rolled back and writes no state.
 */
export async function withRaceRetry<T>(fn: () => Promise<T>, attempts = 3, pause = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= attempts || !isCatalogRace(e)) throw e;
      await pause(100 * i + Math.floor(Math.random() * 100));
    }
  }
}

/** Maps what local mode throws to an {@link EngineError}. */
export function localErrorOf(e: unknown): EngineError {
  if (e instanceof EngineError) return e;
  if (InputError.isInstance(e)) return new EngineError("invalid-input", e.message, undefined, e);
  const message = (e as Error)?.message ?? String(e);
  if (isCatalogRace(e)) return new EngineError("transient", message, "Another session changed the same PostgreSQL catalog rows; retry.", e);
  if (/^cannot (connect to PostgreSQL|reach Redis)/.test(message)) {
    return new EngineError("unavailable", message, "Start the server, or point DATABASE_URL / REDIS_URL at one.", e);
  }
  return new EngineError("failed", message, undefined, e);
}

export class LocalEngine implements Engine {
  readonly name = "local" as const;
  constructor(private readonly options: LocalEngineOptions = {}) {}

  private get stateBase(): string {
    return this.options.stateDir ?? process.env.TENANTCTL_STATE_DIR ?? path.join(PROJECT_DIR, ".tenantctl", "local");
  }

  /** The lock file of a tenant's operations on this machine. */
  lockFile(tenantId: string): string {
    return path.join(this.stateBase, "locks", `${tenantId}.lock`);
  }

  /** The operation holding the tenant's lock, if its process is alive. */
  private holder(tenantId: string): { pid: number; operation: string; startedAt: string } | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.lockFile(tenantId), "utf8");
    } catch {
      return undefined;
    }
    const held = JSON.parse(text || "{}") as { pid: number; operation: string; startedAt: string };
    try {
      process.kill(held.pid, 0);
      return held;
    } catch (e) {
      // EPERM: the process exists but is another user's.
      return (e as NodeJS.ErrnoException).code === "EPERM" ? held : undefined;
    }
  }

  /** Takes the tenant's lock, or throws `conflict` naming who holds it. */
  private lock(tenantId: string, operation: string): () => void {
    const file = this.lockFile(tenantId);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, JSON.stringify({ pid: process.pid, operation, startedAt: new Date().toISOString() }), { flag: "wx", mode: 0o600 });
        return () => fs.rmSync(file, { force: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        const held = this.holder(tenantId);
        if (held) {
          throw new EngineError(
            "conflict",
            `tenant ${tenantId} is locked: ${held.operation} by process ${held.pid} since ${held.startedAt}`,
            `Wait for it and retry (the lock is ${file}; a lock whose process is gone is taken over).`,
          );
        }
        // Left by a process that is gone: take it over.
        fs.rmSync(file, { force: true });
      }
    }
    throw new EngineError("conflict", `tenant ${tenantId} is locked (${file})`);
  }

  private targets(): LocalTargets {
    return resolveTargets(this.options.targets);
  }

  /** The tenant's state file on the target server, and its state. */
  private async located(tenantId: string): Promise<{ file: string; state?: StateFile; identity: { id: string; database: string } }> {
    const targets = this.targets();
    const pg = await postgresPlatform(targets.databaseUrl, { createDatabase: false });
    const file = locateState(tenantId, pg.identity, targets, this.options.stateDir);
    return { file, state: readState(file), identity: pg.identity };
  }

  private opsFile(stateFile: string): string {
    return `${stateFile}.ops.json`;
  }

  private readOps(stateFile: string): OpsRecord | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.opsFile(stateFile), "utf8")) as OpsRecord;
    } catch {
      return undefined;
    }
  }

  private writeOps(stateFile: string, record: OpsRecord): void {
    fs.mkdirSync(path.dirname(stateFile), { recursive: true, mode: 0o700 });
    const tmp = `${this.opsFile(stateFile)}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(tmp, this.opsFile(stateFile));
  }

  async run(op: Operation, req: TenantRequest, onEvent?: (e: EngineEvent) => void): Promise<OperationResult> {
    const startedAt = new Date();
    const elapsed = () => (Date.now() - startedAt.getTime()) / 1000;
    const emit = ({ type, ...rest }: Omit<EngineEvent, "tenantId" | "operation" | "elapsed">) =>
      onEvent?.({ type, tenantId: req.tenantId, operation: op, elapsed: elapsed(), ...rest });
    const unlock = op === "preview" ? () => undefined : this.lock(req.tenantId, op);
    try {
      emit({ type: "started" });
      const changes = await this.operate(op, req, emit);
      const result: OperationResult = { tenantId: req.tenantId, operation: op, changes, unchanged: unchangedOf(changes), durationSeconds: elapsed() };
      emit({ type: "finished" });
      return result;
    } catch (e) {
      throw localErrorOf(e);
    } finally {
      unlock();
    }
  }

  private async operate(
    op: Operation,
    req: TenantRequest,
    emit: (e: Omit<EngineEvent, "tenantId" | "operation" | "elapsed">) => void,
  ): Promise<Record<string, number>> {
    const startedAt = new Date().toISOString();
    const resource = (urn: string, type: string, o: string) => emit({ type: "resource", resource: { urn, type, op: o } });
    if (op === "preview") {
      const { state } = await this.located(req.tenantId);
      const declared = await this.declared(req, state);
      const types = appliedTypes();
      const { changes, steps } = previewChanges(declared, (state?.resources ?? []).filter((r) => types.has(r.type)));
      for (const s of steps) resource(s.urn, typeOfUrn(s.urn), s.op);
      return changes;
    }
    if (op === "up") {
      const before = await this.located(req.tenantId);
      let result: LocalResult;
      try {
        result = await withRaceRetry(() => localUp({ ...req, ...(this.options.targets ? { targets: this.options.targets } : {}), ...(this.options.stateDir ? { stateDir: this.options.stateDir } : {}) }));
      } catch (e) {
        if (before.state) this.writeOps(before.file, { ...(this.readOps(before.file) ?? {}), lastUpdate: { operation: "update", result: "failed", startedAt, endedAt: new Date().toISOString() } });
        throw e;
      }
      const after = await this.located(req.tenantId);
      const byName = new Map([...(before.state?.resources ?? []), ...(after.state?.resources ?? [])].map((r) => [r.name, r]));
      const changes: Record<string, number> = {};
      const count = (names: string[], o: string) => {
        for (const n of names) {
          const r = byName.get(n);
          resource(r?.urn ?? n, r?.type ?? "", o);
        }
        if (names.length > 0) changes[o] = names.length;
      };
      count(result.changes.created, "create");
      count(result.changes.updated, "update");
      count(result.changes.removed, "delete");
      const total = (after.state?.resources ?? []).filter((r) => appliedTypes().has(r.type)).length;
      const same = total - (changes.create ?? 0) - (changes.update ?? 0);
      if (same > 0) changes.same = same;
      for (const t of result.notAppliedLocally) emit({ type: "diagnostic", severity: "info", message: `${t}: cloud-only, not applied locally` });
      const { unchanged: _u, changes: _c, server: _s, ...outputs } = result;
      this.writeOps(after.file, { lastUpdate: { operation: "update", result: "succeeded", startedAt, endedAt: new Date().toISOString() }, outputs });
      return changes;
    }
    if (op === "destroy") {
      const before = await this.located(req.tenantId);
      const r = await withRaceRetry(() =>
        localDownDetailed(req.tenantId, { ...(this.options.targets ? { targets: this.options.targets } : {}), ...(this.options.stateDir ? { stateDir: this.options.stateDir } : {}) }),
      );
      if (!r.removed) {
        throw new EngineError(
          "not-found",
          `tenant ${req.tenantId} has no local state on PostgreSQL server ${r.server.id}, database ${r.server.database} (looked for ${r.stateFile}); nothing to remove`,
        );
      }
      fs.rmSync(this.opsFile(r.stateFile), { force: true });
      const removed = (before.state?.resources ?? []).filter((x) => appliedTypes().has(x.type)).reverse();
      for (const x of removed) resource(x.urn, x.type, "delete");
      return removed.length > 0 ? { delete: removed.length } : {};
    }
    // refresh: what the state says exists, re-read from the servers.
    const { file, state } = await this.located(req.tenantId);
    if (!state) throw new EngineError("not-found", `tenant ${req.tenantId} has no local state (looked for ${file}); nothing to refresh`);
    const missing = await this.missingOnServers(state);
    const changes: Record<string, number> = {};
    for (const r of state.resources.filter((x) => x.type === ROLE || x.type === DATABASE || x.type === ELASTICACHE_USER_TYPE)) {
      const gone = missing.find((m) => m.resource.urn === r.urn);
      if (gone) {
        resource(r.urn, r.type, "delete");
        emit({ type: "diagnostic", severity: "warning", message: `${gone.what} is missing on the server (the state says \`up\` made it); \`tenantctl destroy ${req.tenantId} --engine local\` then \`up\` recreates the tenant` });
        changes.delete = (changes.delete ?? 0) + 1;
      } else {
        resource(r.urn, r.type, "same");
        changes.same = (changes.same ?? 0) + 1;
      }
    }
    this.writeOps(file, { ...(this.readOps(file) ?? {}), lastUpdate: { operation: "refresh", result: "succeeded", startedAt, endedAt: new Date().toISOString() } });
    return changes;
  }

  /** The resources of the state that the servers no longer have (roles, databases, Redis users). */
  private async missingOnServers(state: StateFile): Promise<Array<{ resource: AppliedResource; what: string }>> {
    const targets = this.targets();
    const missing: Array<{ resource: AppliedResource; what: string }> = [];
    const roles = state.resources.filter((r) => r.type === ROLE);
    const dbs = state.resources.filter((r) => r.type === DATABASE);
    if (roles.length + dbs.length > 0) {
      const u = new URL(targets.databaseUrl);
      const c = new Client({ connectionString: targets.databaseUrl, database: "postgres" });
      c.on("error", () => undefined);
      try {
        await c.connect();
      } catch (e) {
        throw new Error(`cannot connect to PostgreSQL at ${u.hostname}:${u.port || 5432} (${(e as Error).message})`);
      }
      try {
        for (const r of roles) {
          const name = String(r.inputs.name);
          if ((await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [name])).rowCount === 0) missing.push({ resource: r, what: `PostgreSQL role ${JSON.stringify(name)}` });
        }
        for (const r of dbs) {
          const name = String(r.inputs.name);
          if ((await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount === 0) missing.push({ resource: r, what: `PostgreSQL database ${JSON.stringify(name)}` });
        }
      } finally {
        await c.end();
      }
    }
    const users = state.resources.filter((r) => r.type === ELASTICACHE_USER_TYPE && r.inputs.userName !== "default");
    if (users.length > 0) {
      await withRedis(state.targets.redisUrl, async (redis) => {
        for (const r of users) {
          const name = String(r.saved?.userName ?? r.inputs.userName);
          if ((await redis.call("ACL", "GETUSER", name)) === null) missing.push({ resource: r, what: `Redis user ${JSON.stringify(name)}` });
        }
      });
    }
    return missing;
  }

  /** The locally applied resources the program declares for a request, as `up` would run it. */
  private async declared(req: TenantRequest, state: StateFile | undefined): Promise<AppliedResource[]> {
    const targets = this.targets();
    const pg = await postgresPlatform(targets.databaseUrl, { createDatabase: false });
    const dev = (readStackFile(path.join(PROJECT_DIR, "Pulumi.dev.yaml")).values[`${CONFIG_NAMESPACE}:platform`] as Record<string, unknown>) ?? {};
    const planName = loadPlan(req.plan, requestOverrides(req)).plan.name;
    const prior = state?.resources ?? [];
    // The passwords `up` would reuse from the state, so an up-to-date tenant previews as `same`.
    const passwords = (args: pulumi.runtime.MockResourceArgs) => {
      if (args.type !== RANDOM_PASSWORD) return undefined;
      const p = prior.find((r) => r.type === args.type && r.name === args.name);
      return p ? { id: "none", state: { ...args.inputs, result: p.state.result } } : undefined;
    };
    const run = await runProgram(
      {
        tenantId: req.tenantId, plan: req.plan, isolation: req.isolation, overrides: req.overrides,
        platform: localPlatform(dev, pg.platform, planName), secrets: { postgresAdminPassword: pg.password },
      },
      { state: passwords },
    );
    const types = appliedTypes();
    return run.resources
      .filter((r) => r.custom && types.has(r.type))
      .map((r) => ({ urn: r.urn, type: r.type, name: r.name, inputs: unwrapSecrets(r.inputs) as Record<string, unknown>, state: {} }));
  }

  async outputs(req: Pick<TenantRequest, "tenantId">, showSecrets = false): Promise<Record<string, unknown>> {
    try {
      const { file, state } = await this.located(req.tenantId);
      if (!state) throw new EngineError("not-found", `tenant ${req.tenantId} has no local state (looked for ${file}); run \`tenantctl up ${req.tenantId} --engine local\``);
      const outputs = this.readOps(file)?.outputs;
      if (!outputs) throw new EngineError("not-found", `tenant ${req.tenantId} was set up by \`local up\`, which records no outputs; run \`tenantctl up ${req.tenantId} --engine local\` (it changes nothing)`);
      return showSecrets ? outputs : (redactOutputs(outputs) as Record<string, unknown>);
    } catch (e) {
      throw localErrorOf(e);
    }
  }

  async status(req: Pick<TenantRequest, "tenantId">): Promise<StackStatus> {
    try {
      const { file, state } = await this.located(req.tenantId);
      const held = this.holder(req.tenantId);
      const recorded = state ? this.readOps(file)?.lastUpdate : undefined;
      const lastUpdate = held ? { operation: held.operation === "up" ? "update" : held.operation, result: "in-progress" as const, startedAt: held.startedAt } : recorded;
      return {
        tenantId: req.tenantId,
        exists: state !== undefined,
        ...(lastUpdate ? { lastUpdate } : {}),
        resourceCount: state ? state.resources.filter((r) => appliedTypes().has(r.type)).length : 0,
        pendingOperations: 0,
      };
    } catch (e) {
      throw localErrorOf(e);
    }
  }
}
