/**
 * tenantctl: operate tenant stacks. `plan` prints a tenant's offline plan; `local up|down`
 * applies a tenant's isolation to local servers; `dashboards` draws a tenant's CloudWatch
 * dashboards. Run it with `npx tenantctl <command>` (bin/tenantctl.cjs runs the build in dist/).
 *
 * Startup is kept short: this module loads only commander and the Pulumi-free validators, checks
 * every argument (tenant ID, plan file, stack config file, options) and only then loads the
 * module of the command, which loads the Pulumi SDKs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Argument, Command, Option } from "commander";
import { InputError } from "../components/errors";
import { tenantIdProblem } from "../components/naming";
import { loadPlan } from "../plans/load";
import { ISOLATION_LEVELS, type IsolationLevel } from "../plans/schema";
import { readStackFile } from "./engine/stack-file";
import { JSON_OUTPUT_VERSION, jsonLine, type PlanSummary } from "./json-output";
import { requestOverrides } from "./plan-request";
import { CommandExit } from "./ops/exit-codes";
import { DEFAULT_STACK_FILE } from "./project-dir";

/** Exit code of a refused command-line argument or option (as commander's own usage errors). */
export const USAGE_EXIT_CODE = 2;

/** Where the user ran the command (npm run changes the working directory to the project). */
const USER_CWD = process.env.INIT_CWD ?? process.cwd();

// Each command's module is loaded only when that command runs: they load the Pulumi SDKs.
const offline = (): typeof import("./offline-plan") => require("./offline-plan");
const renderer = (): typeof import("./render-plan") => require("./render-plan");
const policyCheck = (): typeof import("./policy-check") => require("./policy-check");
const local = (): typeof import("./local/local-mode") => require("./local/local-mode");
const dashboards = (): typeof import("./dashboards/render-dashboards") => require("./dashboards/render-dashboards");
const ops = (): typeof import("./ops/commands") => require("./ops/commands");
const jobs = (): typeof import("./jobs/commands") => require("./jobs/commands");

/** A tenant ID given on the command line, or an InputError naming the argument. */
export function tenantArgument(id: string, argument = "<tenant>"): string {
  const problem = tenantIdProblem(id);
  if (problem !== undefined) {
    throw new InputError(`argument ${argument}`, [{ path: argument, message: `got ${JSON.stringify(id)}; ${problem}` }]);
  }
  return id;
}

function planRef(ref: string): string {
  return /\.ya?ml$/.test(ref) ? path.resolve(USER_CWD, ref) : ref;
}

/** Loads and validates the plan (file, YAML, schema, overrides) before anything else runs. */
function checkedPlan(ref: string, isolation: IsolationLevel | undefined): string {
  const resolved = planRef(ref);
  loadPlan(resolved, requestOverrides({ isolation }));
  return resolved;
}

/** Reads the stack config file (when given) before anything else runs. */
function checkedStackFile(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  const resolved = path.resolve(USER_CWD, file);
  readStackFile(resolved);
  return resolved;
}

function isolationOption() {
  return new Option("--isolation <level>", "override the plan's isolation level").choices([...ISOLATION_LEVELS]);
}

function planOption() {
  return new Option("--plan <plan>", "plan name (pro, custom) or path to a plan YAML").default("pro");
}

function stackConfigOption() {
  return new Option("--stack-config <file>", `stack config file whose platform settings to use (default ${path.basename(DEFAULT_STACK_FILE)})`);
}

/**
 * `local up --json`: the result with the version and the plan in the one {@link PlanSummary}
 * shape (a result that names its plan by name alone gets the summary built here).
 */
export function localJson(result: { tenant: string; plan: unknown; [k: string]: unknown }, planSource: string): Record<string, unknown> {
  const { tenant, plan, isolationLevel, version: _version, ...rest } = result;
  const summary: PlanSummary =
    typeof plan === "object" && plan !== null ? (plan as PlanSummary) : { name: String(plan), source: planSource, isolationLevel: String(isolationLevel) };
  return { version: JSON_OUTPUT_VERSION, tenant, plan: summary, ...rest };
}

