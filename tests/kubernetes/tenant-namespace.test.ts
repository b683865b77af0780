/**
 * TenantNamespace under Pulumi runtime mocks: the exact child types, names, parents, providers
 * and inputs for both plans, and the refusals that stop a half-built namespace.
 */
import { describe, expect, it } from "vitest";
import { isSecretValue, type RecordedResource, runUnderMocks } from "../../cli/engine/mock-engine";
import {
  limitRangeManifest,
  namespaceManifest,
  resourceQuotaManifests,
  roleBindingManifest,
  roleManifest,
  serviceAccountManifest,
} from "../../components/kubernetes/manifests";
import { networkPolicyInput, networkPolicyManifests } from "../../components/kubernetes/network-policies";
import type { TenantNamespaceArgs } from "../../components/kubernetes/tenant-namespace";
import { ACME, CUSTOM_KUBERNETES, CUSTOM_PLAN, GLOBEX, PLATFORM, PLATFORM_WITH_AWS, PRO_KUBERNETES, PRO_PLAN } from "./fixtures";

const KUBECONFIG = "apiVersion: v1\nkind: Config\nusers:\n- name: deployer\n  user:\n    token: very-secret-token\n";
const ROLE_ARN = "arn:aws:iam::000000000000:role/cc-tenant-acme";

const PRO_ARGS: TenantNamespaceArgs = {
  names: ACME,
  planName: PRO_PLAN.name,
  settings: PRO_KUBERNETES,
  maxBouncers: PRO_PLAN.limits.max_bouncers,
  platform: PLATFORM,
  kubeconfig: KUBECONFIG,
  redisCell: "cell-1",
};
const CUSTOM_ARGS: TenantNamespaceArgs = {
  names: ACME,
  planName: CUSTOM_PLAN.name,
  settings: CUSTOM_KUBERNETES,
  maxBouncers: CUSTOM_PLAN.limits.max_bouncers,
  platform: PLATFORM,
  kubeconfig: KUBECONFIG,
  principalBinding: "irsa",
  principalRoleArn: ROLE_ARN,
  redisCell: "cell-2",
  operatorGroups: ["controlcore:tenant-acme:operators"],
};

interface Captured {
  readonly type: string;
  readonly name: string;
  readonly deleteBeforeReplace: boolean | undefined;
  readonly dependsOn: number;
}

/** Runs one TenantNamespace (and captures resource options through a stack transformation). */
async function run(args: TenantNamespaceArgs, name = "t-acme-k8s") {
  const captured: Captured[] = [];
  const result = await runUnderMocks(async () => {
    const pulumi = await import("@pulumi/pulumi");
    pulumi.runtime.registerStackTransformation((a) => {
      const deps = a.opts.dependsOn;
      captured.push({
        type: a.type,
        name: a.name,
        deleteBeforeReplace: (a.opts as { deleteBeforeReplace?: boolean }).deleteBeforeReplace,
        dependsOn: Array.isArray(deps) ? deps.length : deps ? 1 : 0,
      });
      return undefined;
    });
    const { TenantNamespace } = await import("../../components/kubernetes/tenant-namespace.js");
    const c = new TenantNamespace(name, args);
    return { namespaceName: c.namespaceName, serviceAccountName: c.serviceAccountName };
  });
  return { ...result, captured };
}

const byName = (resources: RecordedResource[], name: string): RecordedResource => {
  const r = resources.find((x) => x.name === name);
  if (!r) throw new Error(`no resource named ${name}; have ${resources.map((x) => x.name).join(", ")}`);
  return r;
};

