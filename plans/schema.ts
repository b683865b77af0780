/**
 * The plan schema: the only place a plan's shape is written. The TypeScript type, the JSON
 * Schema editors use (`plans/plan.schema.json`) and every validation error come from it.
 */
import { z } from "zod";
import { KubernetesSettingsSchema } from "../components/kubernetes/config";
import { MonitoringPlanSettingsSchema } from "../components/monitoring/config";

/** The four isolation levels of the spec, strongest first. */
export const ISOLATION_LEVELS = ["database", "schema", "table", "row"] as const;
export type IsolationLevel = (typeof ISOLATION_LEVELS)[number];

/** Levels at which the tenant has a PostgreSQL schema of its own (`database_schema: true`). */
export const LEVELS_WITH_OWN_SCHEMA: readonly IsolationLevel[] = ["database", "schema"];

const positiveInt = z.number().int().positive();

/** Limits on the tenant's data and traffic (the spec's "Resource Limits"). */
export const LimitsSchema = z
  .strictObject({
    max_policies: positiveInt.describe("Most policies the tenant may store; enforced inside the database."),
    max_resources: positiveInt.describe("Most resources the tenant may store; enforced inside the database."),
    max_bouncers: positiveInt.describe("Most bouncers (policy enforcement points); enforced inside the database."),
    max_users: positiveInt.describe("Most users; enforced inside the database."),
    api_calls_per_hour: positiveInt.describe("API calls per hour before the edge refuses."),
    policy_evaluations_per_hour: positiveInt.describe("Policy evaluations per hour (alarm threshold)."),
    storage_gb: positiveInt.describe("Object storage allowance in GB (alarm threshold)."),
    backup_retention_days: positiveInt.describe("Days backups are kept (S3 lifecycle of backups/)."),
  })
  .describe("The spec's per-plan resource limits.");

/** Edge rate limiting (the spec's `rate_limiting`). */
export const RateLimitingSchema = z
  .strictObject({
    requests_per_minute: positiveInt.describe("Sustained requests per minute per tenant."),
    burst_limit: positiveInt.describe("Requests allowed in a burst; at least requests_per_minute."),
    window_size: positiveInt.describe("Evaluation window in seconds."),
  })
  .describe("Per-tenant rate limiting at the edge.");

/** Redis namespace settings (the spec's TTLs and memory allocation). */
export const RedisSettingsSchema = z
  .strictObject({
    ttl_default: positiveInt.describe("Default key TTL in seconds."),
    ttl_sessions: positiveInt.describe("Session key TTL in seconds."),
    ttl_cache: positiveInt.describe("Cache key TTL in seconds."),
    memory_limit_mb: positiveInt.describe("Memory allocated to the tenant's keys, in MiB."),
  })
  .describe("Redis namespace settings.");

/** PostgreSQL settings of the tenant's login role. */
export const DatabaseSettingsSchema = z
  .strictObject({
    connection_limit: positiveInt
      .max(1000)
      .describe("CONNECTION LIMIT of the tenant's login role: the bound of the tenant's connection pool."),
    statement_timeout_ms: positiveInt.describe("statement_timeout of the tenant's login role, in milliseconds."),
  })
  .describe("PostgreSQL settings of the tenant's role.");

/** Network settings beyond rate limiting. */
export const NetworkSettingsSchema = z
  .strictObject({
    cdn_enabled: z.boolean().describe("Serve the tenant through a CDN distribution."),
  })
  .describe("Network settings.");

/** Monitoring settings: log retention (a CloudWatch Logs value) and alert levels. */
export const MonitoringSettingsSchema = MonitoringPlanSettingsSchema.describe("Monitoring settings: log retention and alert levels.");

const PlanObject = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/, "a lowercase name of letters, digits and hyphens, up to 32 characters")
    .describe("Plan name, recorded on every resource as the plan tag."),
  isolation_level: z.enum(ISOLATION_LEVELS).describe("Database isolation level: database, schema, table or row."),
  max_tenants: positiveInt.describe("How many tenants one customer may hold on this plan."),
  database_schema: z
    .boolean()
    .describe("The tenant has a PostgreSQL schema of its own: true exactly for the database and schema levels."),
  redis_namespace: z.boolean().describe("Provision the tenant's Redis namespace."),
  s3_prefix: z.boolean().describe("Provision the tenant's S3 prefix and KMS key."),
  network_isolation: z.boolean().describe("Provision the tenant's subdomain, certificate and edge settings."),
  security_isolation: z.boolean().describe("Provision the tenant's JWT keys and API keys."),
  monitoring_isolation: z.boolean().describe("Provision the tenant's logs, dashboards and alarms."),
  dedicated_resources: z.boolean().describe("Dedicated cache and bucket instead of pooled ones."),
  limits: LimitsSchema,
  rate_limiting: RateLimitingSchema,
  redis: RedisSettingsSchema,
  database: DatabaseSettingsSchema,
  network: NetworkSettingsSchema,
  monitoring: MonitoringSettingsSchema,
  kubernetes: KubernetesSettingsSchema,
});

/** A plan: every setting of the spec plus what the components need. */
export const PlanSchema = PlanObject.superRefine((plan, ctx) => {
  const ownSchema = LEVELS_WITH_OWN_SCHEMA.includes(plan.isolation_level);
  if (plan.database_schema !== ownSchema) {
    ctx.addIssue({
      code: "custom",
      path: ["database_schema"],
      input: plan.database_schema,
      message: `database_schema must be ${ownSchema} when isolation_level is "${plan.isolation_level}" (a tenant has a schema of its own exactly at the database and schema levels)`,
    });
  }
  // Every bouncer the plan allows must be schedulable inside the namespace's pod quota.
  const bouncerPods = plan.limits.max_bouncers * plan.kubernetes.pods_per_bouncer;
  if (bouncerPods > plan.kubernetes.max_pods) {
    ctx.addIssue({
      code: "custom",
      path: ["kubernetes", "max_pods"],
      input: plan.kubernetes.max_pods,
      message: `got ${plan.kubernetes.max_pods}; expected at least the bouncer pods the plan allows, limits.max_bouncers (${plan.limits.max_bouncers}) × kubernetes.pods_per_bouncer (${plan.kubernetes.pods_per_bouncer}) = ${bouncerPods}: raise max_pods or lower one of them`,
    });
  }
  if (plan.rate_limiting.burst_limit < plan.rate_limiting.requests_per_minute) {
    ctx.addIssue({
      code: "custom",
      path: ["rate_limiting", "burst_limit"],
      input: plan.rate_limiting.burst_limit,
      message: `burst_limit must be at least requests_per_minute (${plan.rate_limiting.requests_per_minute})`,
    });
  }
}).describe("A Control Core tenant isolation plan.");

export type Plan = z.infer<typeof PlanSchema>;
export type PlanLimits = Plan["limits"];

/** The data limits enforced inside the database, with the table each one bounds. */
export const DATA_LIMITS = {
  max_policies: "policies",
  max_resources: "resources",
  max_bouncers: "bouncers",
  max_users: "users",
} as const satisfies Partial<Record<keyof PlanLimits, string>>;
export type DataLimit = keyof typeof DATA_LIMITS;