function engineOption() {
  return new Option("--engine <engine>", "pulumi: the Automation API (needs the Pulumi CLI); local: offline plan + local PostgreSQL and Redis")
    .choices(["pulumi", "local"])
    .default("pulumi");
}

/** A plan given to an operations command; a bad one is invalid input (exit 2), like a bad argument. */
function opsPlan(ref: string, isolation: IsolationLevel | undefined): string {
  try {
    return checkedPlan(ref, isolation);
  } catch (e) {
    if (InputError.isInstance(e)) throw new InputError(`option --plan (${e.source})`, e.problems);
    throw e;
  }
}

type OpsCliOptions = { engine: "pulumi" | "local"; json?: boolean; plan: string; isolation?: IsolationLevel; stackConfig?: string; remote?: boolean; clearPendingCreates?: boolean };

/** `init`, `preview`, `up`, `refresh`, `destroy`, `outputs`, `status` (README, "Operating tenants"). */
function addOpsCommands(program: Command): void {
  program
    .command("init")
    .description("Write a validated Pulumi.<tenant>.yaml from a plan and the platform config (default Pulumi.dev.yaml's).")
    .argument("<tenant>", "tenant ID")
    .addOption(planOption())
    .addOption(isolationOption())
    .addOption(stackConfigOption())
    .option("--dir <dir>", "where to write the file (default: the project directory)")
    .option("--force", "replace an existing file")
    .option("--json", "print one JSON summary object")
    .action(async (tenant: string, opts: { plan: string; isolation?: IsolationLevel; stackConfig?: string; dir?: string; force?: boolean; json?: boolean }) => {
      const tenantId = tenantArgument(tenant);
      const plan = opsPlan(opts.plan, opts.isolation);
      const stackFile = checkedStackFile(opts.stackConfig);
      const dir = opts.dir === undefined ? undefined : path.resolve(USER_CWD, opts.dir);
      await ops().runInit(tenantId, { plan, isolation: opts.isolation, stackFile, dir, force: opts.force, json: opts.json });
    });

  const operations: Array<[import("./ops/engine").Operation, string]> = [
    ["preview", "Show what `up` would change for the tenant."],
    ["up", "Create or update the tenant's stack (idempotent)."],
    ["refresh", "Re-read the tenant's resources from the cloud (local: from the servers) and report drift."],
    ["destroy", "Remove everything the tenant's stack made (exit 3 when there is nothing)."],
  ];
  for (const [op, description] of operations) {
    const cmd = program
      .command(op)
      .description(description)
      .argument("<tenant>", "tenant ID")
      .addOption(engineOption())
      .addOption(planOption())
      .addOption(isolationOption())
      .addOption(stackConfigOption())
      .option("--remote", "pulumi engine: run through Pulumi Deployments (RemoteWorkspace; see README)")
      .option("--json", "print NDJSON: one line per engine event, then a summary object with version");
    if (op === "refresh") cmd.option("--clear-pending-creates", "pulumi engine: drop pending creates a crashed update left (pulumi refresh --clear-pending-creates)");
    cmd.action(async (tenant: string, opts: OpsCliOptions) => {
      const tenantId = tenantArgument(tenant);
      const plan = opsPlan(opts.plan, opts.isolation);
      const stackFile = checkedStackFile(opts.stackConfig);
      await ops().runOperation(op, { tenantId, plan, ...(opts.isolation ? { isolation: opts.isolation } : {}) }, { ...opts, stackFile });
    });
  }

  for (const what of ["outputs", "status"] as const) {
    const cmd = program
      .command(what)
      .description(what === "outputs" ? "Print the tenant's stack outputs (secrets as [secret] unless --show-secrets)." : "Print the tenant's last update, its result, resource count and pending operations.")
      .argument("<tenant>", "tenant ID")
      .addOption(engineOption())
      .option("--json", "print one JSON summary object with version");
    if (what === "outputs") cmd.option("--show-secrets", "print secret outputs in clear");
    cmd.action(async (tenant: string, opts: { engine: "pulumi" | "local"; json?: boolean; showSecrets?: boolean }) => {
      const tenantId = tenantArgument(tenant);
      if (what === "outputs") await ops().runOutputs(tenantId, opts);
      else await ops().runStatus(tenantId, opts);
    });
  }
}

