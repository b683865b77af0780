/**
 * Local mode applies the resources the real program declares (recorded under mocks) to local
 * servers. Each applier owns some resource types and turns their recorded inputs into the
 * same effect the cloud provider would have; nothing is described twice.
 */
import type { TenantNames } from "../../components/naming";
import type { RecordedResource } from "../engine/mock-engine";

/** What local mode connects to. */
export interface LocalTargets {
  /** Admin URL of the PostgreSQL server (DATABASE_URL). */
  readonly databaseUrl: string;
  /** Admin URL of the Redis server (REDIS_URL). */
  readonly redisUrl: string;
}

/** A resource as local mode applied it: the recording with secrets unwrapped, plus what it saved. */
export interface AppliedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** Inputs with secret wrappers removed (the state file is written with mode 0600). */
  readonly inputs: Record<string, unknown>;
  /** Outputs (state) the mock engine computed, secrets unwrapped. */
  readonly state: Record<string, unknown>;
  /** Whatever the applier needs to undo or describe the resource later. */
  readonly saved?: Record<string, unknown>;
}

export interface LocalContext {
  readonly targets: LocalTargets;
  readonly tenant: TenantNames;
  /** Resources applied in this run so far, and the previous run's, by URN. */
  readonly previous: ReadonlyMap<string, AppliedResource>;
}

/** Applies and removes resources of some types on local servers. */
export interface LocalApplier {
  /** Resource types (Pulumi type tokens) this applier owns. */
  readonly types: readonly string[];
  /** Makes the resource exist as declared; idempotent. Returns what to save for `down`. */
  up(resource: AppliedResource, ctx: LocalContext): Promise<Record<string, unknown> | void>;
  /** Removes what `up` made, and only that. */
  down(resource: AppliedResource, ctx: LocalContext): Promise<void>;
  /**
   * Transactional appliers: `begin` before the first `up`, then `commit` when every resource is
   * applied, or `rollback` when one failed. `rollback` resolves to true when it undid everything
   * this run did (nothing of it was committed); false asks the caller to undo this run's new
   * resources with `down`, as for appliers without transactions.
   */
  begin?(): void;
  commit?(): Promise<void>;
  rollback?(): Promise<boolean>;
  /** The key of the section {@link describe} adds to `local up --json` (e.g. `redis`). */
  readonly section?: string;
  /**
   * The content of this applier's section of `local up --json`: the tenant's own connection
   * details, computed from all applied resources.
   */
  describe?(applied: readonly AppliedResource[], ctx: LocalContext): Record<string, unknown> | undefined;
}

export type { RecordedResource };