/** Every child the component creates, by logical name → type. */
const EXPECTED_CHILDREN: Record<string, string> = {
  "t-acme-k8s-provider": "pulumi:providers:kubernetes",
  "t-acme-k8s-namespace": "kubernetes:core/v1:Namespace",
  "t-acme-k8s-netpol-default-deny-all": "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  "t-acme-k8s-netpol-allow-platform-ingress": "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  "t-acme-k8s-netpol-allow-dns-egress": "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  "t-acme-k8s-netpol-allow-data-store-egress": "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  "t-acme-k8s-netpol-allow-aws-egress": "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  "t-acme-k8s-netpol-allow-same-namespace": "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  "t-acme-k8s-quota-compute": "kubernetes:core/v1:ResourceQuota",
  "t-acme-k8s-quota-bouncers": "kubernetes:core/v1:ResourceQuota",
  "t-acme-k8s-quota-affinity": "kubernetes:core/v1:ResourceQuota",
  "t-acme-k8s-limits": "kubernetes:core/v1:LimitRange",
  "t-acme-k8s-service-account": "kubernetes:core/v1:ServiceAccount",
  "t-acme-k8s-role": "kubernetes:rbac.authorization.k8s.io/v1:Role",
  "t-acme-k8s-role-binding": "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
};

/** Custom uses IRSA without VPC endpoints: no AWS egress policy at all. */
const { "t-acme-k8s-netpol-allow-aws-egress": _aws, ...EXPECTED_CHILDREN_IRSA } = EXPECTED_CHILDREN;

