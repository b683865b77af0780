/**
 * Runs the real Pulumi program with the engine replaced by Pulumi's runtime mocks, and records
 * every resource it registers (URN, type, name, parent, inputs) in registration order.
 *
 * This is what the offline plan prints, what local mode applies and what the unit tests assert
 * on: one recording of one program, never a second description of it.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { type AwsLocation, placeholderState } from "./placeholders";

/** Pulumi's wire marker of a secret value inside deserialized inputs. */
const SIG_KEY = pulumi.runtime.specialSigKey;
const SECRET_SIG = pulumi.runtime.specialSecretSig;

/** One resource the program registered. */
export interface RecordedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** URN of the parent resource (the stack for top-level resources). */
  readonly parent: string | undefined;
  /** Custom (provider-backed) resource, as opposed to a component. */
  readonly custom: boolean;
  /** Inputs as the engine received them; secrets keep Pulumi's secret wrapper. */
  readonly inputs: Record<string, unknown>;
  /** ID and state the mock returned. */
  readonly id: string | undefined;
  readonly state: Record<string, unknown>;
  /** Explicit provider reference (`urn::id`), if any. */
  readonly provider: string | undefined;
}

/** Computes a resource's state (its outputs) when the engine would create it. */
export type StateFn = (args: pulumi.runtime.MockResourceArgs) => { id: string; state: Record<string, unknown> } | undefined;

export interface MockRunOptions {
  /** Pulumi project name, as in Pulumi.yaml. */
  project?: string;
  /** Stack name; by convention the tenant ID. */
  stack?: string;
  /** Run as a preview (unknowns stay unknown). */
  preview?: boolean;
  /**
   * Where placeholder IDs and ARNs live: the platform's account and region when known
   * (see `placeholderLocation`); default the placeholder account `000000000000` in us-east-1.
   */
  placeholders?: AwsLocation;
  /** Overrides state for some resources (e.g. local mode's real passwords); falls back to placeholders. */
  state?: StateFn;
  /** Called with each resource as it is registered (also when the program fails later). */
  onRegistered?: (r: RecordedResource) => void;
  /** Answers provider functions (invokes); unmocked calls throw. */
  call?: (args: pulumi.runtime.MockCallArgs) => Record<string, unknown>;
}

/** The result of running a program under mocks. */
export interface MockRun<T> {
  readonly resources: RecordedResource[];
  /** The program's return value with every output resolved. */
  readonly outputs: T;
}

/** Whether `v` is a deserialized secret (`{ [sig]: secretSig, value }`). */
export function isSecretValue(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Maps every value of a JSON-like tree, secrets first. */
function mapTree(v: unknown, onSecret: (inner: unknown) => unknown): unknown {
  if (isSecretValue(v)) return onSecret(v.value);
  if (Array.isArray(v)) return v.map((x) => mapTree(x, onSecret));
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapTree(x, onSecret)]));
  }
  return v;
}

/** Replaces every secret in `v` with the string "[secret]". */
export function redactSecrets(v: unknown): unknown {
  return mapTree(v, () => "[secret]");
}

/** Removes secret wrappers, leaving the plain values (for local mode, never for printing). */
export function unwrapSecrets(v: unknown): unknown {
  return mapTree(v, (inner) => unwrapSecrets(inner));
}

/** Whether any value in the tree is a secret. */
export function containsSecret(v: unknown): boolean {
  let found = false;
  mapTree(v, () => {
    found = true;
  });
  return found;
}

class RecordingMonitor extends MockMonitor {
  readonly recorded: RecordedResource[] = [];

  constructor(
    mocks: pulumi.runtime.Mocks,
    private readonly onRegistered?: (r: RecordedResource) => void,
  ) {
    super(mocks);
  }

  override async registerResource(req: any, callback: (err: any, res: any) => void): Promise<void> {
    // The base class answers the engine; we only watch what passes through.
    await super.registerResource(req, (err: any, res: any) => {
      if (!err) {
        const urn: string = res.getUrn();
        const self = this as unknown as { resources: Map<string, { id: string | null }> };
        this.recorded.push({
          urn,
          type: req.getType(),
          name: req.getName(),
          parent: req.getParent() || undefined,
          custom: req.getCustom(),
          inputs: pulumi.runtime.deserializeProperties(req.getObject()),
          id: self.resources.get(urn)?.id ?? undefined,
          state: pulumi.runtime.deserializeProperties(res.getObject()),
          provider: req.getProvider() || undefined,
        });
        this.onRegistered?.(this.recorded[this.recorded.length - 1]!);
      }
      callback(err, res);
    });
  }
}

/** Serializes runs: Pulumi's runtime state is process-global. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `program` inside a Pulumi stack under mocks and returns every registered resource.
 * Runs are serialized because the Pulumi runtime keeps global state.
 */
export function runUnderMocks<T>(program: () => T | Promise<T>, options: MockRunOptions = {}): Promise<MockRun<T>> {
  const run = queue.then(() => runOnce(program, options));
  queue = run.catch(() => undefined);
  return run;
}

async function runOnce<T>(program: () => T | Promise<T>, options: MockRunOptions): Promise<MockRun<T>> {
  const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
      return options.state?.(args) ?? placeholderState(args, options.placeholders);
    },
    call(args) {
      if (options.call) return options.call(args);
      throw new Error(`unmocked provider function ${args.token}: the offline engine answers no cloud calls`);
    },
  };
  const project = options.project ?? "controlcore-tenant";
  const stack = options.stack ?? "dev";
  const preview = options.preview ?? false;
  await pulumi.runtime.setMocks(mocks, project, stack, preview);
  const monitor = new RecordingMonitor(mocks, options.onRegistered);
  pulumi.runtime.setMockOptions(monitor, project, stack, preview);

  // A program that throws must reject this run, not leave rejected promises behind: the stack's
  // init therefore never throws, and the failure is rethrown once every registration is done.
  let failure: unknown;
  let outputs: unknown;
  try {
    outputs = await pulumi.runtime.runInPulumiStack(async () => {
      try {
        return await program();
      } catch (e) {
        failure = e;
        return {};
      }
    });
  } catch (e) {
    failure ??= e;
  }
  // Wait for every registration the program started, not only those its outputs depend on.
  await pulumi.runtime.disconnect();
  if (failure !== undefined) throw failure;
  return { resources: monitor.recorded, outputs: outputs as T };
}
