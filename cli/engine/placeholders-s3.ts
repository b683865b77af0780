/**
 * Placeholder outputs for the S3 area's resource types that `placeholders.ts` does not cover
 * (the {@link Rule} of placeholder-kit.ts), merged into PLACEHOLDER_RULES there.
 * Keys, roles and buckets are already covered there.
 */
import { arnIn, PLACEHOLDER_LOCATION, type Rule, stableHex } from "./placeholder-kit";

export const PLACEHOLDER_RULES_S3: Record<string, Rule> = {
  /** Import ID `cluster,association-id`; association IDs look like `a-` + 17 characters. */
  "aws:eks/podIdentityAssociation:PodIdentityAssociation": (name, i, at = PLACEHOLDER_LOCATION) => {
    const associationId = `a-${stableHex(17, "pod-identity", name)}`;
    const cluster = String(i.clusterName ?? "placeholder-cluster");
    return {
      id: `${cluster},${associationId}`,
      extra: {
        associationId,
        associationArn: arnIn(at, "eks", `podidentityassociation/${cluster}/${associationId}`),
      },
    };
  },
  /** Import ID `role:policy-name`. */
  "aws:iam/rolePolicy:RolePolicy": (name, i) => ({ id: `${String(i.role ?? name)}:${String(i.name ?? name)}` }),
  /** Bucket-scoped configuration resources use the bucket name as their ID. */
  "aws:s3/bucketPolicy:BucketPolicy": (name, i) => ({ id: String(i.bucket ?? name) }),
  "aws:s3/bucketVersioning:BucketVersioning": (name, i) => ({ id: String(i.bucket ?? name) }),
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (name, i) => ({ id: String(i.bucket ?? name) }),
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": (name, i) => ({ id: String(i.bucket ?? name) }),
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": (name, i) => ({ id: String(i.bucket ?? name) }),
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (name, i) => ({
    id: String(i.bucket ?? name),
  }),
};
