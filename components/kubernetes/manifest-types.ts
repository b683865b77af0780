/**
 * The Kubernetes objects a tenant namespace consists of, as plain data. Only the fields the
 * builders set are modelled; each type is assignable to the matching @pulumi/kubernetes Args,
 * so the component passes a builder's result unchanged and the tests assert the same value.
 *
 * Where a type can rule a risk out, it does: a RoleBinding's `roleRef.kind` is the literal
 * `"Role"`, so a binding to a ClusterRole does not type-check.
 */

/** Labels or annotations of an object. */
export type StringMap = Record<string, string>;

/** Metadata of a namespaced or cluster-scoped object; `name` is always explicit (no auto-naming). */
export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels: StringMap;
}

/** A label selector; `{}` selects everything. */
export interface LabelSelector {
  readonly matchLabels?: StringMap;
  readonly matchExpressions?: Array<{
    readonly key: string;
    readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
    readonly values?: string[];
  }>;
}

export interface NamespaceManifest {
  readonly apiVersion: "v1";
  readonly kind: "Namespace";
  readonly metadata: ObjectMeta;
}

export interface ResourceQuotaManifest {
  readonly apiVersion: "v1";
  readonly kind: "ResourceQuota";
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly hard: StringMap;
    readonly scopeSelector?: {
      readonly matchExpressions: Array<{
        readonly scopeName: "PriorityClass" | "CrossNamespacePodAffinity";
        readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
        readonly values?: string[];
      }>;
    };
  };
}

export interface LimitRangeItem {
  readonly type: "Container" | "Pod" | "PersistentVolumeClaim";
  readonly default?: StringMap;
  readonly defaultRequest?: StringMap;
  readonly max?: StringMap;
}

export interface LimitRangeManifest {
  readonly apiVersion: "v1";
  readonly kind: "LimitRange";
  readonly metadata: ObjectMeta;
  readonly spec: { readonly limits: LimitRangeItem[] };
}

/** One peer of a NetworkPolicy rule: selectors (ANDed when both are set) or an IP block. */
export interface NetworkPolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: { readonly cidr: string; readonly except?: string[] };
}

export type Protocol = "TCP" | "UDP" | "SCTP";

export interface NetworkPolicyPort {
  /** Defaults to TCP, as in Kubernetes. */
  readonly protocol?: Protocol;
  /** A number, or a named container port. */
  readonly port?: number | string;
  readonly endPort?: number;
}

export interface NetworkPolicyIngressRule {
  readonly from?: NetworkPolicyPeer[];
  readonly ports?: NetworkPolicyPort[];
}

export interface NetworkPolicyEgressRule {
  readonly to?: NetworkPolicyPeer[];
  readonly ports?: NetworkPolicyPort[];
}

export type PolicyType = "Ingress" | "Egress";

export interface NetworkPolicyManifest {
  readonly apiVersion: "networking.k8s.io/v1";
  readonly kind: "NetworkPolicy";
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly podSelector: LabelSelector;
    readonly policyTypes?: PolicyType[];
    readonly ingress?: NetworkPolicyIngressRule[];
    readonly egress?: NetworkPolicyEgressRule[];
  };
}

/**
 * A ServiceAccount. `A` is the type of annotation values: `string` in tests, a Pulumi Input
 * when the IRSA role ARN is only known after deployment.
 */
export interface ServiceAccountManifest<A = string> {
  readonly apiVersion: "v1";
  readonly kind: "ServiceAccount";
  readonly metadata: ObjectMeta & { readonly annotations?: Record<string, A> };
  readonly automountServiceAccountToken: boolean;
}

export interface PolicyRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
}

export interface RoleManifest {
  readonly apiVersion: "rbac.authorization.k8s.io/v1";
  readonly kind: "Role";
  readonly metadata: ObjectMeta & { readonly namespace: string };
  readonly rules: PolicyRule[];
}

export type RbacSubject =
  | { readonly kind: "ServiceAccount"; readonly name: string; readonly namespace: string }
  | { readonly kind: "Group"; readonly name: string; readonly apiGroup: "rbac.authorization.k8s.io" };

export interface RoleBindingManifest {
  readonly apiVersion: "rbac.authorization.k8s.io/v1";
  readonly kind: "RoleBinding";
  readonly metadata: ObjectMeta & { readonly namespace: string };
  /** Always a namespaced Role: a binding to a ClusterRole does not type-check. */
  readonly roleRef: { readonly apiGroup: "rbac.authorization.k8s.io"; readonly kind: "Role"; readonly name: string };
  readonly subjects: RbacSubject[];
}
