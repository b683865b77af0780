/**
 * Pure builders of a tenant namespace's objects (other than NetworkPolicies, see
 * `network-policies.ts`): the Namespace, its quotas and limit ranges, the tenant's
 * ServiceAccount and its namespaced RBAC. Every builder returns plain data; the
 * `TenantNamespace` component only hands it to @pulumi/kubernetes.
 */
import type { TenantNames } from "../naming";
import type { KubernetesSettings } from "./config";
import type {
  LimitRangeManifest,
  NamespaceManifest,
  ObjectMeta,
  PolicyRule,
  RbacSubject,
  ResourceQuotaManifest,
  RoleBindingManifest,
  RoleManifest,
  ServiceAccountManifest,
  StringMap,
} from "./manifest-types";

/** Label keys every object of a tenant carries. */
export const TENANT_LABEL = "controlcore.io/tenant";
export const PLAN_LABEL = "controlcore.io/plan";

/**
 * Names of the objects inside the tenant namespace. They do not depend on the tenant: the
 * namespace already scopes them, and identical names make every namespace easy to audit.
 */
export const OBJECT_NAMES = {
  computeQuota: "tenant-compute",
  bouncerQuota: "tenant-bouncers",
  affinityQuota: "tenant-no-cross-namespace-affinity",
  limitRange: "tenant-container-defaults",
  role: "tenant-workload-reader",
  roleBinding: "tenant-workload-reader",
} as const;

/**
 * Pod Security Admission labels: the `restricted` profile is enforced (pods that could escape
 * to the node are refused), audited and warned about, at the cluster's current version.
 * https://kubernetes.io/docs/concepts/security/pod-security-admission/
 */
export const POD_SECURITY_LABELS: StringMap = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/enforce-version": "latest",
  "pod-security.kubernetes.io/audit": "restricted",
  "pod-security.kubernetes.io/warn": "restricted",
};

/** How tenant pods obtain the tenant's AWS principal. */
export type PrincipalBinding = "pod-identity" | "irsa";

/** The IRSA annotation: the pod identity webhook turns it into AWS_ROLE_ARN and a projected token. */
export const IRSA_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn";

/** The labels every object of the tenant carries. */
export function tenantLabels(names: TenantNames, planName: string): StringMap {
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(planName)) {
    throw new Error(`invalid plan name ${JSON.stringify(planName)} for the ${PLAN_LABEL} label: expected a lowercase plan name such as "pro"`);
  }
  return {
    [TENANT_LABEL]: names.id,
    [PLAN_LABEL]: planName,
    "app.kubernetes.io/managed-by": "pulumi",
    "app.kubernetes.io/part-of": "controlcore",
  };
}

/** Metadata of an object inside the tenant namespace. */
export function namespacedMeta(names: TenantNames, planName: string, name: string): ObjectMeta & { namespace: string } {
  return { name, namespace: names.k8sNamespace, labels: tenantLabels(names, planName) };
}

/** The tenant's Namespace with tenant and Pod Security Admission labels. */
export function namespaceManifest(names: TenantNames, planName: string): NamespaceManifest {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: names.k8sNamespace, labels: { ...tenantLabels(names, planName), ...POD_SECURITY_LABELS } },
  };
}

