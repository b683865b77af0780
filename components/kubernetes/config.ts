/**
 * Configuration of a tenant's Kubernetes namespace: the platform section (which cluster, where
 * the ingress controller and DNS run, which CIDRs the data stores answer on) and the plan
 * fragment (how much CPU, memory, storage and how many pods a tenant may use).
 *
 * Both are zod schemas so that the plan and the stack config are validated with errors that
 * name the key, the value and what was expected.
 */
import { z } from "zod";
import { cidrProblem, cidrsOverlap, parseCidr } from "./cidr";

// ---------------------------------------------------------------------------------------------
// AWS APIs tenant pods call
// ---------------------------------------------------------------------------------------------

/** The AWS APIs a tenant's pods may call, each through its VPC interface endpoint. */
export const AWS_APIS = ["s3", "kms", "secretsManager", "sts"] as const;
export type AwsApi = (typeof AWS_APIS)[number];

/** Each API's display name and interface endpoint service name. */
export const AWS_API_SERVICES: Record<AwsApi, { readonly title: string; readonly endpoint: string }> = {
  s3: { title: "S3", endpoint: "com.amazonaws.<region>.s3" },
  kms: { title: "KMS", endpoint: "com.amazonaws.<region>.kms" },
  secretsManager: { title: "Secrets Manager", endpoint: "com.amazonaws.<region>.secretsmanager" },
  sts: { title: "STS", endpoint: "com.amazonaws.<region>.sts" },
};

// ---------------------------------------------------------------------------------------------
// Shared value schemas
// ---------------------------------------------------------------------------------------------

/** A DNS-1123 label: what Kubernetes accepts as a namespace or PriorityClass name. */
export const k8sNameSchema = z
  .string()
  .max(63, "at most 63 characters (a DNS-1123 label)")
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit");

/** A label key as Kubernetes accepts it: optional DNS prefix, `/`, a name of at most 63. */
const labelKeySchema = z
  .string()
  .regex(
    /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
    "a Kubernetes label key ([prefix/]name, name at most 63 characters)",
  );
const labelValueSchema = z
  .string()
  .regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, "a Kubernetes label value (at most 63 characters of letters, digits, '-', '_', '.')");
const labelMapSchema = z.record(labelKeySchema, labelValueSchema);

const portSchema = z.number().int().min(1).max(65535);

/** The narrowest prefix length accepted for a data store or endpoint block. */
export const MIN_DATA_STORE_PREFIX = 16;

/**
 * Link-local addresses: the EC2 instance metadata service (169.254.169.254), the EKS Pod
 * Identity agent (169.254.170.23) and NodeLocal DNSCache live here. A data store block that
 * overlaps it would open the metadata service to tenant pods.
 */
export const LINK_LOCAL_CIDR = "169.254.0.0/16";

const cidrSchema = z.string().superRefine((value, ctx) => {
  const problem = cidrProblem(value);
  if (problem !== undefined) {
    ctx.addIssue({ code: "custom", input: value, message: `${JSON.stringify(value)} is not an IPv4 CIDR block: ${problem}` });
    return;
  }
  const cidr = parseCidr(value);
  if (cidr.prefix < MIN_DATA_STORE_PREFIX) {
    ctx.addIssue({
      code: "custom",
      input: value,
      message: `${value} is too broad for an egress allowance (/${cidr.prefix}); expected /${MIN_DATA_STORE_PREFIX} or narrower, covering only the data store's subnets`,
    });
  }
  if (cidrsOverlap(cidr, parseCidr(LINK_LOCAL_CIDR))) {
    ctx.addIssue({
      code: "custom",
      input: value,
      message: `${value} overlaps the link-local range ${LINK_LOCAL_CIDR} (instance metadata service, Pod Identity agent); expected a block of the data store's subnets`,
    });
  }
});