describe.each([
  ["pro", PRO_ARGS, EXPECTED_CHILDREN],
  ["custom", CUSTOM_ARGS, EXPECTED_CHILDREN_IRSA],
])("TenantNamespace (%s)", (planName, args, expectedChildren) => {
  const runOnce = run(args);
  const objectCount = Object.keys(expectedChildren).length - 1; // all but the provider

  it("creates exactly the expected children, each parented to the component", async () => {
    const { resources } = await runOnce;
    const component = resources.find((r) => r.type === "controlcore:kubernetes:TenantNamespace")!;
    expect(component.name).toBe("t-acme-k8s");
    const children = resources.filter((r) => r.parent === component.urn);
    expect(Object.fromEntries(children.map((r) => [r.name, r.type]))).toEqual(expectedChildren);
    expect(resources.length).toBe(2 + children.length); // the stack, the component, its children: nothing else
  });

  it("passes every builder's manifest unchanged as the resource's inputs", async () => {
    const { resources } = await runOnce;
    const policies = networkPolicyManifests(ACME, planName, networkPolicyInput(PLATFORM, args.principalBinding ?? "pod-identity", { redisCell: args.redisCell! }));
    const quotas = resourceQuotaManifests(ACME, planName, args.settings, { maxBouncers: args.maxBouncers, priorityClass: "controlcore-bouncer" });
    const expected: Record<string, unknown> = {
      "t-acme-k8s-namespace": namespaceManifest(ACME, planName),
      "t-acme-k8s-netpol-default-deny-all": policies.defaultDeny,
      "t-acme-k8s-netpol-allow-platform-ingress": policies.platformIngress,
      "t-acme-k8s-netpol-allow-dns-egress": policies.dns,
      "t-acme-k8s-netpol-allow-data-store-egress": policies.dataStores,
      "t-acme-k8s-netpol-allow-aws-egress": policies.awsCredentials,
      "t-acme-k8s-netpol-allow-same-namespace": policies.sameNamespace,
      "t-acme-k8s-quota-compute": quotas.compute,
      "t-acme-k8s-quota-bouncers": quotas.bouncers,
      "t-acme-k8s-quota-affinity": quotas.affinity,
      "t-acme-k8s-limits": limitRangeManifest(ACME, planName, args.settings),
      "t-acme-k8s-service-account": serviceAccountManifest(ACME, planName, args.principalBinding ?? "pod-identity", args.principalRoleArn as string | undefined),
      "t-acme-k8s-role": roleManifest(ACME, planName),
      "t-acme-k8s-role-binding": roleBindingManifest(ACME, planName, args.operatorGroups),
    };
    const present = Object.entries(expected).filter(([, manifest]) => manifest !== undefined);
    expect(present.map(([name]) => name).sort()).toEqual(Object.keys(expectedChildren).filter((n) => !n.endsWith("-provider")).sort());
    for (const [name, manifest] of present) {
      expect([name, byName(resources, name).inputs]).toEqual([name, JSON.parse(JSON.stringify(manifest))]);
    }
  });

  it("uses explicit names from naming.ts and labels every object with the tenant and plan", async () => {
    const { resources, outputs } = await runOnce;
    const objects = resources.filter((r) => r.type.startsWith("kubernetes:"));
    expect(objects).toHaveLength(objectCount);
    for (const r of objects) {
      const meta = r.inputs.metadata as { name?: string; namespace?: string; labels?: Record<string, string> };
      expect([r.name, typeof meta.name]).toEqual([r.name, "string"]);
      expect([r.name, meta.labels?.["controlcore.io/tenant"], meta.labels?.["controlcore.io/plan"]]).toEqual([r.name, "acme", planName]);
      if (r.type !== "kubernetes:core/v1:Namespace") expect([r.name, meta.namespace]).toEqual([r.name, "tenant-acme"]);
    }
    expect(outputs).toEqual({ namespaceName: "tenant-acme", serviceAccountName: "tenant-acme" });
  });

  it("uses its own provider, built from the kubeconfig as a secret", async () => {
    const { resources } = await runOnce;
    const provider = byName(resources, "t-acme-k8s-provider");
    expect(provider.type).toBe("pulumi:providers:kubernetes");
    expect(isSecretValue(provider.inputs.kubeconfig)).toBe(true);
    expect((provider.inputs.kubeconfig as { value: unknown }).value).toBe(KUBECONFIG);
    expect(provider.inputs.context).toBe("controlcore-prod");
    expect(provider.inputs.clusterIdentifier).toBe("eks-controlcore-prod");
    for (const r of resources.filter((x) => x.type.startsWith("kubernetes:"))) {
      expect([r.name, r.provider]).toEqual([r.name, `${provider.urn}::${provider.id}`]);
    }
    // The kubeconfig appears nowhere else, not even in a Kubernetes object.
    const elsewhere = resources.filter((r) => r !== provider && JSON.stringify(r.inputs).includes("very-secret-token"));
    expect(elsewhere).toEqual([]);
  });

  it("has no cluster-scoped RBAC and binds only a namespaced Role", async () => {
    const { resources } = await runOnce;
    expect(resources.filter((r) => /Cluster/.test(r.type))).toEqual([]);
    const binding = byName(resources, "t-acme-k8s-role-binding").inputs as { roleRef: { kind: string } };
    expect(binding.roleRef.kind).toBe("Role");
  });

  it("replaces fixed-name objects by deleting first, and creates namespaced objects after the namespace", async () => {
    const { captured } = await runOnce;
    const k8sObjects = captured.filter((c) => c.type.startsWith("kubernetes:"));
    expect(k8sObjects).toHaveLength(objectCount);
    for (const c of k8sObjects) {
      expect([c.name, c.deleteBeforeReplace]).toEqual([c.name, true]);
      expect([c.name, c.dependsOn > 0]).toEqual([c.name, c.type !== "kubernetes:core/v1:Namespace"]);
    }
  });
});

describe("TenantNamespace: plan-specific inputs", () => {
  it("custom with IRSA annotates the ServiceAccount with the role ARN and allows no Pod Identity agent", async () => {
    const { resources } = await run(CUSTOM_ARGS);
    const sa = byName(resources, "t-acme-k8s-service-account").inputs as { metadata: { annotations?: Record<string, string> }; automountServiceAccountToken: boolean };
    expect(sa.metadata.annotations).toEqual({ "eks.amazonaws.com/role-arn": ROLE_ARN });
    expect(sa.automountServiceAccountToken).toBe(false);
    // With IRSA and no VPC endpoints configured there is no AWS egress at all.
    expect(resources.map((r) => r.name)).not.toContain("t-acme-k8s-netpol-allow-aws-egress");
    const quota = byName(resources, "t-acme-k8s-quota-bouncers").inputs as { spec: { hard: Record<string, string> } };
    expect(quota.spec.hard).toEqual({ pods: "100" });
  });

  it("pro with Pod Identity has no annotation", async () => {
    const { resources } = await run(PRO_ARGS);
    const sa = byName(resources, "t-acme-k8s-service-account").inputs as { metadata: Record<string, unknown> };
    expect(sa.metadata.annotations).toBeUndefined();
    const quota = byName(resources, "t-acme-k8s-quota-bouncers").inputs as { spec: { hard: Record<string, string> } };
    expect(quota.spec.hard).toEqual({ pods: "5" });
  });
});

