/**
 * validate-access: may this tenant reach a resource? Answered with the rules the program declared
 * for the tenant, never with a second copy of them:
 *
 * - a table row: the row-level security policy every tenant table carries (components/postgres/
 *   sql.ts rlsDdl: `tenant_isolation … USING (tenant_id = <the tenant>)`) on the tables of the
 *   tenant's layout (layoutFor);
 * - an S3 object key: the tenant role's own identity policy documents, as the program declared
 *   them (components/s3/policies.ts tenantAccessPolicy, recorded in the tenant's state), evaluated
 *   for `s3:GetObject` on the object's ARN with IAM's evaluation order — an explicit Deny wins,
 *   then an Allow, else the implicit deny;
 * - a Redis key or channel: the tenant user's declared access string (components/redis/
 *   access-string.ts tenantAccessString) evaluated by Redis itself (`ACL DRYRUN` of GET / PUBLISH
 *   on a scratch user holding exactly that string: api/checks/redis-acl.ts), so Redis's own glob
 *   rules decide.
 */
import { InputError, zodProblems, type ZodLike } from "../../components/errors";
import { qualified, TENANT_TABLES, type TenantTable } from "../../components/postgres/sql";
import { withAdminRedis } from "./connections";
import type { CheckContext } from "./context";
import { dryRun, normalisedAccessString } from "./redis-acl";
import { type AccessDecision, ResourceRef } from "./schemas";
import { declaredRedisUserOf, loadTenant, RESOURCE_TYPES, type TenantState } from "./tenant-state";

interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, unknown>;
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * IAM's wildcard match: `*` any run of characters, `?` exactly one, everything else literal.
 * Actions compare case-insensitively, resource ARNs case-sensitively.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html ("case insensitive", wildcards)
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html ("You can use wildcard characters (* and ?) within any ARN segment")
 */
export function iamWildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${re}$`, caseInsensitive ? "is" : "s").test(value);
}

function statementApplies(s: Statement, action: string, resource: string): boolean {
  const actionOk = s.Action !== undefined ? list(s.Action).some((p) => iamWildcardMatch(p, action, true)) : !list(s.NotAction).some((p) => iamWildcardMatch(p, action, true));
  if (!actionOk) return false;
  return s.Resource !== undefined ? list(s.Resource).some((p) => iamWildcardMatch(p, resource)) : !list(s.NotResource).some((p) => iamWildcardMatch(p, resource));
}

/**
 * IAM's decision for one principal's identity policies (no SCP, boundary, session or resource
 * policy): an explicit Deny wins, then an Allow, else the implicit deny. A statement with a
 * Condition cannot be evaluated without a request: a conditional Allow is not counted, a
 * conditional Deny is (the answer never says allowed when a request could be refused).
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */
export function evaluateIdentityPolicies(
  docs: ReadonlyArray<{ Statement: Statement[] | Statement }>,
  action: string,
  resource: string,
): { allowed: boolean; reason: string } {
  const statements = docs.flatMap((d) => (Array.isArray(d.Statement) ? d.Statement : [d.Statement]));
  const applying = statements.filter((s) => statementApplies(s, action, resource));
  const deny = applying.find((s) => s.Effect === "Deny");
  if (deny) return { allowed: false, reason: `explicitly denied by statement ${deny.Sid ?? "(no Sid)"}${deny.Condition ? " (when its conditions hold)" : ""}` };
  const allow = applying.find((s) => s.Effect === "Allow" && !s.Condition);
  if (allow) return { allowed: true, reason: `allowed by statement ${allow.Sid ?? "(no Sid)"}` };
  return { allowed: false, reason: "no statement allows it (implicit deny)" };
}

/** The identity policy documents of the tenant's IAM role, as declared. */
function identityPolicies(t: TenantState): Array<{ Statement: Statement[] }> {
  return t
    .of(RESOURCE_TYPES.rolePolicy)
    .filter((r) => r.inputs.role === t.names.iamRoleName || String(r.inputs.role).endsWith(`:role/${t.names.iamRoleName}`))
    .map((r) => (typeof r.inputs.policy === "string" ? JSON.parse(r.inputs.policy) : r.inputs.policy));
}

/** The bucket and partition the tenant's policy grants object reads in (its Allow for s3:GetObject). */
function declaredObjectBucket(docs: ReadonlyArray<{ Statement: Statement[] }>): { partition: string; bucket: string } | undefined {
  for (const s of docs.flatMap((d) => d.Statement)) {
    if (s.Effect !== "Allow" || !list(s.Action).some((p) => iamWildcardMatch(p, "s3:GetObject", true))) continue;
    for (const r of list(s.Resource)) {
      const m = /^arn:([^:]+):s3:::([^/*?]+)\//.exec(r);
      if (m) return { partition: m[1]!, bucket: m[2]! };
    }
  }
  return undefined;
}

async function rowAccess(t: TenantState, table: string, rowTenant: string): Promise<{ allowed: boolean; reason: string }> {
  const l = t.layout;
  const key = (TENANT_TABLES as readonly string[]).find(
    (k) => k === table || l.tables[k as TenantTable] === table || `${l.schema}.${l.tables[k as TenantTable]}` === table,
  ) as TenantTable | undefined;
  if (!key) {
    return { allowed: false, reason: `${JSON.stringify(table)} is not one of tenant ${t.names.id}'s tables (${TENANT_TABLES.map((k) => qualified(l.schema, l.tables[k])).join(", ")})` };
  }
  const name = qualified(l.schema, l.tables[key]);
  const policy = `policy tenant_isolation on ${name} admits only rows with tenant_id = '${t.names.id}'`;
  return rowTenant === t.names.id
    ? { allowed: true, reason: `${policy}, and this row's tenant_id is '${rowTenant}'` }
    : { allowed: false, reason: `${policy}; this row's tenant_id is '${rowTenant}'` };
}

