/**
 * The isolation invariants of a tenant stack, written once as pure functions over a resource
 * (`{ type, urn, name, props }`) and run two ways: by CrossGuard (`pulumi preview --policy-pack
 * policy`, wrapped in policy/crossguard.ts, served by policy/index.ts) and offline by
 * `tenantctl plan <tenant> --policy` (cli/policy-check.ts, over the mocked program's recorded
 * resources). This module imports neither @pulumi/policy nor @pulumi/pulumi: importing it starts
 * no policy server.
 *
 * Every policy is mandatory: a violation fails the preview and the offline check.
 */
import { tenantNames, tenantTags } from "../components/naming";
import { conditionValues, findDocuments, statementLabel, type Statement } from "./policy-documents";
import { awsTaggable, kubernetesObject } from "./taggable";

/** A resource as both runs see it: CrossGuard's `ResourceValidationArgs`, or a recorded mock resource. */
export interface ResourceView {
  readonly type: string;
  readonly urn: string;
  readonly name: string;
  /** Inputs (resource policies) or outputs (stack policies, as CrossGuard's `validateStack`). */
  readonly props: Record<string, unknown>;
}

/** What the policies know about the run: whose stack it is, and which other tenants exist. */
export interface TenantContext {
  readonly tenantId: string;
  /** Other known tenants: their names are searched for in the ambiguous forms too. */
  readonly otherTenants?: readonly string[];
}

export type EnforcementLevel = "mandatory" | "advisory";

interface PolicyBase {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
}

/** A policy over one resource's inputs: returns its violation messages. */
export interface ResourcePolicy extends PolicyBase {
  readonly kind: "resource";
  /**
   * The check reports only what it finds in the values present (never that a value is missing),
   * so CrossGuard may run it over the known inputs when some are unknown during a preview.
   */
  readonly scansKnownInputs?: boolean;
  readonly check: (r: ResourceView, ctx: TenantContext) => string[];
}

/** A policy over all of the stack's resources (their outputs): returns violations by URN. */
export interface StackPolicy extends PolicyBase {
  readonly kind: "stack";
  readonly check: (rs: readonly ResourceView[], ctx: TenantContext) => { urn: string; message: string }[];
}

export type IsolationPolicy = ResourcePolicy | StackPolicy;

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

/** Tag key and Kubernetes label that name the tenant (components/naming.ts `tenantTags`). */
export const TENANT_TAG = Object.keys(tenantTags({ id: "x" }, "x")).find((k) => k.endsWith(":tenant"))!;
export const TENANT_LABEL = "controlcore.io/tenant";

export const tenantTagPolicy: ResourcePolicy = {
  kind: "resource",
  name: "tenant-tag",
  description: `Every taggable AWS resource carries the tag ${TENANT_TAG} = <tenant>; every Kubernetes object the label ${TENANT_LABEL}.`,
  enforcementLevel: "mandatory",
  check(r, { tenantId }) {
    if (r.type.startsWith("aws:") && awsTaggable(r.type)) {
      const tags = (r.props.tags ?? {}) as Record<string, unknown>;
      const got = tags[TENANT_TAG];
      return got === tenantId ? [] : [`tags.${TENANT_TAG}: got ${show(got)}; expected ${show(tenantId)}`];
    }
    if (kubernetesObject(r.type)) {
      const labels = ((r.props.metadata ?? {}) as { labels?: Record<string, unknown> }).labels ?? {};
      const got = labels[TENANT_LABEL];
      return got === tenantId ? [] : [`metadata.labels.${TENANT_LABEL}: got ${show(got)}; expected ${show(tenantId)}`];
    }
    return [];
  },
};

const isAnyone = (p: string): boolean => p === "*";

export const noWildcardPrincipalPolicy: ResourcePolicy = {
  kind: "resource",
  name: "no-wildcard-principal-allow",
  scansKnownInputs: true,
  description: "No policy document (IAM, KMS, bucket, secret, SNS) allows the principal * (or uses Allow with NotPrincipal).",
  enforcementLevel: "mandatory",
  check(r) {
    const out: string[] = [];
    for (const doc of findDocuments(r.props)) {
      for (const s of doc.statements) {
        if (s.effect !== "Allow" || s.principals === undefined) continue;
        if (s.notPrincipal) out.push(`${statementLabel(doc, s)}: Allow with NotPrincipal grants every principal but those listed; expected Principal`);
        else if (s.principals.some(isAnyone)) out.push(`${statementLabel(doc, s)}: Allow to principal "*"; expected named principals`);
      }
    }
    return out;
  },
};

