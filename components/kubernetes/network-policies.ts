/**
 * The tenant's NetworkPolicies, as pure data. Kubernetes NetworkPolicies are allow-lists that
 * add up: once any policy selects a pod for a direction, only what some policy allows passes.
 * So the tenant gets one policy that selects every pod for both directions and allows nothing
 * (default deny), and one small policy per thing that is allowed:
 *
 * - ingress from the platform's ingress controller namespace, on the app port only;
 * - egress to the cluster DNS pods on UDP and TCP 53;
 * - egress to the tenant's own data stores, each block on its own port only;
 * - egress to the AWS credential sources the tenant's principal needs (Pod Identity agent,
 *   VPC interface endpoints), when configured;
 * - traffic between the tenant's own pods, when the platform allows it.
 *
 * No rule names another tenant's namespace, and none selects namespaces by anything but
 * their immutable `kubernetes.io/metadata.name` label, which tenants cannot set.
 * https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
import type { TenantNames } from "../naming";
import type { DataStoreEndpoint, KubernetesPlatform } from "./config";
import type { LabelSelector, NetworkPolicyEgressRule, NetworkPolicyManifest, StringMap } from "./manifest-types";
import { namespacedMeta, type PrincipalBinding } from "./manifests";

/** The label the API server sets on every namespace to its name; it cannot be changed. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** Where the EKS Pod Identity agent serves credentials (link-local, on every node). */
export const POD_IDENTITY_AGENT = { cidr: "169.254.170.23/32", port: 80 } as const;

/** Names of the policies in the tenant namespace; also the suffix of their logical names. */
export const NETWORK_POLICY_NAMES = {
  defaultDeny: "default-deny-all",
  platformIngress: "allow-platform-ingress",
  dns: "allow-dns-egress",
  dataStores: "allow-data-store-egress",
  awsCredentials: "allow-aws-egress",
  sameNamespace: "allow-same-namespace",
} as const;
export type NetworkPolicyKey = keyof typeof NETWORK_POLICY_NAMES;

/** One data store of the tenant: where it answers and on which port. */
export interface NamedEndpoint extends DataStoreEndpoint {
  /** `postgres` or `redis` (or `redis:<cell>`), for messages and tests. */
  readonly name: string;
}

/** What the policies are built from (the platform section narrowed to this tenant). */
export interface NetworkPolicyInput {
  readonly ingressNamespace: string;
  readonly ingressPodLabels?: StringMap;
  readonly appPort: number;
  readonly dnsNamespace: string;
  readonly dnsPodLabels: StringMap;
  /** The tenant's own data stores; nothing else is reachable on their ports. */
  readonly dataStores: readonly NamedEndpoint[];
  readonly awsApiEndpoints: { readonly cidrs: readonly string[]; readonly port: number };
  /** Allow the Pod Identity agent (169.254.170.23:80) — needed when the binding is Pod Identity. */
  readonly podIdentityAgent: boolean;
  readonly intraNamespace: boolean;
}

/** Which data stores the tenant has, as the plan decides. */
export interface DataStoreChoice {
  /** The plan provisions a Redis namespace (`redis_namespace`). @default true */
  readonly redis?: boolean;
  /** The Redis cell the tenant is placed on (from the Redis component's placement). */
  readonly redisCell?: string;
}

/**
 * The tenant's data store endpoints: PostgreSQL always, Redis when the plan has it — the
 * tenant's own cell when the platform lists per-cell blocks, otherwise the shared Redis block.
 * Throws when the tenant's cell is unknown or no Redis block is configured.
 */
export function tenantDataStores(platform: KubernetesPlatform, choice: DataStoreChoice = {}): NamedEndpoint[] {
  const stores: NamedEndpoint[] = [{ name: "postgres", ...platform.dataStoreCidrs.postgres }];
  if (choice.redis === false) return stores;
  const cells = platform.dataStoreCidrs.redisCells;
  if (choice.redisCell !== undefined) {
    const cell = cells[choice.redisCell];
    if (cell !== undefined) return [...stores, { name: `redis:${choice.redisCell}`, ...cell }];
    if (Object.keys(cells).length > 0) {
      throw new Error(
        `Redis cell ${JSON.stringify(choice.redisCell)} has no entry in kubernetes.dataStoreCidrs.redisCells; expected one of ${Object.keys(cells).join(", ")}`,
      );
    }
  }
  const redis = platform.dataStoreCidrs.redis;
  if (redis === undefined) {
    throw new Error(
      "the plan provisions a Redis namespace but kubernetes.dataStoreCidrs has neither redis nor an entry in redisCells for the tenant's cell; expected the CIDR blocks of the tenant's Redis",
    );
  }
  return [...stores, { name: "redis", ...redis }];
}

