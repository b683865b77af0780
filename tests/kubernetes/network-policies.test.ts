import { describe, expect, it } from "vitest";
import { KubernetesPlatformSchema } from "../../components/kubernetes/config";
import { awsEgressProblems, networkPolicyInput, networkPolicyManifests, requiredAwsApis, tenantDataStores } from "../../components/kubernetes/network-policies";
import { ACME, AWS_API_ENDPOINTS_RAW, PLATFORM, PLATFORM_RAW } from "./fixtures";

const meta = (name: string) => ({
  name,
  namespace: "tenant-acme",
  labels: { "controlcore.io/tenant": "acme", "controlcore.io/plan": "pro", "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "controlcore" },
});
const np = (name: string, spec: unknown) => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta(name), spec });

describe("networkPolicyManifests", () => {
  it("pro on cell-1 with Pod Identity: exact policies", () => {
    const policies = networkPolicyManifests(ACME, "pro", networkPolicyInput(PLATFORM, "pod-identity", { redis: true, redisCell: "cell-1" }));
    expect(policies).toEqual({
      defaultDeny: np("default-deny-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
      platformIngress: np("allow-platform-ingress", {
        podSelector: {},
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } },
                podSelector: { matchLabels: { "app.kubernetes.io/name": "ingress-nginx" } },
              },
            ],
            ports: [{ protocol: "TCP", port: 8080 }],
          },
        ],
      }),
      dns: np("allow-dns-egress", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
            ports: [
              { protocol: "UDP", port: 53 },
              { protocol: "TCP", port: 53 },
            ],
          },
        ],
      }),
      dataStores: np("allow-data-store-egress", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
          { to: [{ ipBlock: { cidr: "10.20.10.0/24" } }], ports: [{ protocol: "TCP", port: 5432 }] },
          { to: [{ ipBlock: { cidr: "10.20.21.0/24" } }], ports: [{ protocol: "TCP", port: 6379 }] },
        ],
      }),
      awsCredentials: np("allow-aws-egress", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [{ to: [{ ipBlock: { cidr: "169.254.170.23/32" } }], ports: [{ protocol: "TCP", port: 80 }] }],
      }),
      sameNamespace: np("allow-same-namespace", {
        podSelector: {},
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [{ podSelector: {} }] }],
        egress: [{ to: [{ podSelector: {} }] }],
      }),
    });
  });

  it("IRSA without VPC endpoints and without intra-namespace traffic: no AWS and no same-namespace policy", () => {
    const platform = KubernetesPlatformSchema.parse({ ...PLATFORM_RAW, intraNamespaceTraffic: false });
    const policies = networkPolicyManifests(ACME, "pro", networkPolicyInput(platform, "irsa", { redis: false }));
    expect(Object.keys(policies)).toEqual(["defaultDeny", "platformIngress", "dns", "dataStores"]);
    expect(policies.dataStores?.spec.egress).toEqual([{ to: [{ ipBlock: { cidr: "10.20.10.0/24" } }], ports: [{ protocol: "TCP", port: 5432 }] }]);
  });

  it("egress to exactly the AWS APIs the plan uses, each on its endpoint's blocks and 443", () => {
    const platform = KubernetesPlatformSchema.parse({ ...PLATFORM_RAW, awsApiEndpoints: AWS_API_ENDPOINTS_RAW });
    const rule = (cidrs: string[]) => ({ to: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: 443 }] });
    const irsa = networkPolicyManifests(ACME, "pro", networkPolicyInput(platform, "irsa", { awsApis: { s3Prefix: true, securityIsolation: true } }));
    expect(irsa.awsCredentials?.spec.egress).toEqual([
      rule(AWS_API_ENDPOINTS_RAW.s3.cidrs),
      rule(AWS_API_ENDPOINTS_RAW.kms.cidrs),
      rule(AWS_API_ENDPOINTS_RAW.secretsManager.cidrs),
      rule(AWS_API_ENDPOINTS_RAW.sts.cidrs),
    ]);
    const s3Only = networkPolicyManifests(ACME, "pro", networkPolicyInput(platform, "irsa", { awsApis: { s3Prefix: true } }));
    expect(s3Only.awsCredentials?.spec.egress).toEqual([rule(AWS_API_ENDPOINTS_RAW.s3.cidrs), rule(AWS_API_ENDPOINTS_RAW.kms.cidrs), rule(AWS_API_ENDPOINTS_RAW.sts.cidrs)]);
    // Nothing used, nothing open: not even configured endpoints.
    expect(networkPolicyManifests(ACME, "pro", networkPolicyInput(platform, "irsa", {})).awsCredentials).toBeUndefined();
  });

  it("two APIs behind the same blocks share one rule", () => {
    const shared = { cidrs: ["10.20.40.0/24"] };
    const platform = KubernetesPlatformSchema.parse({ ...PLATFORM_RAW, awsApiEndpoints: { s3: shared, kms: shared, secretsManager: shared } });
    const policies = networkPolicyManifests(ACME, "pro", networkPolicyInput(platform, "pod-identity", { awsApis: { s3Prefix: true, securityIsolation: true } }));
    expect(policies.awsCredentials?.spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: "169.254.170.23/32" } }], ports: [{ protocol: "TCP", port: 80 }] },
      { to: [{ ipBlock: { cidr: "10.20.40.0/24" } }], ports: [{ protocol: "TCP", port: 443 }] },
    ]);
  });

  it("without ingressPodLabels every pod of the ingress namespace may connect, on the app port only", () => {
    const { ingressPodLabels: _omit, ...raw } = PLATFORM_RAW;
    const policies = networkPolicyManifests(ACME, "pro", networkPolicyInput(KubernetesPlatformSchema.parse(raw), "pod-identity"));
    expect(policies.platformIngress?.spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }], ports: [{ protocol: "TCP", port: 8080 }] },
    ]);
  });

  it("selects namespaces only by their immutable name label and never names another tenant", () => {
    const policies = Object.values(networkPolicyManifests(ACME, "pro", networkPolicyInput(PLATFORM, "pod-identity", { redisCell: "cell-1" })));
    const selectors = JSON.stringify(policies).match(/"namespaceSelector":\{[^}]*\}\}/g) ?? [];
    expect(selectors).toEqual([
      '"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"ingress-nginx"}}',
      '"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"kube-system"}}',
    ]);
    expect(JSON.stringify(policies).match(/tenant-[a-z0-9-]+/g)?.filter((n) => n !== "tenant-acme")).toEqual([]);
  });

  it("refuses the tenant's own namespace as ingress or DNS namespace", () => {
    const platform = KubernetesPlatformSchema.parse({ ...PLATFORM_RAW, ingressNamespace: "tenant-acme" });
    expect(() => networkPolicyManifests(ACME, "pro", networkPolicyInput(platform, "irsa"))).toThrow(
      "the platform ingress or DNS namespace cannot be the tenant's own namespace tenant-acme",
    );
  });
});

