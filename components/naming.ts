/**
 * Tenant identity and physical naming: the one place that decides what a tenant ID may be and
 * which physical names (PostgreSQL roles and schemas, DNS labels, S3 prefixes, Kubernetes
 * namespaces, ElastiCache user IDs, IAM names, Redis key prefixes) are derived from it.
 *
 * Every component takes its physical names from {@link tenantNames}; none builds its own.
 * Logical (Pulumi) names are separate: they are derived from the component name.
 */

import { type Problem, throwIfProblems } from "./errors";

/** Shortest tenant ID accepted. */
export const TENANT_ID_MIN_LENGTH = 3;
/**
 * Longest tenant ID accepted. 32 keeps every derived name inside its target's limit:
 * ElastiCache user IDs (40, `tenant-` + 32 = 39), PostgreSQL identifiers (63 bytes, the longest
 * derived table name `tenant_` + 32 + `_audit_log` + `_pkey` = 54), DNS labels (63),
 * Kubernetes namespaces (63), IAM role names (64).
 */
export const TENANT_ID_MAX_LENGTH = 32;

/** Why a name is reserved, shown in the refusal. */
const RESERVED_EXACT: Record<string, string> = {
  admin: "it is the platform's administration subdomain and role name",
  api: "it is the platform's API subdomain",
  www: "it is the platform's web subdomain",
  app: "it is the platform's application subdomain",
  mail: "it is a mail subdomain",
  status: "it is the platform's status subdomain",
  default: "it is a Kubernetes namespace that every cluster has",
  public: "it is PostgreSQL's default schema and its PUBLIC pseudo-role",
  postgres: "it is PostgreSQL's bootstrap superuser and maintenance database",
  template0: "it is a PostgreSQL template database",
  template1: "it is a PostgreSQL template database",
  root: "it is a privileged account name",
  platform: "it names the platform's own resources (platform stack, shared schemas)",
  shared: "it names the platform's shared resources",
  system: "it names system resources",
  localhost: "it is a loopback host name",
  tenant: "it is the prefix of every tenant's physical names",
  tenants: "it is the root of the S3 tenant prefixes",
};

/** Reserved prefixes: each stands for a family of system names. */
const RESERVED_PREFIXES: Array<[string, string]> = [
  ["kube-", "Kubernetes reserves namespaces starting with kube- for the system"],
  ["pg-", "PostgreSQL reserves names starting with pg_ for system objects"],
  ["aws", "AWS reserves names starting with aws for its own resources"],
  ["amazon", "AWS reserves names starting with amazon for its own resources"],
  ["xn--", "DNS labels starting with xn-- are punycode (internationalized) names"],
  ["sthree-", "S3 reserves bucket names starting with sthree-"],
];

/**
 * The problem of a tenant ID as the project's one {@link Problem} shape, at `path` (the key or
 * argument the ID came from: `tenantId`, `argument <tenant>`), or `undefined` when it is valid.
 */
export function tenantIdProblems(id: unknown, path = "tenantId"): Problem[] {
  const reason = tenantIdProblem(id);
  return reason === undefined ? [] : [{ path, message: `got ${JSON.stringify(id) ?? String(id)}; ${reason}` }];
}

/**
 * Returns why `id` is not a valid tenant ID, or `undefined` when it is valid.
 *
 * A valid ID is 3–32 characters of lowercase ASCII letters, digits and single hyphens, starts
 * with a letter and ends with a letter or digit. That is the intersection of what DNS labels,
 * Kubernetes namespace names, S3 keys, IAM names, ElastiCache user IDs and Redis key prefixes
 * accept; PostgreSQL names replace the hyphen with an underscore, which is why underscores
 * themselves are refused (`a-b` and `a_b` would otherwise collide).
 */
export function tenantIdProblem(id: unknown): string | undefined {
  if (typeof id !== "string") return `expected a string, got ${id === null ? "null" : typeof id}`;
  if (id.length === 0) return "it is empty; expected 3 to 32 characters";
  if (id.length < TENANT_ID_MIN_LENGTH || id.length > TENANT_ID_MAX_LENGTH) {
    return `it is ${id.length} characters long; expected ${TENANT_ID_MIN_LENGTH} to ${TENANT_ID_MAX_LENGTH}`;
  }
  const bad = [...id].find((c) => !/[a-z0-9-]/.test(c));
  if (bad !== undefined) {
    const why = /[A-Z]/.test(bad)
      ? "uppercase letters are not allowed (DNS and Kubernetes names are lowercase)"
      : bad === "_"
        ? "underscores are not allowed (DNS labels refuse them, and PostgreSQL names map '-' to '_')"
        : "only lowercase letters, digits and hyphens are allowed";
    return `it contains ${JSON.stringify(bad)}: ${why}`;
  }
  if (!/^[a-z]/.test(id)) return "it must start with a lowercase letter";
  if (id.endsWith("-")) return "it must end with a letter or digit";
  if (id.includes("--")) return "it contains two hyphens in a row";
  const exact = RESERVED_EXACT[id];
  if (exact) return `it is reserved: ${exact}`;
  for (const [prefix, why] of RESERVED_PREFIXES) {
    if (id.startsWith(prefix)) return `it is reserved: ${why}`;
  }
  return undefined;
}

