import { describe, expect, it } from "vitest";
import { KubernetesPlatformSchema, KubernetesSettingsSchema } from "../../components/kubernetes/config";
import { cidrProblem, cidrsOverlap, parseCidr, parseIpv4 } from "../../components/kubernetes/cidr";
import { CUSTOM_KUBERNETES, CUSTOM_KUBERNETES_RAW, PLATFORM, PLATFORM_RAW, PRO_KUBERNETES, PRO_KUBERNETES_RAW } from "./fixtures";

/** The messages of a failed parse, keyed by dotted path. */
function problems(schema: { safeParse(v: unknown): { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } } }, v: unknown) {
  const r = schema.safeParse(v);
  expect(r.success).toBe(false);
  return r.error!.issues.map((i) => `${i.path.map(String).join(".")}: ${i.message}`);
}

const withStores = (stores: unknown, extra: Record<string, unknown> = {}) => ({ ...PLATFORM_RAW, dataStoreCidrs: stores, ...extra });

describe("CIDR helpers", () => {
  it("parse, contain and overlap IPv4 blocks", () => {
    expect(parseIpv4("10.0.1.5")).toBe(0x0a000105);
    expect(parseCidr("10.20.10.0/24")).toEqual({ text: "10.20.10.0/24", base: 0x0a140a00, prefix: 24 });
    expect(cidrsOverlap(parseCidr("10.0.0.0/16"), parseCidr("10.0.5.0/24"))).toBe(true);
    expect(cidrsOverlap(parseCidr("10.0.0.0/16"), parseCidr("10.1.0.0/16"))).toBe(false);
    expect(cidrsOverlap(parseCidr("0.0.0.0/0"), parseCidr("192.168.0.0/16"))).toBe(true);
  });

  it.each([
    ["10.0.0.0", "expected a CIDR block such as 10.0.1.0/24 (address/prefix length)"],
    ["10.0.0.1/24", "host bits are set; the block starting at its network address is 10.0.0.0/24"],
    ["10.0.0.0/33", 'prefix length "33" is not 0 to 32'],
    ["10.0.0.256/32", 'octet "256" is not a number from 0 to 255 without leading zeros'],
    ["10.0.01.0/24", 'octet "01" is not a number from 0 to 255 without leading zeros'],
    ["fd00::/64", "IPv6 is not supported; expected a dotted-quad IPv4 address such as 10.0.1.5"],
  ])("refuses %s: %s", (cidr, why) => {
    expect(cidrProblem(cidr)).toBe(why);
  });
});