/**
 * KMS: rotation on, and a deletion window of at least 30 days (AWS's maximum and its default
 * when none is given: "If you omit this parameter, it defaults to 30 days",
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html).
 */
export const MIN_KMS_DELETION_WINDOW_DAYS = 30;
const KMS_DEFAULT_DELETION_WINDOW_DAYS = 30;

export const kmsKeyPolicy: ResourcePolicy = {
  kind: "resource",
  name: "kms-rotation-and-deletion-window",
  description: `Every KMS key has automatic rotation on and a deletion window of at least ${MIN_KMS_DELETION_WINDOW_DAYS} days.`,
  enforcementLevel: "mandatory",
  check(r) {
    if (r.type !== "aws:kms/key:Key") return [];
    const out: string[] = [];
    if (r.props.enableKeyRotation !== true) out.push(`enableKeyRotation: got ${show(r.props.enableKeyRotation)}; expected true`);
    const window = r.props.deletionWindowInDays ?? KMS_DEFAULT_DELETION_WINDOW_DAYS;
    if (typeof window !== "number" || window < MIN_KMS_DELETION_WINDOW_DAYS) {
      out.push(`deletionWindowInDays: got ${show(window)}; expected at least ${MIN_KMS_DELETION_WINDOW_DAYS}`);
    }
    return out;
  },
};

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

/**
 * A stack policy: "the tenant's key" is the ARN of the KMS key tagged with the tenant, another
 * resource, which a resource policy cannot see. During a preview of a new stack that ARN is not
 * known yet; CrossGuard then reports the policy as not runnable (advisory), the offline check
 * always knows it (placeholders).
 */
export const logGroupPolicy: StackPolicy = {
  kind: "stack",
  name: "log-group-tenant-key-and-retention",
  description: "Every CloudWatch log group is encrypted with the tenant's KMS key and has a retention period.",
  enforcementLevel: "mandatory",
  check(rs, { tenantId }) {
    const keyArns = rs
      .filter((r) => r.type === "aws:kms/key:Key" && ((r.props.tags ?? {}) as Record<string, unknown>)[TENANT_TAG] === tenantId)
      .map((r) => r.props.arn);
    const out: { urn: string; message: string }[] = [];
    for (const g of rs.filter((r) => r.type === LOG_GROUP)) {
      const key = g.props.kmsKeyId;
      if (key === undefined || key === "") out.push({ urn: g.urn, message: `kmsKeyId: missing; expected the tenant's KMS key` });
      else if (!keyArns.includes(key)) {
        const expected = keyArns.length > 0 ? keyArns.map(show).join(" or ") : `a KMS key tagged ${TENANT_TAG}=${tenantId} (none in the stack)`;
        out.push({ urn: g.urn, message: `kmsKeyId: got ${show(key)}; expected the tenant's key ${expected}` });
      }
      const days = g.props.retentionInDays;
      if (typeof days !== "number" || days <= 0) {
        out.push({ urn: g.urn, message: `retentionInDays: got ${show(days)}; expected a number of days (0 or none keeps logs forever)` });
      }
    }
    return out;
  },
};

/**
 * Redis: the access string confines keys (`~`) and channels (`&`) to the tenant's prefix
 * (components/naming.ts `redisPrefix`) and has no rule that widens it: `allkeys`/`~*`,
 * `allchannels`, key or channel patterns outside the prefix, channels without `resetchannels`
 * first (ElastiCache users otherwise keep the default `allchannels`), or selectors.
 * Grammar: https://redis.io/docs/latest/operate/oss_and_stack/management/security/acl/
 */
export function accessStringProblems(accessString: string, prefix: string): string[] {
  const tokens = accessString.trim().split(/\s+/);
  const out: string[] = [];
  let channelsReset = false;
  for (const t of tokens) {
    if (t === "allkeys" || t === "allchannels" || t === "allcommands" || t === "+@all") out.push(`${show(t)} grants beyond the tenant`);
    else if (t === "resetchannels") channelsReset = true;
    else if (t.startsWith("(")) out.push(`selector ${show(t)}: selectors are not allowed`);
    else if (/^(%[RW]+)?~/.test(t)) {
      const pattern = t.slice(t.indexOf("~") + 1);
      if (!pattern.startsWith(prefix)) out.push(`key pattern ${show(t)} is outside ${show(`${prefix}*`)}`);
    } else if (t.startsWith("&")) {
      if (!t.slice(1).startsWith(prefix)) out.push(`channel pattern ${show(t)} is outside ${show(`${prefix}*`)}`);
      if (!channelsReset) out.push(`channel pattern ${show(t)} comes before "resetchannels"`);
    }
  }
  const on = tokens.includes("on");
  if (on && !channelsReset) out.push(`"resetchannels" missing: the user keeps the default channel permissions`);
  return out;
}

