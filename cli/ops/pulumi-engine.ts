/**
 * The Pulumi engine: the Automation API runs the real program (`tenantProgram`, fed by
 * `readStackConfig` exactly as index.ts is) as an inline program, one stack per tenant, with the
 * stack config set from the plan and the platform inputs ({@link tenantStackSettings}) and the
 * secrets set as secrets. `--remote` runs the same stack through Pulumi Deployments
 * (RemoteWorkspace). Engine events stream as {@link EngineEvent}s; every failure is an
 * {@link EngineError} ({@link engineErrorOf}).
 *
 * The Pulumi CLI is not installed where this was written: the settings mapping, the event and
 * error mapping are tested as functions, and the CLI-missing path is run for real.
 */
import type * as auto from "@pulumi/pulumi/automation";
import { InputError } from "../../components/errors";
import { type Engine, EngineError, type EngineEvent, type Operation, type OperationResult, type StackStatus, type TenantRequest } from "./engine";
import { requestOverrides } from "../plan-request";
import {
  type PlatformSource,
  type RemoteSource,
  remoteStackSettings,
  type StackLocation,
  type StackSecrets,
  type TenantStackSettings,
  tenantStackSettings,
} from "./stack-settings";

/** Where to install the Pulumi CLI. */
export const PULUMI_INSTALL_URL = "https://www.pulumi.com/docs/iac/download-install/";

/** What works without the Pulumi CLI (the hint of an unavailable engine says so). */
export const OFFLINE_COMMANDS =
  "Without it these commands work: `tenantctl plan <tenant>` (offline plan), `tenantctl <preview|up|refresh|destroy|outputs|status> <tenant> --engine local` " +
  "and `tenantctl local up|down` (local PostgreSQL and Redis), `tenantctl dashboards <tenant>`.";

/** What a run saw of the failing resources, for the `failed` error's message. */
export interface RunObservations {
  /** URNs of resources whose operation failed (resOpFailedEvent). */
  readonly failedResources: string[];
  /** Error diagnostics: the provider's messages, with the URN they are about. */
  readonly errors: Array<{ urn?: string; message: string }>;
}

const CONFLICT_HINT = (stack: string) =>
  `Another update holds the lock of stack ${stack}. Wait for it and retry. If it crashed: on Pulumi Cloud run \`pulumi cancel --stack ${stack}\`; ` +
  "on a self-managed backend, make sure no update runs and delete the lock under `.pulumi/locks/` of the backend (`pulumi cancel` does not apply there).";

const PENDING_HINT = (stack: string) =>
  `A crashed update left pending operations in stack ${stack}: Pulumi does not know whether those resources were created, updated or deleted. ` +
  `Check them in the cloud, then run \`tenantctl refresh ${stack} --clear-pending-creates\` (= \`pulumi refresh --clear-pending-creates --stack ${stack}\`: ` +
  "refresh clears pending updates and deletes; pending creates are dropped from the state, so delete or `pulumi import` any the crash really made), " +
  `or edit them out by hand: \`pulumi stack export --stack ${stack} > s.json\`, remove \`pending_operations\`, \`pulumi stack import --stack ${stack} --file s.json\`.`;

const TRANSIENT = /\b(Throttling|ThrottlingException|RequestLimitExceeded|TooManyRequestsException|Rate exceeded|SlowDown|ECONNREFUSED|ECONNRESET|ETIMEDOUT|connection refused|i\/o timeout|503 Service Unavailable)\b/i;

/** The text of a thrown Automation API error: its command's stderr, or its message. */
function errorText(e: unknown): string {
  const r = (e as { commandResult?: { stderr?: string } }).commandResult;
  return r?.stderr ?? (e as Error)?.message ?? String(e);
}

function cliMissing(e: unknown): boolean {
  const r = (e as { commandResult?: { err?: { code?: string } } }).commandResult;
  return r?.err?.code === "ENOENT" || /spawn \S*pulumi ENOENT/.test(errorText(e));
}

/**
 * Maps what the Automation API throws to an {@link EngineError}: the SDK's error classes
 * (ConcurrentUpdateError, StackNotFoundError, CommandError with its stderr), the CLI missing
 * (`spawn pulumi ENOENT`) or too old, a failed update (with the resources and the provider's
 * messages seen in the run's events), pending operations, transient cloud errors.
 */
