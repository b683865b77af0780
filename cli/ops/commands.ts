/**
 * The operations commands of tenantctl (`init`, `preview`, `up`, `refresh`, `destroy`,
 * `outputs`, `status`): build the engine the user chose, run, and print human progress (a
 * listr2 task list on stderr, the result on stdout) or, with `--json`, NDJSON: one line per
 * engine event, then one summary object with `version` and `"type": "summary"`. A failure is an
 * {@link EngineError}; its kind decides the exit code ({@link exitCodeOf}).
 *
 * tenantctl.ts validates the arguments first and loads this module only then; the engines'
 * modules (which load the Pulumi SDK) are loaded only when used.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { InputError } from "../../components/errors";
import { loadPlan } from "../../plans/load";
import type { IsolationLevel } from "../../plans/schema";
import { readStackFile } from "../engine/stack-file";
import { JSON_OUTPUT_VERSION, jsonLine, planSummary } from "../json-output";
import { requestOverrides } from "../plan-request";
import { DEFAULT_STACK_FILE, PROJECT_DIR } from "../project-dir";
import { type Engine, EngineError, type EngineEvent, type Operation, type OperationResult, type TenantRequest } from "./engine";
import { CommandExit, exitCodeOf } from "./exit-codes";
import { remoteSourceFromEnv, stackFileConfig, stackLocationFromEnv, stackSecretsFromEnv } from "./stack-settings";

export type EngineName = "pulumi" | "local";

export interface OpsOptions {
  readonly engine: EngineName;
  readonly json?: boolean;
  /** Stack config file of the platform inputs (Pulumi engine); default Pulumi.<tenant>.yaml when present, else Pulumi.dev.yaml. */
  readonly stackFile?: string;
  readonly remote?: boolean;
  readonly clearPendingCreates?: boolean;
}

/** The platform file the Pulumi engine reads for a tenant. */
export function platformFileFor(tenantId: string, given?: string): string {
  if (given) return given;
  const own = path.join(PROJECT_DIR, `Pulumi.${tenantId}.yaml`);
  return fs.existsSync(own) ? own : DEFAULT_STACK_FILE;
}

/** The engine the user chose. */
export function makeEngine(tenantId: string, opts: OpsOptions): Engine {
  if (opts.engine === "local") {
    const { LocalEngine }: typeof import("./local-engine") = require("./local-engine");
    return new LocalEngine();
  }
  const { PulumiEngine }: typeof import("./pulumi-engine") = require("./pulumi-engine");
  return new PulumiEngine({
    platform: readStackFile(platformFileFor(tenantId, opts.stackFile)),
    secrets: stackSecretsFromEnv(process.env),
    location: stackLocationFromEnv(process.env),
    ...(opts.remote ? { remote: remoteSourceFromEnv(process.env) } : {}),
    ...(opts.clearPendingCreates ? { clearPendingCreates: true } : {}),
  });
}

function asEngineError(e: unknown): EngineError {
  if (e instanceof EngineError) return e;
  if (InputError.isInstance(e)) return new EngineError("invalid-input", e.message, undefined, e);
  return new EngineError("failed", (e as Error)?.message ?? String(e), undefined, e);
}

/** Prints a failure (stderr; with --json also the summary) and ends the command with its exit code. */
function fail(err: EngineError, json: boolean, summary: Record<string, unknown>): never {
  const code = exitCodeOf(err.kind);
  if (json) {
    process.stdout.write(jsonLine({ ...summary, result: "failed", error: { kind: err.kind, message: err.message, ...(err.hint ? { hint: err.hint } : {}) }, exitCode: code }));
  }
  process.stderr.write(`tenantctl: ${err.message}\n${err.hint ? `  hint: ${err.hint}\n` : ""}`);
  throw new CommandExit(code);
}

/** The human line of a result. */
export function renderResult(r: OperationResult, engine: EngineName): string {
  // A refresh's `delete` is a resource the state has and the servers (or the cloud) no longer do.
  const label = (k: string) => (r.operation === "refresh" ? ({ same: "in sync", delete: "missing" } as Record<string, string>)[k] ?? k : k);
  const counts = Object.entries(r.changes).map(([k, n]) => `${n} ${label(k)}`).join(", ") || "no resources";
  const what =
    r.operation === "preview" ? (r.unchanged ? "no changes would be made" : "would change")
    : r.operation === "refresh" ? (r.unchanged ? "in sync" : "drift")
    : r.unchanged ? "no changes" : "done";
  return `${r.operation} ${r.tenantId} (${engine} engine): ${what}: ${counts} · ${r.durationSeconds.toFixed(1)} s`;
}

/** `preview|up|refresh|destroy <tenant>`. */
export async function runOperation(op: Operation, req: TenantRequest, opts: OpsOptions): Promise<void> {
  const json = opts.json === true;
  const plan = op === "destroy" ? undefined : planSummary(loadPlan(req.plan, requestOverrides(req)));
  const summary = { version: JSON_OUTPUT_VERSION, type: "summary", tenant: req.tenantId, ...(plan ? { plan } : {}), engine: opts.engine, operation: op };
  let result: OperationResult;
  try {
    const engine = makeEngine(req.tenantId, opts);
    if (json) {
      result = await engine.run(op, req, (e: EngineEvent) => process.stdout.write(jsonLine(e)));
    } else {
      const { withProgress }: typeof import("./progress") = require("./progress");
      result = await withProgress(`${op} ${req.tenantId} (${opts.engine} engine)`, (onEvent) => engine.run(op, req, onEvent));
    }
  } catch (e) {
    return fail(asEngineError(e), json, summary);
  }
  process.stdout.write(
    json
      ? jsonLine({ ...summary, result: "succeeded", changes: result.changes, unchanged: result.unchanged, durationSeconds: result.durationSeconds, exitCode: 0 })
      : `${renderResult(result, opts.engine)}\n`,
  );
}