const endpointSchema = (defaultPort: number, what: string) =>
  z.strictObject({
    cidrs: z
      .array(cidrSchema)
      .min(1, `at least one CIDR block of ${what}`)
      .describe(`CIDR blocks ${what} answers on (NetworkPolicy ipBlock works on CIDRs, not host names).`),
    port: portSchema.default(defaultPort).describe(`TCP port of ${what}.`),
  });

/** Where a data store answers: CIDR blocks and one TCP port. */
export type DataStoreEndpoint = z.infer<ReturnType<typeof endpointSchema>>;

// ---------------------------------------------------------------------------------------------
// Platform section
// ---------------------------------------------------------------------------------------------

/** The platform's Kubernetes cluster, as every tenant namespace sees it. */
export const KubernetesPlatformSchema = z
  .strictObject({
    context: z
      .string()
      .min(1)
      .optional()
      .describe(
        "kubeconfig context of the existing cluster. Without a kubeconfig secret the provider reads the ambient kubeconfig (KUBECONFIG) and selects this context; with one, it selects this context inside the secret.",
      ),
    clusterIdentifier: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Stable identity of the cluster. When set, only a change of it replaces the Kubernetes provider (and so every tenant object); rotating the kubeconfig credentials is then an update, not a replacement.",
      ),
    ingressNamespace: k8sNameSchema
      .default("ingress-nginx")
      .describe("Namespace of the platform's ingress controller: the only namespace allowed to open connections to tenant pods."),
    ingressPodLabels: labelMapSchema
      .optional()
      .describe("Labels of the ingress controller pods; when set, only those pods of ingressNamespace may connect (not every pod there)."),
    appPort: portSchema.default(8080).describe("TCP port tenant pods serve on; the ingress may connect to this port only."),
    dnsNamespace: k8sNameSchema.default("kube-system").describe("Namespace of the cluster DNS pods."),
    dnsPodLabels: labelMapSchema
      .default({ "k8s-app": "kube-dns" })
      .describe("Labels of the cluster DNS pods (CoreDNS on EKS keeps the k8s-app=kube-dns label)."),
    dataStoreCidrs: z
      .strictObject({
        postgres: endpointSchema(5432, "the PostgreSQL server").describe("The platform's PostgreSQL server (or its subnets)."),
        redis: endpointSchema(6379, "the Redis")
          .extend({
            readerPort: portSchema
              .default(6380)
              .describe(
                "Port of the reader (read-from-replica) endpoint of dedicated serverless caches, on the same address as the primary `port`; allowed for tenants with a dedicated cache only.",
              ),
          })
          .optional()
          .describe("Redis blocks of dedicated caches (their data subnets), and of pooled cells without an entry in redisCells."),
        redisCells: z
          .record(z.string().regex(/^[a-z0-9-]{1,40}$/, "a cell name of lowercase letters, digits and '-'"), endpointSchema(6379, "the Redis cell"))
          .default({})
          .describe("Per-cell Redis endpoints; a tenant placed on a cell may reach that cell only."),
      })
      .describe("CIDR blocks and ports of the data stores tenant pods may reach. A shared store's address is shared by all tenants: there, isolation rests on the tenant's credentials."),
    awsApiEndpoints: z
      .strictObject(
        Object.fromEntries(
          AWS_APIS.map((api) => [
            api,
            endpointSchema(443, `the ${AWS_API_SERVICES[api].title} VPC interface endpoint`)
              .optional()
              .describe(
                `Blocks of the ${AWS_API_SERVICES[api].endpoint} interface endpoint: its subnets, or /32s of its network interfaces (one per Availability Zone) to open this service alone.`,
              ),
          ]),
        ) as Record<AwsApi, z.ZodOptional<ReturnType<typeof endpointSchema>>>,
      )
      .default({})
      .describe(
        "VPC interface endpoints (PrivateLink) of the AWS APIs tenant pods call. Tenant pods reach only those their plan uses (s3_prefix: S3 and KMS; security_isolation: Secrets Manager and KMS; irsa: STS); a plan that needs one missing here is refused. Security default: none.",
      ),
    clusterCidrs: z
      .array(z.string().superRefine((v, ctx) => {
        const p = cidrProblem(v);
        if (p !== undefined) ctx.addIssue({ code: "custom", input: v, message: `${JSON.stringify(v)} is not an IPv4 CIDR block: ${p}` });
      }))
      .default([])
      .describe("Pod and Service CIDRs of the cluster. Data store blocks must not overlap them: an ipBlock over pod addresses would open other tenants' pods."),
    principalBinding: z
      .enum(["pod-identity", "irsa"])
      .default("pod-identity")
      .describe("How pods obtain the tenant's AWS principal: EKS Pod Identity (an association owned by the principal component; no annotation) or IRSA (eks.amazonaws.com/role-arn annotation)."),
    bouncerPriorityClass: k8sNameSchema
      .default("controlcore-bouncer")
      .describe("PriorityClass bouncer pods run with; a quota scoped to it caps the tenant's bouncer pods at the plan's max_bouncers."),
    intraNamespaceTraffic: z
      .boolean()
      .default(true)
      .describe("Allow tenant pods to reach each other inside the tenant namespace (never across namespaces)."),
  })
  .superRefine((k, ctx) => {
    const cluster = k.clusterCidrs.filter((c) => cidrProblem(c) === undefined).map(parseCidr);
    const stores: Array<[Array<string | number>, DataStoreEndpoint | undefined]> = [
      [["dataStoreCidrs", "postgres"], k.dataStoreCidrs.postgres],
      [["dataStoreCidrs", "redis"], k.dataStoreCidrs.redis],
      ...Object.entries(k.dataStoreCidrs.redisCells).map(
        ([cell, e]): [Array<string | number>, DataStoreEndpoint] => [["dataStoreCidrs", "redisCells", cell], e],
      ),
      ...AWS_APIS.map((api): [Array<string | number>, DataStoreEndpoint | undefined] => [["awsApiEndpoints", api], k.awsApiEndpoints[api]]),
    ];
    for (const [path, endpoint] of stores) {
      endpoint?.cidrs.forEach((text, i) => {
        if (cidrProblem(text) !== undefined) return;
        const hit = cluster.find((c) => cidrsOverlap(c, parseCidr(text)));
        if (hit) {
          ctx.addIssue({
            code: "custom",
            path: [...path, "cidrs", i],
            input: text,
            message: `${text} overlaps the cluster block ${hit.text}; an egress allowance over pod or Service addresses would reach other tenants' pods`,
          });
        }
      });
    }
  })
  .describe("The platform's Kubernetes cluster: provider, ingress, DNS and data store addresses.");

