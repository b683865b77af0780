/**
 * A small evaluator of Kubernetes NetworkPolicy semantics, so that what the tenant's policies
 * allow and deny can be asserted as data without a cluster:
 *
 * - a pod is isolated for a direction when at least one policy in its namespace selects it and
 *   has that policy type (`policyTypes`, or by default Ingress, plus Egress when the policy has
 *   egress rules); a pod no policy isolates accepts everything in that direction;
 * - an isolated pod's traffic passes when any rule of any selecting policy matches: policies
 *   add up, none subtracts;
 * - a connection needs both ends to agree: the source's egress and the destination's ingress;
 * - in a peer, `namespaceSelector` and `podSelector` together mean both; `podSelector` alone
 *   means pods of the policy's own namespace; `ipBlock` matches by address minus `except`;
 * - a rule without `to`/`from` matches every peer, without `ports` every port; a port entry's
 *   protocol defaults to TCP and `endPort` makes a range.
 *
 * Deliberately pessimistic where Kubernetes leaves it to the CNI: an `ipBlock` also matches a
 * pod when the flow gives that pod an IP (some CNIs do this), so a policy that would let an
 * ipBlock cover other tenants' pods is reported as allowing it. Named ports are refused.
 * https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
import { cidrContains, parseCidr, parseIpv4 } from "../../components/kubernetes/cidr";
import type {
  LabelSelector,
  NetworkPolicyManifest,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  PolicyType,
  Protocol,
  StringMap,
} from "../../components/kubernetes/manifest-types";
import { NAMESPACE_NAME_LABEL } from "../../components/kubernetes/network-policies";

/** A pod: its namespace (and that namespace's labels), its labels, optionally its IP. */
export interface PodEndpoint {
  readonly kind: "pod";
  readonly namespace: string;
  /** Labels of the namespace besides `kubernetes.io/metadata.name`, which is always added. */
  readonly namespaceLabels?: StringMap;
  readonly labels: StringMap;
  readonly ip?: string;
}

/** An address outside the cluster's pods (a data store, the internet, the metadata service). */
export interface ExternalEndpoint {
  readonly kind: "external";
  readonly ip: string;
}

export type Endpoint = PodEndpoint | ExternalEndpoint;

/** One connection attempt: from, to, destination port and protocol. */
export interface Flow {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly port: number;
  readonly protocol: Protocol;
}

/** The verdict of one side (the source's egress or the destination's ingress). */
export interface SideVerdict {
  readonly allowed: boolean;
  /** Whether some policy selects the pod for this direction. */
  readonly isolated: boolean;
  /** Names of the policies (`namespace/name`) whose rules allow the flow. */
  readonly allowedBy: readonly string[];
}

export interface Verdict {
  readonly allowed: boolean;
  readonly egress: SideVerdict;
  readonly ingress: SideVerdict;
}

/** Whether `labels` satisfy `selector` (an empty selector matches everything). */
export function selectorMatches(selector: LabelSelector, labels: StringMap): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    const ok =
      e.operator === "In"
        ? has && values.includes(labels[e.key]!)
        : e.operator === "NotIn"
          ? !has || !values.includes(labels[e.key]!)
          : e.operator === "Exists"
            ? has
            : !has;
    if (!ok) return false;
  }
  return true;
}

const namespaceLabelsOf = (pod: PodEndpoint): StringMap => ({ ...pod.namespaceLabels, [NAMESPACE_NAME_LABEL]: pod.namespace });

/** Whether `policy` isolates pods it selects for `type`. */
export function policyHasType(policy: NetworkPolicyManifest, type: PolicyType): boolean {
  const types = policy.spec.policyTypes;
  if (types !== undefined && types.length > 0) return types.includes(type);
  return type === "Ingress" || (policy.spec.egress?.length ?? 0) > 0;
}

/** Whether a peer of a policy living in `policyNamespace` matches `endpoint`. */
export function peerMatches(peer: NetworkPolicyPeer, policyNamespace: string, endpoint: Endpoint): boolean {
  if (peer.ipBlock !== undefined) {
    if (peer.podSelector !== undefined || peer.namespaceSelector !== undefined) {
      throw new Error("invalid NetworkPolicy peer: ipBlock cannot be combined with podSelector or namespaceSelector");
    }
    if (endpoint.ip === undefined) return false;
    const ip = parseIpv4(endpoint.ip);
    if (!cidrContains(parseCidr(peer.ipBlock.cidr), ip)) return false;
    return !(peer.ipBlock.except ?? []).some((e) => cidrContains(parseCidr(e), ip));
  }
  if (peer.podSelector === undefined && peer.namespaceSelector === undefined) {
    throw new Error("invalid NetworkPolicy peer: expected podSelector, namespaceSelector or ipBlock");
  }
  if (endpoint.kind !== "pod") return false;
  const inNamespace =
    peer.namespaceSelector !== undefined
      ? selectorMatches(peer.namespaceSelector, namespaceLabelsOf(endpoint))
      : endpoint.namespace === policyNamespace;
  return inNamespace && (peer.podSelector === undefined || selectorMatches(peer.podSelector, endpoint.labels));
}

/** Whether a rule's port entry matches the flow's port and protocol. */
export function portMatches(entry: NetworkPolicyPort, port: number, protocol: Protocol): boolean {
  if ((entry.protocol ?? "TCP") !== protocol) return false;
  if (entry.port === undefined) return true;
  if (typeof entry.port === "string") {
    throw new Error(`named port ${JSON.stringify(entry.port)} is not modelled by the evaluator; use port numbers`);
  }
  return entry.endPort !== undefined ? port >= entry.port && port <= entry.endPort : port === entry.port;
}

function side(policies: readonly NetworkPolicyManifest[], pod: Endpoint, peer: Endpoint, flow: Flow, type: PolicyType): SideVerdict {
  if (pod.kind !== "pod") return { allowed: true, isolated: false, allowedBy: [] };
  const selecting = policies.filter(
    (p) => (p.metadata.namespace ?? "default") === pod.namespace && policyHasType(p, type) && selectorMatches(p.spec.podSelector, pod.labels),
  );
  if (selecting.length === 0) return { allowed: true, isolated: false, allowedBy: [] };
  const allowedBy = selecting
    .filter((p) => {
      const ns = p.metadata.namespace ?? "default";
      const rules = type === "Ingress" ? (p.spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports })) : (p.spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }));
      return rules.some(
        (r) =>
          (r.peers === undefined || r.peers.length === 0 || r.peers.some((x) => peerMatches(x, ns, peer))) &&
          (r.ports === undefined || r.ports.length === 0 || r.ports.some((x) => portMatches(x, flow.port, flow.protocol))),
      );
    })
    .map((p) => `${p.metadata.namespace ?? "default"}/${p.metadata.name}`);
  return { allowed: allowedBy.length > 0, isolated: true, allowedBy };
}

/**
 * Evaluates one flow against every policy of the modelled cluster (policies of any namespace;
 * each applies only to pods of its own namespace).
 */
export function evaluateFlow(policies: readonly NetworkPolicyManifest[], flow: Flow): Verdict {
  if (!Number.isInteger(flow.port) || flow.port < 1 || flow.port > 65535) {
    throw new Error(`invalid flow port ${flow.port}: expected 1 to 65535`);
  }
  const egress = side(policies, flow.from, flow.to, flow, "Egress");
  const ingress = side(policies, flow.to, flow.from, flow, "Ingress");
  return { allowed: egress.allowed && ingress.allowed, egress, ingress };
}