describe("tenantDataStores", () => {
  it("picks the tenant's own Redis cell, or the shared block, or none", () => {
    expect(tenantDataStores(PLATFORM, { redisCell: "cell-2" })).toEqual([
      { name: "postgres", cidrs: ["10.20.10.0/24"], port: 5432 },
      { name: "redis:cell-2", cidrs: ["10.20.22.0/24"], port: 6379 },
    ]);
    expect(tenantDataStores(PLATFORM)).toEqual([
      { name: "postgres", cidrs: ["10.20.10.0/24"], port: 5432 },
      { name: "redis", cidrs: ["10.20.30.0/24"], port: 6379 },
    ]);
    expect(tenantDataStores(PLATFORM, { redis: false })).toEqual([{ name: "postgres", cidrs: ["10.20.10.0/24"], port: 5432 }]);
  });

  it("refuses an unknown cell and a missing Redis block", () => {
    expect(() => tenantDataStores(PLATFORM, { redisCell: "cell-9" })).toThrow(
      'Redis cell "cell-9" has no entry in kubernetes.dataStoreCidrs.redisCells; expected one of cell-1, cell-2',
    );
    const noRedis = KubernetesPlatformSchema.parse({ dataStoreCidrs: { postgres: { cidrs: ["10.20.10.0/24"] } } });
    expect(() => tenantDataStores(noRedis, {})).toThrow(
      "the plan provisions a Redis namespace but kubernetes.dataStoreCidrs has neither redis nor an entry in redisCells for the tenant's cell; expected the CIDR blocks of the tenant's Redis",
    );
  });
});

