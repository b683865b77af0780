/**
 * The worker as a deployable unit: Kubernetes manifests for a `tenantctl worker` Deployment that
 * KEDA scales on the queue's depth (the PostgreSQL scaler counts the tenant jobs not yet
 * finished), plus its ServiceAccount and the TriggerAuthentication that gives KEDA the
 * operations database's connection string from a Secret. Plain objects; `render.ts` writes them
 * as YAML; the test validates them against the Kubernetes and KEDA schemas.
 *
 * KEDA PostgreSQL scaler: https://keda.sh/docs/2.17/scalers/postgresql/ — `query` must return a
 * number; replicas = ceil(value / targetQueryValue), between minReplicaCount and maxReplicaCount.
 */
import { BOSS_SCHEMA, QUEUE } from "../../cli/jobs/queue";

export interface WorkerDeploymentArgs {
  readonly namespace: string;
  /** The image with this project and `tenantctl` (its entry point runs `tenantctl worker`). */
  readonly image: string;
  /** `pulumi` in production; `local` runs against the local servers only. @default "pulumi" */
  readonly engine?: "pulumi" | "local";
  /** Jobs per pod at once (`--concurrency`), and the queue depth one pod is sized for. @default 2 */
  readonly concurrency?: number;
  /** @default 0 — no pod while the queue is empty. */
  readonly minReplicas?: number;
  /** Bound the pods by the AWS API rates (README, throughput model), not by the queue alone. @default 10 */
  readonly maxReplicas?: number;
  /** Secret holding `connection` (the operations database URL) for the worker and for KEDA. @default "tenantctl-ops-db" */
  readonly secretName?: string;
  /** Seconds a stopping pod gives running jobs (`--grace-seconds`); the pod's grace period adds 30. @default 600 */
  readonly graceSeconds?: number;
}

/** Queued, retrying and running jobs: the pods needed now (running jobs keep their pods). */
export const QUEUE_DEPTH_QUERY = `SELECT count(*) FROM ${BOSS_SCHEMA}.job WHERE name = '${QUEUE}' AND state < 'completed'`;

export function workerManifests(a: WorkerDeploymentArgs): Record<string, unknown>[] {
  const name = "tenantctl-worker";
  const concurrency = a.concurrency ?? 2;
  const secret = a.secretName ?? "tenantctl-ops-db";
  const grace = a.graceSeconds ?? 600;
  const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "controlcore" };
  const meta = { name, namespace: a.namespace, labels };
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: meta, automountServiceAccountToken: false },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta,
      spec: {
        // KEDA owns the replica count; 0 until there is work.
        replicas: a.minReplicas ?? 0,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: grace + 30,
            securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "worker",
                image: a.image,
                args: ["worker", "--engine", a.engine ?? "pulumi", "--concurrency", String(concurrency), "--grace-seconds", String(grace)],
                env: [{ name: "TENANTCTL_OPS_DATABASE_URL", valueFrom: { secretKeyRef: { name: secret, key: "connection" } } }],
                resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { memory: "1Gi" } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: false, capabilities: { drop: ["ALL"] } },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: "keda.sh/v1alpha1",
      kind: "TriggerAuthentication",
      metadata: { name: `${name}-ops-db`, namespace: a.namespace, labels },
      spec: { secretTargetRef: [{ parameter: "connection", name: secret, key: "connection" }] },
    },
    {
      apiVersion: "keda.sh/v1alpha1",
      kind: "ScaledObject",
      metadata: meta,
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
        minReplicaCount: a.minReplicas ?? 0,
        maxReplicaCount: a.maxReplicas ?? 10,
        pollingInterval: 15,
        // A pod is kept 5 minutes after the queue empties (a burst of enqueues usually follows).
        cooldownPeriod: 300,
        triggers: [
          {
            type: "postgresql",
            metadata: { query: QUEUE_DEPTH_QUERY, targetQueryValue: String(concurrency), activationTargetQueryValue: "0" },
            authenticationRef: { name: `${name}-ops-db` },
          },
        ],
      },
    },
  ];
}
