/**
 * Offboarding cannot be blocked by another tenant, and a tenant reaches no database but its own.
 *
 * The attack (issue 8, item 1): tenant A creates a large object wherever it can connect and grants
 * it to tenant B's role; `DROP ROLE` of B then fails ("cannot be dropped because some objects
 * depend on it"), `local down` stops there and B's login and Redis user survive. With a superuser
 * admin the platform now refuses A the other databases and large objects altogether (first test).
 * Where it cannot (an admin that is not a superuser, as on RDS, cannot revoke EXECUTE on
 * `lo_create`, nor close `postgres`), A can still do it; the second test stands in for that server
 * by making A's objects as A's role (the admin switching to it), in A's own database and in
 * `postgres`. B's offboarding must still remove B completely, also while B holds an open
 * transaction.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localDown, localUp, type LocalResult } from "../../cli/local/local-mode";
import { withRedis } from "../../cli/local/redis-applier";
import { tenantNames } from "../../components/naming";
import { ISOLATION_LEVELS, type IsolationLevel } from "../../plans/schema";
import { localTenants, type LocalTenants } from "../helpers/local-tenants";
import { adminClient, connect, PG_HOST, PG_PORT, runTag, tempStateDir } from "../helpers/pg";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** The tenant's URL with another database. */
function urlFor(up: LocalResult, database: string): string {
  const u = new URL(String(up.postgres.url));
  u.pathname = `/${database}`;
  return u.toString();
}

async function connectError(url: string): Promise<string> {
  try {
    const c = await connect(url);
    await c.end();
    return "connected";
  } catch (e) {
    return (e as Error).message;
  }
}

describe.each(ISOLATION_LEVELS.map((l) => [l]))("offboarding at the %s level", (level: IsolationLevel) => {
  const fx = localTenants({ idPrefix: "ob", tenants: ["a", "b"], database: `cc_it_offb_${level}`, isolation: level });
  const [A, B] = fx.names;
  const { stateDir, targets } = fx;
  let db: LocalTenants["db"], upA: LocalResult, upB: LocalResult;
  beforeAll(() => void ({ db, results: [upA, upB] } = fx));
  const ownDb = (t: ReturnType<typeof tenantNames>) => (level === "database" ? t.pgDatabase : db.name);

  it("refuses the tenant every database but its own, and temporary objects in the shared one", async () => {
    const others = ["postgres", "template1", ...(level === "database" ? [db.name, B.pgDatabase] : [])];
    for (const name of others) {
      expect([name, await connectError(urlFor(upA, name))]).toEqual([name, `permission denied for database "${name}"`]);
    }
    const a = await connect(String(upA.postgres.url));
    try {
      // No temporary table or function to hang another tenant's grant on (its own database at
      // the database level has no TEMP either).
      expect(await a.query("CREATE TEMP TABLE planted (x int)").then(() => "created", (e: Error) => e.message)).toBe(
        `permission denied to create temporary tables in database "${ownDb(A)}"`,
      );
      // No large object either (what the attack granted to B).
      for (const [fn, sql] of [["lo_from_bytea", "SELECT lo_from_bytea(0, 'bait')"], ["lo_create", "SELECT lo_create(0)"], ["lo_creat", "SELECT lo_creat(-1)"]]) {
        expect(await a.query(sql).then(() => "created", (e: Error) => e.message)).toBe(`permission denied for function ${fn}`);
      }
    } finally {
      await a.end();
    }
  });

  it("removes a tenant completely although another tenant granted it objects, and ends its open sessions first", async () => {
    const a = await connect(String(upA.postgres.url));
    const b = await connect(String(upB.postgres.url));
    const root = await adminClient("postgres");
    const inOwn = await adminClient(ownDb(A));
    let aLo: number;
    try {
      // As A, in A's own database and in postgres (see the file comment).
      // (Created by the admin and given to A: A itself may not call lo_create here any more.)
      const plant = async (c: typeof root, privileges: string): Promise<number> => {
        const oid = Number((await c.query("SELECT lo_from_bytea(0, 'bait') AS oid")).rows[0].oid);
        await c.query(`ALTER LARGE OBJECT ${oid} OWNER TO "${A.pgRole}"`);
        await c.query(`SET ROLE "${A.pgRole}"`);
        await c.query(`GRANT ${privileges} ON LARGE OBJECT ${oid} TO "${B.pgRole}"`);
        await c.query("RESET ROLE");
        return oid;
      };
      aLo = await plant(inOwn, "SELECT");
      await plant(root, "SELECT, UPDATE");
      // With its own credentials, A needs no privilege at all to name B in its default privileges.
      await a.query(`ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO "${B.pgRole}"`);
      await a.query(`ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO "${B.pgRole}"`);
      const deps = await root.query(
        "SELECT count(DISTINCT dbid)::int AS n FROM pg_shdepend WHERE refobjid = (SELECT oid FROM pg_roles WHERE rolname = $1) AND deptype = 'a' AND classid = 'pg_largeobject'::regclass",
        [B.pgRole],
      );
      expect(deps.rows[0].n).toBe(2);
      // B is connected, inside a transaction, while it is offboarded.
      await b.query("BEGIN");
      await b.query("SELECT 1");
      const bEnded = new Promise<string>((resolve) => b.on("error", (e: Error) => resolve(e.message)));

      expect(await localDown(B.id, { targets: targets(), stateDir })).toBe(true);

      expect(await bEnded).toBe("terminating connection due to administrator command");
      expect((await root.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [B.pgRole])).rowCount).toBe(0);
      expect(await withRedis(REDIS_URL, async (r) => r.call("ACL", "GETUSER", upB.redis && (upB.redis as { username?: string }).username ? (upB.redis as { username: string }).username : B.elasticacheUserId))).toBeNull();
      // A keeps its own object, with B's grant gone.
      const acl = await a.query("SELECT lomacl::text AS acl FROM pg_largeobject_metadata WHERE oid = $1", [aLo]);
      expect(acl.rows[0].acl).not.toContain(B.pgRole);
      // A, the other tenant, still works.
      expect((await a.query("SELECT count(*)::int AS n FROM pg_largeobject_metadata WHERE oid = $1", [aLo])).rows[0].n).toBe(1);
    } finally {
      await root.end();
      await inOwn.end();
      await a.end();
      await b.end().catch(() => undefined);
    }
  });

  it("removes the other tenant too, with what it made in any database", async () => {
    expect(await localDown(A.id, { targets: targets(), stateDir })).toBe(true);
    const root = await adminClient("postgres");
    try {
      expect((await root.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [A.pgRole])).rowCount).toBe(0);
      // What A owned (its large objects, here and in its own database) went with it.
      const left = await root.query("SELECT count(*)::int AS n FROM pg_largeobject_metadata m JOIN pg_roles r ON r.oid = m.lomowner WHERE r.rolname = current_user");
      expect(left.rows[0].n).toBe(0);
    } finally {
      await root.end();
    }
  });
});

