import { describe, expect, it } from "vitest";
import {
  cpuQuantity,
  limitRangeManifest,
  mibQuantity,
  namespaceManifest,
  resourceQuotaManifests,
  roleBindingManifest,
  roleManifest,
  serviceAccountManifest,
  WORKLOAD_READER_RULES,
} from "../../components/kubernetes/manifests";
import { ACME, CUSTOM_KUBERNETES, CUSTOM_PLAN, PRO_KUBERNETES, PRO_PLAN } from "./fixtures";

const LABELS = (plan: string) => ({
  "controlcore.io/tenant": "acme",
  "controlcore.io/plan": plan,
  "app.kubernetes.io/managed-by": "pulumi",
  "app.kubernetes.io/part-of": "controlcore",
});
const meta = (name: string, plan = "pro") => ({ name, namespace: "tenant-acme", labels: LABELS(plan) });
const BOUNCERS = (plan: typeof PRO_PLAN) => ({ maxBouncers: plan.limits.max_bouncers, priorityClass: "controlcore-bouncer" });

describe("namespaceManifest", () => {
  it("names the namespace from naming.ts and enforces the restricted Pod Security profile", () => {
    expect(namespaceManifest(ACME, "pro")).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: "tenant-acme",
        labels: {
          ...LABELS("pro"),
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/enforce-version": "latest",
          "pod-security.kubernetes.io/audit": "restricted",
          "pod-security.kubernetes.io/warn": "restricted",
        },
      },
    });
  });

  it("refuses a plan name that is not a valid label value", () => {
    expect(() => namespaceManifest(ACME, "Pro Plan")).toThrow(
      'invalid plan name "Pro Plan" for the controlcore.io/plan label: expected a lowercase plan name such as "pro"',
    );
  });
});

describe("resourceQuotaManifests", () => {
  it("pro: compute quota from the plan, 5 bouncers × 1 pod, no cross-namespace affinity", () => {
    expect(resourceQuotaManifests(ACME, "pro", PRO_KUBERNETES, BOUNCERS(PRO_PLAN))).toEqual({
      compute: {
        apiVersion: "v1",
        kind: "ResourceQuota",
        metadata: meta("tenant-compute"),
        spec: {
          hard: {
            "requests.cpu": "2",
            "limits.cpu": "4",
            "requests.memory": "4Gi",
            "limits.memory": "8Gi",
            pods: "20",
            "requests.storage": "20Gi",
            persistentvolumeclaims: "5",
            services: "10",
            "services.loadbalancers": "0",
            "services.nodeports": "0",
            "count/deployments.apps": "10",
          },
        },
      },
      bouncers: {
        apiVersion: "v1",
        kind: "ResourceQuota",
        metadata: meta("tenant-bouncers"),
        spec: {
          hard: { pods: "5" },
          scopeSelector: { matchExpressions: [{ scopeName: "PriorityClass", operator: "In", values: ["controlcore-bouncer"] }] },
        },
      },
      affinity: {
        apiVersion: "v1",
        kind: "ResourceQuota",
        metadata: meta("tenant-no-cross-namespace-affinity"),
        spec: { hard: { pods: "0" }, scopeSelector: { matchExpressions: [{ scopeName: "CrossNamespacePodAffinity", operator: "Exists" }] } },
      },
    });
  });

  it("custom: 50 bouncers × 2 pods, 70 deployments, larger compute", () => {
    const q = resourceQuotaManifests(ACME, "custom", CUSTOM_KUBERNETES, BOUNCERS(CUSTOM_PLAN));
    expect(q.compute.spec.hard).toEqual({
      "requests.cpu": "16",
      "limits.cpu": "32",
      "requests.memory": "32Gi",
      "limits.memory": "64Gi",
      pods: "200",
      "requests.storage": "200Gi",
      persistentvolumeclaims: "50",
      services: "50",
      "services.loadbalancers": "0",
      "services.nodeports": "0",
      "count/deployments.apps": "70",
    });
    expect(q.bouncers.spec).toEqual({
      hard: { pods: "100" },
      scopeSelector: { matchExpressions: [{ scopeName: "PriorityClass", operator: "In", values: ["controlcore-bouncer"] }] },
    });
    expect(q.compute.metadata.labels["controlcore.io/plan"]).toBe("custom");
  });

  it("follows the plan: changing max_bouncers changes the bouncer and deployment quotas", () => {
    const q = resourceQuotaManifests(ACME, "pro", PRO_KUBERNETES, { maxBouncers: 7, priorityClass: "pep" });
    expect(q.bouncers.spec.hard).toEqual({ pods: "7" });
    expect(q.bouncers.spec.scopeSelector?.matchExpressions[0]?.values).toEqual(["pep"]);
    expect(q.compute.spec.hard["count/deployments.apps"]).toBe("12");
  });

  it("refuses a plan whose bouncer pods exceed max_pods", () => {
    expect(() => resourceQuotaManifests(ACME, "pro", { ...PRO_KUBERNETES, max_pods: 4 }, BOUNCERS(PRO_PLAN))).toThrow(
      "kubernetes.max_pods (4) is below the bouncer pods the plan allows: limits.max_bouncers (5) × kubernetes.pods_per_bouncer (1) = 5; raise max_pods or lower one of them",
    );
    expect(() => resourceQuotaManifests(ACME, "pro", PRO_KUBERNETES, { maxBouncers: 0, priorityClass: "x" })).toThrow(
      "invalid limits.max_bouncers 0: expected a positive integer",
    );
  });

  it("formats quantities as Kubernetes does", () => {
    expect([cpuQuantity(2), cpuQuantity(0.5), cpuQuantity(1.25), cpuQuantity(0.001)]).toEqual(["2", "500m", "1250m", "1m"]);
    expect([mibQuantity(4096), mibQuantity(512), mibQuantity(1536)]).toEqual(["4Gi", "512Mi", "1536Mi"]);
  });
});

