/**
 * PooledRedisUserGroup: the platform stack's side of a pooled Redis cell — the ElastiCache user
 * group every tenant of the cell joins, with the mandatory `default` user. Not used by tenant
 * stacks: each tenant joins the group through its own `UserGroupAssociation`
 * (`components/redis/redis-namespace.ts`).
 *
 * Why this component exists: tenant users join the shared group out of band (one association
 * per tenant stack), so the group's live `userIds` always holds users the platform never
 * declared. A `UserGroup` declared without `ignoreChanges: ["userIds"]` sees that as drift and its
 * next `pulumi up` calls ModifyUserGroup with `UserIdsToRemove` = every tenant user: every tenant
 * of the cell loses access at once. The @pulumi/aws documentation of `UserGroupAssociation`
 * prescribes exactly this option on the group. This component declares the group only that way.
 *
 * The platform's own extra users (e.g. a monitoring user for the sampled memory measurement)
 * join through their own associations too, so `ignoreChanges` hides no change the platform makes:
 * the group's declared `userIds` is only ever the default user.
 *
 * The group is protected by default: deleting it cuts every tenant of the cell off.
 *
 * It also declares the cell's ElastiCache parameter group with the server settings pooled tenants
 * need (`CELL_SERVER_SETTINGS` in components/redis/command-cost.ts: client output-buffer limits,
 * proto-max-bulk-len, client-query-buffer-limit, lazy free): ACLs cannot bound what a command
 * costs or what a connection holds outside the keyspace; these settings and the refused commands
 * together do. Attach it to the cell's replication group (`parameterGroupName`).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { type Problem, show, throwIfProblems } from "../components/errors";
import { DISABLED_DEFAULT_USER_ACCESS_STRING } from "../components/redis/access-string";
import { cellParameters } from "../components/redis/command-cost";
import type { RedisCell } from "../components/redis/config";
import { membershipTimeouts } from "../components/redis/membership";
import { PASSWORD_LENGTH, USER_ENGINE } from "../components/redis/redis-namespace";

/**
 * Most users one ElastiCache user group holds (ElastiCache quotas: "Maximum number of users per
 * user group: 100"; SCALE.md), the `default` user included.
 */
export const USERS_PER_USER_GROUP = 100;

/** ElastiCache user and user group IDs (CreateUser/CreateUserGroup pattern `[a-zA-Z][a-zA-Z0-9\-]*`). */
const ID_PATTERN = /^[A-Za-z][A-Za-z0-9-]*$/;

/**
 * Parameter-group family of the cells: Redis OSS 7.x (the access string needs 7.0+, and the
 * lazyfree-* parameters are gone from the valkey8 family; AWS "Engine specific parameters" page).
 */
export const CELL_PARAMETER_GROUP_FAMILY = "redis7";

/** The source named when PooledRedisUserGroup refuses its arguments. */
export const POOLED_GROUP_SOURCE = "PooledRedisUserGroup arguments";

export interface PooledRedisUserGroupArgs {
  /** The cell, as in `platform.redis.cells[]` of tenant stacks: its name, user group and tenant capacity. */
  readonly cell: Pick<RedisCell, "name" | "userGroupId" | "capacity">;
  /**
   * ID of an existing ElastiCache user named `default` to put in the group.
   * @default undefined (the component creates `<userGroupId>-default`: off, no command, no key, a random secret password)
   */
  readonly defaultUserId?: string;
  /**
   * Other platform users of the cell (a monitoring user, an operator). Each joins through its own
   * association, like tenants; each takes one place of the 100.
   * @default []
   */
  readonly platformUserIds?: readonly string[];
  /**
   * The cell's replication group runs in cluster mode (its parameter group then needs
   * `cluster-enabled yes`; ElastiCache refuses a non-cluster parameter group on a cluster-mode group).
   * @default false
   */
  readonly clusterMode?: boolean;
  /** Tags of the group, the default user and the parameter group. */
  readonly tags?: Record<string, string>;
  /**
   * Protect the group from deletion (deleting it cuts every tenant of the cell off).
   * @default true
   */
  readonly protect?: boolean;
}

/** Tenants a group can still take: 100 users minus the default user and the platform's users. */
export function tenantRoom(platformUsers: number): number {
  return USERS_PER_USER_GROUP - 1 - platformUsers;
}

