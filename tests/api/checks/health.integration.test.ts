/**
 * tenantHealth against real PostgreSQL and Redis: healthy right after local mode set the tenant
 * up (schema and row levels); then each drift injected by hand is named exactly; an unknown
 * tenant is a typed not-found, before and after offboarding.
 */
import { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localDownDetailed, localUp } from "../../../cli/local/local-mode";
import { withRedis } from "../../../cli/local/redis-applier";
import { tenantNames } from "../../../components/naming";
import { layoutFor, TENANT_TABLES } from "../../../components/postgres/sql";
import { InputError } from "../../../components/errors";
import type { CheckContext } from "../../../api/checks/context";
import { tenantHealth } from "../../../api/checks/health";
import { TenantHealth, TenantNotFoundError } from "../../../api/checks/schemas";
import { adminClient, freshDatabase, runTag, tempStateDir } from "../../helpers/pg";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

describe("tenantHealth (live isolation checks)", () => {
  const tag = runTag();
  const stateDir = tempStateDir();
  const schemaTenant = tenantNames(`hc${tag}-a`);
  const rowTenant = tenantNames(`hc${tag}-r`);
  const tableTenant = tenantNames(`hc${tag}-t`);
  const dbTenant = tenantNames(`hc${tag}-d`);
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let ctx: CheckContext;

  beforeAll(async () => {
    db = await freshDatabase("cc_it_checks_health");
    ctx = { pg: new Pool({ connectionString: db.url, max: 2 }), databaseUrl: db.url, redisUrl: REDIS_URL, stateDir };
    await localUp({ tenantId: schemaTenant.id, plan: "pro", targets: { databaseUrl: db.url, redisUrl: REDIS_URL }, stateDir });
    await localUp({ tenantId: rowTenant.id, plan: "pro", isolation: "row", targets: { databaseUrl: db.url, redisUrl: REDIS_URL }, stateDir });
    await localUp({ tenantId: tableTenant.id, plan: "pro", isolation: "table", targets: { databaseUrl: db.url, redisUrl: REDIS_URL }, stateDir });
    await localUp({ tenantId: dbTenant.id, plan: "pro", isolation: "database", targets: { databaseUrl: db.url, redisUrl: REDIS_URL }, stateDir });
  }, 180_000);
  afterAll(async () => {
    for (const t of [schemaTenant, rowTenant, tableTenant, dbTenant]) await localDownDetailed(t.id, { targets: { databaseUrl: db.url, redisUrl: REDIS_URL }, stateDir }).catch(() => undefined);
    await ctx?.pg.end();
    await db?.drop();
  }, 120_000);

  it("is healthy right after setup, at every isolation level, with every check passed", async () => {
    const levels = [[schemaTenant, "schema"], [rowTenant, "row"], [tableTenant, "table"], [dbTenant, "database"]] as const;
    for (const [t, level] of levels) {
      const h = TenantHealth.parse(await tenantHealth(ctx, t.id));
      expect(h.drift).toEqual([]);
      expect(h.healthy).toBe(true);
      expect(h.checks.filter((c) => !c.ok)).toEqual([]);
      const names = h.checks.map((c) => c.check);
      const layout = layoutFor(t, level, db.name);
      for (const table of TENANT_TABLES) expect(names).toContain(`table "${layout.schema}"."${layout.tables[table]}"`);
      expect(names).toEqual(expect.arrayContaining(["role superuser", "role bypassrls", "role connection limit", "role owns", "role grants", `acl user ${t.elasticacheUserId}`]));
      expect(h.checks.find((c) => c.check === "role connection limit")).toMatchObject({ expected: 20, actual: 20 });
      expect(h.checks.find((c) => c.check === "role owns")).toMatchObject({ expected: [], actual: [] });
    }
  });

  it("names each drift injected by hand: NO FORCE RLS, BYPASSRLS, an extra grant, ACL SETUSER +@all", async () => {
    const t = schemaTenant;
    const c = await adminClient(db.name);
    try {
      await c.query(`ALTER TABLE "${t.pgSchema}"."policies" NO FORCE ROW LEVEL SECURITY`);
      await c.query(`ALTER ROLE "${t.pgRole}" BYPASSRLS`);
      await c.query(`GRANT TRUNCATE ON "${t.pgSchema}"."users" TO "${t.pgRole}"`);
    } finally {
      await c.end();
    }
    await withRedis(REDIS_URL, (r) => r.call("ACL", "SETUSER", t.elasticacheUserId, "+@all"));

    const h = await tenantHealth(ctx, t.id);
    expect(h.healthy).toBe(false);
    expect(h.drift.slice(0, 3)).toEqual([
      `postgres: row-level security is not forced on "${t.pgSchema}"."policies"`,
      `postgres: role "${t.pgRole}" bypassrls is true, declared false`,
      `postgres: role "${t.pgRole}" has undeclared privilege table "${db.name}"."${t.pgSchema}"."users": TRUNCATE`,
    ]);
    expect(h.drift).toHaveLength(4);
    expect(h.drift[3]).toMatch(new RegExp(`^redis: ACL user ${t.elasticacheUserId} commands differ from the declared access string: declared "-@all .*", live "\\+@all.*"$`));
    expect(h.checks.filter((x) => !x.ok).map((x) => x.check)).toEqual([`table "${t.pgSchema}"."policies"`, "role bypassrls", "role grants", `acl user ${t.elasticacheUserId}`]);
    expect(h.checks.find((x) => x.check === "role bypassrls")).toMatchObject({ ok: false, expected: false, actual: true });

    // The other tenant is untouched by this tenant's drift.
    expect((await tenantHealth(ctx, rowTenant.id)).healthy).toBe(true);
  });

  it("an unknown tenant is a typed not-found; a malformed ID an input error", async () => {
    await expect(tenantHealth(ctx, `hc${tag}-nobody`)).rejects.toBeInstanceOf(TenantNotFoundError);
    await expect(tenantHealth(ctx, "../etc")).rejects.toBeInstanceOf(InputError);
  });

  it("names an object the role was made to own (anywhere in the cluster), a changed connection limit and a privilege in another database", async () => {
    const t = rowTenant;
    const c = await adminClient(db.name);
    const maint = await adminClient("postgres");
    try {
      await c.query(`CREATE TABLE public.hc_${tag}_owned (x int)`);
      await c.query(`ALTER TABLE public.hc_${tag}_owned OWNER TO "${t.pgRole}"`);
      await c.query(`ALTER ROLE "${t.pgRole}" CONNECTION LIMIT 500`);
      // Another database than the tenant's: found through pg_shdepend all the same.
      await maint.query(`GRANT CONNECT ON DATABASE postgres TO "${t.pgRole}"`);
      const h = await tenantHealth(ctx, t.id);
      expect(h.healthy).toBe(false);
      expect(h.drift).toEqual([
        `postgres: role "${t.pgRole}" connection limit is 500, declared 20`,
        `postgres: role "${t.pgRole}" owns table public.hc_${tag}_owned in database "${db.name}", which is not declared`,
        `postgres: role "${t.pgRole}" has undeclared privilege database "postgres": CONNECT`,
      ]);
    } finally {
      await maint.query(`REVOKE CONNECT ON DATABASE postgres FROM "${t.pgRole}"`);
      await maint.end();
      await c.query(`DROP TABLE public.hc_${tag}_owned`);
      await c.query(`ALTER ROLE "${t.pgRole}" CONNECTION LIMIT 20`);
      await c.end();
    }
    expect((await tenantHealth(ctx, t.id)).drift).toEqual([]);
  });

  it("after offboarding the tenant is gone: not-found", async () => {
    const down = await localDownDetailed(rowTenant.id, { targets: { databaseUrl: db.url, redisUrl: REDIS_URL }, stateDir });
    expect(down.removed).toBe(true);
    await expect(tenantHealth(ctx, rowTenant.id)).rejects.toThrow(`tenant "${rowTenant.id}" is not set up here`);
  }, 60_000);
});