/** Narrows the platform section to the inputs of {@link networkPolicyManifests}. */
export function networkPolicyInput(
  platform: KubernetesPlatform,
  principalBinding: PrincipalBinding,
  choice: DataStoreChoice = {},
): NetworkPolicyInput {
  return {
    ingressNamespace: platform.ingressNamespace,
    ...(platform.ingressPodLabels !== undefined ? { ingressPodLabels: platform.ingressPodLabels } : {}),
    appPort: platform.appPort,
    dnsNamespace: platform.dnsNamespace,
    dnsPodLabels: platform.dnsPodLabels,
    dataStores: tenantDataStores(platform, choice),
    awsApiEndpoints: platform.awsApiEndpoints,
    podIdentityAgent: principalBinding === "pod-identity",
    intraNamespace: platform.intraNamespaceTraffic,
  };
}

/** Every pod of the namespace the policy lives in. */
const ALL_PODS: LabelSelector = {};

const namespaceNamed = (name: string): LabelSelector => ({ matchLabels: { [NAMESPACE_NAME_LABEL]: name } });

/** The tenant's NetworkPolicies, keyed by a stable key; optional policies are absent when off. */
export function networkPolicyManifests(
  names: TenantNames,
  planName: string,
  input: NetworkPolicyInput,
): Partial<Record<NetworkPolicyKey, NetworkPolicyManifest>> {
  if (input.ingressNamespace === names.k8sNamespace || input.dnsNamespace === names.k8sNamespace) {
    throw new Error(`the platform ingress or DNS namespace cannot be the tenant's own namespace ${names.k8sNamespace}`);
  }
  if (input.dataStores.length === 0) throw new Error("at least one data store (PostgreSQL) is expected");
  const policy = (key: NetworkPolicyKey, spec: NetworkPolicyManifest["spec"]): NetworkPolicyManifest => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: namespacedMeta(names, planName, NETWORK_POLICY_NAMES[key]),
    spec,
  });

  const result: Partial<Record<NetworkPolicyKey, NetworkPolicyManifest>> = {
    defaultDeny: policy("defaultDeny", { podSelector: ALL_PODS, policyTypes: ["Ingress", "Egress"] }),
    platformIngress: policy("platformIngress", {
      podSelector: ALL_PODS,
      policyTypes: ["Ingress"],
      ingress: [
        {
          // One peer with both selectors: pods matching ingressPodLabels AND in the ingress namespace.
          from: [
            {
              namespaceSelector: namespaceNamed(input.ingressNamespace),
              ...(input.ingressPodLabels !== undefined ? { podSelector: { matchLabels: input.ingressPodLabels } } : {}),
            },
          ],
          ports: [{ protocol: "TCP", port: input.appPort }],
        },
      ],
    }),
    dns: policy("dns", {
      podSelector: ALL_PODS,
      policyTypes: ["Egress"],
      egress: [
        {
          to: [{ namespaceSelector: namespaceNamed(input.dnsNamespace), podSelector: { matchLabels: input.dnsPodLabels } }],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    }),
    // One rule per store: a block is reachable on its own port only, never on another store's.
    dataStores: policy("dataStores", {
      podSelector: ALL_PODS,
      policyTypes: ["Egress"],
      egress: input.dataStores.map((s) => ({
        to: s.cidrs.map((cidr) => ({ ipBlock: { cidr } })),
        ports: [{ protocol: "TCP" as const, port: s.port }],
      })),
    }),
  };

  const awsRules: NetworkPolicyEgressRule[] = [];
  if (input.podIdentityAgent) {
    awsRules.push({ to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT.cidr } }], ports: [{ protocol: "TCP", port: POD_IDENTITY_AGENT.port }] });
  }
  if (input.awsApiEndpoints.cidrs.length > 0) {
    awsRules.push({
      to: input.awsApiEndpoints.cidrs.map((cidr) => ({ ipBlock: { cidr } })),
      ports: [{ protocol: "TCP", port: input.awsApiEndpoints.port }],
    });
  }
  if (awsRules.length > 0) {
    result.awsCredentials = policy("awsCredentials", { podSelector: ALL_PODS, policyTypes: ["Egress"], egress: awsRules });
  }
  if (input.intraNamespace) {
    // A peer with only a podSelector means pods of the policy's own namespace: never another.
    result.sameNamespace = policy("sameNamespace", {
      podSelector: ALL_PODS,
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ podSelector: ALL_PODS }] }],
      egress: [{ to: [{ podSelector: ALL_PODS }] }],
    });
  }
  return result;
}