export function engineErrorOf(e: unknown, stack: string, seen: RunObservations = { failedResources: [], errors: [] }): EngineError {
  if (e instanceof EngineError) return e;
  if (InputError.isInstance(e)) return new EngineError("invalid-input", e.message, undefined, e);
  const name = (e as Error)?.name;
  const text = errorText(e);
  if (cliMissing(e)) {
    return new EngineError(
      "unavailable",
      "the Pulumi CLI is not installed (no `pulumi` on PATH): the Pulumi engine runs it through the Automation API",
      `Install it: ${PULUMI_INSTALL_URL} (e.g. \`curl -fsSL https://get.pulumi.com | sh\`), then \`pulumi login\`. ${OFFLINE_COMMANDS}`,
      e,
    );
  }
  if (/Minimum version requirement failed|Major version mismatch|Failed to parse Pulumi CLI version/.test(text)) {
    return new EngineError("unavailable", `the Pulumi CLI cannot be used: ${firstLine(text)}`, `Install a current CLI: ${PULUMI_INSTALL_URL}. ${OFFLINE_COMMANDS}`, e);
  }
  if (name === "ConcurrentUpdateError") {
    return new EngineError("conflict", `stack ${stack} is locked: another update is in progress`, CONFLICT_HINT(stack), e);
  }
  if (name === "StackNotFoundError") {
    return new EngineError("not-found", `stack ${stack} does not exist (run \`tenantctl up ${stack.split("/").pop()}\` to create it)`, undefined, e);
  }
  if (/pending operations?/i.test(text) && /interrupted|unknown state|pending_operations/i.test(text)) {
    return new EngineError("pending-operations", `stack ${stack} has pending operations from an interrupted update`, PENDING_HINT(stack), e);
  }
  if (/missing required plugin|no resource plugin .* found|failed to (install|download) plugin/i.test(text)) {
    return new EngineError("unavailable", `a Pulumi plugin is missing: ${firstLine(diagLines(text)[0] ?? text)}`, `Run \`pulumi plugin install\` in the project (or \`npm ci\`, which installs the provider packages). ${OFFLINE_COMMANDS}`, e);
  }
  const providerMessages = seen.errors.map((d) => d.message.trim()).filter((m) => m.length > 0);
  const messages = providerMessages.length > 0 ? providerMessages : diagLines(text);
  if (TRANSIENT.test(messages.join("\n")) || TRANSIENT.test(text)) {
    return new EngineError("transient", `${stack}: a transient cloud or network failure: ${firstLine(messages[0] ?? text)}`, "Retry later (with backoff).", e);
  }
  const resources = [...new Set([...seen.failedResources, ...seen.errors.flatMap((d) => (d.urn ? [d.urn] : []))])];
  if (resources.length > 0 || /update failed|preview failed|refresh failed|destroy failed/i.test(text)) {
    const which = resources.length > 0 ? ` at ${resources.map(shortUrn).join(", ")}` : "";
    return new EngineError("failed", `the operation on stack ${stack} failed${which}: ${messages.join("; ") || firstLine(text)}`, undefined, e);
  }
  return new EngineError("failed", `the Pulumi engine failed on stack ${stack}: ${firstLine(messages[0] ?? text)}`, undefined, e);
}

/** `error:` lines of Pulumi's output, without the prefix. */
function diagLines(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^error: /.test(l) && !/^error: (update|preview|refresh|destroy) failed$/.test(l))
    .map((l) => l.replace(/^error: /, ""));
}

function firstLine(s: string): string {
  return s.split("\n").find((l) => l.trim().length > 0)?.trim() ?? s;
}

/** `urn:pulumi:acme::proj::a$b::name` → `b "name"` (type and name: what a user recognises). */
export function shortUrn(urn: string): string {
  const parts = urn.split("::");
  if (parts.length < 4) return urn;
  const type = parts[2]!.split("$").pop()!;
  return `${type} ${JSON.stringify(parts.slice(3).join("::"))}`;
}