/** A whole-number option, at least `min`; an InputError naming the option otherwise. */
function wholeNumber(name: string, v: string | undefined, min = 0): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === "" || !Number.isInteger(n) || n < min) {
    throw new InputError(`option ${name}`, [{ path: name, message: `got ${JSON.stringify(v)}; expected a whole number >= ${min}` }]);
  }
  return n;
}

/** A numeric option, at least `min`; an InputError naming the option otherwise (never NaN). */
function numberAtLeast(name: string, v: string, min: number): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n < min) {
    throw new InputError(`option ${name}`, [{ path: name, message: `got ${JSON.stringify(v)}; expected a number >= ${min}` }]);
  }
  return n;
}

/** pg-boss polls at most every 0.5 s. */
function pollSeconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0.5) throw new InputError("option --poll-seconds", [{ path: "--poll-seconds", message: `got ${JSON.stringify(v)}; expected a number of seconds >= 0.5` }]);
  return n;
}

function queueUrlOption() {
  return new Option("--queue-url <url>", "the operations database (default $TENANTCTL_OPS_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/controlcore_ops)");
}

/** `enqueue`, `worker`, `fleet` (README, "Jobs, workers and fleet rollouts"). */
function addJobCommands(program: Command): void {
  program
    .command("enqueue")
    .description("Queue a tenant operation for the workers; prints the job ID.")
    .addArgument(new Argument("<kind>", "what to do").choices(["setup", "update", "cleanup"]))
    .argument("<tenant>", "tenant ID")
    .addOption(planOption())
    .addOption(isolationOption())
    .option("--requested-by <who>", "who asks (default $TENANTCTL_ACTOR, else user@host)")
    .option("--retry-limit <n>", "retries of a retryable failure (default 5)")
    .option("--expire-seconds <s>", "a running job whose worker is silent this long is taken back (default 900)")
    .addOption(queueUrlOption())
    .option("--json", "print { jobId, kind, tenantId, plan, requestedBy }")
    .action(async (kind: "setup" | "update" | "cleanup", tenant: string, o: { plan: string; isolation?: IsolationLevel; requestedBy?: string; retryLimit?: string; expireSeconds?: string; queueUrl?: string; json?: boolean }) => {
      const id = tenantArgument(tenant);
      const plan = opsPlan(o.plan, o.isolation);
      await jobs().enqueueCommand(kind, id, {
        plan, isolation: o.isolation, requestedBy: o.requestedBy, queueUrl: o.queueUrl, json: o.json,
        retryLimit: wholeNumber("--retry-limit", o.retryLimit), expireSeconds: wholeNumber("--expire-seconds", o.expireSeconds, 1),
      });
    });
  program
    .command("worker")
    .description("Run queued tenant jobs until SIGTERM/SIGINT; any number of workers on any number of machines share the queue.")
    .addOption(engineOption())
    .option("--concurrency <n>", "jobs at once in this process", "1")
    .option("--poll-seconds <s>", "seconds between polls when idle", "1")
    .option("--grace-seconds <s>", "on SIGTERM, time running jobs get to finish", "30")
    .addOption(stackConfigOption())
    .addOption(queueUrlOption())
    .action(async (o: { engine: "pulumi" | "local"; concurrency: string; pollSeconds: string; graceSeconds: string; stackConfig?: string; queueUrl?: string }) => {
      const concurrency = wholeNumber("--concurrency", o.concurrency, 1)!;
      await jobs().workerCommand({
        engine: o.engine, stackFile: checkedStackFile(o.stackConfig), queueUrl: o.queueUrl, concurrency: Math.max(1, concurrency),
        pollSeconds: pollSeconds(o.pollSeconds), graceSeconds: wholeNumber("--grace-seconds", o.graceSeconds), progress: false,
      });
    });
  program
    .command("fleet")
    .description("Run an operation over all tenants on a plan (or --tenants FILE) in waves: a canary, then growing batches; resumable.")
    .addArgument(new Argument("<operation>", "what to run").choices(["up", "preview", "refresh"]))
    .addOption(engineOption())
    .addOption(planOption())
    .option("--tenants <file>", "one `tenant [plan]` per line instead of the plan's tenants")
    .option("--state <file>", "the rollout's state (resumed when unfinished)")
    .option("--canary <n>", "tenants in the first wave", "1")
    .option("--growth <x>", "each wave this many times the last", "2")
    .option("--max-wave <n>", "largest wave", "50")
    .option("--max-failures <n>", "stop when failures exceed this count (or fraction, below 1)", "0")
    .option("--concurrency <n>", "operations at once inside a wave", "4")
    .addOption(stackConfigOption())
    .addOption(queueUrlOption())
    .option("--json", "NDJSON: one line per tenant, then the summary")
    .action(async (operation: "up" | "preview" | "refresh", o: { engine: "pulumi" | "local"; plan: string; tenants?: string; state?: string; canary: string; growth: string; maxWave: string; maxFailures: string; concurrency: string; stackConfig?: string; queueUrl?: string; json?: boolean }) => {
      const tenantsFile = o.tenants === undefined ? undefined : path.resolve(USER_CWD, o.tenants);
      if (tenantsFile !== undefined && !fs.existsSync(tenantsFile)) {
        throw new InputError("option --tenants", [{ path: "--tenants", message: `got ${JSON.stringify(o.tenants)}; no such file` }]);
      }
      const stateFile = path.resolve(USER_CWD, o.state ?? path.join(".tenantctl", "fleet", `${operation}-${path.basename(o.tenants ?? o.plan).replace(/[^a-zA-Z0-9._-]/g, "_")}.json`));
      await jobs().fleetCommand({
        engine: o.engine, stackFile: checkedStackFile(o.stackConfig), operation, plan: /\.ya?ml$/.test(o.plan) ? path.resolve(USER_CWD, o.plan) : o.plan,
        tenantsFile, stateFile, queueUrl: o.queueUrl, json: o.json,
        canary: wholeNumber("--canary", o.canary, 1), growth: numberAtLeast("--growth", o.growth, 1), maxWave: wholeNumber("--max-wave", o.maxWave, 1),
        maxFailures: numberAtLeast("--max-failures", o.maxFailures, 0), concurrency: wholeNumber("--concurrency", o.concurrency, 1),
      });
    });
}