/** Every problem with the arguments, collected before anything is registered. */
export function pooledRedisUserGroupProblems(args: PooledRedisUserGroupArgs): Problem[] {
  const problems: Problem[] = [];
  const { cell } = args;
  const platformUsers = args.platformUserIds ?? [];
  if (!ID_PATTERN.test(cell.userGroupId)) {
    problems.push({ path: "cell.userGroupId", message: `${show(cell.userGroupId)} is not an ElastiCache ID; expected a letter, then letters, digits and hyphens` });
  }
  const ids: [string, string][] = [
    ...(args.defaultUserId !== undefined ? [["defaultUserId", args.defaultUserId] as [string, string]] : []),
    ...platformUsers.map((id, i) => [`platformUserIds[${i}]`, id] as [string, string]),
  ];
  const seen = new Map<string, string>();
  for (const [path, id] of ids) {
    if (!ID_PATTERN.test(id)) problems.push({ path, message: `${show(id)} is not an ElastiCache user ID; expected a letter, then letters, digits and hyphens` });
    const first = seen.get(id);
    if (first !== undefined) problems.push({ path, message: `${show(id)} is also ${first}; expected each user once` });
    else seen.set(id, path);
  }
  const room = tenantRoom(platformUsers.length);
  if (cell.capacity > room) {
    problems.push({
      path: "cell.capacity",
      message: `${cell.capacity} tenants do not fit in cell ${cell.name}: ${USERS_PER_USER_GROUP} users per user group minus the default user and ${platformUsers.length} platform user(s) leave ${room}; expected at most ${room}`,
    });
  }
  return problems;
}

export class PooledRedisUserGroup extends pulumi.ComponentResource {
  /** The shared group, declared with `ignoreChanges: ["userIds"]`. */
  readonly group: aws.elasticache.UserGroup;
  /** ID of the group; attach it to the cell's replication group (`userGroupIds`). */
  readonly userGroupId: pulumi.Output<string>;
  /** ID of the group's `default` user. */
  readonly defaultUserId: pulumi.Output<string>;
  /** Most tenants the group can take; `platform.redis.cells[].capacity` may not exceed it. */
  readonly tenantCapacity: number;
  /** The cell's parameter group (client output-buffer limits, proto-max-bulk-len, lazy free). */
  readonly parameterGroup: aws.elasticache.ParameterGroup;
  /** Its name; set it as the replication group's `parameterGroupName`. */
  readonly parameterGroupName: pulumi.Output<string>;

  constructor(name: string, args: PooledRedisUserGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    throwIfProblems(POOLED_GROUP_SOURCE, pooledRedisUserGroupProblems(args));
    super("controlcore:platform:PooledRedisUserGroup", name, {}, opts);
    const { cell } = args;
    const tags = args.tags ?? {};
    const platformUsers = args.platformUserIds ?? [];
    this.tenantCapacity = tenantRoom(platformUsers.length);

    let defaultUserId: pulumi.Input<string>;
    if (args.defaultUserId !== undefined) {
      defaultUserId = args.defaultUserId;
    } else {
      // RESET logs a connection back in as "default": off with a secret password, it can do nothing.
      const password = new random.RandomPassword(
        `${name}-default-password`,
        { length: PASSWORD_LENGTH, special: false, minLower: 1, minUpper: 1, minNumeric: 1 },
        { parent: this },
      );
      const user = new aws.elasticache.User(
        `${name}-default-user`,
        {
          userId: `${cell.userGroupId}-default`,
          userName: "default",
          engine: USER_ENGINE,
          accessString: DISABLED_DEFAULT_USER_ACCESS_STRING,
          authenticationMode: { type: "password", passwords: [pulumi.secret(password.result)] },
          tags,
        },
        { parent: this },
      );
      defaultUserId = user.userId;
    }

    this.group = new aws.elasticache.UserGroup(
      `${name}-user-group`,
      { userGroupId: cell.userGroupId, engine: USER_ENGINE, userIds: [defaultUserId], tags },
      // Tenants join out of band: their users in the live userIds must never read as drift.
      { parent: this, ignoreChanges: ["userIds"], protect: args.protect ?? true },
    );
    for (const userId of platformUsers) {
      new aws.elasticache.UserGroupAssociation(
        `${name}-member-${userId}`,
        { userGroupId: this.group.userGroupId, userId },
        { parent: this, customTimeouts: membershipTimeouts() },
      );
    }
    this.parameterGroup = new aws.elasticache.ParameterGroup(
      `${name}-parameters`,
      {
        name: `${cell.userGroupId.toLowerCase()}-pooled`,
        family: CELL_PARAMETER_GROUP_FAMILY,
        description: `Pooled tenants of cell ${cell.name}: output-buffer limits, value size cap, lazy free`,
        parameters: [...cellParameters(), ...(args.clusterMode ? [{ name: "cluster-enabled", value: "yes" }] : [])],
        tags,
      },
      { parent: this },
    );
    this.userGroupId = this.group.userGroupId;
    this.defaultUserId = pulumi.output(defaultUserId);
    this.parameterGroupName = this.parameterGroup.name;
    this.registerOutputs({
      userGroupId: this.userGroupId,
      defaultUserId: this.defaultUserId,
      tenantCapacity: this.tenantCapacity,
      parameterGroupName: this.parameterGroupName,
    });
  }
}
