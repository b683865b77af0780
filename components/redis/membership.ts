/**
 * How a user joins a shared ElastiCache user group without timing out when many tenants onboard
 * into one cell at once.
 *
 * The constraint (ElastiCache API): a user group accepts one modification at a time. While it is
 * `modifying`, ModifyUserGroup fails with `InvalidUserGroupStateFault` ("User group ... has status
 * modifying. Only active user groups can be modified.").
 *
 * What the AWS provider already does (terraform-provider-aws
 * internal/service/elasticache/user_group_association.go, bundled in @pulumi/aws 7.x): the
 * association's create and delete call ModifyUserGroup inside
 * `tfresource.RetryWhenIsA[*InvalidUserGroupStateFault]` until the create (delete) timeout, then
 * wait for the group to return to `active` (polling every 10 s after a 30 s delay) with the same
 * timeout. Both timeouts default to 10 minutes (PR #38559 made them configurable; Pulumi's
 * `customTimeouts` sets them). The retry is there since PR #28689 (2023).
 *
 * So the mechanism is retry-until-timeout; what can still fail is the timeout: with N tenant
 * stacks adding users to one group at once, the last one waits for N-1 modifications first.
 * Decision: bound the queue instead of growing the timeout with the fleet. Onboarding and
 * offboarding pipelines (the job layer) run at most {@link CELL_MEMBERSHIP_CONCURRENCY} stack
 * operation per cell at a time, and each association's timeouts cover the modifications that can
 * still be ahead of it: the other pipeline slots plus one foreign modification (the platform's
 * own change to the group, or a manual run), then its own.
 */
import { type Problem, show, throwIfProblems } from "../errors";

/**
 * Tenant stack operations (`up` that creates or moves a membership, `destroy`) that may touch one
 * cell's user group at the same time. The job layer keys its lock on the cell
 * (`RedisNamespace.placement.cell`, or the dedicated cache name, which never contends).
 */
export const CELL_MEMBERSHIP_CONCURRENCY = 1;

/**
 * Assumed upper bound, in minutes, of one user group modification (from ModifyUserGroup until the
 * group is `active` again). Not measured here (no AWS account): it is the budget the provider's
 * authors give one association by default (10 minutes), which their acceptance tests fit in
 * (`TestAccElastiCacheUserGroupAssociation_*`: 285-405 s for whole create/update/destroy runs).
 * Replace it by a measured p99 once cells exist.
 */
export const USER_GROUP_MODIFY_MINUTES = 10;

/** Modifications not made by the onboarding pipeline that may be in progress when ours starts. */
export const FOREIGN_MODIFICATIONS_AHEAD = 1;

/** The `customTimeouts` of a user group association. */
export interface MembershipTimeouts {
  readonly create: string;
  readonly delete: string;
}

/** Why a concurrency or modify time cannot size the timeouts. */
export function membershipTimeoutProblems(concurrency: number, modifyMinutes: number): Problem[] {
  const problems: Problem[] = [];
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    problems.push({ path: "concurrency", message: `${show(concurrency)} is not a positive integer; expected at least 1 operation per cell` });
  }
  if (!Number.isSafeInteger(modifyMinutes) || modifyMinutes < 1) {
    problems.push({ path: "modifyMinutes", message: `${show(modifyMinutes)} is not a positive whole number of minutes; expected at least 1` });
  }
  return problems;
}

/**
 * Timeouts of one association: while ModifyUserGroup is refused it is retried until this
 * timeout, so it must cover every modification that can be ahead of ours — `concurrency - 1`
 * other pipeline slots and {@link FOREIGN_MODIFICATIONS_AHEAD} foreign one — plus our own:
 * `(concurrency + FOREIGN_MODIFICATIONS_AHEAD) × modifyMinutes`. Deletes queue the same way.
 */
export function membershipTimeouts(
  concurrency: number = CELL_MEMBERSHIP_CONCURRENCY,
  modifyMinutes: number = USER_GROUP_MODIFY_MINUTES,
): MembershipTimeouts {
  throwIfProblems("user group membership timeouts", membershipTimeoutProblems(concurrency, modifyMinutes));
  const minutes = (concurrency + FOREIGN_MODIFICATIONS_AHEAD) * modifyMinutes;
  return { create: `${minutes}m`, delete: `${minutes}m` };
}