/** `outputs <tenant>`. */
export async function runOutputs(tenantId: string, opts: OpsOptions & { showSecrets?: boolean }): Promise<void> {
  const json = opts.json === true;
  const summary = { version: JSON_OUTPUT_VERSION, type: "summary", tenant: tenantId, engine: opts.engine, operation: "outputs" };
  let outputs: Record<string, unknown>;
  try {
    outputs = await makeEngine(tenantId, opts).outputs({ tenantId }, opts.showSecrets);
  } catch (e) {
    return fail(asEngineError(e), json, summary);
  }
  process.stdout.write(json ? jsonLine({ ...summary, result: "succeeded", outputs, exitCode: 0 }) : `${JSON.stringify(outputs, null, 2)}\n`);
}

/** `status <tenant>`. */
export async function runStatus(tenantId: string, opts: OpsOptions): Promise<void> {
  const json = opts.json === true;
  const summary = { version: JSON_OUTPUT_VERSION, type: "summary", tenant: tenantId, engine: opts.engine, operation: "status" };
  let status;
  try {
    status = await makeEngine(tenantId, opts).status({ tenantId });
  } catch (e) {
    return fail(asEngineError(e), json, summary);
  }
  if (json) {
    process.stdout.write(jsonLine({ ...summary, result: "succeeded", status, exitCode: 0 }));
    return;
  }
  const last = status.lastUpdate;
  process.stdout.write(
    status.exists
      ? `tenant ${tenantId} (${opts.engine} engine): ${status.resourceCount} resources, ${status.pendingOperations} pending operations; ` +
          (last ? `last ${last.operation} ${last.result}, started ${last.startedAt}${last.endedAt ? `, ended ${last.endedAt}` : ""}` : "no update recorded") +
          "\n"
      : `tenant ${tenantId} (${opts.engine} engine): no stack\n`,
  );
}

export interface InitOptions {
  readonly plan: string;
  readonly isolation?: IsolationLevel;
  readonly stackFile?: string;
  /** Directory to write into; default the project directory (beside Pulumi.yaml). */
  readonly dir?: string;
  readonly force?: boolean;
  readonly json?: boolean;
}

/**
 * `init <tenant> --plan <p>`: writes `Pulumi.<tenant>.yaml` from the plan and the platform config
 * (default Pulumi.dev.yaml's), after running the real program over it offline (every key the
 * program reads validated as `pulumi up` would), refusing to overwrite without `--force`.
 */
export async function runInit(tenantId: string, opts: InitOptions): Promise<void> {
  const json = opts.json === true;
  const dir = opts.dir ?? PROJECT_DIR;
  const file = path.join(dir, `Pulumi.${tenantId}.yaml`);
  const summary = { version: JSON_OUTPUT_VERSION, type: "summary", tenant: tenantId, operation: "init", file };
  try {
    if (fs.existsSync(file) && !opts.force) {
      throw new EngineError("invalid-input", `${file} exists; refusing to overwrite it (use --force to replace it)`);
    }
    const platformFile = opts.stackFile ?? DEFAULT_STACK_FILE;
    const platform = readStackFile(platformFile);
    const overrides = requestOverrides({ isolation: opts.isolation });
    const config = stackFileConfig({ tenantId, plan: opts.plan, ...(overrides ? { overrides } : {}), platform });
    const header =
      `# Stack ${tenantId}: written by \`tenantctl init ${tenantId} --plan ${opts.plan}\` from ${path.basename(platformFile)}'s platform settings.\n` +
      `# Secrets are not in this file. Set them with the Pulumi CLI (encrypted here):\n` +
      `#   pulumi config set --secret postgresAdminPassword '<admin password>' --stack ${tenantId}\n` +
      `# or give them to \`tenantctl ... --engine pulumi\` in CONTROLCORE_POSTGRES_ADMIN_PASSWORD.\n`;
    const text = `${header}${stringify({ config })}`;
    // Validated by the real program under mocks, from the very file written.
    const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tenantctl-init-")), path.basename(file));
    fs.writeFileSync(tmp, text);
    const { runProgram }: typeof import("../offline-plan") = require("../offline-plan");
    const own = config["controlcore-tenant:planOverrides"] as Record<string, unknown> | undefined;
    const run = await runProgram({ tenantId, plan: opts.plan, ...(own ? { overrides: own } : {}), stackFile: tmp });
    fs.rmSync(path.dirname(tmp), { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, text);
    const plan = planSummary(run.loadedPlan);
    process.stdout.write(
      json
        ? jsonLine({ ...summary, plan, result: "succeeded", resources: run.resources.length, exitCode: 0 })
        : `wrote ${file} (plan ${plan.name}, ${plan.isolationLevel} isolation; validated: the program declares ${run.resources.length} resources from it)\n`,
    );
  } catch (e) {
    return fail(asEngineError(e), json, summary);
  }
}
