/**
 * How tenant workloads obtain the tenant principal: one IAM role per tenant, assumed through
 * EKS Pod Identity by pods running as the tenant's ServiceAccount in the tenant's namespace.
 *
 * The Pod Identity association (cluster + namespace + ServiceAccount → role) is the binding; the
 * trust policy adds a second check on the session tags EKS Pod Identity attaches, so that an
 * association created by mistake for another namespace cannot assume this role.
 *
 * Scale: one role per tenant meets the IAM role quota (1,000 per account by default, 5,000 at
 * most) and the Pod Identity quota (5,000 associations per cluster). Beyond that, the ABAC path
 * in docs/s3.md applies (one shared role, policies keyed by session tags).
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html
 */
import type { TenantNames } from "../naming";
import { POD_IDENTITY_TRUST_ACTIONS } from "../s3/actions";
import { eksClusterArn } from "../s3/layout";
import { type IamPolicyDocument, policyDocument } from "../s3/policy-document";

/** The service principal EKS Pod Identity assumes roles as. */
export const POD_IDENTITY_SERVICE = "pods.eks.amazonaws.com";

/** The session tags EKS Pod Identity attaches that this trust policy checks. */
export const POD_IDENTITY_TAGS = {
  clusterArn: "eks-cluster-arn",
  namespace: "kubernetes-namespace",
  serviceAccount: "kubernetes-service-account",
} as const;

/** What the trust policy is built from. */
export interface PodIdentityTrustInput {
  readonly names: TenantNames;
  readonly accountId: string;
  readonly region: string;
  readonly clusterName: string;
}

/**
 * The tenant role's trust policy: EKS Pod Identity may assume it (and tag the session) only for
 * the tenant's ServiceAccount in the tenant's namespace of the platform's cluster. Short by
 * design: a trust policy may hold 2,048 characters.
 */
export function podIdentityTrustPolicy(input: PodIdentityTrustInput): IamPolicyDocument {
  const { names } = input;
  return policyDocument([
    {
      Sid: "EksPodIdentityForTenantServiceAccount",
      Effect: "Allow",
      Principal: { Service: POD_IDENTITY_SERVICE },
      Action: [...POD_IDENTITY_TRUST_ACTIONS],
      Condition: {
        StringEquals: {
          [`aws:RequestTag/${POD_IDENTITY_TAGS.clusterArn}`]: eksClusterArn(input.region, input.accountId, input.clusterName),
          [`aws:RequestTag/${POD_IDENTITY_TAGS.namespace}`]: names.k8sNamespace,
          [`aws:RequestTag/${POD_IDENTITY_TAGS.serviceAccount}`]: names.k8sServiceAccount,
        },
      },
    },
  ]);
}
