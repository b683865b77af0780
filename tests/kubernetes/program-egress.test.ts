/**
 * The whole program with the shipped stack config (Pulumi.dev.yaml) under mocks: the
 * NetworkPolicies TenantStack declares let each plan's pods reach the AWS APIs and cache ports
 * that plan uses, and nothing more — evaluated with the NetworkPolicy evaluator.
 */
import { describe, expect, it } from "vitest";
import type { NetworkPolicyManifest } from "../../components/kubernetes/manifest-types";
import { runProgram } from "../../cli/offline-plan";
import { type Endpoint, evaluateFlow } from "./netpol-eval";

const acme: Endpoint = { kind: "pod", namespace: "tenant-acme", labels: { app: "policy-api" }, ip: "10.100.1.10" };
const to = (ip: string, port: number) => ({ from: acme, to: { kind: "external" as const, ip }, port, protocol: "TCP" as const });

async function policies(plan: string, overrides?: Record<string, unknown>): Promise<NetworkPolicyManifest[]> {
  const { resources } = await runProgram({ tenantId: "acme", plan, ...(overrides ? { overrides } : {}) });
  return resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => r.inputs as unknown as NetworkPolicyManifest);
}

/** The second-AZ interfaces of Pulumi.dev.yaml's awsApiEndpoints, and an address of its Redis block. */
const ENDPOINTS = { s3: "10.20.41.10", kms: "10.20.41.11", secretsManager: "10.20.41.12", sts: "10.20.41.13" };
const reach = (ps: NetworkPolicyManifest[]) =>
  Object.fromEntries(Object.entries(ENDPOINTS).map(([api, ip]) => [api, evaluateFlow(ps, to(ip, 443)).allowed]));

describe("egress of the shipped configuration", () => {
  it("pro (s3_prefix, security_isolation, Pod Identity): S3, KMS and Secrets Manager; not STS", async () => {
    expect(reach(await policies("pro"))).toEqual({ s3: true, kms: true, secretsManager: true, sts: false });
  });

  it("pro without s3_prefix: Secrets Manager and KMS only", async () => {
    expect(reach(await policies("pro", { s3_prefix: false }))).toEqual({ s3: false, kms: true, secretsManager: true, sts: false });
  });

  it("custom (dedicated serverless cache): the Redis block on 6379 and the reader port 6380", async () => {
    const ps = await policies("custom");
    expect(evaluateFlow(ps, to("10.20.30.9", 6379)).allowed).toBe(true);
    expect(evaluateFlow(ps, to("10.20.30.9", 6380)).allowed).toBe(true);
    expect(evaluateFlow(ps, to("10.20.21.9", 6379)).allowed).toBe(false);
  });

  it("pro (pooled cell): no reader port", async () => {
    const ps = await policies("pro");
    const cells = ["10.20.21.9", "10.20.22.9"].filter((ip) => evaluateFlow(ps, to(ip, 6379)).allowed);
    expect(cells).toHaveLength(1);
    expect(evaluateFlow(ps, to(cells[0]!, 6380)).allowed).toBe(false);
  });
});