/**
 * The RDS case for real: an admin that is not a superuser (LOGIN CREATEROLE CREATEDB) cannot
 * revoke EXECUTE on lo_create, so tenant A, with its own credentials, creates a large object in the
 * shared database and grants it to B. Only A (the owner) may revoke that grant: B's offboarding
 * must borrow A's membership to do it, and give it back.
 */
describe("offboarding with an admin that is not a superuser (RDS)", () => {
  const tag = runTag();
  const adminRole = `cc_it_offb_admin_${tag}`;
  const database = `cc_it_offb_rds_${tag}`;
  const A = tenantNames(`ob${tag}-ra`);
  const B = tenantNames(`ob${tag}-rb`);
  const stateDir = tempStateDir();
  const targets = { databaseUrl: `postgresql://${adminRole}@${PG_HOST}:${PG_PORT}/${database}` };
  let upA: LocalResult;

  beforeAll(async () => {
    const root = await adminClient();
    try {
      await root.query(`CREATE ROLE "${adminRole}" LOGIN CREATEROLE CREATEDB`);
      await root.query(`CREATE DATABASE "${database}" OWNER "${adminRole}"`);
    } finally {
      await root.end();
    }
    upA = await localUp({ tenantId: A.id, plan: "pro", isolation: "row", targets, stateDir });
    await localUp({ tenantId: B.id, plan: "pro", isolation: "row", targets, stateDir });
  });
  afterAll(async () => {
    await localDown(A.id, { targets, stateDir }).catch(() => undefined);
    await localDown(B.id, { targets, stateDir }).catch(() => undefined);
    const root = await adminClient();
    try {
      await root.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await root.query(`DROP ROLE IF EXISTS "${adminRole}"`);
    } finally {
      await root.end();
    }
  });

  it("removes B although A granted it a large object A alone may revoke, and keeps no borrowed membership", async () => {
    const a = await connect(String(upA.postgres.url));
    try {
      const lo = Number((await a.query("SELECT lo_from_bytea(0, 'bait') AS oid")).rows[0].oid);
      await a.query(`GRANT SELECT ON LARGE OBJECT ${lo} TO "${B.pgRole}"`);
      await a.query(`ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO "${B.pgRole}"`);
      expect(await localDown(B.id, { targets, stateDir })).toBe(true);
      const root = await adminClient(database);
      try {
        expect((await root.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [B.pgRole])).rowCount).toBe(0);
        expect((await root.query("SELECT lomacl::text AS acl FROM pg_largeobject_metadata WHERE oid = $1", [lo])).rows[0].acl).not.toContain(B.pgRole);
        // The admin gave back the membership in A it borrowed to revoke A's grant.
        const member = await root.query("SELECT pg_has_role($1, $2, 'MEMBER') AS m", [adminRole, A.pgRole]);
        expect(member.rows[0].m).toBe(false);
      } finally {
        await root.end();
      }
    } finally {
      await a.end();
    }
  });
});
