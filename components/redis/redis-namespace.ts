/**
 * RedisNamespace: a tenant's key and channel namespace `tenant:{<id>}:` on Redis, with its own
 * ElastiCache RBAC user whose access string confines it to that namespace.
 *
 * Pooled (default): the user joins the user group of the cell the tenant is placed on, through
 * its own `UserGroupAssociation` — the shared `UserGroup` resource is the platform's and never
 * lists tenants. Dedicated (`dedicated_resources`): a serverless cache of the tenant's own, whose
 * usage limits enforce the plan's memory allocation, with a user group of its own.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { TenantNames } from "../naming";
import { type Problem, throwIfProblems } from "../errors";
import { accessStringVersionProblems, DISABLED_DEFAULT_USER_ACCESS_STRING, redisPrefixProblems, tenantAccessString } from "./access-string";
import {
  dataStorageLimitGb,
  dataStorageLimitProblems,
  type RedisAppConfig,
  redisAppConfig,
  redisSettingsProblems,
  redisSettingTags,
  type RedisSettings,
} from "./app-config";
import type { RedisPlatform } from "./config";
import { membershipTimeouts } from "./membership";
import { CELLS_PATH, placementProblems, placeTenant } from "./placement";

/** The engine of ElastiCache RBAC users and user groups (also for Valkey clusters). */
export const USER_ENGINE = "redis";
/** Length of generated passwords: ElastiCache accepts 16-128 printable characters. */
export const PASSWORD_LENGTH = 40;

export interface RedisNamespaceArgs {
  /** The tenant's physical names (from `naming.tenantNames`): prefix and ElastiCache IDs. */
  readonly names: TenantNames;
  /** The plan's Redis settings (`plan.redis`): TTLs and memory allocation. */
  readonly settings: RedisSettings;
  /**
   * Give the tenant a dedicated serverless cache (`plan.dedicated_resources`) instead of a place
   * on a pooled cell.
   * @default false
   */
  readonly dedicated?: boolean;
  /** The platform's Redis section: pooled cells and dedicated cache settings. */
  readonly platform: RedisPlatform;
  /**
   * Name of the pooled cell to pin the tenant to (tenant config `redisCell`), overriding hashed
   * placement. Must name a configured cell. Ignored for dedicated tenants.
   * @default undefined (rendezvous hashing of the tenant ID over the cell names)
   */
  readonly cell?: string;
  /**
   * KMS key (ARN) encrypting a dedicated cache at rest. Its key policy must let ElastiCache use it.
   * @default undefined (an AWS-owned key)
   */
  readonly kmsKeyArn?: pulumi.Input<string>;
  /** Tags every taggable resource carries (`tenantTags(names, plan)`). */
  readonly tags: Record<string, string>;
}

/** The source named when RedisNamespace refuses its arguments. */
export const NAMESPACE_SOURCE = "RedisNamespace arguments";

/**
 * Every problem with a RedisNamespace's arguments, collected before anything is registered: the
 * prefix, the plan's settings, the placement (cells, override) and whether the engine of the
 * cell the tenant lands on (or of dedicated caches) supports every feature of the access string.
 */
export function redisNamespaceProblems(args: RedisNamespaceArgs): Problem[] {
  const { names, platform, settings } = args;
  const prefixProblems = redisPrefixProblems(names.redisPrefix);
  const problems: Problem[] = [...prefixProblems, ...redisSettingsProblems(settings)];
  // The engine check needs the access string, which needs a valid prefix.
  const accessString = prefixProblems.length === 0 ? tenantAccessString(names.redisPrefix) : undefined;
  if (args.dedicated ?? false) {
    if (!problems.some((p) => p.path === "redis.memory_limit_mb")) problems.push(...dataStorageLimitProblems(settings.memory_limit_mb));
    if (accessString !== undefined) {
      const version = platform.dedicated.majorEngineVersion;
      problems.push(...accessStringVersionProblems(accessString, version, "platform.redis.dedicated.majorEngineVersion"));
    }
    return problems;
  }
  const placement = placementProblems(platform.cells, args.cell);
  if (placement.length > 0 || accessString === undefined) return [...problems, ...placement];
  const { cell } = placeTenant(names.id, platform.cells, args.cell);
  const index = platform.cells.indexOf(cell);
  problems.push(...accessStringVersionProblems(accessString, cell.engineVersion, `${CELLS_PATH}[${index}].engineVersion`));
  return problems;
}

/** Where the tenant's namespace lives. */
export type RedisPlacement =
  | { readonly kind: "pooled"; readonly cell: string; readonly userGroupId: string; readonly reason: "override" | "hash" }
  | { readonly kind: "dedicated"; readonly cacheName: string; readonly userGroupId: string };

/** Everything the application needs to connect; secret as a whole (it holds the password). */
export interface RedisConnection extends RedisAppConfig {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly username: string;
  readonly password: string;
  readonly url: string;
}

export class RedisNamespace extends pulumi.ComponentResource {
  /** The application's configuration: prefixes, TTLs, memory allocation (no credential). */
  readonly config: RedisAppConfig;
  /** Where the namespace lives (pooled cell or dedicated cache). */
  readonly placement: RedisPlacement;
  /** The access string the tenant's user carries. */
  readonly accessString: string;
  readonly endpoint: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  readonly tls: boolean;
  readonly username: string;
  /** The tenant user's password; secret. */
  readonly password: pulumi.Output<string>;
  /** Connection details with credentials; secret. */
  readonly connection: pulumi.Output<RedisConnection>;
  readonly user: aws.elasticache.User;
  /** The serverless cache of a dedicated tenant. */
  readonly cache?: aws.elasticache.ServerlessCache;