describe("tenantDataStores for a dedicated serverless cache", () => {
  it("allows the Redis block on the primary port and the reader port (serverless: 6379 and 6380)", () => {
    expect(tenantDataStores(PLATFORM, { redisDedicated: true })).toEqual([
      { name: "postgres", cidrs: ["10.20.10.0/24"], port: 5432 },
      { name: "redis:dedicated", cidrs: ["10.20.30.0/24"], port: 6379, readerPort: 6380 },
    ]);
    const policies = networkPolicyManifests(ACME, "custom", networkPolicyInput(PLATFORM, "pod-identity", { redisDedicated: true }));
    expect(policies.dataStores?.spec.egress?.[1]).toEqual({
      to: [{ ipBlock: { cidr: "10.20.30.0/24" } }],
      ports: [
        { protocol: "TCP", port: 6379 },
        { protocol: "TCP", port: 6380 },
      ],
    });
  });

  it("refuses a dedicated cache without a Redis block", () => {
    const noRedis = KubernetesPlatformSchema.parse({ dataStoreCidrs: { postgres: { cidrs: ["10.20.10.0/24"] } } });
    expect(() => tenantDataStores(noRedis, { redisDedicated: true })).toThrow(
      "the tenant has a dedicated Redis cache but kubernetes.dataStoreCidrs.redis is missing; expected the CIDR blocks of the dedicated caches' subnets",
    );
  });
});

describe("AWS APIs a plan needs", () => {
  it("s3_prefix → S3 + KMS; security_isolation → Secrets Manager + KMS; IRSA adds STS; Pod Identity does not", () => {
    expect(requiredAwsApis({ s3Prefix: true }, "pod-identity").map((r) => r.api)).toEqual(["s3", "kms"]);
    expect(requiredAwsApis({ securityIsolation: true }, "pod-identity").map((r) => r.api)).toEqual(["kms", "secretsManager"]);
    expect(requiredAwsApis({ s3Prefix: true, securityIsolation: true }, "irsa").map((r) => r.api)).toEqual(["s3", "kms", "secretsManager", "sts"]);
    expect(requiredAwsApis({}, "irsa")).toEqual([]);
  });

  it("refuses a plan that needs an API the cluster config gives no egress to, naming the key, the reason and the fix", () => {
    // The section as it was before: no awsApiEndpoints at all.
    expect(awsEgressProblems(PLATFORM, "pod-identity", { awsApis: { s3Prefix: true, securityIsolation: true } }, "pro")).toEqual([
      {
        path: "platform.kubernetes.awsApiEndpoints.s3",
        message:
          `missing; tenant pods call S3 because plan "pro" enables s3_prefix (the tenant's objects), and the tenant's NetworkPolicies allow egress only to configured blocks, so the calls would time out; ` +
          "expected the CIDR blocks of the com.amazonaws.<region>.s3 VPC interface endpoint (its subnets, or /32s of its network interfaces)",
      },
      {
        path: "platform.kubernetes.awsApiEndpoints.kms",
        message:
          `missing; tenant pods call KMS because plan "pro" enables s3_prefix (the tenant key encrypts its objects) and security_isolation (the tenant key encrypts its secrets), and the tenant's NetworkPolicies allow egress only to configured blocks, so the calls would time out; ` +
          "expected the CIDR blocks of the com.amazonaws.<region>.kms VPC interface endpoint (its subnets, or /32s of its network interfaces)",
      },
      {
        path: "platform.kubernetes.awsApiEndpoints.secretsManager",
        message:
          `missing; tenant pods call Secrets Manager because plan "pro" enables security_isolation (the tenant's credentials are secrets), and the tenant's NetworkPolicies allow egress only to configured blocks, so the calls would time out; ` +
          "expected the CIDR blocks of the com.amazonaws.<region>.secretsmanager VPC interface endpoint (its subnets, or /32s of its network interfaces)",
      },
    ]);
    const onlyS3 = KubernetesPlatformSchema.parse({ ...PLATFORM_RAW, awsApiEndpoints: { s3: AWS_API_ENDPOINTS_RAW.s3, kms: AWS_API_ENDPOINTS_RAW.kms } });
    expect(awsEgressProblems(onlyS3, "irsa", { awsApis: { s3Prefix: true } }, "pro").map((p) => p.path)).toEqual(["platform.kubernetes.awsApiEndpoints.sts"]);
    expect(awsEgressProblems(onlyS3, "pod-identity", { awsApis: { s3Prefix: true } }, "pro")).toEqual([]);
  });
});