/** One Automation API event → the engine event it means (undefined for those a user need not see). */
export function toEngineEvent(ev: auto.EngineEvent, tenantId: string, operation: Operation, elapsed: number): EngineEvent | undefined {
  const base = { tenantId, operation, elapsed };
  const step = ev.resOutputsEvent?.metadata ?? ev.resourcePreEvent?.metadata;
  if (ev.resOutputsEvent && step) return { ...base, type: "resource", resource: { urn: step.urn, type: step.type, op: step.op } };
  if (ev.resOpFailedEvent) {
    const m = ev.resOpFailedEvent.metadata;
    return { ...base, type: "diagnostic", severity: "error", resource: { urn: m.urn, type: m.type, op: m.op }, message: `${m.op} of ${shortUrn(m.urn)} failed` };
  }
  if (ev.diagnosticEvent) {
    const d = ev.diagnosticEvent;
    if (d.ephemeral) return undefined;
    const severity = d.severity === "warning" ? "warning" : d.severity === "error" ? "error" : "info";
    return { ...base, type: "diagnostic", severity, message: d.message.trim(), ...(d.urn ? { resource: { urn: d.urn, type: d.urn.split("::")[2]?.split("$").pop() ?? "", op: "" } } : {}) };
  }
  if (ev.policyEvent) {
    const p = ev.policyEvent;
    return { ...base, type: "diagnostic", severity: p.enforcementLevel === "mandatory" ? "error" : "warning", message: `policy ${p.policyPackName}/${p.policyName}: ${p.message.trim()}` };
  }
  return undefined;
}

/** An Automation API change summary → {@link OperationResult.changes} (zero counts dropped). */
export function changesOf(map: auto.OpMap | undefined): Record<string, number> {
  return Object.fromEntries(Object.entries(map ?? {}).filter(([, n]) => typeof n === "number" && n > 0));
}

/** Whether a change summary changes nothing (only `same`, or nothing). */
export function isUnchanged(changes: Readonly<Record<string, number>>): boolean {
  return Object.keys(changes).every((k) => k === "same");
}

/** The status of a stack from its last update and its exported state. */
export function stackStatusOf(tenantId: string, last: auto.UpdateSummary | undefined, deployment: auto.Deployment | undefined): StackStatus {
  const d = deployment?.deployment as { resources?: unknown[]; pending_operations?: unknown[] } | undefined;
  return {
    tenantId,
    exists: true,
    ...(last
      ? {
          lastUpdate: {
            operation: last.kind,
            result: last.result === "not-started" ? "in-progress" : last.result,
            startedAt: new Date(last.startTime).toISOString(),
            ...(last.endTime ? { endedAt: new Date(last.endTime).toISOString() } : {}),
          },
        }
      : {}),
    resourceCount: d?.resources?.length ?? 0,
    pendingOperations: d?.pending_operations?.length ?? 0,
  };
}

/** Stack outputs with secrets as `"[secret]"` unless shown. */
export function outputsOf(map: auto.OutputMap, showSecrets = false): Record<string, unknown> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, v.secret && !showSecrets ? "[secret]" : v.value]));
}

export interface PulumiEngineOptions {
  /** The platform inputs (a stack config file read with readStackFile). */
  readonly platform: PlatformSource;
  readonly secrets: StackSecrets;
  readonly location?: StackLocation;
  /** Run through Pulumi Deployments (RemoteWorkspace) from this repository. */
  readonly remote?: RemoteSource;
  /** `refresh`: drop pending creates from the state (`pulumi refresh --clear-pending-creates`). */
  readonly clearPendingCreates?: boolean;
}

type AnyStack = auto.Stack | auto.RemoteStack;

export class PulumiEngine implements Engine {
  readonly name = "pulumi" as const;
  constructor(private readonly options: PulumiEngineOptions) {}

  /** The stack settings of a request, or an invalid-input EngineError naming every problem. */
  settings(req: TenantRequest): TenantStackSettings {
    const { settings, problems } = tenantStackSettings({
      tenantId: req.tenantId,
      plan: req.plan,
      overrides: requestOverrides(req),
      platform: this.options.platform,
      secrets: this.options.secrets,
      location: this.options.location,
    });
    if (!settings) throw new EngineError("invalid-input", new InputError(`Pulumi engine settings of tenant ${req.tenantId}`, problems).message);
    return settings;
  }

  private async stack(s: TenantStackSettings, create: boolean): Promise<AnyStack> {
    const a: typeof auto = require("@pulumi/pulumi/automation");
    if (this.options.remote) {
      const { settings, problems } = remoteStackSettings(s, this.options.remote);
      if (!settings) throw new EngineError("invalid-input", new InputError("--remote settings", problems).message);
      return create ? a.RemoteWorkspace.createOrSelectStack(settings.args, settings.opts) : a.RemoteWorkspace.selectStack(settings.args, settings.opts);
    }
    const program = async () => {
      // The program index.ts runs: stack config → arguments → tenantProgram.
      const { readStackConfig }: typeof import("../../components/stack-config") = require("../../components/stack-config");
      const { tenantProgram }: typeof import("../../components/tenant-program") = require("../../components/tenant-program");
      return tenantProgram(await readStackConfig());
    };
    const args = { stackName: s.qualifiedName, projectName: s.projectName, program };
    const opts = { projectSettings: s.projectSettings as auto.ProjectSettings };
    const stack = create ? await a.LocalWorkspace.createOrSelectStack(args, opts) : await a.LocalWorkspace.selectStack(args, opts);
    if (Object.keys(s.config).length > 0) await stack.setAllConfig(Object.fromEntries(Object.entries(s.config).map(([k, v]) => [k, { value: v.value, secret: v.secret }])));
    return stack;
  }