export type KubernetesPlatform = z.infer<typeof KubernetesPlatformSchema>;

// ---------------------------------------------------------------------------------------------
// Plan fragment
// ---------------------------------------------------------------------------------------------

const cores = z
  .number()
  .positive()
  .refine((v) => Math.abs(v * 1000 - Math.round(v * 1000)) < 1e-9, "a multiple of 0.001 cores (1 millicore)");
const gib = z
  .number()
  .positive()
  .refine((v) => Math.abs(v * 1024 - Math.round(v * 1024)) < 1e-9, "a multiple of 1/1024 GiB (1 MiB)");
const count = z.number().int().min(0);
const positiveInt = z.number().int().positive();

/** Defaults and ceilings of one container, applied by the LimitRange. */
export const ContainerSettingsSchema = z
  .strictObject({
    default_cpu_request_millicores: positiveInt.describe("CPU request given to a container that states none, in millicores."),
    default_cpu_limit_millicores: positiveInt.describe("CPU limit given to a container that states none, in millicores."),
    default_memory_request_mib: positiveInt.describe("Memory request given to a container that states none, in MiB."),
    default_memory_limit_mib: positiveInt.describe("Memory limit given to a container that states none, in MiB."),
    max_cpu_millicores: positiveInt.describe("Largest CPU limit one container may have, in millicores."),
    max_memory_mib: positiveInt.describe("Largest memory limit one container may have, in MiB."),
  })
  .describe("Per-container defaults and ceilings (LimitRange).");

