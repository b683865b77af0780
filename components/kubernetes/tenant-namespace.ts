/**
 * TenantNamespace: the tenant's Kubernetes namespace with its quotas, limit ranges, network
 * policies, ServiceAccount and namespaced RBAC. Every object comes from a pure builder
 * (`manifests.ts`, `network-policies.ts`); this component only creates them, each with the
 * explicit Kubernetes provider and an explicit `metadata.name`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { InputError, type Problem } from "../errors";
import type { TenantNames } from "../naming";
import type { KubernetesPlatform, KubernetesSettings } from "./config";
import {
  limitRangeManifest,
  namespaceManifest,
  type PrincipalBinding,
  resourceQuotaManifests,
  roleBindingManifest,
  roleManifest,
  serviceAccountManifest,
} from "./manifests";
import { type AwsApiUse, awsEgressProblems, NETWORK_POLICY_NAMES, type NetworkPolicyKey, networkPolicyInput, networkPolicyManifests } from "./network-policies";

export interface TenantNamespaceArgs {
  /** The tenant's physical names (`tenantNames(id)`): namespace and ServiceAccount names come from here. */
  readonly names: TenantNames;
  /** The plan's name, recorded as the `controlcore.io/plan` label on every object. */
  readonly planName: string;
  /** The plan's `kubernetes` settings (quotas, limit ranges). */
  readonly settings: KubernetesSettings;
  /** The plan's `limits.max_bouncers`: caps Deployments and bouncer pods in the namespace. */
  readonly maxBouncers: number;
  /** The platform's `kubernetes` section (cluster, ingress, DNS, data store CIDRs). */
  readonly platform: KubernetesPlatform;
  /**
   * Contents of a kubeconfig for the cluster. Wrapped in `pulumi.secret` here whatever the
   * caller passed: it carries cluster credentials. Cannot be combined with `provider`.
   * @default the ambient kubeconfig, with `platform.context` (which must then be set)
   */
  readonly kubeconfig?: pulumi.Input<string>;
  /**
   * An existing Kubernetes provider to use instead of building one. Cannot be combined with
   * `kubeconfig`. There is never a fallback to the default provider.
   * @default a provider built from `kubeconfig` and `platform.context`
   */
  readonly provider?: k8s.Provider;
  /**
   * How pods obtain the tenant's AWS principal. `pod-identity`: no annotation; the
   * `aws.eks.PodIdentityAssociation` (namespace + ServiceAccount → role) belongs to the principal
   * component, and egress to the Pod Identity agent is allowed. `irsa`: the
   * `eks.amazonaws.com/role-arn` annotation with `principalRoleArn`.
   * @default platform.principalBinding
   */
  readonly principalBinding?: PrincipalBinding;
  /** ARN of the tenant's workload role. Required for `irsa`; unused for `pod-identity`. */
  readonly principalRoleArn?: pulumi.Input<string>;
  /**
   * Whether the plan provisions a Redis namespace (`redis_namespace`); when false no Redis
   * egress is allowed.
   * @default true
   */
  readonly redis?: boolean;
  /** The Redis cell the tenant is placed on; selects `platform.dataStoreCidrs.redisCells[cell]`. */
  readonly redisCell?: string;
  /**
   * The tenant has a dedicated serverless cache: egress to `platform.dataStoreCidrs.redis` on its
   * primary port and its reader port (6380 by default).
   * @default false
   */
  readonly redisDedicated?: boolean;
  /**
   * The plan switches that make the tenant's pods call AWS APIs (`s3_prefix`, `security_isolation`):
   * egress is allowed to exactly those APIs' interface endpoints, and a plan that needs one the
   * platform section does not list is refused.
   * @default none (no AWS API reachable)
   */
  readonly awsApis?: AwsApiUse;
  /**
   * Groups (mapped from IAM by EKS access entries) bound to the tenant's read-only Role. Each
   * must name this tenant; system groups and wildcards are refused.
   * @default [] (only the tenant's ServiceAccount is bound)
   */
  readonly operatorGroups?: readonly string[];
}

/** What the NetworkPolicies open for the tenant, from the arguments. */
function dataStoreChoice(args: TenantNamespaceArgs) {
  return {
    redis: args.redis ?? true,
    ...(args.redisCell !== undefined ? { redisCell: args.redisCell } : {}),
    redisDedicated: args.redisDedicated ?? false,
    awsApis: args.awsApis ?? {},
  };
}

/**
 * Every problem with the arguments (empty when valid): the cluster to use, and the AWS API
 * endpoints the tenant's plan needs egress to. Paths are the config keys.
 */
