/**
 * The settings an explicit AWS provider must copy from the stack's `aws:` config. Pulumi's
 * default AWS provider reads every `aws:*` key of the stack; an explicit provider (the us-east-1
 * one of the CloudFront certificate) reads none of them. Without these it would run with the
 * ambient credentials — another profile, no assumed role, no allowed-account guard — and could
 * create the tenant's certificate in another account than the rest of the stack.
 *
 * The keys are exactly those @pulumi/aws's own config module reads (node_modules/@pulumi/aws/config/vars.js;
 * tests/network/aws-provider-args.test.ts checks the lists against it), except `region`, which the
 * explicit provider sets itself.
 */
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** `aws:` keys holding plain strings. */
export const AWS_STRING_KEYS = [
  "customCaBundle",
  "ec2MetadataServiceEndpoint",
  "ec2MetadataServiceEndpointMode",
  "httpProxy",
  "httpsProxy",
  "noProxy",
  "profile",
  "retryMode",
  "s3UsEast1RegionalEndpoint",
  "stsRegion",
  "tagPolicyCompliance",
] as const;

/** `aws:` keys holding credentials: read with `getSecret`, passed as secrets. */
export const AWS_SECRET_KEYS = ["accessKey", "secretKey", "token"] as const;

/** `aws:` keys holding JSON (lists, objects, booleans, numbers). */
export const AWS_OBJECT_KEYS = [
  "allowedAccountIds",
  "assumeRoleWithWebIdentity",
  "assumeRoles",
  "defaultTags",
  "endpoints",
  "forbiddenAccountIds",
  "ignoreTags",
  "insecure",
  "maxRetries",
  "s3UsePathStyle",
  "sharedConfigFiles",
  "sharedCredentialsFiles",
  "skipCredentialsValidation",
  "skipMetadataApiCheck",
  "skipRegionValidation",
  "skipRequestingAccountId",
  "tokenBucketRateLimiterCapacity",
  "useDualstackEndpoint",
  "useFipsEndpoint",
  "userAgents",
] as const;

/** The reads this module needs from a `pulumi.Config` (so tests can pass a plain object). */
export interface AwsConfigReader {
  get(key: string): string | undefined;
  getSecret(key: string): pulumi.Output<string> | undefined;
  getObject<T>(key: string): T | undefined;
}

/**
 * The provider arguments the stack's `aws:` config sets (every key but `region`); keys that are
 * not set are left out, so the provider's own defaults apply exactly as for the default provider.
 *
 * @param config `new pulumi.Config("aws")` in a program.
 */
export function awsProviderArgsFromConfig(config: AwsConfigReader): Omit<aws.ProviderArgs, "region"> {
  const args: Record<string, unknown> = {};
  for (const key of AWS_STRING_KEYS) {
    const v = config.get(key);
    if (v !== undefined) args[key] = v;
  }
  for (const key of AWS_SECRET_KEYS) {
    const v = config.getSecret(key);
    if (v !== undefined) args[key] = pulumi.secret(v);
  }
  for (const key of AWS_OBJECT_KEYS) {
    const v = config.getObject<unknown>(key);
    if (v !== undefined) args[key] = v;
  }
  return args as Omit<aws.ProviderArgs, "region">;
}
