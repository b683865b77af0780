/**
 * Audit integrity, at every isolation level: a tenant cannot write, change or remove audit rows
 * itself. Every row of `audit_log` is written by the SECURITY DEFINER audit trigger, with the
 * session's login role (`session_user`, which no unprivileged session can change) as the actor and
 * the server's transaction time; the tenant keeps SELECT on its own rows.
 */
import type { Client } from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { ISOLATION_LEVELS, type IsolationLevel } from "../../plans/schema";
import { localTenants } from "../helpers/local-tenants";
import { refusal } from "../helpers/pg";

describe.each(ISOLATION_LEVELS.map((l) => [l]))("audit rows at the %s level", (level: IsolationLevel) => {
  const fx = localTenants({ idPrefix: "au", tenants: ["a"], database: `cc_it_audit_${level}`, isolation: level, connect: true });
  const [A] = fx.names;
  let a: Client;
  beforeAll(() => void ([a] = fx.clients));
  const table = (t: string) => (level === "table" ? `"${A.pgTablePrefix}${t}"` : t);
  const bare = (t: string) => (level === "table" ? `${A.pgTablePrefix}${t}` : t);

  it("refuses a forged audit row, and any change or removal of audit rows", async () => {
    const denied = `permission denied for table ${bare("audit_log")}`;
    expect(
      await refusal(a, `INSERT INTO ${table("audit_log")} (actor, action, object_type, occurred_at) VALUES ('platform-admin', 'delete', 'policies', '2001-01-01')`),
    ).toBe(denied);
    await a.query(`INSERT INTO ${table("policies")} (name, policy_content) VALUES ('audited', 'allow')`);
    expect(await refusal(a, `UPDATE ${table("audit_log")} SET actor = 'someone-else', occurred_at = '2001-01-01'`)).toBe(denied);
    expect(await refusal(a, `DELETE FROM ${table("audit_log")}`)).toBe(denied);
    expect(await refusal(a, `TRUNCATE ${table("audit_log")}`)).toBe(denied);
    // Its own audit rows stay readable, unchanged.
    const rows = await a.query(`SELECT actor, action, object_type FROM ${table("audit_log")} WHERE object_type = 'policies'`);
    expect(rows.rows).toEqual([{ actor: A.pgRole, action: "insert", object_type: "policies" }]);
  });

  it("writes the true actor and the server's time, whatever the session sets", async () => {
    // Session settings a forger might try: another timezone, an application name, a changed role.
    await a.query("SET TIME ZONE 'Pacific/Kiritimati'");
    await a.query("SET application_name = 'platform-admin'");
    if (level === "row") {
      // Row level: the shared tables' privileges are the group's; acting as the group changes no actor.
      const group = (await a.query("SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = session_user")).rows[0].rolname;
      await a.query(`SET ROLE "${group}"`);
    }
    await a.query("BEGIN");
    const before = (await a.query("SELECT now() AS t")).rows[0].t as Date;
    const id = (await a.query(`INSERT INTO ${table("resources")} (name) VALUES ('timed') RETURNING id`)).rows[0].id;
    await a.query("COMMIT");
    await a.query("RESET ALL");
    await a.query("RESET ROLE");
    const row = (await a.query(`SELECT actor, action, object_type, object_id, occurred_at FROM ${table("audit_log")} WHERE object_id = $1`, [id])).rows;
    expect(row).toEqual([{ actor: A.pgRole, action: "insert", object_type: "resources", object_id: id, occurred_at: before }]);
  });
});