/**
 * Whether the tenant may reach `ref` and why. Throws TenantNotFoundError (schemas.ts) for a
 * tenant this platform does not know, an InputError for a malformed tenant ID or reference.
 */
export async function validateAccess(ctx: CheckContext, tenantId: string, ref: unknown): Promise<AccessDecision> {
  const parsed = ResourceRef.safeParse(ref);
  if (!parsed.success) throw new InputError("resource reference", zodProblems(parsed.error.issues, ref, ResourceRef as unknown as ZodLike));
  const r = parsed.data;
  const t = await loadTenant(ctx, tenantId);
  let decision: { allowed: boolean; reason: string };
  switch (r.kind) {
    case "row":
      decision = await rowAccess(t, r.table, r.tenantId);
      break;
    case "s3": {
      const docs = identityPolicies(t);
      const declared = declaredObjectBucket(docs);
      if (!declared) {
        decision = { allowed: false, reason: `tenant ${t.names.id} declares no S3 object access` };
        break;
      }
      const bucket = r.bucket ?? declared.bucket;
      const arn = `arn:${declared.partition}:s3:::${bucket}/${r.key}`;
      const d = evaluateIdentityPolicies(docs, "s3:GetObject", arn);
      decision = { allowed: d.allowed, reason: `s3:GetObject on ${arn}: ${d.reason}` };
      break;
    }
    case "redis-key":
    case "redis-channel": {
      const user = declaredRedisUserOf(t);
      if (!user) {
        decision = { allowed: false, reason: `tenant ${t.names.id} declares no Redis user` };
        break;
      }
      const isKey = r.kind === "redis-key";
      decision = await withAdminRedis(ctx, async (redis) => {
        const command = isKey ? ["GET", r.name] : ["PUBLISH", r.name, "validate-access"];
        const d = await dryRun(redis, user.accessString, command);
        const declared = await normalisedAccessString(redis, user.accessString);
        const patterns = String(isKey ? declared.keys : declared.channels);
        const what = isKey ? `key ${JSON.stringify(r.name)}` : `channel ${JSON.stringify(r.name)}`;
        return d.allowed
          ? { allowed: true, reason: `${what} matches the declared ${isKey ? "key" : "channel"} patterns ${patterns} of user ${user.userName}` }
          : { allowed: false, reason: `${what} is outside the declared ${isKey ? "key" : "channel"} patterns ${patterns} of user ${user.userName} (Redis: ${d.reason})` };
      });
      break;
    }
  }
  return { tenant: t.names.id, ref: r, ...decision };
}
