/**
 * What the tenant's NetworkPolicies allow and deny, as data. The first block checks the
 * evaluator against Kubernetes' documented semantics with hand-written policies, so that a
 * "denied" below means the policies deny it, not that the evaluator denies everything.
 */
import { describe, expect, it } from "vitest";
import { KubernetesPlatformSchema } from "../../components/kubernetes/config";
import type { NetworkPolicyManifest } from "../../components/kubernetes/manifest-types";
import { type Endpoint, evaluateFlow, type Flow } from "./netpol-eval";
import { networkPolicyInput, networkPolicyManifests } from "../../components/kubernetes/network-policies";
import { ACME, GLOBEX, IPS, PLATFORM, PLATFORM_RAW, PLATFORM_WITH_AWS } from "./fixtures";

const pod = (namespace: string, labels: Record<string, string> = {}, ip?: string, namespaceLabels?: Record<string, string>): Endpoint => ({
  kind: "pod",
  namespace,
  labels,
  ...(ip !== undefined ? { ip } : {}),
  ...(namespaceLabels !== undefined ? { namespaceLabels } : {}),
});
const ext = (ip: string): Endpoint => ({ kind: "external", ip });
const tcp = (from: Endpoint, to: Endpoint, port: number): Flow => ({ from, to, port, protocol: "TCP" });
const udp = (from: Endpoint, to: Endpoint, port: number): Flow => ({ from, to, port, protocol: "UDP" });
const policy = (namespace: string, name: string, spec: NetworkPolicyManifest["spec"]): NetworkPolicyManifest => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name, namespace, labels: {} },
  spec,
});

describe("evaluator semantics (hand-written policies)", () => {
  const a = pod("ns-a", { app: "web" }, "10.100.9.1");
  const b = pod("ns-b", { app: "db" }, "10.100.9.2", { team: "x" });

  it("allows everything when no policy selects either pod", () => {
    expect(evaluateFlow([], tcp(a, b, 5432))).toEqual({
      allowed: true,
      egress: { allowed: true, isolated: false, allowedBy: [] },
      ingress: { allowed: true, isolated: false, allowedBy: [] },
    });
  });

  it("a policy with ingress rules only (no policyTypes) isolates ingress, not egress", () => {
    const p = policy("ns-a", "in-only", { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] });
    const v = evaluateFlow([p], tcp(a, ext(IPS.internet), 443));
    expect(v.egress.isolated).toBe(false);
    expect(v.allowed).toBe(true);
    expect(evaluateFlow([p], tcp(b, a, 80)).ingress).toEqual({ allowed: false, isolated: true, allowedBy: [] });
  });

  it("namespaceSelector and podSelector in one peer mean both; in two peers, either", () => {
    const and = policy("ns-b", "and", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "y" } }, podSelector: { matchLabels: { app: "web" } } }] }] });
    const or = policy("ns-b", "or", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "y" } } }, { podSelector: { matchLabels: { app: "web" } } }] }] });
    // a is app=web in ns-a (no team label): AND fails on the namespace; OR's podSelector alone means ns-b pods only.
    expect(evaluateFlow([and], tcp(a, b, 80)).allowed).toBe(false);
    expect(evaluateFlow([or], tcp(a, b, 80)).allowed).toBe(false);
    const webInB = pod("ns-b", { app: "web" });
    expect(evaluateFlow([or], tcp(webInB, b, 80)).allowed).toBe(true);
    const webInY = pod("ns-y", { app: "web" }, undefined, { team: "y" });
    expect(evaluateFlow([and], tcp(webInY, b, 80)).allowed).toBe(true);
    expect(evaluateFlow([and], tcp(pod("ns-y", { app: "other" }, undefined, { team: "y" }), b, 80)).allowed).toBe(false);
  });

  it("policies add up; ipBlock honours except; endPort makes a range; protocol defaults to TCP", () => {
    const p1 = policy("ns-a", "web", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "10.20.0.0/16", except: ["10.20.5.0/24"] } }], ports: [{ port: 8000, endPort: 8010 }] }] });
    const p2 = policy("ns-a", "dns", { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports: [{ protocol: "UDP", port: 53 }] }] });
    expect(evaluateFlow([p1, p2], tcp(a, ext("10.20.1.1"), 8005)).egress.allowedBy).toEqual(["ns-a/web"]);
    expect(evaluateFlow([p1, p2], tcp(a, ext("10.20.5.1"), 8005)).allowed).toBe(false);
    expect(evaluateFlow([p1, p2], tcp(a, ext("10.20.1.1"), 8011)).allowed).toBe(false);
    expect(evaluateFlow([p1, p2], udp(a, ext("10.20.1.1"), 8005)).allowed).toBe(false);
    expect(evaluateFlow([p1, p2], udp(a, ext(IPS.internet), 53)).egress.allowedBy).toEqual(["ns-a/dns"]);
  });

  it("a namespace cannot claim another namespace's name label", () => {
    const p = policy("ns-b", "from-ingress", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }] }] });
    const impostor = pod("evil", {}, undefined, { "kubernetes.io/metadata.name": "ingress-nginx" });
    expect(evaluateFlow([p], tcp(impostor, b, 80)).allowed).toBe(false);
    expect(evaluateFlow([p], tcp(pod("ingress-nginx"), b, 80)).allowed).toBe(true);
  });

  it("refuses what it does not model", () => {
    const named = policy("ns-a", "named", { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports: [{ port: "http" }] }] });
    expect(() => evaluateFlow([named], tcp(a, ext(IPS.internet), 80))).toThrow('named port "http" is not modelled by the evaluator; use port numbers');
    const bad = policy("ns-a", "bad", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8" }, podSelector: {} }] }] });
    expect(() => evaluateFlow([bad], tcp(a, ext(IPS.internet), 80))).toThrow("invalid NetworkPolicy peer: ipBlock cannot be combined with podSelector or namespaceSelector");
  });
});