describe("TenantNamespace: isolation between tenants", () => {
  it("two tenants in one program: nothing of one names the other", async () => {
    const result = await runUnderMocks(async () => {
      const { TenantNamespace } = await import("../../components/kubernetes/tenant-namespace.js");
      new TenantNamespace("t-acme-k8s", PRO_ARGS);
      new TenantNamespace("t-globex-k8s", { ...PRO_ARGS, names: GLOBEX, redisCell: "cell-2" });
      return {};
    });
    const components = result.resources.filter((r) => r.type === "controlcore:kubernetes:TenantNamespace");
    expect(components.map((c) => c.name)).toEqual(["t-acme-k8s", "t-globex-k8s"]);
    const childrenOf = (urn: string) => result.resources.filter((r) => r.parent === urn);
    const [acme, globex] = components.map((c) => JSON.stringify(childrenOf(c.urn).filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.inputs)));
    expect(acme).toContain("tenant-acme");
    expect(acme).not.toMatch(/globex/);
    expect(globex).toContain("tenant-globex");
    expect(globex).not.toMatch(/acme/);
    // Each tenant reaches only its own Redis cell.
    expect(acme).toContain("10.20.21.0/24");
    expect(acme).not.toContain("10.20.22.0/24");
    expect(globex).toContain("10.20.22.0/24");
    expect(globex).not.toContain("10.20.21.0/24");
  });
});

describe("TenantNamespace: providers", () => {
  it("an existing cluster reference (context only) builds a provider without kubeconfig", async () => {
    const { kubeconfig: _k, ...args } = PRO_ARGS;
    const { resources } = await run(args);
    expect(byName(resources, "t-acme-k8s-provider").inputs).toEqual({ context: "controlcore-prod", clusterIdentifier: "eks-controlcore-prod" });
  });

  it("a provider passed in is used as is, and no other is built", async () => {
    const { kubeconfig: _k, ...args } = PRO_ARGS;
    const result = await runUnderMocks(async () => {
      const pulumi = await import("@pulumi/pulumi");
      const k8s = await import("@pulumi/kubernetes");
      const { TenantNamespace } = await import("../../components/kubernetes/tenant-namespace.js");
      const provider = new k8s.Provider("shared-cluster", { kubeconfig: pulumi.secret(KUBECONFIG) });
      new TenantNamespace("t-acme-k8s", { ...args, provider });
      return {};
    });
    const providers = result.resources.filter((r) => r.type === "pulumi:providers:kubernetes");
    expect(providers.map((p) => p.name)).toEqual(["shared-cluster"]);
    const ref = `${providers[0]!.urn}::${providers[0]!.id}`;
    const objects = result.resources.filter((r) => r.type.startsWith("kubernetes:"));
    expect(objects).toHaveLength(14);
    for (const r of objects) expect([r.name, r.provider]).toEqual([r.name, ref]);
  });
});

