/**
 * The worker's deployable unit, validated against the Kubernetes (kubernetes-models) and KEDA
 * (@kubernetes-models/keda, generated from KEDA's CRDs) JSON schemas.
 */
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
import { TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication";
import { describe, expect, it } from "vitest";
import { workerManifests } from "../../deploy/worker/manifests";

const MODELS: Record<string, new (d: any) => { validate(): void }> = {
  ServiceAccount, Deployment, ScaledObject, TriggerAuthentication,
};

function validate(m: Record<string, unknown>): void {
  const Model = MODELS[m.kind as string];
  if (!Model) throw new Error(`no schema for ${String(m.kind)}`);
  new Model(m).validate();
}

describe("worker manifests", () => {
  const all = workerManifests({ namespace: "controlcore-ops", image: "registry.example.com/controlcore/tenantctl:1.0.0", concurrency: 3, maxReplicas: 8 });

  it("are valid Kubernetes and KEDA objects", () => {
    expect(all.map((m) => m.kind)).toEqual(["ServiceAccount", "Deployment", "TriggerAuthentication", "ScaledObject"]);
    for (const m of all) validate(m);
  });

  it("scale the Deployment on the queue's unfinished jobs, one pod per `concurrency` jobs", () => {
    const so = all[3] as any;
    expect(so.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "tenantctl-worker" });
    expect(so.spec.triggers[0]).toEqual({
      type: "postgresql",
      metadata: { query: "SELECT count(*) FROM pgboss.job WHERE name = 'tenant_ops' AND state < 'completed'", targetQueryValue: "3", activationTargetQueryValue: "0" },
      authenticationRef: { name: "tenantctl-worker-ops-db" },
    });
    expect([so.spec.minReplicaCount, so.spec.maxReplicaCount]).toEqual([0, 8]);
    expect((all[1] as any).spec.template.spec.containers[0].args).toEqual(["worker", "--engine", "pulumi", "--concurrency", "3", "--grace-seconds", "600"]);
    expect((all[1] as any).spec.template.spec.terminationGracePeriodSeconds).toBe(630);
  });

  it("the schemas catch a broken manifest (the validation is real)", () => {
    const broken = structuredClone(all[3]) as any;
    broken.spec.minReplicaCount = "zero";
    expect(() => validate(broken)).toThrow(/minReplicaCount/);
    const dep = structuredClone(all[1]) as any;
    dep.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef = { key: 5 };
    expect(() => validate(dep)).toThrow();
  });
});