describe("limitRangeManifest", () => {
  it("pro: container defaults and ceilings, and a per-claim storage ceiling", () => {
    expect(limitRangeManifest(ACME, "pro", PRO_KUBERNETES)).toEqual({
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: meta("tenant-container-defaults"),
      spec: {
        limits: [
          {
            type: "Container",
            default: { cpu: "500m", memory: "512Mi" },
            defaultRequest: { cpu: "100m", memory: "128Mi" },
            max: { cpu: "2", memory: "4Gi" },
          },
          { type: "PersistentVolumeClaim", max: { storage: "20Gi" } },
        ],
      },
    });
  });

  it("custom: larger defaults", () => {
    expect(limitRangeManifest(ACME, "custom", CUSTOM_KUBERNETES).spec.limits).toEqual([
      { type: "Container", default: { cpu: "1", memory: "1Gi" }, defaultRequest: { cpu: "250m", memory: "256Mi" }, max: { cpu: "4", memory: "8Gi" } },
      { type: "PersistentVolumeClaim", max: { storage: "200Gi" } },
    ]);
  });

  it("has no claim ceiling when the plan allows no storage (the quota alone refuses claims)", () => {
    const lr = limitRangeManifest(ACME, "pro", { ...PRO_KUBERNETES, storage_gib: 0, max_pvcs: 0 });
    expect(lr.spec.limits.map((l) => l.type)).toEqual(["Container"]);
    expect(resourceQuotaManifests(ACME, "pro", { ...PRO_KUBERNETES, storage_gib: 0, max_pvcs: 0 }, BOUNCERS(PRO_PLAN)).compute.spec.hard).toMatchObject({
      "requests.storage": "0Gi",
      persistentvolumeclaims: "0",
    });
  });
});

