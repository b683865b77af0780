/**
 * The typed shape of an AWS policy document (identity, resource, trust and key policies), so
 * that every document this area builds is checked by the compiler before it is a string.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
 */

/** The only policy language version that supports policy variables and modern condition keys. */
export const POLICY_VERSION = "2012-10-17";

/** One value or a list of values, as the policy grammar allows. */
export type OneOrMany<T> = T | readonly T[];

/** Condition operators this area uses; narrowed so a typo is a compile error. */
export type ConditionOperator =
  | "StringEquals"
  | "StringNotEquals"
  | "StringLike"
  | "StringNotLike"
  | "ArnEquals"
  | "ArnLike"
  | "ArnNotEquals"
  | "ArnNotLike"
  | "Bool"
  | "NumericLessThan"
  | "Null";

/** `{ operator: { conditionKey: value(s) } }`. */
export type PolicyCondition = Partial<Record<ConditionOperator, Record<string, OneOrMany<string>>>>;

/** A principal of a resource or trust policy. */
export type PolicyPrincipal = "*" | { readonly AWS?: OneOrMany<string>; readonly Service?: OneOrMany<string> };

interface StatementBase {
  /** Statement ID: says what the statement is for; tests and the simulator report it. */
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: PolicyPrincipal;
  readonly Action: OneOrMany<string>;
  readonly Condition?: PolicyCondition;
}

/**
 * A statement scoped by `Resource` or by `NotResource` (never both), or by neither in a role's
 * trust policy, whose resource is the role itself.
 */
export type PolicyStatement =
  | (StatementBase & { readonly Resource: OneOrMany<string>; readonly NotResource?: never })
  | (StatementBase & { readonly NotResource: OneOrMany<string>; readonly Resource?: never })
  | (StatementBase & { readonly Principal: PolicyPrincipal; readonly Resource?: never; readonly NotResource?: never });

/** A complete policy document. */
export interface IamPolicyDocument {
  readonly Version: typeof POLICY_VERSION;
  readonly Statement: readonly PolicyStatement[];
}

/** Builds a document from statements (the one place `Version` is written). */
export function policyDocument(statements: readonly PolicyStatement[]): IamPolicyDocument {
  const sids = statements.map((s) => s.Sid);
  const duplicate = sids.find((sid, i) => sids.indexOf(sid) !== i);
  if (duplicate !== undefined) throw new Error(`policy document has two statements with Sid ${JSON.stringify(duplicate)}`);
  return { Version: POLICY_VERSION, Statement: statements };
}

/**
 * The document as AWS stores it: minified JSON. Size quotas (inline role policies 10,240
 * characters, trust policies 2,048, bucket policies 20 KB, key policies 32 KB) count this form
 * without whitespace.
 */
export function policyJson(doc: IamPolicyDocument): string {
  return JSON.stringify(doc);
}

/**
 * Size quotas of the documents, in characters of minified JSON.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html
 */
export const POLICY_SIZE_LIMITS = {
  /** Aggregate inline policies of one role. */
  roleInlinePolicies: 10_240,
  /** Role trust policy (default; adjustable to 4,096). */
  roleTrustPolicy: 2_048,
  /** S3 bucket policy (20 KB). */
  bucketPolicy: 20_480,
  /** KMS key policy (32 KB). */
  keyPolicy: 32_768,
} as const;