describe("the tenant's policies (verdicts)", () => {
  const acmePolicies = Object.values(networkPolicyManifests(ACME, "pro", networkPolicyInput(PLATFORM, "pod-identity", { redisCell: "cell-1" })));
  const globexPolicies = Object.values(networkPolicyManifests(GLOBEX, "pro", networkPolicyInput(PLATFORM, "pod-identity", { redisCell: "cell-2" })));
  const cluster = [...acmePolicies, ...globexPolicies];

  const acme = pod("tenant-acme", { app: "policy-api" }, IPS.acmePod);
  const acme2 = pod("tenant-acme", { app: "bouncer" }, IPS.acmePod2);
  const globex = pod("tenant-globex", { app: "policy-api" }, IPS.globexPod);
  const ingress = pod("ingress-nginx", { "app.kubernetes.io/name": "ingress-nginx" }, IPS.ingressPod);
  const ingressOther = pod("ingress-nginx", { app: "default-backend" });
  const dns = pod("kube-system", { "k8s-app": "kube-dns" }, IPS.dnsPod);
  const kubeSystemOther = pod("kube-system", { "k8s-app": "metrics-server" });
  const platformPod = pod("controlcore-system", { app: "control-plane" });

  // [description, flow, allowed, policy that allows it (when allowed)]
  const table: Array<[string, Flow, boolean, string?]> = [
    ["tenant → other tenant's pod (app port)", tcp(acme, globex, 8080), false],
    ["tenant → other tenant's pod (any port)", tcp(acme, globex, 5432), false],
    ["other tenant → tenant's pod", tcp(globex, acme, 8080), false],
    ["platform ingress → tenant pod on the app port", tcp(ingress, acme, 8080), true, "tenant-acme/allow-platform-ingress"],
    ["platform ingress → tenant pod on another port", tcp(ingress, acme, 22), false],
    ["non-controller pod of the ingress namespace → tenant", tcp(ingressOther, acme, 8080), false],
    ["platform namespace (not the ingress) → tenant", tcp(platformPod, acme, 8080), false],
    ["outside address → tenant pod directly", tcp(ext(IPS.internet), acme, 8080), false],
    ["tenant → cluster DNS, UDP 53", udp(acme, dns, 53), true, "tenant-acme/allow-dns-egress"],
    ["tenant → cluster DNS, TCP 53", tcp(acme, dns, 53), true, "tenant-acme/allow-dns-egress"],
    ["tenant → cluster DNS pod on another port", tcp(acme, dns, 9153), false],
    ["tenant → other kube-system pod on 53", udp(acme, kubeSystemOther, 53), false],
    ["tenant → public DNS resolver", udp(acme, ext(IPS.publicDns), 53), false],
    ["tenant → PostgreSQL block on 5432", tcp(acme, ext(IPS.postgres), 5432), true, "tenant-acme/allow-data-store-egress"],
    ["tenant → PostgreSQL block on the Redis port", tcp(acme, ext(IPS.postgres), 6379), false],
    ["tenant → its Redis cell on 6379", tcp(acme, ext(IPS.redisCell1), 6379), true, "tenant-acme/allow-data-store-egress"],
    ["tenant → another Redis cell", tcp(acme, ext(IPS.redisCell2), 6379), false],
    ["tenant → shared Redis block it is not placed on", tcp(acme, ext(IPS.redisShared), 6379), false],
    ["tenant → internet 1.1.1.1:443", tcp(acme, ext(IPS.internet), 443), false],
    ["tenant → instance metadata 169.254.169.254:80", tcp(acme, ext(IPS.metadata), 80), false],
    ["tenant → Pod Identity agent 169.254.170.23:80", tcp(acme, ext(IPS.podIdentityAgent), 80), true, "tenant-acme/allow-aws-egress"],
    ["tenant → Pod Identity agent address on another port", tcp(acme, ext(IPS.podIdentityAgent), 2703), false],
    ["tenant → Kubernetes API Service address", tcp(acme, ext(IPS.kubernetesService), 443), false],
    ["tenant → platform control plane pod", tcp(acme, platformPod, 8080), false],
    ["tenant pod → own namespace pod", tcp(acme, acme2, 9000), true],
  ];

  it.each(table)("%s", (_what, flow, allowed, by) => {
    const v = evaluateFlow(cluster, flow);
    expect(v.allowed).toBe(allowed);
    if (by !== undefined) {
      const side = flow.from.kind === "pod" && flow.from.namespace === "tenant-acme" ? v.egress : v.ingress;
      expect(side.allowedBy).toContain(by);
    }
  });

  it("each tenant's own policies deny cross-tenant traffic on their own (defence in depth)", () => {
    expect(evaluateFlow(acmePolicies, tcp(acme, globex, 8080))).toEqual({
      allowed: false,
      egress: { allowed: false, isolated: true, allowedBy: [] },
      ingress: { allowed: true, isolated: false, allowedBy: [] },
    });
    expect(evaluateFlow(globexPolicies, tcp(acme, globex, 8080))).toEqual({
      allowed: false,
      egress: { allowed: true, isolated: false, allowedBy: [] },
      ingress: { allowed: false, isolated: true, allowedBy: [] },
    });
  });

  it("same-namespace traffic is allowed by exactly the same-namespace policy, on both sides", () => {
    const v = evaluateFlow(cluster, tcp(acme, acme2, 9000));
    expect(v.egress.allowedBy).toEqual(["tenant-acme/allow-same-namespace"]);
    expect(v.ingress.allowedBy).toEqual(["tenant-acme/allow-same-namespace"]);
  });

  it("with only the default-deny policy every flow of the table is denied (allows come from named policies)", () => {
    const denyOnly = cluster.filter((p) => p.metadata.name === "default-deny-all");
    for (const [what, flow] of table) {
      expect([what, evaluateFlow(denyOnly, flow).allowed]).toEqual([what, false]);
    }
  });

  it("IRSA tenants cannot reach the Pod Identity agent; intra-namespace traffic can be switched off", () => {
    const platform = KubernetesPlatformSchema.parse({ ...PLATFORM_RAW, intraNamespaceTraffic: false });
    const irsa = Object.values(networkPolicyManifests(ACME, "pro", networkPolicyInput(platform, "irsa", { redisCell: "cell-1" })));
    expect(evaluateFlow(irsa, tcp(acme, ext(IPS.podIdentityAgent), 80)).allowed).toBe(false);
    expect(evaluateFlow(irsa, tcp(acme, acme2, 9000)).allowed).toBe(false);
    expect(evaluateFlow(irsa, tcp(acme, ext(IPS.postgres), 5432)).allowed).toBe(true);
  });

  it("why data store blocks may not cover pod addresses: such a block would open other tenants' pods", () => {
    // Bypasses the schema on purpose, to show what its overlap check prevents.
    const unsafe = { ...PLATFORM, dataStoreCidrs: { ...PLATFORM.dataStoreCidrs, postgres: { cidrs: ["10.100.0.0/16"], port: 5432 } } };
    const policies = Object.values(networkPolicyManifests(ACME, "pro", networkPolicyInput(unsafe, "pod-identity", { redisCell: "cell-1" })));
    expect(evaluateFlow(policies, tcp(acme, globex, 5432)).egress).toEqual({ allowed: true, isolated: true, allowedBy: ["tenant-acme/allow-data-store-egress"] });
    expect(() => KubernetesPlatformSchema.parse({ ...PLATFORM_RAW, dataStoreCidrs: { postgres: { cidrs: ["10.100.0.0/16"] } } })).toThrow(
      "overlaps the cluster block 10.100.0.0/16",
    );
  });

  it("a plan without Redis gets no Redis egress", () => {
    const noRedis = Object.values(networkPolicyManifests(ACME, "pro", networkPolicyInput(PLATFORM, "pod-identity", { redis: false })));
    expect(evaluateFlow(noRedis, tcp(acme, ext(IPS.redisCell1), 6379)).allowed).toBe(false);
    expect(evaluateFlow(noRedis, tcp(acme, ext(IPS.redisShared), 6379)).allowed).toBe(false);
  });
});

