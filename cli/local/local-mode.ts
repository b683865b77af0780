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
import { PROJECT_DIR, requestOverrides, runProgram } from "../offline-plan";
import { loadPlan } from "../../plans/load";
import type { AppliedResource, LocalApplier, LocalContext, LocalTargets } from "./applier";
import { PostgresApplier, withAmbientScope } from "./postgres-applier";
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
  /** True when this run changed nothing on the servers (every resource as the last run left it). */
  unchanged: boolean;
  /** What this run did, by resource name. */
  changes: { created: string[]; updated: string[]; removed: string[] };
  /** Where local state is kept: the PostgreSQL server's identity and the database. */
  server: { id: string; database: string };
}

export interface StateFile {
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

/**
 * The identity local state is keyed by: the PostgreSQL server's `system_identifier` (fixed when
 * the cluster is created, the same under every host name, port mapping or URL spelling of the
 * server) plus the database. When the admin may not call pg_control_system() (managed servers
 * can revoke it), the server's own address and port as it reports them (inet_server_addr()).
 * Redis has no such identity (INFO's run_id changes at every restart), so the Redis target is the
 * one recorded in the state at `up`, and `down` uses that.
 */
export interface ServerIdentity {
  readonly id: string;
  readonly database: string;
}

async function identityOf(c: Client, database: string, fallback: string): Promise<ServerIdentity> {
  try {
    const r = await c.query("SELECT system_identifier::text AS id FROM pg_control_system()");
    return { id: `pg-${r.rows[0].id}`, database };
  } catch {
    const r = await c.query("SELECT host(inet_server_addr()) AS addr, inet_server_port() AS port");
    const addr = r.rows[0]?.addr ?? fallback;
    return { id: `addr-${addr}-${r.rows[0]?.port ?? ""}`.replace(/[^a-zA-Z0-9._-]/g, "_"), database };
  }
}

function stateBase(dir?: string): string {
  return dir ?? process.env.TENANTCTL_STATE_DIR ?? path.join(PROJECT_DIR, ".tenantctl", "local");
}

function stateFileOf(tenant: string, server: ServerIdentity, dir?: string): string {
  return path.join(stateBase(dir), server.id, encodeURIComponent(server.database), `${tenant}.json`);
}

/** Where versions before server identities kept the state: keyed by the URL's spelling. */
function legacyStateFileOf(tenant: string, targets: LocalTargets, dir?: string): string {
  const u = new URL(targets.databaseUrl);
  const server = `${u.hostname}-${u.port || "5432"}-${u.pathname.replace(/^\//, "") || "postgres"}`.replace(/[^a-zA-Z0-9._-]/g, "_");
  return path.join(stateBase(dir), server, `${tenant}.json`);
}

/** The state of a tenant on a server, moving a legacy (URL-keyed) file to its identity-keyed place. */
export function locateState(tenant: string, server: ServerIdentity, targets: LocalTargets, dir?: string): string {
  const file = stateFileOf(tenant, server, dir);
  const legacy = legacyStateFileOf(tenant, targets, dir);
  if (!fs.existsSync(file) && fs.existsSync(legacy)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.renameSync(legacy, file);
  }
  return file;
}

export function readState(file: string): StateFile | undefined {
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

/** The platform's postgres section for a DATABASE_URL, and the server's identity. */
export async function postgresPlatform(
  databaseUrl: string,
  opts: { createDatabase: boolean } = { createDatabase: true },
): Promise<{ platform: Record<string, unknown>; password: string; identity: ServerIdentity }> {
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
  // The maintenance database. Where the platform closed `postgres` to PUBLIC (a superuser admin
  // does, PostgresSchemaWithRls), an admin that is not a superuser uses the shared database itself.
  const maint = await connect("postgres").catch((e: Error) => {
    if (!/permission denied for database/.test(e.message)) throw e;
    return connect(database);
  });
  let superuser = false;
  let identity: ServerIdentity;
  try {
    const exists = await maint.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (exists.rowCount === 0 && opts.createDatabase) await maint.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    superuser = (await maint.query("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).rows[0]?.rolsuper === true;
    identity = await identityOf(maint, database, host);
  } finally {
    await maint.end();
  }
  return {
    platform: { host, port, database, adminUser: user, sslMode: "disable", superuser },
    password: password || "local-trust-auth",
    identity,
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

/**
 * The platform config local mode runs the program with: the dev stack's, with `postgres` pointed
 * at DATABASE_URL, and the per-plan-tier references of sections local mode never applies (the
 * edge rate limits of `network`, cloud-only) filled for a plan the platform does not know yet —
 * so a plan written under a new name works locally without editing platform config. The
 * placeholders say what they are, and the resources using them are listed as not applied.
 */
export function localPlatform(dev: Record<string, unknown>, postgres: Record<string, unknown>, planName: string): Record<string, unknown> {
  const platform: Record<string, unknown> = { ...dev, postgres };
  const network = dev.network as Record<string, unknown> | undefined;
  const rl = network?.rateLimiting as Record<string, unknown> | undefined;
  if (!network || !rl) return platform;
  const webAclArns = { ...((rl.webAclArns as Record<string, string> | undefined) ?? {}) };
  const usagePlanIds = { ...((rl.usagePlanIds as Record<string, string> | undefined) ?? {}) };
  const account = /^arn:aws[a-z-]*:wafv2:us-east-1:(\d{12}):/.exec(Object.values(webAclArns)[0] ?? "")?.[1] ?? "000000000000";
  if (webAclArns[planName] === undefined) {
    webAclArns[planName] = `arn:aws:wafv2:us-east-1:${account}:global/webacl/not-applied-locally-${planName}/00000000-0000-4000-8000-000000000000`;
  }
  if (usagePlanIds[planName] === undefined) usagePlanIds[planName] = `not-applied-locally-${planName}`;
  platform.network = { ...network, rateLimiting: { ...rl, webAclArns, usagePlanIds } };
  return platform;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Creates or converges a tenant on the local servers. */
export function localUp(req: LocalRequest): Promise<LocalResult> {
  // Its own transaction scope, so that concurrent ups in one process stay apart.
  return withAmbientScope(() => localUpInScope(req));
}

async function localUpInScope(req: LocalRequest): Promise<LocalResult> {
  const tenant = validateTenantId(req.tenantId);
  const targets = resolveTargets(req.targets);
  const pg = await postgresPlatform(targets.databaseUrl);
  const file = locateState(tenant, pg.identity, targets, req.stateDir);
  const prior = readState(file);
  const previous = new Map((prior?.resources ?? []).map((r) => [r.urn, r]));

  const devStack = readStackFile(path.join(PROJECT_DIR, "Pulumi.dev.yaml"));
  const planName = loadPlan(req.plan, requestOverrides(req)).plan.name;
  const dev = (devStack.values[`${CONFIG_NAMESPACE}:platform`] as Record<string, unknown>) ?? {};
  const platform = localPlatform(dev, pg.platform, planName);
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
  const updatedNow: AppliedResource[] = [];
  const removedNow: AppliedResource[] = [];
  for (const a of list) a.begin?.();
  try {
    for (const rec of run.resources.filter((r) => r.custom)) {
      const r = toApplied(rec);
      applied.set(r.urn, r);
      const applier = applierFor(list, r.type);
      if (!applier) {
        if (r.type !== "random:index/randomPassword:RandomPassword") notApplied.add(r.type);
        continue;
      }
      const before = previous.get(r.urn);
      // Pulumi's rule: inputs equal to the last applied ones are no change, and nothing is sent.
      if (before && sameJson(before.inputs, r.inputs)) {
        applied.set(r.urn, { ...r, saved: before.saved });
        continue;
      }
      const saved = (await applier.up(r, ctx)) ?? undefined;
      const done = { ...r, saved: saved ?? before?.saved };
      applied.set(r.urn, done);
      if (!before) madeNow.push(done);
      else updatedNow.push(done);
    }
    // Resources of the previous run the program no longer declares are removed, as Pulumi would.
    for (const old of [...previous.values()].reverse()) {
      if (applied.has(old.urn)) continue;
      await applierFor(list, old.type)?.down(old, { ...ctx, previous });
      removedNow.push(old);
    }
    for (const a of list) await a.commit?.();
  } catch (e) {
    // Nothing half-applied: transactional appliers roll back; what the others (and a partially
    // committed run) made is undone, and what they changed is put back as it was.
    const undone = new Set<LocalApplier>();
    for (const a of list) if (a.rollback && (await a.rollback().catch(() => false))) undone.add(a);
    const undo = new Map([...previous, ...applied]);
    for (const r of madeNow.reverse()) {
      const a = applierFor(list, r.type);
      if (a && !undone.has(a)) await a.down(r, { ...ctx, previous: undo }).catch(() => undefined);
    }
    for (const r of updatedNow) {
      const a = applierFor(list, r.type);
      const was = previous.get(r.urn);
      if (a && was && !undone.has(a)) await a.up(was, { ...ctx, previous }).catch(() => undefined);
    }
    throw e;
  }
  const resources = [...applied.values()];
  const changes = {
    created: madeNow.map((r) => r.name),
    updated: updatedNow.map((r) => r.name),
    removed: removedNow.map((r) => r.name),
  };
  const unchanged = prior !== undefined && changes.created.length + changes.updated.length + changes.removed.length === 0;
  if (!unchanged) writeState(file, { version: 1, tenant, isolationLevel: run.plan.isolation_level, targets, resources });

  const outputs = unwrapSecrets(run.outputs) as Record<string, any>;
  const result: LocalResult = {
    tenant,
    plan: run.plan.name,
    isolationLevel: run.plan.isolation_level,
    postgres: { url: outputs.postgresUrl, ...outputs.postgres, password: outputs.postgresPassword },
    notAppliedLocally: [...notApplied].sort(),
    unchanged,
    changes,
    server: { id: pg.identity.id, database: pg.identity.database },
  };
  for (const a of list) {
    const described = a.describe?.(resources, ctx);
    if (described && a.section) result[a.section] = described;
  }
  return result;
}

/** Exit code of `tenantctl local down` when the tenant has no local state on the server. */
export const NOTHING_TO_REMOVE_EXIT_CODE = 3;

/** What `local down` found and did. */
export interface LocalDownResult {
  readonly removed: boolean;
  /** The state file it used (or looked for). */
  readonly stateFile: string;
  readonly server: ServerIdentity;
}

/**
 * Removes everything `local up` made for the tenant. Returns false when there was nothing: no
 * state for this tenant on this server (the server found by its identity, however DATABASE_URL
 * spells it). Fails when the server cannot be reached.
 */
export async function localDown(tenantId: string, opts: { targets?: Partial<LocalTargets>; stateDir?: string } = {}): Promise<boolean> {
  return (await localDownDetailed(tenantId, opts)).removed;
}

/** {@link localDown}, saying where it looked. */
export async function localDownDetailed(tenantId: string, opts: { targets?: Partial<LocalTargets>; stateDir?: string } = {}): Promise<LocalDownResult> {
  const tenant = validateTenantId(tenantId);
  const targets = resolveTargets(opts.targets);
  const { identity } = await postgresPlatform(targets.databaseUrl, { createDatabase: false });
  const file = locateState(tenant, identity, targets, opts.stateDir);
  const state = readState(file);
  if (!state) return { removed: false, stateFile: file, server: identity };
  const previous = new Map(state.resources.map((r) => [r.urn, r]));
  const list = appliers(() => previous);
  // The Redis server is the one recorded at `up` (Redis has no stable identity to look it up by).
  const ctx: LocalContext = { targets: { ...state.targets, databaseUrl: targets.databaseUrl }, tenant: tenantNames(tenant), previous };
  const remaining = [...state.resources];
  while (remaining.length > 0) {
    const r = remaining[remaining.length - 1]!;
    await applierFor(list, r.type)?.down(r, ctx);
    remaining.pop();
    // Keep the state true to what still exists, so an interrupted down can be resumed.
    writeState(file, { ...state, resources: remaining });
  }
  fs.rmSync(file);
  return { removed: true, stateFile: file, server: identity };
}

/** Human output of `local up`. */
export function renderLocal(r: LocalResult): string {
  const lines = [
    r.unchanged
      ? `no changes: tenant ${r.tenant} is already up locally (plan ${r.plan}, ${r.isolationLevel} isolation)`
      : `tenant ${r.tenant} is up locally (plan ${r.plan}, ${r.isolationLevel} isolation): ` +
        `${r.changes.created.length} created, ${r.changes.updated.length} updated, ${r.changes.removed.length} removed`,
    `  postgres: ${String(r.postgres.url).replace(/:[^:@/]+@/, ":****@")}`,
  ];
  for (const [k, v] of Object.entries(r)) {
    if (["tenant", "plan", "isolationLevel", "postgres", "notAppliedLocally", "unchanged", "changes", "server"].includes(k)) continue;
    const url = (v as { url?: string })?.url;
    if (url) lines.push(`  ${k}: ${url.replace(/:[^:@/]+@/, ":****@")}`);
  }
  lines.push("  (passwords hidden; --json prints them)");
  if (r.notAppliedLocally.length) lines.push(`  cloud-only, not applied locally: ${r.notAppliedLocally.join(", ")}`);
  return lines.join("\n");
}
