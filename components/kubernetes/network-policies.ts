/**
 * The tenant's NetworkPolicies, as pure data. Kubernetes NetworkPolicies are allow-lists that
 * add up: once any policy selects a pod for a direction, only what some policy allows passes.
 * So the tenant gets one policy that selects every pod for both directions and allows nothing
 * (default deny), and one small policy per thing that is allowed:
 *
 * - ingress from the platform's ingress controller namespace, on the app port only;
 * - egress to the cluster DNS pods on UDP and TCP 53;
 * - egress to the tenant's own data stores, each block on its own port only;
 * - egress to the AWS credential source of the tenant's principal (the Pod Identity agent) and
 *   to the VPC interface endpoints of exactly the AWS APIs its plan uses (S3 and KMS for
 *   s3_prefix, Secrets Manager and KMS for security_isolation, STS for IRSA);
 * - traffic between the tenant's own pods, when the platform allows it.
 *
 * No rule names another tenant's namespace, and none selects namespaces by anything but
 * their immutable `kubernetes.io/metadata.name` label, which tenants cannot set.
 * https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
import type { Problem } from "../errors";
import type { TenantNames } from "../naming";
import { AWS_API_SERVICES, AWS_APIS, type AwsApi, type DataStoreEndpoint, type KubernetesPlatform } from "./config";
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
  /** `postgres`, `redis`, `redis:<cell>`, `redis:dedicated` or an AWS API (`kms`), for messages and tests. */
  readonly name: string;
  /** A second port on the same blocks (the reader endpoint of a dedicated serverless cache). */
  readonly readerPort?: number;
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
  /** The interface endpoints of the AWS APIs the tenant's plan uses; nothing else of AWS is reachable. */
  readonly awsApis: readonly NamedEndpoint[];
  /** Allow the Pod Identity agent (169.254.170.23:80) — needed when the binding is Pod Identity. */
  readonly podIdentityAgent: boolean;
  readonly intraNamespace: boolean;
}

/** Which plan switches make the tenant's pods call AWS APIs. */
export interface AwsApiUse {
  /** `s3_prefix`: the tenant's objects (S3), encrypted with its key (KMS). @default false */
  readonly s3Prefix?: boolean;
  /** `security_isolation`: the tenant's credentials (Secrets Manager), encrypted with its key (KMS). @default false */
  readonly securityIsolation?: boolean;
}

/** Which data stores the tenant has, as the plan decides. */
export interface DataStoreChoice {
  /** The plan provisions a Redis namespace (`redis_namespace`). @default true */
  readonly redis?: boolean;
  /** The Redis cell the tenant is placed on (from the Redis component's placement). */
  readonly redisCell?: string;
  /**
   * The tenant has a dedicated serverless cache (`dedicated_resources`): its primary port and its
   * reader port (serverless caches answer reads from replicas on 6380) are both allowed.
   * @default false
   */
  readonly redisDedicated?: boolean;
  /** The AWS APIs the plan makes the tenant's pods call. @default none */
  readonly awsApis?: AwsApiUse;
}

/** One AWS API the tenant's pods call, and why. */
export interface RequiredAwsApi {
  readonly api: AwsApi;
  /** The plan switches or binding that need it, for messages. */
  readonly because: readonly string[];
}

/**
 * The AWS APIs the tenant's pods call: S3 and KMS with `s3_prefix` (its objects and the key
 * that encrypts them), Secrets Manager and KMS with `security_isolation` (its credentials and the
 * key that encrypts them), and STS with IRSA (pods exchange their token with
 * AssumeRoleWithWebIdentity; Pod Identity uses the node-local agent instead).
 */
export function requiredAwsApis(use: AwsApiUse, binding: PrincipalBinding): RequiredAwsApi[] {
  const because: Record<AwsApi, string[]> = { s3: [], kms: [], secretsManager: [], sts: [] };
  if (use.s3Prefix) {
    because.s3.push("s3_prefix (the tenant's objects)");
    because.kms.push("s3_prefix (the tenant key encrypts its objects)");
  }
  if (use.securityIsolation) {
    because.secretsManager.push("security_isolation (the tenant's credentials are secrets)");
    because.kms.push("security_isolation (the tenant key encrypts its secrets)");
  }
  if (binding === "irsa" && (use.s3Prefix || use.securityIsolation)) {
    because.sts.push("principalBinding irsa (pods exchange their token with sts:AssumeRoleWithWebIdentity)");
  }
  return AWS_APIS.filter((api) => because[api].length > 0).map((api) => ({ api, because: because[api] }));
}