/** The plan's Kubernetes settings (the `kubernetes:` key of a plan). */
export const KubernetesSettingsSchema = z
  .strictObject({
    cpu_request_cores: cores.describe("Sum of CPU requests of the tenant's pods, in cores (ResourceQuota requests.cpu)."),
    cpu_limit_cores: cores.describe("Sum of CPU limits of the tenant's pods, in cores (ResourceQuota limits.cpu)."),
    memory_request_gib: gib.describe("Sum of memory requests, in GiB (ResourceQuota requests.memory)."),
    memory_limit_gib: gib.describe("Sum of memory limits, in GiB (ResourceQuota limits.memory)."),
    max_pods: positiveInt.describe("Most pods in the tenant namespace, bouncers included."),
    storage_gib: count.describe("Sum of persistent volume claim sizes, in GiB (requests.storage)."),
    max_pvcs: count.describe("Most persistent volume claims."),
    max_services: count.describe("Most Services (LoadBalancer and NodePort Services are always 0: traffic enters through the platform ingress)."),
    max_service_deployments: count.describe("Deployments allowed besides the bouncers (count/deployments.apps = max_bouncers + this)."),
    pods_per_bouncer: positiveInt.describe("Replicas of one bouncer; the bouncer quota allows limits.max_bouncers × this pods."),
    container: ContainerSettingsSchema,
  })
  .superRefine((s, ctx) => {
    const issue = (path: string[], input: unknown, message: string) => ctx.addIssue({ code: "custom", path, input, message });
    if (s.cpu_request_cores > s.cpu_limit_cores) {
      issue(["cpu_request_cores"], s.cpu_request_cores, `must be at most cpu_limit_cores (${s.cpu_limit_cores})`);
    }
    if (s.memory_request_gib > s.memory_limit_gib) {
      issue(["memory_request_gib"], s.memory_request_gib, `must be at most memory_limit_gib (${s.memory_limit_gib})`);
    }
    const c = s.container;
    if (c.default_cpu_request_millicores > c.default_cpu_limit_millicores) {
      issue(["container", "default_cpu_request_millicores"], c.default_cpu_request_millicores, `must be at most default_cpu_limit_millicores (${c.default_cpu_limit_millicores})`);
    }
    if (c.default_memory_request_mib > c.default_memory_limit_mib) {
      issue(["container", "default_memory_request_mib"], c.default_memory_request_mib, `must be at most default_memory_limit_mib (${c.default_memory_limit_mib})`);
    }
    if (c.default_cpu_limit_millicores > c.max_cpu_millicores) {
      issue(["container", "default_cpu_limit_millicores"], c.default_cpu_limit_millicores, `must be at most max_cpu_millicores (${c.max_cpu_millicores})`);
    }
    if (c.default_memory_limit_mib > c.max_memory_mib) {
      issue(["container", "default_memory_limit_mib"], c.default_memory_limit_mib, `must be at most max_memory_mib (${c.max_memory_mib})`);
    }
    if (c.max_cpu_millicores > Math.round(s.cpu_limit_cores * 1000)) {
      issue(["container", "max_cpu_millicores"], c.max_cpu_millicores, `must be at most cpu_limit_cores × 1000 (${Math.round(s.cpu_limit_cores * 1000)}): one container cannot exceed the namespace`);
    }
    if (c.max_memory_mib > Math.round(s.memory_limit_gib * 1024)) {
      issue(["container", "max_memory_mib"], c.max_memory_mib, `must be at most memory_limit_gib × 1024 (${Math.round(s.memory_limit_gib * 1024)}): one container cannot exceed the namespace`);
    }
  })
  .describe("Compute, storage and object-count quotas of the tenant's Kubernetes namespace.");

export type KubernetesSettings = z.infer<typeof KubernetesSettingsSchema>;
