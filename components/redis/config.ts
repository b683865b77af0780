/**
 * The platform's Redis section: the pooled clusters ("cells") tenants are placed on, and the
 * settings of dedicated serverless caches. Validated by zod; duplicates are refused here and
 * again by the placement function.
 */
import { z } from "zod";

/**
 * Most tenant users one pooled cell holds: an ElastiCache user group holds at most 100 users and
 * one of them is the mandatory `default` user.
 */
export const MAX_TENANTS_PER_CELL = 99;

const awsId = z
  .string()
  .regex(/^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,39}$/, "1-40 letters, digits and hyphens, starting with a letter, no '--'")
  .refine((s) => !s.endsWith("-"), "must not end with a hyphen");

/** One pooled Redis cluster with its own ElastiCache user group. */
export const RedisCellSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/, "a lowercase name of letters, digits and hyphens, up to 32 characters")
    .describe("Stable name of the cell; placement hashes it, so renaming a cell moves its tenants."),
  userGroupId: awsId.describe("ElastiCache user group attached to the cell's replication group; tenants' users join it."),
  host: z.string().min(1).describe("Primary (or configuration) endpoint host of the cell."),
  port: z.number().int().min(1).max(65535).default(6379).describe("Port of the cell's endpoint."),
  tls: z
    .boolean()
    .default(true)
    .describe("Whether the endpoint uses TLS (rediss://). Security default: true; ElastiCache RBAC requires in-transit encryption."),
  engineVersion: z
    .string()
    .regex(/^\d+\.\d+(\.\d+)?$/, "the cell's Redis OSS engine version as major.minor, e.g. \"7.1\"")
    .describe(
      "Redis OSS engine version of the cell (its replication group's EngineVersion, e.g. \"7.1\"). The tenant access string needs 7.0+; it is checked before anything is declared.",
    ),
  capacity: z
    .number()
    .int()
    .min(1)
    .max(MAX_TENANTS_PER_CELL)
    .default(MAX_TENANTS_PER_CELL)
    .describe("Most tenants the cell takes: 100 users per user group minus the default user and any platform users in the group."),
});
export type RedisCell = z.infer<typeof RedisCellSchema>;

/** Settings of the dedicated serverless caches of `dedicated_resources` plans. */
export const RedisDedicatedSchema = z.strictObject({
  subnetIds: z.array(z.string().min(1)).default([]).describe("Subnets of the serverless cache's VPC endpoint (one VPC)."),
  securityGroupIds: z
    .array(z.string().min(1))
    .default([])
    .describe("Security groups of the serverless cache's VPC endpoint. Empty means the VPC's default group."),
  majorEngineVersion: z
    .enum(["7"])
    .default("7")
    .describe("Redis OSS major version of dedicated caches; serverless Redis OSS offers 7 (the access string needs 7.0+, checked like a cell's engineVersion)."),
  ecpuPerSecondMax: z
    .number()
    .int()
    .min(1000)
    .max(15_000_000)
    .default(5000)
    .describe("Upper ECPU-per-second usage limit of each dedicated cache (bounds cost and noisy bursts)."),
  snapshotRetentionLimit: z.number().int().min(0).max(35).default(1).describe("Daily snapshots kept per dedicated cache."),
  dailySnapshotTime: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "HH:MM in UTC")
    .optional()
    .describe("UTC time of the daily snapshot; AWS chooses when absent."),
});
export type RedisDedicated = z.infer<typeof RedisDedicatedSchema>;

/** The platform's Redis section (`platform.redis`). */
export const RedisPlatformSchema = z
  .strictObject({
    cells: z
      .array(RedisCellSchema)
      .min(1, "at least one pooled cell is needed to place tenants")
      .describe("Pooled clusters tenants are placed on by rendezvous hashing of the tenant ID."),
    dedicated: RedisDedicatedSchema.prefault({}).describe("Settings of dedicated serverless caches."),
  })
  .superRefine((cfg, ctx) => {
    for (const field of ["name", "userGroupId"] as const) {
      const seen = new Map<string, number>();
      cfg.cells.forEach((cell, i) => {
        const first = seen.get(cell[field]);
        if (first !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["cells", i, field],
            input: cell[field],
            message: `duplicate cell ${field} ${JSON.stringify(cell[field])} (also cells[${first}]); each cell needs its own`,
          });
        } else seen.set(cell[field], i);
      });
    }
  })
  .describe("Redis cells and dedicated cache settings.");
export type RedisPlatform = z.infer<typeof RedisPlatformSchema>;

/** The tenant's own Redis config key: `controlcore-tenant:redisCell` pins the tenant to a cell. */
export const RedisTenantConfigSchema = z.strictObject({
  redisCell: z
    .string()
    .min(1)
    .optional()
    .describe("Name of the cell this tenant is pinned to, overriding hashed placement (e.g. to drain a full cell)."),
});
export type RedisTenantConfig = z.infer<typeof RedisTenantConfigSchema>;