/**
 * Every AWS API the tenant's pods call that the cluster config gives no egress to: with the
 * default-deny policy the call would time out. Names the key, what needs it and the fix.
 */
export function awsEgressProblems(platform: KubernetesPlatform, binding: PrincipalBinding, choice: DataStoreChoice, planName: string): Problem[] {
  return requiredAwsApis(choice.awsApis ?? {}, binding)
    .filter(({ api }) => platform.awsApiEndpoints[api] === undefined)
    .map(({ api, because }) => ({
      path: `platform.kubernetes.awsApiEndpoints.${api}`,
      message:
        `missing; tenant pods call ${AWS_API_SERVICES[api].title} because plan ${JSON.stringify(planName)} enables ${because.join(" and ")}, and the tenant's NetworkPolicies allow egress only to configured blocks, so the calls would time out; ` +
        `expected the CIDR blocks of the ${AWS_API_SERVICES[api].endpoint} VPC interface endpoint (its subnets, or /32s of its network interfaces)`,
    }));
}

/** The interface endpoints of the AWS APIs the tenant uses; throws when one is missing (see {@link awsEgressProblems}). */
export function tenantAwsApiEndpoints(platform: KubernetesPlatform, binding: PrincipalBinding, choice: DataStoreChoice = {}): NamedEndpoint[] {
  return requiredAwsApis(choice.awsApis ?? {}, binding).map(({ api }) => {
    const endpoint = platform.awsApiEndpoints[api];
    if (endpoint === undefined) throw new Error(`kubernetes.awsApiEndpoints.${api} is missing; see awsEgressProblems`);
    return { name: api, ...endpoint };
  });
}

/**
 * The tenant's data store endpoints: PostgreSQL always, Redis when the plan has it — its
 * dedicated cache's blocks (primary and reader ports), its own cell when the platform lists
 * per-cell blocks, otherwise the shared Redis block. Throws when the tenant's cell is unknown or
 * no Redis block is configured.
 */
export function tenantDataStores(platform: KubernetesPlatform, choice: DataStoreChoice = {}): NamedEndpoint[] {
  const stores: NamedEndpoint[] = [{ name: "postgres", ...platform.dataStoreCidrs.postgres }];
  if (choice.redis === false) return stores;
  const redis = platform.dataStoreCidrs.redis;
  if (choice.redisDedicated) {
    if (redis === undefined) {
      throw new Error(
        "the tenant has a dedicated Redis cache but kubernetes.dataStoreCidrs.redis is missing; expected the CIDR blocks of the dedicated caches' subnets",
      );
    }
    return [...stores, { name: "redis:dedicated", cidrs: redis.cidrs, port: redis.port, readerPort: redis.readerPort }];
  }
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
  if (redis === undefined) {
    throw new Error(
      "the plan provisions a Redis namespace but kubernetes.dataStoreCidrs has neither redis nor an entry in redisCells for the tenant's cell; expected the CIDR blocks of the tenant's Redis",
    );
  }
  // A pooled cell answers on its one port: no reader port.
  return [...stores, { name: "redis", cidrs: redis.cidrs, port: redis.port }];
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
    awsApis: tenantAwsApiEndpoints(platform, principalBinding, choice),
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
        ports: [s.port, ...(s.readerPort !== undefined ? [s.readerPort] : [])].map((port) => ({ protocol: "TCP" as const, port })),
      })),
    }),
  };

  const awsRules: NetworkPolicyEgressRule[] = [];
  if (input.podIdentityAgent) {
    awsRules.push({ to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT.cidr } }], ports: [{ protocol: "TCP", port: POD_IDENTITY_AGENT.port }] });
  }
  // One rule per AWS API the plan uses (two APIs behind the same blocks and port share one).
  const seen = new Set<string>();
  for (const api of input.awsApis) {
    const key = JSON.stringify([api.cidrs, api.port]);
    if (seen.has(key)) continue;
    seen.add(key);
    awsRules.push({ to: api.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: api.port }] });
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
