import { z } from "zod";

/** One live check: what was declared (expected) next to what the server says (actual). */
export const CheckResult = z.object({
  component: z.enum(["postgres", "redis"]),
  check: z.string(),
  ok: z.boolean(),
  expected: z.unknown().optional(),
  actual: z.unknown().optional(),
});
export type CheckResult = z.infer<typeof CheckResult>;

export const TenantHealth = z.object({
  tenant: z.string(),
  healthy: z.boolean(),
  checks: z.array(CheckResult),
  /** One line per failed check, naming the component, the check and what differs. */
  drift: z.array(z.string()),
});
export type TenantHealth = z.infer<typeof TenantHealth>;

export const TableUsage = z.object({
  table: z.string(),
  rows: z.number().int().nonnegative(),
  limit: z.number().int().positive().nullable(),
});

export const TenantUsage = z.object({
  tenant: z.string(),
  postgres: z.object({
    tables: z.array(TableUsage),
    connections: z.object({ inUse: z.number().int().nonnegative(), limit: z.number().int() }),
  }),
  redis: z.object({
    prefix: z.string(),
    keys: z.number().int().nonnegative(),
    memoryBytes: z.number().int().nonnegative(),
    /** True when the SCAN stopped at `maxKeys` before the cursor returned to 0. */
    sampled: z.boolean(),
    maxKeys: z.number().int().positive(),
  }),
});
export type TenantUsage = z.infer<typeof TenantUsage>;

export const LimitEntry = z.object({
  name: z.string(),
  limit: z.number().nullable(),
  usage: z.number().nullable(),
  unit: z.string(),
});

export const TenantLimits = z.object({
  tenant: z.string(),
  plan: z.string(),
  /** The plan's limits after overrides (the effective values). */
  limits: z.record(z.string(), z.unknown()),
  overrides: z.record(z.string(), z.unknown()),
  entries: z.array(LimitEntry),
});
export type TenantLimits = z.infer<typeof TenantLimits>;

export const TenantConfig = z.object({
  tenant: z.string(),
  plan: z.string(),
  level: z.string(),
  effectivePlan: z.record(z.string(), z.unknown()),
  overrides: z.record(z.string(), z.unknown()),
  platform: z.record(z.string(), z.unknown()),
});
export type TenantConfig = z.infer<typeof TenantConfig>;

export const ResourceRef = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("row"), table: z.string().min(1), tenantId: z.string().min(1) }).strict(),
  z.object({ kind: z.literal("s3"), bucket: z.string().min(1).optional(), key: z.string().min(1) }).strict(),
  z.object({ kind: z.literal("redis-key"), name: z.string().min(1) }).strict(),
  z.object({ kind: z.literal("redis-channel"), name: z.string().min(1) }).strict(),
]);
export type ResourceRef = z.infer<typeof ResourceRef>;

export const AccessDecision = z.object({
  tenant: z.string(),
  ref: ResourceRef,
  allowed: z.boolean(),
  reason: z.string(),
});
export type AccessDecision = z.infer<typeof AccessDecision>;

/** The tenant is not known to this platform (no local state for it). */
export class TenantNotFoundError extends Error {
  readonly kind = "tenant-not-found" as const;
  constructor(readonly tenant: string) {
    super(`tenant "${tenant}" is not set up here`);
    this.name = "TenantNotFoundError";
  }
}