/** Throws an {@link InputError} (source `tenant ID`) unless `id` is a valid tenant ID; returns it typed. */
export function validateTenantId(id: unknown, path = "tenantId"): string {
  throwIfProblems("tenant ID", tenantIdProblems(id, path));
  return id as string;
}

/** The physical names of one tenant, derived once from a validated ID. */
export interface TenantNames {
  /** The tenant ID as given. */
  readonly id: string;
  /** The ID as a PostgreSQL identifier fragment (`-` → `_`). */
  readonly sqlId: string;
  /** PostgreSQL login role of the tenant (`tenant_<id>`). */
  readonly pgRole: string;
  /** PostgreSQL schema (schema and database levels) and database (database level). */
  readonly pgSchema: string;
  readonly pgDatabase: string;
  /** Prefix of the tenant's tables at the table level (`tenant_<id>_`). */
  readonly pgTablePrefix: string;
  /** Redis key and channel namespace (`tenant:{<id>}:`: a hash tag keeps a tenant's keys in one cluster slot). */
  readonly redisPrefix: string;
  /** ElastiCache RBAC user ID and user name. */
  readonly elasticacheUserId: string;
  /** S3 key prefix in the shared bucket (`tenants/<id>/`). */
  readonly s3Prefix: string;
  /** Kubernetes namespace. */
  readonly k8sNamespace: string;
  /** DNS label of the tenant's subdomain. */
  readonly dnsLabel: string;
  /** IAM role name of the tenant's workload principal. */
  readonly iamRoleName: string;
  /** KMS alias of the tenant key. */
  readonly kmsAlias: string;
  /**
   * Kubernetes ServiceAccount of the tenant's workloads in {@link k8sNamespace}
   * (`tenant-<id>`); the EKS Pod Identity association (or IRSA trust policy) names it.
   */
  readonly k8sServiceAccount: string;
  /**
   * Prefix of the tenant's Secrets Manager secret names (`controlcore/tenants/<id>/`). The trailing
   * slash keeps `acme`'s prefix from matching `acme-corp`'s secrets in IAM resource patterns.
   */
  readonly secretsPrefix: string;
  /**
   * Prefix of the tenant's CloudWatch log group names (`/controlcore/tenants/<id>/`). The trailing
   * slash keeps `acme`'s prefix from matching `acme-corp`'s groups in IAM and KMS conditions.
   */
  readonly logGroupPrefix: string;
  /**
   * Prefix of the tenant's CloudWatch dashboard, alarm, metric filter and SNS topic names
   * (`cc-tenant-<id>--`). It ends with `--`, which no tenant ID contains, so one tenant's names
   * can never equal or pattern-match another's (`acme`'s `storage-critical` alarm would otherwise
   * be tenant `acme-storage`'s `critical` alarm).
   */
  readonly monitoringPrefix: string;
  /**
   * Name of the tenant's edge resources (`cc-tenant-<id>`): its API Gateway API key and its
   * CloudFront distribution tenant (or distribution comment). Valid in both names.
   */
  readonly edgeName: string;
  /**
   * ID of the tenant's dedicated ElastiCache resources (`cc-<id>`, at most 35 characters; the
   * limit is 40): the serverless cache name, its user group ID and that group's disabled
   * `default` user ID. Those are three separate ElastiCache namespaces, so one ID serves all.
   */
  readonly elasticacheDedicatedId: string;
  /**
   * Prefix of the tenant's dedicated S3 bucket name (`cc-tenant-<id>-`); the S3 component appends
   * the 12-digit account ID for global uniqueness (at most 10 + 32 + 1 + 12 = 55 of 63 characters).
   */
  readonly s3DedicatedBucketPrefix: string;
}

/** Derives every physical name of a tenant; throws an {@link InputError} on a bad ID. */
export function tenantNames(id: string): TenantNames {
  validateTenantId(id);
  const sqlId = id.replace(/-/g, "_");
  return {
    id,
    sqlId,
    pgRole: `tenant_${sqlId}`,
    pgSchema: `tenant_${sqlId}`,
    pgDatabase: `tenant_${sqlId}`,
    pgTablePrefix: `tenant_${sqlId}_`,
    redisPrefix: `tenant:{${id}}:`,
    elasticacheUserId: `tenant-${id}`,
    s3Prefix: `tenants/${id}/`,
    k8sNamespace: `tenant-${id}`,
    dnsLabel: id,
    iamRoleName: `cc-tenant-${id}`,
    kmsAlias: `alias/controlcore/tenant/${id}`,
    k8sServiceAccount: `tenant-${id}`,
    secretsPrefix: `controlcore/tenants/${id}/`,
    logGroupPrefix: `/controlcore/tenants/${id}/`,
    monitoringPrefix: `cc-tenant-${id}--`,
    edgeName: `cc-tenant-${id}`,
    elasticacheDedicatedId: `cc-${id}`,
    s3DedicatedBucketPrefix: `cc-tenant-${id}-`,
  };
}

/**
 * The tags every taggable resource of a tenant carries: the tenant, its plan and the tool that
 * manages it. Cost allocation, ABAC conditions and the offboarding inventory key on them.
 */
export function tenantTags(names: Pick<TenantNames, "id">, planName: string): Record<string, string> {
  return { "controlcore:tenant": names.id, "controlcore:plan": planName, "controlcore:managed-by": "pulumi" };
}
