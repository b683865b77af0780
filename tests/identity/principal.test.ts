/** The tenant role's trust policy (EKS Pod Identity), exact and within the 2,048-character quota. */
import { describe, expect, it } from "vitest";
import { tenantNames } from "../../components/naming";
import { POLICY_SIZE_LIMITS, policyJson } from "../../components/s3/policy-document";
import { podIdentityTrustPolicy } from "../../components/identity/principal";

describe("podIdentityTrustPolicy", () => {
  it("lets EKS Pod Identity assume the role only for the tenant's ServiceAccount, namespace and cluster", () => {
    const doc = podIdentityTrustPolicy({ names: tenantNames("acme"), accountId: "000000000000", region: "us-east-1", clusterName: "controlcore-prod" });
    expect(doc).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "EksPodIdentityForTenantServiceAccount",
          Effect: "Allow",
          Principal: { Service: "pods.eks.amazonaws.com" },
          Action: ["sts:AssumeRole", "sts:TagSession"],
          Condition: {
            StringEquals: {
              "aws:RequestTag/eks-cluster-arn": "arn:aws:eks:us-east-1:000000000000:cluster/controlcore-prod",
              "aws:RequestTag/kubernetes-namespace": "tenant-acme",
              "aws:RequestTag/kubernetes-service-account": "tenant-acme",
            },
          },
        },
      ],
    });
  });

  it("stays under the default trust policy quota (2,048) for the longest tenant ID and cluster name", () => {
    const doc = podIdentityTrustPolicy({
      names: tenantNames(`a${"b".repeat(30)}c`),
      accountId: "000000000000",
      region: "ap-southeast-2",
      clusterName: "c".repeat(100),
    });
    const size = policyJson(doc).length;
    expect(size).toBeLessThan(POLICY_SIZE_LIMITS.roleTrustPolicy / 2);
  });

  it("has no wildcard anywhere", () => {
    const json = policyJson(podIdentityTrustPolicy({ names: tenantNames("acme"), accountId: "000000000000", region: "us-east-1", clusterName: "c" }));
    expect(json).not.toContain("*");
  });
});