describe("KubernetesPlatformSchema", () => {
  it("fills safe defaults", () => {
    const p = KubernetesPlatformSchema.parse({ dataStoreCidrs: { postgres: { cidrs: ["10.20.10.0/24"] } } });
    expect(p).toEqual({
      ingressNamespace: "ingress-nginx",
      appPort: 8080,
      dnsNamespace: "kube-system",
      dnsPodLabels: { "k8s-app": "kube-dns" },
      dataStoreCidrs: { postgres: { cidrs: ["10.20.10.0/24"], port: 5432 }, redisCells: {} },
      awsApiEndpoints: {},
      clusterCidrs: [],
      principalBinding: "pod-identity",
      bouncerPriorityClass: "controlcore-bouncer",
      intraNamespaceTraffic: true,
    });
  });

  it("accepts the example section", () => {
    expect(PLATFORM.dataStoreCidrs.redisCells["cell-1"]).toEqual({ cidrs: ["10.20.21.0/24"], port: 6379 });
    expect(PLATFORM.context).toBe("controlcore-prod");
  });

  it("refuses an egress block that opens the whole internet", () => {
    expect(problems(KubernetesPlatformSchema, withStores({ postgres: { cidrs: ["0.0.0.0/0"] } }))).toEqual([
      "dataStoreCidrs.postgres.cidrs.0: 0.0.0.0/0 is too broad for an egress allowance (/0); expected /16 or narrower, covering only the data store's subnets",
      "dataStoreCidrs.postgres.cidrs.0: 0.0.0.0/0 overlaps the link-local range 169.254.0.0/16 (instance metadata service, Pod Identity agent); expected a block of the data store's subnets",
      "dataStoreCidrs.postgres.cidrs.0: 0.0.0.0/0 overlaps the cluster block 10.100.0.0/16; an egress allowance over pod or Service addresses would reach other tenants' pods",
    ]);
  });

  it("refuses a data store block over the instance metadata service", () => {
    expect(problems(KubernetesPlatformSchema, withStores({ postgres: { cidrs: ["169.254.169.254/32"] } }))).toEqual([
      "dataStoreCidrs.postgres.cidrs.0: 169.254.169.254/32 overlaps the link-local range 169.254.0.0/16 (instance metadata service, Pod Identity agent); expected a block of the data store's subnets",
    ]);
  });

  it("refuses a data store block over the cluster's pod addresses (it would reach other tenants' pods)", () => {
    const raw = withStores({ postgres: { cidrs: ["10.100.8.0/24"] }, redisCells: { "cell-1": { cidrs: ["172.20.0.0/24"] } } });
    expect(problems(KubernetesPlatformSchema, raw)).toEqual([
      "dataStoreCidrs.postgres.cidrs.0: 10.100.8.0/24 overlaps the cluster block 10.100.0.0/16; an egress allowance over pod or Service addresses would reach other tenants' pods",
      "dataStoreCidrs.redisCells.cell-1.cidrs.0: 172.20.0.0/24 overlaps the cluster block 172.20.0.0/16; an egress allowance over pod or Service addresses would reach other tenants' pods",
    ]);
  });

  it("refuses malformed blocks, ports, namespaces and unknown keys", () => {
    const raw = withStores({ postgres: { cidrs: ["10.20.10.1/24"], port: 70000 } }, { ingressNamespace: "Ingress_NGINX", egress: "all" });
    expect(problems(KubernetesPlatformSchema, raw)).toEqual([
      'ingressNamespace: a DNS-1123 label: lowercase letters, digits and \'-\', starting and ending with a letter or digit',
      'dataStoreCidrs.postgres.cidrs.0: "10.20.10.1/24" is not an IPv4 CIDR block: host bits are set; the block starting at its network address is 10.20.10.0/24',
      "dataStoreCidrs.postgres.port: Too big: expected number to be <=65535",
      ': Unrecognized key: "egress"',
    ]);
  });

  it("requires the PostgreSQL blocks (no default can be safe)", () => {
    expect(problems(KubernetesPlatformSchema, { dataStoreCidrs: { postgres: { cidrs: [] } } })).toEqual([
      "dataStoreCidrs.postgres.cidrs: at least one CIDR block of the PostgreSQL server",
    ]);
  });
});

describe("KubernetesSettingsSchema", () => {
  it("accepts the proposed pro and custom settings", () => {
    expect(KubernetesSettingsSchema.parse(PRO_KUBERNETES_RAW)).toEqual(PRO_KUBERNETES_RAW);
    expect(KubernetesSettingsSchema.parse(CUSTOM_KUBERNETES_RAW)).toEqual(CUSTOM_KUBERNETES_RAW);
    // The shipped plan files carry exactly these settings.
    expect(PRO_KUBERNETES).toEqual(PRO_KUBERNETES_RAW);
    expect(CUSTOM_KUBERNETES).toEqual(CUSTOM_KUBERNETES_RAW);
  });

  it("refuses requests above limits and containers larger than the namespace", () => {
    const raw = {
      ...PRO_KUBERNETES_RAW,
      cpu_request_cores: 5,
      memory_request_gib: 9,
      container: { ...PRO_KUBERNETES_RAW.container, default_cpu_request_millicores: 600, max_cpu_millicores: 8000, max_memory_mib: 9000 },
    };
    expect(problems(KubernetesSettingsSchema, raw)).toEqual([
      "cpu_request_cores: must be at most cpu_limit_cores (4)",
      "memory_request_gib: must be at most memory_limit_gib (8)",
      "container.default_cpu_request_millicores: must be at most default_cpu_limit_millicores (500)",
      "container.max_cpu_millicores: must be at most cpu_limit_cores × 1000 (4000): one container cannot exceed the namespace",
      "container.max_memory_mib: must be at most memory_limit_gib × 1024 (8192): one container cannot exceed the namespace",
    ]);
  });

  it("refuses fractions below a millicore and unknown keys", () => {
    expect(problems(KubernetesSettingsSchema, { ...PRO_KUBERNETES_RAW, cpu_request_cores: 0.0005, gpus: 1 })).toEqual([
      "cpu_request_cores: a multiple of 0.001 cores (1 millicore)",
      ': Unrecognized key: "gpus"',
    ]);
  });
});