  async run(op: Operation, req: TenantRequest, onEvent?: (e: EngineEvent) => void): Promise<OperationResult> {
    const started = Date.now();
    const elapsed = () => (Date.now() - started) / 1000;
    const emit = (e: EngineEvent) => onEvent?.(e);
    const seen: RunObservations = { failedResources: [], errors: [] };
    const s = this.settings(req);
    emit({ type: "started", tenantId: req.tenantId, operation: op, elapsed: 0 });
    try {
      const stack = await this.stack(s, op === "up" || op === "preview");
      if (op === "up" || op === "destroy") {
        const pending = stackStatusOf(req.tenantId, undefined, await stack.exportStack()).pendingOperations;
        if (pending > 0) throw new EngineError("pending-operations", `stack ${s.qualifiedName} has ${pending} pending operation(s) from an interrupted update`, PENDING_HINT(s.qualifiedName));
      }
      const onEngineEvent = (ev: auto.EngineEvent) => {
        if (ev.resOpFailedEvent) seen.failedResources.push(ev.resOpFailedEvent.metadata.urn);
        if (ev.diagnosticEvent?.severity === "error") seen.errors.push({ urn: ev.diagnosticEvent.urn, message: ev.diagnosticEvent.message });
        const e = toEngineEvent(ev, req.tenantId, op, elapsed());
        if (e) emit(e);
      };
      const onOutput = (out: string) => {
        for (const line of out.split("\n")) if (line.trim()) emit({ type: "output", tenantId: req.tenantId, operation: op, elapsed: elapsed(), message: line });
      };
      const common = { onEvent: onEngineEvent, onOutput };
      let changes: Record<string, number>;
      if (op === "preview") changes = changesOf((await stack.preview(common)).changeSummary);
      else if (op === "up") changes = changesOf((await stack.up(common)).summary.resourceChanges);
      else if (op === "refresh") {
        const opts = this.options.remote ? common : { ...common, clearPendingCreates: this.options.clearPendingCreates };
        changes = changesOf((await stack.refresh(opts)).summary.resourceChanges);
      } else changes = changesOf((await stack.destroy(common)).summary.resourceChanges);
      const result: OperationResult = { tenantId: req.tenantId, operation: op, changes, unchanged: isUnchanged(changes), durationSeconds: elapsed() };
      emit({ type: "finished", tenantId: req.tenantId, operation: op, elapsed: result.durationSeconds });
      return result;
    } catch (e) {
      throw engineErrorOf(e, s.qualifiedName, seen);
    }
  }

  private selectFor(req: Pick<TenantRequest, "tenantId">): { s: TenantStackSettings } {
    // outputs/status need no plan or secrets: select the stack by name only.
    const s = tenantStackSettings({
      tenantId: req.tenantId,
      plan: "pro",
      platform: { values: {}, secretKeys: [] },
      secrets: { postgresAdminPassword: "unused" },
      location: this.options.location,
    }).settings;
    if (!s) throw new EngineError("invalid-input", `invalid Pulumi location for tenant ${req.tenantId}`);
    return { s: { ...s, config: {}, secretKeys: [] } };
  }

  async outputs(req: Pick<TenantRequest, "tenantId">, showSecrets = false): Promise<Record<string, unknown>> {
    const { s } = this.selectFor(req);
    try {
      const stack = await this.stack(s, false);
      return outputsOf(await stack.outputs(), showSecrets);
    } catch (e) {
      throw engineErrorOf(e, s.qualifiedName);
    }
  }

  async status(req: Pick<TenantRequest, "tenantId">): Promise<StackStatus> {
    const { s } = this.selectFor(req);
    try {
      const stack = await this.stack(s, false);
      const [last] = await stack.history(1);
      return stackStatusOf(req.tenantId, last, await stack.exportStack());
    } catch (e) {
      const err = engineErrorOf(e, s.qualifiedName);
      if (err.kind === "not-found") return { tenantId: req.tenantId, exists: false, resourceCount: 0, pendingOperations: 0 };
      throw err;
    }
  }
}
