/**
 * tenantctl's exit codes, one per outcome a script must tell apart (README, "Operating tenants").
 * Every command uses these; {@link exitCodeOf} maps an {@link EngineError}'s kind to one.
 * Pulumi-free: the CLI loads it before any SDK.
 */
import type { EngineErrorKind } from "./engine";

export const EXIT = {
  /** The operation succeeded. */
  ok: 0,
  /** The operation ran and failed (a resource's provider refused, a server error, a crashed update left pending operations). */
  failed: 1,
  /** Invalid input: a bad argument, option, tenant ID, plan or config. Permanent: do not retry. */
  invalidInput: 2,
  /** Nothing there: the tenant has no stack or local state (`destroy`, `local down`: nothing to remove). */
  nothingThere: 3,
  /** Conflict: another operation holds the tenant's stack (Pulumi's stack lock, the local lock). Retry later. */
  conflict: 4,
  /** The engine cannot run here (Pulumi CLI missing, server unreachable). Install it, or use `--engine local`. */
  unavailable: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code of a failure of `kind`. */
export function exitCodeOf(kind: EngineErrorKind): ExitCode {
  switch (kind) {
    case "invalid-input":
      return EXIT.invalidInput;
    case "not-found":
      return EXIT.nothingThere;
    case "conflict":
      return EXIT.conflict;
    case "unavailable":
      return EXIT.unavailable;
    case "transient":
    case "failed":
    case "pending-operations":
      return EXIT.failed;
  }
}

/** Ends a command with `exitCode`; what to say was already printed. tenantctl's main returns the code. */
export class CommandExit extends Error {
  constructor(readonly exitCode: ExitCode) {
    super(`exit ${exitCode}`);
    this.name = "CommandExit";
  }
}