/** CPU in cores as a Kubernetes quantity: whole cores as `2`, anything else in millicores. */
export function cpuQuantity(cores: number): string {
  const milli = Math.round(cores * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Memory in MiB as a Kubernetes quantity: whole GiB as `4Gi`, anything else as `512Mi`. */
export function mibQuantity(mib: number): string {
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

/** Bouncer inputs of the quotas: the plan's `limits.max_bouncers` and the bouncers' PriorityClass. */
export interface BouncerQuotaInput {
  readonly maxBouncers: number;
  readonly priorityClass: string;
}

/** Every ResourceQuota of the tenant, keyed by a stable suffix. */
export interface TenantQuotas {
  readonly compute: ResourceQuotaManifest;
  readonly bouncers: ResourceQuotaManifest;
  readonly affinity: ResourceQuotaManifest;
}

/**
 * The tenant's ResourceQuotas:
 * - `compute`: CPU, memory, pods, storage, PVCs, Services (LoadBalancer and NodePort Services
 *   are 0: traffic enters only through the platform ingress) and Deployments
 *   (`max_bouncers + max_service_deployments`);
 * - `bouncers`: pods of the bouncer PriorityClass, at most `max_bouncers × pods_per_bouncer`;
 * - `affinity`: no pod with cross-namespace (anti-)affinity, which would let a tenant's
 *   scheduling depend on, and probe for, other tenants' pods.
 *
 * Throws when the plan's numbers contradict each other (bouncer pods above max_pods).
 * https://kubernetes.io/docs/concepts/policy/resource-quotas/
 */
export function resourceQuotaManifests(
  names: TenantNames,
  planName: string,
  settings: KubernetesSettings,
  bouncers: BouncerQuotaInput,
): TenantQuotas {
  if (!Number.isInteger(bouncers.maxBouncers) || bouncers.maxBouncers < 1) {
    throw new Error(`invalid limits.max_bouncers ${bouncers.maxBouncers}: expected a positive integer`);
  }
  const bouncerPods = bouncers.maxBouncers * settings.pods_per_bouncer;
  if (bouncerPods > settings.max_pods) {
    throw new Error(
      `kubernetes.max_pods (${settings.max_pods}) is below the bouncer pods the plan allows: limits.max_bouncers (${bouncers.maxBouncers}) × kubernetes.pods_per_bouncer (${settings.pods_per_bouncer}) = ${bouncerPods}; raise max_pods or lower one of them`,
    );
  }
  const compute: ResourceQuotaManifest = {
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: namespacedMeta(names, planName, OBJECT_NAMES.computeQuota),
    spec: {
      hard: {
        "requests.cpu": cpuQuantity(settings.cpu_request_cores),
        "limits.cpu": cpuQuantity(settings.cpu_limit_cores),
        "requests.memory": mibQuantity(Math.round(settings.memory_request_gib * 1024)),
        "limits.memory": mibQuantity(Math.round(settings.memory_limit_gib * 1024)),
        pods: String(settings.max_pods),
        "requests.storage": `${settings.storage_gib}Gi`,
        persistentvolumeclaims: String(settings.max_pvcs),
        services: String(settings.max_services),
        "services.loadbalancers": "0",
        "services.nodeports": "0",
        "count/deployments.apps": String(bouncers.maxBouncers + settings.max_service_deployments),
      },
    },
  };
  const bouncerQuota: ResourceQuotaManifest = {
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: namespacedMeta(names, planName, OBJECT_NAMES.bouncerQuota),
    spec: {
      hard: { pods: String(bouncerPods) },
      scopeSelector: { matchExpressions: [{ scopeName: "PriorityClass", operator: "In", values: [bouncers.priorityClass] }] },
    },
  };
  const affinity: ResourceQuotaManifest = {
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: namespacedMeta(names, planName, OBJECT_NAMES.affinityQuota),
    spec: {
      hard: { pods: "0" },
      scopeSelector: { matchExpressions: [{ scopeName: "CrossNamespacePodAffinity", operator: "Exists" }] },
    },
  };
  return { compute, bouncers: bouncerQuota, affinity };
}

/**
 * The LimitRange: defaults for containers that state no requests or limits (the compute quota
 * refuses such pods otherwise), a per-container ceiling, and a per-claim storage ceiling.
 */
export function limitRangeManifest(names: TenantNames, planName: string, settings: KubernetesSettings): LimitRangeManifest {
  const c = settings.container;
  const milli = (m: number) => cpuQuantity(m / 1000);
  return {
    apiVersion: "v1",
    kind: "LimitRange",
    metadata: namespacedMeta(names, planName, OBJECT_NAMES.limitRange),
    spec: {
      limits: [
        {
          type: "Container",
          default: { cpu: milli(c.default_cpu_limit_millicores), memory: mibQuantity(c.default_memory_limit_mib) },
          defaultRequest: { cpu: milli(c.default_cpu_request_millicores), memory: mibQuantity(c.default_memory_request_mib) },
          max: { cpu: milli(c.max_cpu_millicores), memory: mibQuantity(c.max_memory_mib) },
        },
        // A claim of 0 GiB cannot exist; with no storage allowance the quota alone refuses PVCs.
        ...(settings.storage_gib > 0
          ? [{ type: "PersistentVolumeClaim" as const, max: { storage: `${settings.storage_gib}Gi` } }]
          : []),
      ],
    },
  };
}

/**
 * The tenant's ServiceAccount. The API token is not mounted (`automountServiceAccountToken:
 * false`): tenant workloads do not need the Kubernetes API. Both AWS bindings use their own
 * projected token (audience `sts.amazonaws.com` for IRSA, `pods.eks.amazonaws.com` for Pod
 * Identity), which the EKS webhook injects regardless of this setting.
 *
 * - `pod-identity`: no annotation; the binding is an `aws.eks.PodIdentityAssociation` naming
 *   this namespace and ServiceAccount, owned by the principal component.
 * - `irsa`: the `eks.amazonaws.com/role-arn` annotation with the tenant role's ARN.
 */
export function serviceAccountManifest<A = string>(
  names: TenantNames,
  planName: string,
  binding: PrincipalBinding,
  roleArn?: A,
): ServiceAccountManifest<A> {
  const metadata = namespacedMeta(names, planName, names.k8sServiceAccount);
  if (binding === "irsa") {
    if (roleArn === undefined) {
      throw new Error(`principalBinding "irsa" needs principalRoleArn (the tenant role's ARN for the ${IRSA_ROLE_ANNOTATION} annotation)`);
    }
    return {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { ...metadata, annotations: { [IRSA_ROLE_ANNOTATION]: roleArn } },
      automountServiceAccountToken: false,
    };
  }
  if (binding !== "pod-identity") {
    throw new Error(`invalid principalBinding ${JSON.stringify(binding)}: expected "pod-identity" or "irsa"`);
  }
  return { apiVersion: "v1", kind: "ServiceAccount", metadata, automountServiceAccountToken: false };
}

/**
 * What the tenant's workloads and operators may do through the Kubernetes API: read the
 * ordinary objects of their own namespace. Never Secrets (so no credential is readable even in
 * the tenant's own namespace), never `pods/exec`, `pods/attach` or `pods/portforward`, never RBAC,
 * NetworkPolicy, quota or namespace objects, never a write, never a wildcard.
 */
export const WORKLOAD_READER_RULES: PolicyRule[] = [
  {
    apiGroups: [""],
    resources: ["pods", "pods/log", "services", "endpoints", "configmaps", "events", "persistentvolumeclaims"],
    verbs: ["get", "list", "watch"],
  },
  { apiGroups: ["apps"], resources: ["deployments", "replicasets", "statefulsets"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
];

/** The namespaced Role (never a ClusterRole) with {@link WORKLOAD_READER_RULES}. */
export function roleManifest(names: TenantNames, planName: string): RoleManifest {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: namespacedMeta(names, planName, OBJECT_NAMES.role),
    // A copy: callers may not alter the shared constant through a manifest.
    rules: structuredClone(WORKLOAD_READER_RULES),
  };
}

/** Group names bound to the tenant's Role: no wildcard, no system group, no other tenant. */
export function operatorGroupProblem(names: TenantNames, group: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9:._@/-]{0,254}$/.test(group)) {
    return "expected a group name of letters, digits and ':._@/-' (no wildcards or spaces)";
  }
  if (group.startsWith("system:")) return "system: groups are Kubernetes' own and span every namespace";
  // Segments split on separators tenant IDs cannot contain, so `acme` never matches `acme-corp`.
  const segments = group.split(/[:./@]/);
  const foreign = segments.find((s) => s.startsWith("tenant-") && s !== names.k8sNamespace);
  if (foreign !== undefined) return `it names ${foreign}, which is not tenant ${names.id}'s namespace`;
  if (!segments.includes(names.id) && !segments.includes(names.k8sNamespace)) {
    return `it does not name tenant ${names.id} as a segment: a tenant's operators group must be the tenant's own (e.g. controlcore:${names.k8sNamespace}:operators)`;
  }
  return undefined;
}

/**
 * The RoleBinding of the tenant's Role to the tenant's ServiceAccount and, optionally, the
 * tenant's operator groups (mapped from IAM by EKS access entries). Subjects outside the
 * tenant are refused.
 */
export function roleBindingManifest(
  names: TenantNames,
  planName: string,
  operatorGroups: readonly string[] = [],
): RoleBindingManifest {
  const problems = operatorGroups
    .map((g) => [g, operatorGroupProblem(names, g)] as const)
    .filter(([, p]) => p !== undefined)
    .map(([g, p]) => `${JSON.stringify(g)}: ${p}`);
  if (problems.length > 0) throw new Error(`invalid operatorGroups for tenant ${names.id}:\n  - ${problems.join("\n  - ")}`);
  const subjects: RbacSubject[] = [
    { kind: "ServiceAccount", name: names.k8sServiceAccount, namespace: names.k8sNamespace },
    ...[...new Set(operatorGroups)].map((name) => ({ kind: "Group" as const, name, apiGroup: "rbac.authorization.k8s.io" as const })),
  ];
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: namespacedMeta(names, planName, OBJECT_NAMES.roleBinding),
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: OBJECT_NAMES.role },
    subjects,
  };
}
