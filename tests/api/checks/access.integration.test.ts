/**
 * validateAccess for each resource kind, allowed and denied, with the tenant's own declared rules:
 * rows by the tenant_id policy (checked against what PostgreSQL does with the tenant's own
 * credentials), S3 keys by the tenant's identity policy (each decision checked against
 * @cloud-copilot/iam-simulate, a dev-only test dependency), Redis keys and channels by the
 * declared access string as Redis evaluates it (checked against the tenant's real user).
 */
import { Redis } from "ioredis";
import { Client, Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalResult, localDownDetailed, localUp } from "../../../cli/local/local-mode";
import { withRedis } from "../../../cli/local/redis-applier";
import { InputError } from "../../../components/errors";
import { tenantNames } from "../../../components/naming";
import { evaluateIdentityPolicies, iamWildcardMatch, validateAccess } from "../../../api/checks/access";
import type { CheckContext } from "../../../api/checks/context";
import { AccessDecision, TenantNotFoundError } from "../../../api/checks/schemas";
import { loadTenant, RESOURCE_TYPES } from "../../../api/checks/tenant-state";
import { simulate } from "../../s3/helpers/simulate";
import { freshDatabase, runTag, tempStateDir } from "../../helpers/pg";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

describe("validateAccess", () => {
  const tag = runTag();
  const stateDir = tempStateDir();
  const a = tenantNames(`va${tag}-acme`);
  // A tenant whose ID starts with a's: the classic prefix-without-separator confusion.
  const b = tenantNames(`va${tag}-acme-corp`);
  // A tenant at the table level: its tables share a schema with other tenants', told apart by prefix.
  const c = tenantNames(`va${tag}-tbl`);
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let ctx: CheckContext;
  let up: LocalResult;
  const decide = async (ref: unknown) => AccessDecision.parse(await validateAccess(ctx, a.id, ref));

  beforeAll(async () => {
    db = await freshDatabase("cc_it_checks_access");
    ctx = { pg: new Pool({ connectionString: db.url, max: 2 }), databaseUrl: db.url, redisUrl: REDIS_URL, stateDir };
    up = await localUp({ tenantId: a.id, plan: "pro", targets: { databaseUrl: db.url, redisUrl: REDIS_URL }, stateDir });
    await localUp({ tenantId: c.id, plan: "pro", isolation: "table", targets: { databaseUrl: db.url, redisUrl: REDIS_URL }, stateDir });
  }, 180_000);
  afterAll(async () => {
    for (const id of [a.id, c.id]) await localDownDetailed(id, { targets: { databaseUrl: db.url, redisUrl: REDIS_URL }, stateDir }).catch(() => undefined);
    await ctx?.pg.end();
    await db?.drop();
  }, 120_000);

  it("rows: its own tenant_id allowed, another tenant's denied, another tenant's table denied — as PostgreSQL enforces", async () => {
    const own = await decide({ kind: "row", table: "policies", tenantId: a.id });
    expect(own).toMatchObject({ allowed: true, reason: `policy tenant_isolation on "${a.pgSchema}"."policies" admits only rows with tenant_id = '${a.id}', and this row's tenant_id is '${a.id}'` });
    expect((await decide({ kind: "row", table: `${a.pgSchema}.users`, tenantId: a.id })).allowed).toBe(true);
    const foreign = await decide({ kind: "row", table: "policies", tenantId: b.id });
    expect(foreign).toMatchObject({ allowed: false, reason: `policy tenant_isolation on "${a.pgSchema}"."policies" admits only rows with tenant_id = '${a.id}'; this row's tenant_id is '${b.id}'` });
    const otherTable = await decide({ kind: "row", table: `${b.pgSchema}.policies`, tenantId: a.id });
    expect(otherTable.allowed).toBe(false);
    expect(otherTable.reason).toMatch(/^".*" is not one of tenant .*'s tables/);

    // What the database does with the tenant's own credentials agrees.
    const c = new Client({ connectionString: String(up.postgres.url) });
    await c.connect();
    try {
      await c.query("INSERT INTO policies (name, policy_content) VALUES ('own', 'x')");
      await expect(c.query("INSERT INTO policies (tenant_id, name, policy_content) VALUES ($1, 'theirs', 'x')", [b.id])).rejects.toThrow(/row-level security policy/);
      expect((await c.query("SELECT tenant_id FROM policies")).rows).toEqual([{ tenant_id: a.id }]);
    } finally {
      await c.end();
    }
  });

  it("rows at the table level: its prefixed tables allowed, another tenant's prefixed table in the same schema denied", async () => {
    const d = async (ref: unknown) => AccessDecision.parse(await validateAccess(ctx, c.id, ref));
    expect(await d({ kind: "row", table: `${c.pgTablePrefix}policies`, tenantId: c.id })).toMatchObject({
      allowed: true,
      reason: `policy tenant_isolation on "cc_table_tenants"."${c.pgTablePrefix}policies" admits only rows with tenant_id = '${c.id}', and this row's tenant_id is '${c.id}'`,
    });
    expect((await d({ kind: "row", table: "users", tenantId: c.id })).allowed).toBe(true);
    expect((await d({ kind: "row", table: `cc_table_tenants.${c.pgTablePrefix}users`, tenantId: c.id })).allowed).toBe(true);
    const other = await d({ kind: "row", table: `${a.pgTablePrefix}policies`, tenantId: c.id });
    expect(other.allowed).toBe(false);
    expect(other.reason).toBe(
      `"${a.pgTablePrefix}policies" is not one of tenant ${c.id}'s tables (${["policies", "resources", "bouncers", "users", "audit_log", "limits"].map((k) => `"cc_table_tenants"."${c.pgTablePrefix}${k}"`).join(", ")})`,
    );
  });

  it("S3 keys: under tenants/<id>/ allowed; the prefix without slash, a look-alike tenant, another tenant and another bucket denied — as IAM's simulator decides", async () => {
    const t = await loadTenant(ctx, a.id);
    const docs = t.of(RESOURCE_TYPES.rolePolicy).filter((r) => r.inputs.role === a.iamRoleName).map((r) => JSON.parse(String(r.inputs.policy)));
    expect(docs.length).toBeGreaterThan(0);
    const cases: Array<[{ kind: "s3"; key: string; bucket?: string }, boolean, string]> = [
      [{ kind: "s3", key: `tenants/${a.id}/reports/2026.pdf` }, true, "allowed by statement ReadWriteOwnObjects"],
      [{ kind: "s3", key: `tenants/${a.id}` }, false, "explicitly denied by statement DenyObjectsOutsideOwnPrefix"],
      [{ kind: "s3", key: `tenants/${b.id}/x` }, false, "explicitly denied by statement DenyObjectsOutsideOwnPrefix"],
      [{ kind: "s3", key: `tenants/other/x` }, false, "explicitly denied by statement DenyObjectsOutsideOwnPrefix"],
      [{ kind: "s3", bucket: "someone-elses-bucket", key: `tenants/${a.id}/x` }, false, "explicitly denied by statement DenyObjectsOutsideOwnPrefix"],
    ];
    for (const [ref, allowed, why] of cases) {
      const d = await decide(ref);
      expect({ key: ref.key, allowed: d.allowed }).toEqual({ key: ref.key, allowed });
      expect(d.reason).toMatch(new RegExp(`^s3:GetObject on arn:aws:s3:::[^ ]+/${ref.key.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: ${why}$`));
      const arn = d.reason.split(" ")[2]!.replace(/:$/, "");
      const sim = await simulate({
        principal: `arn:aws:sts::123456789012:assumed-role/${a.iamRoleName}/session`,
        action: "s3:GetObject",
        resource: arn,
        resourceAccount: "123456789012",
        identityPolicies: Object.fromEntries(docs.map((doc, i) => [`p${i}`, doc])),
      });
      expect({ key: ref.key, simulatorAllowed: sim.result === "Allowed" }).toEqual({ key: ref.key, simulatorAllowed: allowed });
    }
  });

  it("Redis keys and channels: its own prefix allowed; another tenant's, a look-alike's and the prefix without its colon denied — as the tenant's real user is treated", async () => {
    const cases: Array<[{ kind: "redis-key" | "redis-channel"; name: string }, boolean]> = [
      [{ kind: "redis-key", name: `tenant:{${a.id}}:x` }, true],
      [{ kind: "redis-key", name: `tenant:{${b.id}}:x` }, false],
      [{ kind: "redis-key", name: `tenant:{${a.id}}x` }, false],
      [{ kind: "redis-key", name: "unprefixed" }, false],
      [{ kind: "redis-channel", name: `tenant:{${a.id}}:events` }, true],
      [{ kind: "redis-channel", name: `tenant:{${b.id}}:events` }, false],
    ];
    const tenant = new Redis(String((up.redis as { url: string }).url), { lazyConnect: true, maxRetriesPerRequest: 0, enableReadyCheck: false });
    await tenant.connect();
    try {
      for (const [ref, allowed] of cases) {
        const d = await decide(ref);
        expect({ name: ref.name, allowed: d.allowed }).toEqual({ name: ref.name, allowed });
        const what = ref.kind === "redis-key" ? "key" : "channel";
        expect(d.reason).toContain(allowed ? `matches the declared ${what} patterns` : `is outside the declared ${what} patterns`);
        expect(d.reason).toContain(what === "key" ? `~tenant:{${a.id}}:*` : `&tenant:{${a.id}}:*`);
        // The real user agrees.
        const real = ref.kind === "redis-key" ? tenant.get(ref.name) : tenant.publish(ref.name, "m");
        if (allowed) await expect(real).resolves.not.toBeInstanceOf(Error);
        else await expect(real).rejects.toThrow(/NOPERM/);
      }
    } finally {
      tenant.disconnect();
    }
  });

  it("answers from the DECLARED access string: a drifted live user does not change the answer", async () => {
    await withRedis(REDIS_URL, (r) => r.call("ACL", "SETUSER", a.elasticacheUserId, "allkeys"));
    try {
      expect((await decide({ kind: "redis-key", name: `tenant:{${b.id}}:x` })).allowed).toBe(false);
    } finally {
      await withRedis(REDIS_URL, (r) => r.call("ACL", "SETUSER", a.elasticacheUserId, "resetkeys", `~tenant:{${a.id}}:*`));
    }
  });

  it("a malformed reference is an input error naming the field; an unknown tenant a typed not-found", async () => {
    await expect(validateAccess(ctx, a.id, { kind: "s3" })).rejects.toBeInstanceOf(InputError);
    await expect(validateAccess(ctx, a.id, { kind: "s3" })).rejects.toThrow(/key/);
    await expect(validateAccess(ctx, a.id, { kind: "redis-key", name: "x", extra: 1 })).rejects.toThrow(/extra/);
    await expect(validateAccess(ctx, a.id, { kind: "file", name: "x" })).rejects.toBeInstanceOf(InputError);
    await expect(validateAccess(ctx, b.id, { kind: "redis-key", name: "x" })).rejects.toBeInstanceOf(TenantNotFoundError);
  });

  it("IAM wildcard and evaluation rules: * and ? in ARNs, case-insensitive actions, Deny over Allow, conditional Allow not counted", () => {
    expect(iamWildcardMatch("arn:aws:s3:::b/tenants/a/*", "arn:aws:s3:::b/tenants/a/x/y")).toBe(true);
    expect(iamWildcardMatch("arn:aws:s3:::b/tenants/a/*", "arn:aws:s3:::b/tenants/a")).toBe(false);
    expect(iamWildcardMatch("arn:aws:s3:::b/t?", "arn:aws:s3:::b/tx")).toBe(true);
    expect(iamWildcardMatch("arn:aws:s3:::b/t?", "arn:aws:s3:::b/txy")).toBe(false);
    expect(iamWildcardMatch("arn:aws:s3:::b/A*", "arn:aws:s3:::b/a")).toBe(false);
    expect(iamWildcardMatch("S3:getobject*", "s3:GetObject", true)).toBe(true);
    const allow = { Sid: "A", Effect: "Allow" as const, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" };
    expect(evaluateIdentityPolicies([{ Statement: [allow] }], "s3:GetObject", "arn:aws:s3:::b/k")).toEqual({ allowed: true, reason: "allowed by statement A" });
    expect(evaluateIdentityPolicies([{ Statement: [allow] }, { Statement: [{ Sid: "D", Effect: "Deny", Action: "s3:*", NotResource: "arn:aws:s3:::b/ok/*" }] }], "s3:GetObject", "arn:aws:s3:::b/k")).toEqual({ allowed: false, reason: "explicitly denied by statement D" });
    expect(evaluateIdentityPolicies([{ Statement: [{ ...allow, Condition: { Bool: { "aws:SecureTransport": "true" } } }] }], "s3:GetObject", "arn:aws:s3:::b/k")).toEqual({ allowed: false, reason: "no statement allows it (implicit deny)" });
  });
});