/** `api`: the HTTP API service (api/main.ts; README "HTTP API"), loaded only when it runs. */
function addApiCommand(program: Command): void {
  program
    .command("api")
    .description("Serve the HTTP API (/api/v1/tenant-isolation/*) with in-process workers until SIGTERM/SIGINT.")
    .addOption(engineOption().default("local"))
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <n>", "port to listen on", "8080")
    .option("--workers <n>", "in-process job workers; 0 leaves the jobs to `tenantctl worker` processes", "2")
    .option("--grace-seconds <s>", "on SIGTERM, time running jobs get to finish", "30")
    .addOption(stackConfigOption())
    .addOption(queueUrlOption())
    .action(async (o: { engine: "local" | "pulumi"; host: string; port: string; workers: string; graceSeconds: string; stackConfig?: string; queueUrl?: string }) => {
      const workers = wholeNumber("--workers", o.workers)!;
      const api: typeof import("../api/main") = require("../api/main");
      await api.apiCommand({
        engine: o.engine, stackFile: checkedStackFile(o.stackConfig), host: o.host, port: wholeNumber("--port", o.port)!,
        workers, queueUrl: o.queueUrl, graceSeconds: wholeNumber("--grace-seconds", o.graceSeconds),
      });
    });
}

export function buildCli(): Command {
  const program = new Command("tenantctl")
    .description("Operate Control Core tenant stacks.")
    .showHelpAfterError()
    .exitOverride();

  program
    .command("plan")
    .description("Print a tenant's resource tree from the real program under runtime mocks (no cloud, no Pulumi CLI).")
    .argument("<tenant>", "tenant ID")
    .addOption(planOption())
    .addOption(isolationOption())
    .addOption(stackConfigOption())
    .option("--json", "print one JSON object: { version, tenant, plan, planSettings, placeholders, resources }")
    .option("--full", "print multi-line inputs (SQL) in full")
    .option("--policy", "also run the isolation policy pack (policy/) over the plan; a mandatory violation fails the command (exit 1)")
    .action(async (tenant: string, opts: { plan: string; isolation?: IsolationLevel; stackConfig?: string; json?: boolean; full?: boolean; policy?: boolean }) => {
      const req = {
        tenantId: tenantArgument(tenant),
        plan: checkedPlan(opts.plan, opts.isolation),
        isolation: opts.isolation,
        stackFile: checkedStackFile(opts.stackConfig),
      };
      if (opts.policy) {
        await policyCheck().runPlanWithPolicy(req, opts);
        return;
      }
      const { plan, placeholderValues } = await offline().offlinePlanWithPlaceholders(req);
      process.stdout.write(opts.json ? jsonLine(plan) : `${renderer().renderPlan(plan, opts.full, placeholderValues)}\n`);
    });

  const localCmd = program.command("local").description("Apply a tenant's isolation to local servers (DATABASE_URL, REDIS_URL).");
  localCmd
    .command("up")
    .description("Create or converge the tenant on local servers; prints its own connection URLs.")
    .argument("<tenant>", "tenant ID")
    .addOption(planOption())
    .addOption(isolationOption())
    .option("--json", "print one JSON object with the tenant's connections")
    .action(async (tenant: string, opts: { plan: string; isolation?: IsolationLevel; json?: boolean }) => {
      const req = { tenantId: tenantArgument(tenant), plan: checkedPlan(opts.plan, opts.isolation), isolation: opts.isolation };
      const mode = local();
      const result = await mode.localUp(req);
      process.stdout.write(opts.json ? jsonLine(localJson(result, req.plan)) : `${mode.renderLocal(result)}\n`);
    });
  localCmd
    .command("down")
    .description("Remove everything `local up` made for the tenant, and only that.")
    .argument("<tenant>", "tenant ID")
    .action(async (tenant: string) => {
      const id = tenantArgument(tenant);
      const mode = local();
      const r = await mode.localDownDetailed(id);
      const where = `PostgreSQL server ${r.server.id}, database ${r.server.database}`;
      if (r.removed) {
        process.stderr.write(`tenant ${id} removed from local servers (${where})\n`);
        return;
      }
      // Exit code 3 (not 0): nothing was removed, so a script can tell it from a removal.
      const message = `tenant ${id} has no local state on ${where} (looked for ${r.stateFile}); nothing to remove\n`;
      await new Promise<void>((resolve) => process.stderr.write(message, () => resolve()));
      process.exit(mode.NOTHING_TO_REMOVE_EXIT_CODE);
    });

  localCmd
    .command("watchdog")
    .description("Enforce tenant roles' statement and idle-in-transaction limits (a role can lift its own): cancel and terminate over-limit sessions, until interrupted.")
    .option("--interval-ms <ms>", "time between passes", "1000")
    .action(async (opts: { intervalMs: string }) => {
      const intervalMs = Number(opts.intervalMs);
      if (!Number.isInteger(intervalMs) || intervalMs < 50) {
        throw new InputError("tenantctl local watchdog", [{ path: "--interval-ms", message: `got ${JSON.stringify(opts.intervalMs)}, expected an integer number of milliseconds >= 50` }]);
      }
      const wd: typeof import("./local/watchdog") = require("./local/watchdog");
      const stop = new AbortController();
      process.once("SIGINT", () => stop.abort());
      process.once("SIGTERM", () => stop.abort());
      await wd.runWatchdog({
        databaseUrl: local().resolveTargets().databaseUrl, intervalMs, signal: stop.signal,
        onAction: (a) => process.stderr.write(`${a.action} pid ${a.pid} (role ${a.role}, database ${a.database}): ${a.overMs} ms over\n`),
        onError: (e) => process.stderr.write(`watchdog pass failed: ${e.message}\n`),
      });
    });

  program
    .command("dashboards")
    .description("Draw a tenant's CloudWatch dashboards (the bodies the real program declares, under mocks) to JSON, SVG and PNG.")
    .argument("[tenant]", "tenant ID (or --tenant)")
    .option("--tenant <id>", "tenant ID (instead of the argument)")
    .addOption(planOption())
    .addOption(stackConfigOption())
    .option("--out <dir>", "output directory", "out/dashboards")
    .addOption(new Option("--layout <layout>", "three dashboards or one combined").choices(["separate", "combined"]).default("separate"))
    .option("--font <file...>", "extra .ttf/.otf font files (when no system font is installed)")
    .option("--json", "print one JSON object: { version, tenant, plan, dashboards }")
    .action(
      async (
        tenantArg: string | undefined,
        opts: { tenant?: string; plan: string; stackConfig?: string; out: string; layout: "separate" | "combined"; font?: string[]; json?: boolean },
      ) => {
        if (tenantArg !== undefined && opts.tenant !== undefined && tenantArg !== opts.tenant) {
          throw new InputError("argument [tenant]", [
            { path: "[tenant]", message: `got ${JSON.stringify(tenantArg)} and --tenant ${JSON.stringify(opts.tenant)}; expected one tenant` },
          ]);
        }
        const raw = tenantArg ?? opts.tenant;
        if (raw === undefined) {
          throw new InputError("argument [tenant]", [{ path: "[tenant]", message: "missing; expected a tenant ID as the argument or with --tenant" }]);
        }
        const tenant = tenantArgument(raw, tenantArg !== undefined ? "[tenant]" : "--tenant");
        const plan = checkedPlan(opts.plan, undefined);
        const stackFile = checkedStackFile(opts.stackConfig);
        const outDir = path.resolve(USER_CWD, opts.out);
        const fontFiles = opts.font?.map((f) => path.resolve(USER_CWD, f));
        const missingFonts = (fontFiles ?? []).filter((f) => !fs.existsSync(f));
        if (missingFonts.length > 0) {
          throw new InputError("option --font", missingFonts.map((f) => ({ path: "--font", message: `got ${JSON.stringify(f)}; no such file (expected a .ttf or .otf font file)` })));
        }
        const rendered = await dashboards().renderDashboardsOfPlan({ tenant, plan, stackFile, outDir, layout: opts.layout, fontFiles });
        if (opts.json) {
          process.stdout.write(jsonLine({ version: JSON_OUTPUT_VERSION, tenant, plan: rendered.plan, dashboards: rendered.dashboards }));
          return;
        }
        const rel = (f: string) => path.relative(USER_CWD, f);
        for (const r of rendered.dashboards) {
          process.stdout.write(`${r.name}: ${r.widgets} widgets → ${rel(r.png)} (${rel(r.svg)}, ${rel(r.json)})\n`);
        }
      },
    );
  addOpsCommands(program);
  addJobCommands(program);
  addApiCommand(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildCli();
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message?: string };
    // An operations command printed its failure and chose the exit code (cli/ops/exit-codes.ts).
    if (e instanceof CommandExit) return e.exitCode;
    if (err.code?.startsWith("commander.")) {
      // commander already printed the problem and the help.
      return err.code === "commander.helpDisplayed" || err.code === "commander.version" ? 0 : USAGE_EXIT_CODE;
    }
    process.stderr.write(`tenantctl: ${err.message ?? String(e)}\n`);
    const usage = InputError.isInstance(e) && /^(argument|option) /.test(e.source);
    return usage ? USAGE_EXIT_CODE : 1;
  }
}

/** Runs the command line and sets the process's exit code (what bin/tenantctl.cjs calls). */
export function run(argv: readonly string[]): void {
  main(argv).then((code) => {
    process.exitCode = code;
  });
}

if (require.main === module) run(process.argv.slice(2));