export const redisAccessStringPolicy: ResourcePolicy = {
  kind: "resource",
  name: "redis-access-string-confined",
  description: "Every ElastiCache user's access string confines keys and channels to the tenant's prefix.",
  enforcementLevel: "mandatory",
  check(r, { tenantId }) {
    if (r.type !== "aws:elasticache/user:User") return [];
    const s = r.props.accessString;
    if (typeof s !== "string") return [`accessString: got ${show(s)}; expected an access string`];
    return accessStringProblems(s, tenantNames(tenantId).redisPrefix).map((m) => `accessString: ${m}`);
  },
};

export const postgresRolePolicy: ResourcePolicy = {
  kind: "resource",
  name: "postgres-login-role-confined",
  description: "Every PostgreSQL login role is not a superuser, has NOBYPASSRLS, and has a connection limit.",
  enforcementLevel: "mandatory",
  check(r) {
    if (r.type !== "postgresql:index/role:Role" || r.props.login !== true) return [];
    const out: string[] = [];
    if (r.props.superuser === true) out.push(`superuser: got true; expected false`);
    if (r.props.bypassRowLevelSecurity === true) out.push(`bypassRowLevelSecurity: got true; expected false (NOBYPASSRLS)`);
    // The provider's default -1 means no limit (https://www.postgresql.org/docs/15/sql-createrole.html).
    const limit = r.props.connectionLimit;
    if (typeof limit !== "number" || limit < 0) out.push(`connectionLimit: got ${show(limit)}; expected a limit of 0 or more (-1 or none is unlimited)`);
    return out;
  },
};

const S3_ARN = /^arn:aws[a-z-]*:s3:::([^/]+)(?:\/(.*))?$/;
const mentionsS3 = (s: Statement): boolean => s.actions.some((a) => a === "*" || a.toLowerCase().startsWith("s3:"));

/**
 * S3: every statement that allows S3 actions names only objects under `tenants/<id>/`, or the
 * bucket itself with an `s3:prefix` condition whose values all start with `tenants/<id>/`.
 * `Resource: "*"`, `NotResource` and `NotAction` in an Allow are refused: they reach other
 * tenants' prefixes. Deny statements only narrow access.
 */
export const s3PrefixPolicy: ResourcePolicy = {
  kind: "resource",
  name: "s3-statements-confined-to-tenant-prefix",
  scansKnownInputs: true,
  description: "Every statement allowing S3 actions is confined to the tenant's prefix tenants/<id>/.",
  enforcementLevel: "mandatory",
  check(r, { tenantId }) {
    const prefix = tenantNames(tenantId).s3Prefix;
    const out: string[] = [];
    for (const doc of findDocuments(r.props)) {
      for (const s of doc.statements) {
        if (s.effect !== "Allow") continue;
        const s3Resources = s.resources.filter((x) => S3_ARN.test(x) || x === "*");
        if (!mentionsS3(s) && !(s.notAction && s3Resources.length > 0)) continue;
        const where = statementLabel(doc, s);
        if (s.notResource) {
          out.push(`${where}: Allow with NotResource reaches every other object; expected Resource under ${show(prefix)}`);
          continue;
        }
        if (s.notAction) out.push(`${where}: Allow with NotAction grants S3 actions; expected Action`);
        for (const res of s.resources) {
          if (res === "*") {
            if (mentionsS3(s)) out.push(`${where}: Resource "*" with S3 actions; expected objects under ${show(prefix)}`);
            continue;
          }
          const m = res.match(S3_ARN);
          if (!m) continue;
          const key = m[2];
          if (key !== undefined) {
            if (!key.startsWith(prefix)) out.push(`${where}: Resource ${show(res)} is outside ${show(prefix)}`);
            continue;
          }
          const prefixes = conditionValues(s, "s3:prefix").flatMap((c) => c.values);
          if (prefixes.length === 0) out.push(`${where}: bucket ${show(res)} without an s3:prefix condition; expected s3:prefix under ${show(prefix)}`);
          for (const p of prefixes) if (!p.startsWith(prefix)) out.push(`${where}: s3:prefix ${show(p)} is outside ${show(prefix)}`);
        }
      }
    }
    return out;
  },
};

