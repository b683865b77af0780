import { describe, expect, it } from "vitest";
import { checkResources, policyViews } from "../../cli/policy-check";
import { runProgram } from "../../cli/offline-plan";
import {
  accessStringProblems,
  evaluatePolicies,
  foreignTenantNamePolicy,
  kmsKeyPolicy,
  logGroupPolicy,
  noWildcardPrincipalPolicy,
  postgresRolePolicy,
  redisAccessStringPolicy,
  type ResourceView,
  s3PrefixPolicy,
  tenantTagPolicy,
} from "../../policy/isolation-policies";
import { tenantAccessString } from "../../components/redis/access-string";

const ctx = { tenantId: "acme", otherTenants: ["bob"] };
const res = (type: string, props: Record<string, unknown>, name = "r"): ResourceView => ({ type, urn: `urn:pulumi:acme::controlcore-tenant::${type}::${name}`, name, props });
const doc = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });

describe("each isolation policy catches a deliberately broken resource", () => {
  it("tenant-tag: an AWS taggable resource without the tag, another tenant's tag, a Kubernetes object without the label", () => {
    expect(tenantTagPolicy.check(res("aws:sns/topic:Topic", { name: "t" }), ctx)).toEqual(['tags.controlcore:tenant: got undefined; expected "acme"']);
    expect(tenantTagPolicy.check(res("aws:kms/key:Key", { tags: { "controlcore:tenant": "bob" } }), ctx)).toEqual([
      'tags.controlcore:tenant: got "bob"; expected "acme"',
    ]);
    expect(tenantTagPolicy.check(res("kubernetes:core/v1:ConfigMap", { metadata: { labels: {} } }), ctx)).toEqual([
      'metadata.labels.controlcore.io/tenant: got undefined; expected "acme"',
    ]);
    // Not taggable (no `tags` in the provider's Args): nothing to check.
    expect(tenantTagPolicy.check(res("aws:kms/alias:Alias", { name: "alias/x" }), ctx)).toEqual([]);
  });

  it("no-wildcard-principal-allow: Principal \"*\", {AWS: \"*\"} and Allow with NotPrincipal; a Deny to * is fine", () => {
    const bucket = res("aws:s3/bucketPolicy:BucketPolicy", {
      policy: doc(
        { Sid: "Open", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/tenants/acme/*" },
        { Sid: "OpenAws", Effect: "Allow", Principal: { AWS: ["arn:aws:iam::1:root", "*"] }, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/tenants/acme/*" },
        { Sid: "AllBut", Effect: "Allow", NotPrincipal: { AWS: "arn:aws:iam::1:root" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/tenants/acme/*" },
        { Sid: "DenyTls", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*" },
      ),
    });
    expect(noWildcardPrincipalPolicy.check(bucket, ctx)).toEqual([
      'policy statement "Open": Allow to principal "*"; expected named principals',
      'policy statement "OpenAws": Allow to principal "*"; expected named principals',
      'policy statement "AllBut": Allow with NotPrincipal grants every principal but those listed; expected Principal',
    ]);
    const trust = res("aws:iam/role:Role", { assumeRolePolicy: doc({ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }), tags: {} });
    expect(noWildcardPrincipalPolicy.check(trust, ctx)).toEqual(['assumeRolePolicy statement #1: Allow to principal "*"; expected named principals']);
  });

  it("kms-rotation-and-deletion-window: rotation off and a 7-day window", () => {
    expect(kmsKeyPolicy.check(res("aws:kms/key:Key", { enableKeyRotation: false, deletionWindowInDays: 7 }), ctx)).toEqual([
      "enableKeyRotation: got false; expected true",
      "deletionWindowInDays: got 7; expected at least 30",
    ]);
    // Unset window: AWS's default is 30 days.
    expect(kmsKeyPolicy.check(res("aws:kms/key:Key", { enableKeyRotation: true }), ctx)).toEqual([]);
  });

  it("log-group-tenant-key-and-retention: another key, no key, no retention", () => {
    const key = res("aws:kms/key:Key", { arn: "arn:aws:kms:us-east-1:1:key/acme", tags: { "controlcore:tenant": "acme" } }, "k");
    const other = res("aws:kms/key:Key", { arn: "arn:aws:kms:us-east-1:1:key/bob", tags: { "controlcore:tenant": "bob" } }, "kb");
    const groups = [
      res("aws:cloudwatch/logGroup:LogGroup", { kmsKeyId: "arn:aws:kms:us-east-1:1:key/bob", retentionInDays: 30 }, "g1"),
      res("aws:cloudwatch/logGroup:LogGroup", { retentionInDays: 0, kmsKeyId: "arn:aws:kms:us-east-1:1:key/acme" }, "g2"),
      res("aws:cloudwatch/logGroup:LogGroup", {}, "g3"),
      res("aws:cloudwatch/logGroup:LogGroup", { kmsKeyId: "arn:aws:kms:us-east-1:1:key/acme", retentionInDays: 90 }, "ok"),
    ];
    expect(logGroupPolicy.check([key, other, ...groups], ctx).map((v) => `${v.urn.split("::").pop()}: ${v.message}`)).toEqual([
      'g1: kmsKeyId: got "arn:aws:kms:us-east-1:1:key/bob"; expected the tenant\'s key "arn:aws:kms:us-east-1:1:key/acme"',
      "g2: retentionInDays: got 0; expected a number of days (0 or none keeps logs forever)",
      "g3: kmsKeyId: missing; expected the tenant's KMS key",
      "g3: retentionInDays: got undefined; expected a number of days (0 or none keeps logs forever)",
    ]);
  });

  it("redis-access-string-confined: allkeys, a pattern outside the prefix, channels without resetchannels, a selector", () => {
    const user = (accessString: string) => res("aws:elasticache/user:User", { accessString, tags: { "controlcore:tenant": "acme" } });
    expect(redisAccessStringPolicy.check(user("on allkeys &tenant:{acme}:* -@all +get"), ctx)).toEqual([
      'accessString: "allkeys" grants beyond the tenant',
      'accessString: channel pattern "&tenant:{acme}:*" comes before "resetchannels"',
      'accessString: "resetchannels" missing: the user keeps the default channel permissions',
    ]);
    expect(redisAccessStringPolicy.check(user("on ~tenant:{acme}:* ~tenant:{bob}:* resetchannels &* -@all (~* +get)"), ctx)).toEqual([
      'accessString: key pattern "~tenant:{bob}:*" is outside "tenant:{acme}:*"',
      'accessString: channel pattern "&*" is outside "tenant:{acme}:*"',
      'accessString: selector "(~*": selectors are not allowed',
    ]);
    // The project's own string and the dedicated cache's disabled default user pass.
    expect(accessStringProblems(tenantAccessString("tenant:{acme}:"), "tenant:{acme}:")).toEqual([]);
    expect(accessStringProblems("off -@all", "tenant:{acme}:")).toEqual([]);
  });

  it("postgres-login-role-confined: superuser, BYPASSRLS, unlimited connections", () => {
    const role = res("postgresql:index/role:Role", { login: true, superuser: true, bypassRowLevelSecurity: true, connectionLimit: -1 });
    expect(postgresRolePolicy.check(role, ctx)).toEqual([
      "superuser: got true; expected false",
      "bypassRowLevelSecurity: got true; expected false (NOBYPASSRLS)",
      "connectionLimit: got -1; expected a limit of 0 or more (-1 or none is unlimited)",
    ]);
    expect(postgresRolePolicy.check(res("postgresql:index/role:Role", { login: true }), ctx)).toEqual([
      "connectionLimit: got undefined; expected a limit of 0 or more (-1 or none is unlimited)",
    ]);
    // A group role (no login) is not a login role.
    expect(postgresRolePolicy.check(res("postgresql:index/role:Role", { login: false, superuser: true }), ctx)).toEqual([]);
  });

  it("s3-statements-confined-to-tenant-prefix: another prefix, the whole bucket, a wide s3:prefix, Resource *, NotResource", () => {
    const policy = res("aws:iam/rolePolicy:RolePolicy", {
      policy: doc(
        { Sid: "Other", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/tenants/bob/*" },
        { Sid: "Whole", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" },
        { Sid: "List", Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::b", Condition: { StringLike: { "s3:prefix": ["tenants/acme/*", "tenants/*"] } } },
        { Sid: "ListAll", Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::b" },
        { Sid: "Star", Effect: "Allow", Action: "s3:*", Resource: "*" },
        { Sid: "Not", Effect: "Allow", Action: "s3:GetObject", NotResource: "arn:aws:s3:::b/tenants/acme/*" },
        { Sid: "Own", Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::b/tenants/acme/*" },
        { Sid: "Deny", Effect: "Deny", Action: "s3:*", NotResource: "arn:aws:s3:::b/tenants/acme/*" },
      ),
    });
    expect(s3PrefixPolicy.check(policy, ctx)).toEqual([
      'policy statement "Other": Resource "arn:aws:s3:::b/tenants/bob/*" is outside "tenants/acme/"',
      'policy statement "Whole": Resource "arn:aws:s3:::b/*" is outside "tenants/acme/"',
      'policy statement "List": s3:prefix "tenants/*" is outside "tenants/acme/"',
      'policy statement "ListAll": bucket "arn:aws:s3:::b" without an s3:prefix condition; expected s3:prefix under "tenants/acme/"',
      'policy statement "Star": Resource "*" with S3 actions; expected objects under "tenants/acme/"',
      'policy statement "Not": Allow with NotResource reaches every other object; expected Resource under "tenants/acme/"',
    ]);
  });

  it("no-other-tenant-names: delimited names of any tenant, ambiguous names of known tenants", () => {
    const broken = res("aws:iam/rolePolicy:RolePolicy", {
      policy: doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/tenants/zed/*" }),
      description: "shares tenant:{bob}: and alias/controlcore/tenant/bob with arn:aws:iam::1:role/cc-tenant-bob",
      nested: { sql: ["GRANT USAGE ON SCHEMA tenant_bob TO tenant_acme"] },
      __provider: "tenants/serialized/ code is not an input",
    });
    expect(foreignTenantNamePolicy.check(broken, ctx)).toEqual([
      'policy: names tenant "zed" (tenants/<id>/); expected only "acme"',
      'description: names tenant "bob" (tenant:{<id>}:); expected only "acme"',
      'description: names tenant "bob" (alias/controlcore/tenant/<id>); expected only "acme"',
      'description: names tenant "bob" (role/cc-tenant-<id>); expected only "acme"',
      'description: names "cc-tenant-bob" of tenant "bob"; expected only "acme"',
      'nested.sql[0]: names "tenant_bob" of tenant "bob"; expected only "acme"',
    ]);
  });

  it("no-other-tenant-names: tenant acme-corp's names are not tenant acme's, and the reverse", () => {
    const corp = res("aws:elasticache/user:User", { userId: "tenant-acme-corp", accessString: "on ~tenant:{acme-corp}:*", path: "tenants/acme-corp/x" });
    expect(foreignTenantNamePolicy.check(corp, { tenantId: "acme-corp", otherTenants: ["acme"] })).toEqual([]);
    expect(foreignTenantNamePolicy.check(corp, { tenantId: "acme", otherTenants: ["acme-corp"] })).toEqual([
      'userId: names "tenant-acme-corp" of tenant "acme-corp"; expected only "acme"',
      'accessString: names tenant "acme-corp" (tenant:{<id>}:); expected only "acme"',
      'path: names tenant "acme-corp" (tenants/<id>/); expected only "acme"',
    ]);
  });
});

describe("the real plans pass every policy (offline program)", () => {
  it.each([["pro"], ["custom"]])("%s: no violation, every policy ran over every resource", async (plan) => {
    const { resources } = await runProgram({ tenantId: "acme-corp", plan });
    const report = checkResources(resources, { tenantId: "acme-corp", otherTenants: ["acme", "bob"] });
    expect(report.violations).toEqual([]);
    expect(report.failed).toBe(false);
    expect(report.policies).toHaveLength(8);
    expect(report.resources).toBe(resources.length);
  });

  it("the same run seen as another tenant's stack is refused by the tag, Redis, S3, log group and name policies", async () => {
    const { resources } = await runProgram({ tenantId: "acme", plan: "pro" });
    const violations = evaluatePolicies(policyViews(resources), { tenantId: "bob" });
    expect([...new Set(violations.map((v) => v.policy))].sort()).toEqual([
      "log-group-tenant-key-and-retention",
      "no-other-tenant-names",
      "redis-access-string-confined",
      "s3-statements-confined-to-tenant-prefix",
      "tenant-tag",
    ]);
  });
});