describe("serviceAccountManifest", () => {
  it("pod-identity: the tenant's account, no annotation, no API token", () => {
    expect(serviceAccountManifest(ACME, "pro", "pod-identity", "arn:aws:iam::000000000000:role/cc-tenant-acme")).toEqual({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: meta("tenant-acme"),
      automountServiceAccountToken: false,
    });
  });

  it("irsa: the role ARN annotation", () => {
    expect(serviceAccountManifest(ACME, "custom", "irsa", "arn:aws:iam::000000000000:role/cc-tenant-acme")).toEqual({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { ...meta("tenant-acme", "custom"), annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::000000000000:role/cc-tenant-acme" } },
      automountServiceAccountToken: false,
    });
  });

  it("refuses irsa without a role and unknown bindings", () => {
    expect(() => serviceAccountManifest(ACME, "pro", "irsa")).toThrow(
      'principalBinding "irsa" needs principalRoleArn (the tenant role\'s ARN for the eks.amazonaws.com/role-arn annotation)',
    );
    expect(() => serviceAccountManifest(ACME, "pro", "kiam" as never)).toThrow('invalid principalBinding "kiam": expected "pod-identity" or "irsa"');
  });
});

describe("RBAC", () => {
  it("is a namespaced Role with read-only rules on ordinary objects", () => {
    expect(roleManifest(ACME, "pro")).toEqual({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: meta("tenant-workload-reader"),
      rules: [
        {
          apiGroups: [""],
          resources: ["pods", "pods/log", "services", "endpoints", "configmaps", "events", "persistentvolumeclaims"],
          verbs: ["get", "list", "watch"],
        },
        { apiGroups: ["apps"], resources: ["deployments", "replicasets", "statefulsets"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
      ],
    });
  });

  it("grants no secret, exec, RBAC, policy, quota or namespace access, no write and no wildcard", () => {
    const resources = WORKLOAD_READER_RULES.flatMap((r) => r.resources);
    const verbs = new Set(WORKLOAD_READER_RULES.flatMap((r) => r.verbs));
    for (const forbidden of ["secrets", "pods/exec", "pods/attach", "pods/portforward", "serviceaccounts/token", "roles", "rolebindings", "networkpolicies", "resourcequotas", "limitranges", "namespaces", "*"]) {
      expect(resources).not.toContain(forbidden);
    }
    expect([...verbs].sort()).toEqual(["get", "list", "watch"]);
    expect(WORKLOAD_READER_RULES.flatMap((r) => r.apiGroups)).not.toContain("*");
    expect(WORKLOAD_READER_RULES.flatMap((r) => r.apiGroups)).not.toContain("rbac.authorization.k8s.io");
  });

  it("binds the Role (never a ClusterRole) to the tenant's ServiceAccount and its own operator group", () => {
    expect(roleBindingManifest(ACME, "pro", ["controlcore:tenant-acme:operators"])).toEqual({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: meta("tenant-workload-reader"),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "tenant-workload-reader" },
      subjects: [
        { kind: "ServiceAccount", name: "tenant-acme", namespace: "tenant-acme" },
        { kind: "Group", name: "controlcore:tenant-acme:operators", apiGroup: "rbac.authorization.k8s.io" },
      ],
    });
    expect(roleBindingManifest(ACME, "pro").subjects).toEqual([{ kind: "ServiceAccount", name: "tenant-acme", namespace: "tenant-acme" }]);
  });

  it("refuses operator groups of other tenants, system groups and wildcards, listing each", () => {
    expect(() =>
      roleBindingManifest(ACME, "pro", ["controlcore:tenant-acme-corp:operators", "system:authenticated", "*", "controlcore:operators"]),
    ).toThrow(
      [
        "invalid operatorGroups for tenant acme:",
        '  - "controlcore:tenant-acme-corp:operators": it names tenant-acme-corp, which is not tenant acme\'s namespace',
        '  - "system:authenticated": system: groups are Kubernetes\' own and span every namespace',
        "  - \"*\": expected a group name of letters, digits and ':._@/-' (no wildcards or spaces)",
        '  - "controlcore:operators": it does not name tenant acme as a segment: a tenant\'s operators group must be the tenant\'s own (e.g. controlcore:tenant-acme:operators)',
      ].join("\n"),
    );
  });

  it("does not let a caller alter the shared rules through a manifest", () => {
    const role = roleManifest(ACME, "pro");
    role.rules[0]!.verbs.push("delete");
    expect(roleManifest(ACME, "pro").rules[0]!.verbs).toEqual(["get", "list", "watch"]);
  });
});