export function tenantNamespaceProblems(args: Omit<TenantNamespaceArgs, "names" | "settings" | "maxBouncers">): Problem[] {
  const { platform } = args;
  const problems: Problem[] = [];
  if (args.provider !== undefined && args.kubeconfig !== undefined) {
    problems.push({ path: "kubeconfig", message: "given together with a provider; expected one of them, not both" });
  }
  if (args.provider === undefined && args.kubeconfig === undefined && platform.context === undefined) {
    problems.push({
      path: "platform.kubernetes.context",
      message: "got nothing, and no kubeconfig is set; expected a kubeconfig secret (config key kubeconfig) or a context name (the default provider is never used)",
    });
  }
  const binding = args.principalBinding ?? platform.principalBinding;
  if (binding === "irsa" && args.principalRoleArn === undefined) {
    problems.push({
      path: "platform.kubernetes.principalBinding",
      message:
        'got "irsa", but the tenant has no AWS principal (its plan enables none of s3_prefix, security_isolation, monitoring_isolation); expected "pod-identity", or a plan that declares the tenant\'s identity',
    });
  }
  problems.push(...awsEgressProblems(platform, binding, dataStoreChoice(args as TenantNamespaceArgs), args.planName));
  return problems;
}

/** Checks the arguments and builds every manifest; throws before any resource exists. */
function tenantNamespaceManifests(name: string, args: TenantNamespaceArgs) {
  const { names, planName, settings, platform } = args;
  const binding = args.principalBinding ?? platform.principalBinding;
  const choice = dataStoreChoice(args);
  const problems = tenantNamespaceProblems(args);
  if (problems.length > 0) throw new InputError(`TenantNamespace ${name} arguments`, problems);
  return {
    ns: namespaceManifest(names, planName),
    quotas: resourceQuotaManifests(names, planName, settings, { maxBouncers: args.maxBouncers, priorityClass: platform.bouncerPriorityClass }),
    limits: limitRangeManifest(names, planName, settings),
    policies: networkPolicyManifests(names, planName, networkPolicyInput(platform, binding, choice)),
    sa: serviceAccountManifest(names, planName, binding, args.principalRoleArn),
    role: roleManifest(names, planName),
    roleBinding: roleBindingManifest(names, planName, args.operatorGroups),
  };
}

export class TenantNamespace extends pulumi.ComponentResource {
  /** The Kubernetes provider every child uses. */
  readonly provider: k8s.Provider;
  readonly namespace: k8s.core.v1.Namespace;
  readonly serviceAccount: k8s.core.v1.ServiceAccount;
  /** Name of the tenant namespace. */
  readonly namespaceName: pulumi.Output<string>;
  /** Name of the tenant's ServiceAccount (for the Pod Identity association or IRSA trust policy). */
  readonly serviceAccountName: pulumi.Output<string>;

  constructor(name: string, args: TenantNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    // Guard clauses and every builder run before anything is registered: a bad combination or
    // a builder's refusal creates nothing, not even the component.
    const { ns, quotas, limits, policies, sa, role, roleBinding } = tenantNamespaceManifests(name, args);
    super("controlcore:kubernetes:TenantNamespace", name, {}, opts);
    const { platform } = args;

    this.provider =
      args.provider ??
      new k8s.Provider(
        `${name}-provider`,
        {
          ...(args.kubeconfig !== undefined ? { kubeconfig: pulumi.secret(args.kubeconfig) } : {}),
          ...(platform.context !== undefined ? { context: platform.context } : {}),
          ...(platform.clusterIdentifier !== undefined ? { clusterIdentifier: platform.clusterIdentifier } : {}),
        },
        { parent: this },
      );

    // Names are fixed, so a replacement must delete the old object first.
    const base = { parent: this, provider: this.provider, deleteBeforeReplace: true };
    this.namespace = new k8s.core.v1.Namespace(`${name}-namespace`, ns, base);
    const inNs = { ...base, dependsOn: [this.namespace] };

    // Deny-all first in source order; every object depends only on the namespace.
    for (const key of Object.keys(NETWORK_POLICY_NAMES) as NetworkPolicyKey[]) {
      const manifest = policies[key];
      if (manifest) new k8s.networking.v1.NetworkPolicy(`${name}-netpol-${NETWORK_POLICY_NAMES[key]}`, manifest, inNs);
    }
    new k8s.core.v1.ResourceQuota(`${name}-quota-compute`, quotas.compute, inNs);
    new k8s.core.v1.ResourceQuota(`${name}-quota-bouncers`, quotas.bouncers, inNs);
    new k8s.core.v1.ResourceQuota(`${name}-quota-affinity`, quotas.affinity, inNs);
    new k8s.core.v1.LimitRange(`${name}-limits`, limits, inNs);
    this.serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-service-account`, sa, inNs);
    const roleResource = new k8s.rbac.v1.Role(`${name}-role`, role, inNs);
    new k8s.rbac.v1.RoleBinding(`${name}-role-binding`, roleBinding, { ...inNs, dependsOn: [this.namespace, roleResource, this.serviceAccount] });

    this.namespaceName = this.namespace.metadata.name;
    this.serviceAccountName = this.serviceAccount.metadata.name;
    this.registerOutputs({ namespaceName: this.namespaceName, serviceAccountName: this.serviceAccountName });
  }
}