describe("egress to AWS APIs and the dedicated cache follows what the plan uses (verdicts)", () => {
  const acme = pod("tenant-acme", { app: "policy-api" }, IPS.acmePod);
  const policiesFor = (binding: "pod-identity" | "irsa", choice: Parameters<typeof networkPolicyInput>[2]) =>
    Object.values(networkPolicyManifests(ACME, "pro", networkPolicyInput(PLATFORM_WITH_AWS, binding, choice)));
  const reach = (policies: NetworkPolicyManifest[]) => ({
    s3: evaluateFlow(policies, tcp(acme, ext(IPS.s3Endpoint), 443)).allowed,
    kms: evaluateFlow(policies, tcp(acme, ext(IPS.kmsEndpoint), 443)).allowed,
    secretsManager: evaluateFlow(policies, tcp(acme, ext(IPS.secretsManagerEndpoint), 443)).allowed,
    sts: evaluateFlow(policies, tcp(acme, ext(IPS.stsEndpoint), 443)).allowed,
  });

  it.each([
    ["pro as shipped (s3_prefix and security_isolation), Pod Identity", "pod-identity", { s3Prefix: true, securityIsolation: true }, { s3: true, kms: true, secretsManager: true, sts: false }],
    ["s3_prefix only", "pod-identity", { s3Prefix: true }, { s3: true, kms: true, secretsManager: false, sts: false }],
    ["security_isolation only", "pod-identity", { securityIsolation: true }, { s3: false, kms: true, secretsManager: true, sts: false }],
    ["both with IRSA (STS for AssumeRoleWithWebIdentity)", "irsa", { s3Prefix: true, securityIsolation: true }, { s3: true, kms: true, secretsManager: true, sts: true }],
    ["neither: no AWS API at all, even though the platform lists them", "irsa", {}, { s3: false, kms: false, secretsManager: false, sts: false }],
  ] as const)("%s", (_what, binding, awsApis, expected) => {
    expect(reach(policiesFor(binding, { redisCell: "cell-1", awsApis }))).toEqual(expected);
  });

  it("an AWS endpoint is reachable on 443 only, and the first-AZ interface too", () => {
    const policies = policiesFor("pod-identity", { redisCell: "cell-1", awsApis: { s3Prefix: true } });
    expect(evaluateFlow(policies, tcp(acme, ext("10.20.40.10"), 443)).allowed).toBe(true);
    expect(evaluateFlow(policies, tcp(acme, ext(IPS.s3Endpoint), 80)).allowed).toBe(false);
    // An address of the endpoint subnet that is not the S3 interface stays closed.
    expect(evaluateFlow(policies, tcp(acme, ext("10.20.41.99"), 443)).allowed).toBe(false);
  });

  it("a dedicated serverless cache: primary 6379 and reader 6380 allowed; a pooled cell: 6380 denied", () => {
    const dedicated = policiesFor("pod-identity", { redisDedicated: true });
    expect(evaluateFlow(dedicated, tcp(acme, ext(IPS.dedicatedRedis), 6379)).allowed).toBe(true);
    expect(evaluateFlow(dedicated, tcp(acme, ext(IPS.dedicatedRedis), 6380)).allowed).toBe(true);
    expect(evaluateFlow(dedicated, tcp(acme, ext(IPS.dedicatedRedis), 6381)).allowed).toBe(false);
    expect(evaluateFlow(dedicated, tcp(acme, ext(IPS.redisCell1), 6379)).allowed).toBe(false);
    const pooled = policiesFor("pod-identity", { redisCell: "cell-1" });
    expect(evaluateFlow(pooled, tcp(acme, ext(IPS.redisCell1), 6379)).allowed).toBe(true);
    expect(evaluateFlow(pooled, tcp(acme, ext(IPS.redisCell1), 6380)).allowed).toBe(false);
  });

  it("before: the shipped pro tenant with no awsApiEndpoints could reach none of S3, KMS or Secrets Manager", () => {
    // What the old configuration produced (PLATFORM lists no endpoints and the plan's use was not passed).
    expect(reach(Object.values(networkPolicyManifests(ACME, "pro", networkPolicyInput(PLATFORM, "pod-identity", { redisCell: "cell-1" }))))).toEqual({
      s3: false,
      kms: false,
      secretsManager: false,
      sts: false,
    });
  });
});
