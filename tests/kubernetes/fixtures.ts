/**
 * Shared inputs of the Kubernetes tests: the proposed `kubernetes:` plan settings for pro and
 * custom (until they are merged into plans/*.yaml), the plans' own limits, and a platform
 * section with realistic CIDRs.
 */
import { loadPlan } from "../../plans/load";
import { tenantNames } from "../../components/naming";
import { KubernetesPlatformSchema, type KubernetesSettings } from "../../components/kubernetes/config";

/** The `kubernetes:` key of plans/pro.yaml, as the tests expect it. */
export const PRO_KUBERNETES_RAW = {
  cpu_request_cores: 2,
  cpu_limit_cores: 4,
  memory_request_gib: 4,
  memory_limit_gib: 8,
  max_pods: 20,
  storage_gib: 20,
  max_pvcs: 5,
  max_services: 10,
  max_service_deployments: 5,
  pods_per_bouncer: 1,
  container: {
    default_cpu_request_millicores: 100,
    default_cpu_limit_millicores: 500,
    default_memory_request_mib: 128,
    default_memory_limit_mib: 512,
    max_cpu_millicores: 2000,
    max_memory_mib: 4096,
  },
};

/** The `kubernetes:` key of plans/custom.yaml, as the tests expect it. */
export const CUSTOM_KUBERNETES_RAW = {
  cpu_request_cores: 16,
  cpu_limit_cores: 32,
  memory_request_gib: 32,
  memory_limit_gib: 64,
  max_pods: 200,
  storage_gib: 200,
  max_pvcs: 50,
  max_services: 50,
  max_service_deployments: 20,
  pods_per_bouncer: 2,
  container: {
    default_cpu_request_millicores: 250,
    default_cpu_limit_millicores: 1000,
    default_memory_request_mib: 256,
    default_memory_limit_mib: 1024,
    max_cpu_millicores: 4000,
    max_memory_mib: 8192,
  },
};

export const PRO_PLAN = loadPlan("pro").plan;
export const CUSTOM_PLAN = loadPlan("custom").plan;
/** The shipped plans' settings (tests/kubernetes/config.test.ts checks they equal the documents above). */
export const PRO_KUBERNETES: KubernetesSettings = PRO_PLAN.kubernetes;
export const CUSTOM_KUBERNETES: KubernetesSettings = CUSTOM_PLAN.kubernetes;

/** The platform section as it would appear in stack config (before defaults). */
export const PLATFORM_RAW = {
  context: "controlcore-prod",
  clusterIdentifier: "eks-controlcore-prod",
  ingressNamespace: "ingress-nginx",
  ingressPodLabels: { "app.kubernetes.io/name": "ingress-nginx" },
  appPort: 8080,
  dataStoreCidrs: {
    postgres: { cidrs: ["10.20.10.0/24"], port: 5432 },
    redis: { cidrs: ["10.20.30.0/24"] },
    redisCells: { "cell-1": { cidrs: ["10.20.21.0/24"] }, "cell-2": { cidrs: ["10.20.22.0/24"] } },
  },
  clusterCidrs: ["10.100.0.0/16", "172.20.0.0/16"],
};
export const PLATFORM = KubernetesPlatformSchema.parse(PLATFORM_RAW);

/**
 * The VPC interface endpoints of the AWS APIs, one network interface per Availability Zone in
 * the endpoint subnets 10.20.40.0/24 and 10.20.41.0/24, each listed as a /32 so that a tenant
 * reaches only the APIs its plan uses.
 */
export const AWS_API_ENDPOINTS_RAW = {
  s3: { cidrs: ["10.20.40.10/32", "10.20.41.10/32"] },
  kms: { cidrs: ["10.20.40.11/32", "10.20.41.11/32"] },
  secretsManager: { cidrs: ["10.20.40.12/32", "10.20.41.12/32"] },
  sts: { cidrs: ["10.20.40.13/32", "10.20.41.13/32"] },
};
export const PLATFORM_WITH_AWS = KubernetesPlatformSchema.parse({ ...PLATFORM_RAW, awsApiEndpoints: AWS_API_ENDPOINTS_RAW });

export const ACME = tenantNames("acme");
export const GLOBEX = tenantNames("globex");

/** Addresses used by the flow tables. */
export const IPS = {
  acmePod: "10.100.1.10",
  acmePod2: "10.100.1.11",
  globexPod: "10.100.2.20",
  ingressPod: "10.100.3.30",
  dnsPod: "10.100.4.40",
  postgres: "10.20.10.5",
  redisShared: "10.20.30.7",
  redisCell1: "10.20.21.7",
  redisCell2: "10.20.22.7",
  kubernetesService: "172.20.0.1",
  internet: "1.1.1.1",
  publicDns: "8.8.8.8",
  metadata: "169.254.169.254",
  podIdentityAgent: "169.254.170.23",
  /** Second-AZ interfaces of the AWS API endpoints (first-AZ ones end in .40.x). */
  s3Endpoint: "10.20.41.10",
  kmsEndpoint: "10.20.41.11",
  secretsManagerEndpoint: "10.20.41.12",
  stsEndpoint: "10.20.41.13",
  /** A dedicated serverless cache in the Redis block (primary 6379, reader 6380). */
  dedicatedRedis: "10.20.30.9",
} as const;