/**
 * Tenant-derived names whose form delimits the tenant ID (components/naming.ts), so any
 * tenant's ID can be read out of them without knowing the tenants: S3, secret and log group
 * prefixes, the Redis prefix, the KMS alias, monitoring names and the workload role.
 */
const DELIMITED_FORMS: readonly { form: string; re: RegExp }[] = [
  { form: "tenants/<id>/", re: /(?<![a-z0-9-])tenants\/([a-z0-9-]+)\//g },
  { form: "tenant:{<id>}:", re: /tenant:\{([^}]*)\}/g },
  { form: "cc-tenant-<id>--", re: /(?<![a-z0-9-])cc-tenant-([a-z0-9-]+?)--/g },
  { form: "alias/controlcore/tenant/<id>", re: /alias\/controlcore\/tenant\/([a-z0-9-]+)/g },
  { form: "role/cc-tenant-<id>", re: /:role\/cc-tenant-([a-z0-9-]+)(?![a-z0-9-])/g },
];

/** Names of another tenant whose form does not delimit the ID: searched for known tenants only. */
function ambiguousNames(other: string): string[] {
  const n = tenantNames(other);
  return [n.pgRole, n.elasticacheUserId, n.edgeName, n.elasticacheDedicatedId];
}

function strings(v: unknown, path: string, out: { path: string; value: string }[]): void {
  if (typeof v === "string") out.push({ path, value: v });
  else if (Array.isArray(v)) v.forEach((x, i) => strings(x, `${path}[${i}]`, out));
  else if (typeof v === "object" && v !== null) {
    for (const [k, x] of Object.entries(v)) if (k !== "__provider") strings(x, path === "" ? k : `${path}.${k}`, out);
  }
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export const foreignTenantNamePolicy: ResourcePolicy = {
  kind: "resource",
  name: "no-other-tenant-names",
  scansKnownInputs: true,
  description: "No input names another tenant's derived names (prefixes, roles, aliases, users, schemas).",
  enforcementLevel: "mandatory",
  check(r, { tenantId, otherTenants = [] }) {
    const out = new Set<string>();
    const values: { path: string; value: string }[] = [];
    strings(r.props, "", values);
    const others = otherTenants.filter((t) => t !== tenantId);
    for (const { path, value } of values) {
      for (const { form, re } of DELIMITED_FORMS) {
        for (const m of value.matchAll(re)) {
          if (m[1] !== tenantId) out.add(`${path}: names tenant ${show(m[1])} (${form}); expected only ${show(tenantId)}`);
        }
      }
      for (const other of others) {
        for (const name of ambiguousNames(other)) {
          if (new RegExp(`(?<![a-z0-9_-])${escape(name)}(?![a-z0-9_-])`).test(value)) {
            out.add(`${path}: names ${show(name)} of tenant ${show(other)}; expected only ${show(tenantId)}`);
          }
        }
      }
    }
    return [...out];
  },
};

/** The pack, in the order reports list them. */
export const ISOLATION_POLICIES: readonly IsolationPolicy[] = [
  tenantTagPolicy,
  noWildcardPrincipalPolicy,
  kmsKeyPolicy,
  logGroupPolicy,
  redisAccessStringPolicy,
  postgresRolePolicy,
  s3PrefixPolicy,
  foreignTenantNamePolicy,
];

/** One violation, as both runs report it. */
export interface Violation {
  readonly policy: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly message: string;
}

/**
 * Runs every policy over a stack's resources: resource policies over each resource's inputs,
 * stack policies over all outputs (the offline engine's recorded state, CrossGuard's planned state).
 */
export function evaluatePolicies(
  resources: readonly { readonly inputs: ResourceView; readonly outputs: ResourceView }[],
  ctx: TenantContext,
  policies: readonly IsolationPolicy[] = ISOLATION_POLICIES,
): Violation[] {
  const out: Violation[] = [];
  const byUrn = new Map(resources.map((r) => [r.inputs.urn, r.inputs]));
  for (const p of policies) {
    const found =
      p.kind === "resource"
        ? resources.flatMap(({ inputs }) => p.check(inputs, ctx).map((message) => ({ urn: inputs.urn, message })))
        : p.check(resources.map((r) => r.outputs), ctx);
    for (const { urn, message } of found) {
      const r = byUrn.get(urn);
      out.push({ policy: p.name, enforcementLevel: p.enforcementLevel, urn, type: r?.type ?? "", name: r?.name ?? "", message });
    }
  }
  return out;
}