describe("TenantNamespace: refusals", () => {
  // Every guard runs before super(), so the refusal happens before anything is registered; the
  // component is constructed outside any Pulumi run, where a registration would fail differently.
  const construct = async (args: TenantNamespaceArgs) => {
    const { TenantNamespace } = await import("../../components/kubernetes/tenant-namespace.js");
    return () => new TenantNamespace("t-acme-k8s", args);
  };

  it("refuses to run without a cluster instead of using the default provider", async () => {
    const { kubeconfig: _k, ...args } = PRO_ARGS;
    const { context: _c, ...platform } = PLATFORM;
    expect(await construct({ ...args, platform })).toThrow(
      "invalid TenantNamespace t-acme-k8s arguments: 1 problem\n  - platform.kubernetes.context: got nothing, and no kubeconfig is set; expected a kubeconfig secret (config key kubeconfig) or a context name (the default provider is never used)",
    );
  });

  it("refuses a provider together with a kubeconfig", async () => {
    const provider = Object.create(null) as NonNullable<TenantNamespaceArgs["provider"]>;
    expect(await construct({ ...PRO_ARGS, provider })).toThrow(
      "invalid TenantNamespace t-acme-k8s arguments: 1 problem\n  - kubeconfig: given together with a provider; expected one of them, not both",
    );
  });

  it("refuses IRSA without a role ARN, an unknown Redis cell, a foreign operator group and inconsistent quotas", async () => {
    expect(await construct({ ...PRO_ARGS, principalBinding: "irsa" })).toThrow(
      '  - platform.kubernetes.principalBinding: got "irsa", but the tenant has no AWS principal',
    );
    expect(await construct({ ...PRO_ARGS, redisCell: "cell-7" })).toThrow('Redis cell "cell-7" has no entry in kubernetes.dataStoreCidrs.redisCells');
    expect(await construct({ ...PRO_ARGS, operatorGroups: ["controlcore:tenant-globex:operators"] })).toThrow(
      "it names tenant-globex, which is not tenant acme's namespace",
    );
    expect(await construct({ ...PRO_ARGS, maxBouncers: 21 })).toThrow("kubernetes.max_pods (20) is below the bouncer pods the plan allows");
  });
});

describe("TenantNamespace: AWS API egress follows the plan", () => {
  it("refuses, under mocks and before registering anything, a plan whose AWS APIs the cluster config gives no egress to", async () => {
    const result = await runUnderMocks(async () => {
      const { TenantNamespace } = await import("../../components/kubernetes/tenant-namespace.js");
      try {
        new TenantNamespace("t-acme-k8s", { ...PRO_ARGS, awsApis: { s3Prefix: true, securityIsolation: true } });
        return { refusal: undefined };
      } catch (e) {
        return { refusal: (e as Error).message };
      }
    });
    expect(result.resources.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
    const lines = String(result.outputs.refusal).split("\n");
    expect(lines[0]).toBe("invalid TenantNamespace t-acme-k8s arguments: 3 problems");
    expect(lines.slice(1).map((l) => l.split(": ")[0])).toEqual([
      "  - platform.kubernetes.awsApiEndpoints.s3",
      "  - platform.kubernetes.awsApiEndpoints.kms",
      "  - platform.kubernetes.awsApiEndpoints.secretsManager",
    ]);
  });

  it("declares the AWS egress policy with the endpoints of the APIs the plan uses, and the dedicated cache's two ports", async () => {
    const { redisCell: _cell, ...args } = PRO_ARGS;
    const { resources } = await run({ ...args, platform: PLATFORM_WITH_AWS, awsApis: { s3Prefix: true }, redisDedicated: true });
    const aws = byName(resources, "t-acme-k8s-netpol-allow-aws-egress").inputs as { spec: { egress: unknown[] } };
    expect(aws.spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: "169.254.170.23/32" } }], ports: [{ protocol: "TCP", port: 80 }] },
      { to: [{ ipBlock: { cidr: "10.20.40.10/32" } }, { ipBlock: { cidr: "10.20.41.10/32" } }], ports: [{ protocol: "TCP", port: 443 }] },
      { to: [{ ipBlock: { cidr: "10.20.40.11/32" } }, { ipBlock: { cidr: "10.20.41.11/32" } }], ports: [{ protocol: "TCP", port: 443 }] },
    ]);
    const stores = byName(resources, "t-acme-k8s-netpol-allow-data-store-egress").inputs as { spec: { egress: unknown[] } };
    expect(stores.spec.egress[1]).toEqual({ to: [{ ipBlock: { cidr: "10.20.30.0/24" } }], ports: [{ protocol: "TCP", port: 6379 }, { protocol: "TCP", port: 6380 }] });
  });
});