  constructor(name: string, args: RedisNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    // Every problem is collected before anything is registered: bad input creates nothing.
    throwIfProblems(NAMESPACE_SOURCE, redisNamespaceProblems(args));
    const { names, platform, tags } = args;
    const config = redisAppConfig(names, args.settings);
    const accessString = tenantAccessString(config.keyPrefix);
    const dedicated = args.dedicated ?? false;
    const pooled = dedicated ? undefined : placeTenant(names.id, platform.cells, args.cell);
    const storageGb = dedicated ? dataStorageLimitGb(config.memoryLimitMb) : undefined;
    super("controlcore:redis:RedisNamespace", name, {}, opts);
    this.config = config;
    this.accessString = accessString;
    this.username = names.elasticacheUserId;

    const password = new random.RandomPassword(
      `${name}-password`,
      // Letters and digits only: ElastiCache refuses , " / @ and the password appears in URLs.
      { length: PASSWORD_LENGTH, special: false, minLower: 1, minUpper: 1, minNumeric: 1 },
      { parent: this },
    );
    this.password = pulumi.secret(password.result);

    this.user = new aws.elasticache.User(
      `${name}-user`,
      {
        userId: names.elasticacheUserId,
        userName: names.elasticacheUserId,
        engine: USER_ENGINE,
        accessString: this.accessString,
        authenticationMode: { type: "password", passwords: [this.password] },
        tags: { ...tags, ...redisSettingTags(this.config) },
      },
      { parent: this },
    );

    if (pooled) {
      const cell = pooled.cell;
      // One association per tenant: the shared UserGroup is the platform's document, not ours.
      // The provider retries while the group is busy ("modifying") until these timeouts, sized
      // for the per-cell concurrency the onboarding pipelines keep (./membership.ts).
      new aws.elasticache.UserGroupAssociation(
        `${name}-membership`,
        { userGroupId: cell.userGroupId, userId: this.user.userId },
        { parent: this, customTimeouts: membershipTimeouts() },
      );
      this.placement = { kind: "pooled", cell: cell.name, userGroupId: cell.userGroupId, reason: pooled.reason };
      this.endpoint = pulumi.output(cell.host);
      this.port = pulumi.output(cell.port);
      this.tls = cell.tls;
    } else {
      const d = platform.dedicated;
      const id = names.elasticacheDedicatedId;
      // A user group must contain a user named "default"; this one is off and can do nothing.
      const defaultPassword = new random.RandomPassword(
        `${name}-default-password`,
        { length: PASSWORD_LENGTH, special: false, minLower: 1, minUpper: 1, minNumeric: 1 },
        { parent: this },
      );
      const defaultUser = new aws.elasticache.User(
        `${name}-default-user`,
        {
          userId: id,
          userName: "default",
          engine: USER_ENGINE,
          accessString: DISABLED_DEFAULT_USER_ACCESS_STRING,
          authenticationMode: { type: "password", passwords: [pulumi.secret(defaultPassword.result)] },
          tags,
        },
        { parent: this },
      );
      const group = new aws.elasticache.UserGroup(
        `${name}-user-group`,
        { userGroupId: id, engine: USER_ENGINE, userIds: [defaultUser.userId, this.user.userId], tags },
        { parent: this },
      );
      const cache = new aws.elasticache.ServerlessCache(
        `${name}-cache`,
        {
          name: id,
          engine: "redis",
          majorEngineVersion: d.majorEngineVersion,
          description: `Dedicated Redis of tenant ${names.id}`,
          cacheUsageLimits: {
            dataStorage: { maximum: storageGb!, unit: "GB" },
            ecpuPerSeconds: [{ maximum: d.ecpuPerSecondMax }],
          },
          userGroupId: group.userGroupId,
          ...(d.subnetIds.length > 0 ? { subnetIds: d.subnetIds } : {}),
          ...(d.securityGroupIds.length > 0 ? { securityGroupIds: d.securityGroupIds } : {}),
          ...(args.kmsKeyArn !== undefined ? { kmsKeyId: args.kmsKeyArn } : {}),
          snapshotRetentionLimit: d.snapshotRetentionLimit,
          ...(d.dailySnapshotTime !== undefined ? { dailySnapshotTime: d.dailySnapshotTime } : {}),
          tags,
        },
        { parent: this },
      );
      this.cache = cache;
      this.placement = { kind: "dedicated", cacheName: id, userGroupId: id };
      this.endpoint = cache.endpoints.apply((e) => e[0]?.address ?? "");
      this.port = cache.endpoints.apply((e) => e[0]?.port ?? 6379);
      // Serverless caches always encrypt in transit.
      this.tls = true;
    }

    const scheme = this.tls ? "rediss" : "redis";
    const username = this.username;
    const tls = this.tls;
    this.connection = pulumi.secret(
      pulumi.all([this.endpoint, this.port, this.password]).apply(([host, port, pw]) => ({
        ...config,
        host,
        port,
        tls,
        username,
        password: pw,
        url: `${scheme}://${encodeURIComponent(username)}:${encodeURIComponent(pw)}@${host}:${port}`,
      })),
    );

    this.registerOutputs({ config: this.config, placement: this.placement, connection: this.connection });
  }
}
