/**
 * Error side channels: no error a tenant can provoke may depend on another tenant's state.
 *
 * Row level (shared tables): tenant A inserts rows carrying another tenant's `tenant_id`, a
 * colliding primary key, or a foreign key to another tenant's row. Every error field PostgreSQL
 * sends (message, SQLSTATE, detail, hint, context, source location) must be the same whether the
 * other tenant exists, is at its plan limit, has room, or does not exist at all: row-level
 * security decides before any limit logic runs, and every key includes `tenant_id`.
 * The other levels: a foreign `tenant_id` gets the row-level security refusal too, never a limit
 * message.
 */
import type { Client } from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { ISOLATION_LEVELS, type IsolationLevel } from "../../plans/schema";
import { localTenants } from "../helpers/local-tenants";

/** Every field of the error a statement raises (all PostgreSQL sends), or "succeeded". */
async function errorOf(c: Client, sql: string, params: unknown[] = []): Promise<Record<string, unknown> | "succeeded"> {
  await c.query("SAVEPOINT probe");
  try {
    await c.query(sql, params);
    return "succeeded";
  } catch (e) {
    const { message, code, detail, hint, position, internalPosition, internalQuery, where, schema, table, column, dataType, constraint, file, line, routine, severity } =
      e as Record<string, unknown>;
    return { message, code, detail, hint, position, internalPosition, internalQuery, where, schema, table, column, dataType, constraint, file, line, routine, severity };
  } finally {
    await c.query("ROLLBACK TO SAVEPOINT probe");
  }
}

/** The refusal of row-level security's WITH CHECK, field by field, as PostgreSQL 15 raises it. */
const RLS_REFUSAL = (table: string) => ({
  message: `new row violates row-level security policy for table "${table}"`,
  code: "42501",
  severity: "ERROR",
  file: "execMain.c",
  routine: "ExecWithCheckOptions",
});

describe("row level: errors say nothing about other tenants", () => {
  const MAX_POLICIES: Record<string, number> = { a: 5, full: 1, room: 5 };
  const fx = localTenants({
    idPrefix: "or", tenants: ["a", "full", "room", "none"], setUp: ["a", "full", "room"], database: "cc_it_oracle", isolation: "row",
    overrides: (s) => ({ limits: { max_policies: MAX_POLICIES[s] } }), connect: true,
  });
  const [, FULL, ROOM, NONE] = fx.names;
  let a: Client;
  let room: Client;

  beforeAll(async () => {
    let full: Client;
    [a, full, room] = fx.clients;
    await full.query("INSERT INTO policies (id, name, policy_content) VALUES ('p-1', 'only', 'allow')");
    await room.query("INSERT INTO policies (id, name, policy_content) VALUES ('p-1', 'some', 'allow')");
    await a.query("BEGIN");
  });

  it("refuses a row with another tenant's tenant_id identically, whether that tenant is at its limit, has room, or does not exist", async () => {
    const insert = (tenant: string) => errorOf(a, "INSERT INTO policies (tenant_id, name, policy_content) VALUES ($1, 'probe', 'allow')", [tenant]);
    const seen = { full: await insert(FULL.id), room: await insert(ROOM.id), none: await insert(NONE.id) };
    for (const e of Object.values(seen)) expect(e).toMatchObject(RLS_REFUSAL("policies"));
    expect(seen.room).toEqual(seen.full);
    expect(seen.none).toEqual(seen.full);
    // No PL/pgSQL context: the refusal is row-level security's own, not a trigger's.
    expect((seen.full as Record<string, unknown>).where).toBeUndefined();
    // The same holds for every table with a limit.
    for (const [table, cols] of [["resources", "(tenant_id, name)"], ["bouncers", "(tenant_id, name)"], ["users", "(tenant_id, email)"]] as const) {
      const one = await errorOf(a, `INSERT INTO ${table} ${cols} VALUES ($1, 'probe')`, [FULL.id]);
      const other = await errorOf(a, `INSERT INTO ${table} ${cols} VALUES ($1, 'probe')`, [NONE.id]);
      expect(one).toMatchObject(RLS_REFUSAL(table));
      expect(other).toEqual(one);
    }
  });

  it("lets a colliding key reveal nothing: keys are per tenant", async () => {
    // B's primary key and unique name taken by A for itself: no conflict, A's own row.
    expect(await errorOf(a, "INSERT INTO policies (id, name, policy_content) VALUES ('p-1', 'only', 'allow')")).toBe("succeeded");
    // With B's tenant_id: the existing key and a free one get the same refusal, ON CONFLICT included.
    const taken = await errorOf(a, "INSERT INTO policies (tenant_id, id, name, policy_content) VALUES ($1, 'p-1', 'x', 'y') ON CONFLICT (tenant_id, id) DO UPDATE SET name = 'stolen'", [ROOM.id]);
    const free = await errorOf(a, "INSERT INTO policies (tenant_id, id, name, policy_content) VALUES ($1, 'p-9', 'x', 'y') ON CONFLICT (tenant_id, id) DO UPDATE SET name = 'stolen'", [ROOM.id]);
    expect(taken).toMatchObject(RLS_REFUSAL("policies"));
    expect(free).toEqual(taken);
  });

  it("gives a foreign key to another tenant's row the same refusal as one to no row", async () => {
    const bResource = (await room.query("INSERT INTO resources (name) VALUES ('r') RETURNING id")).rows[0].id as string;
    const probe = async (id: string) => {
      const e = await errorOf(a, "INSERT INTO bouncers (name, resource_id) VALUES ('b', $1)", [id]);
      return JSON.parse(JSON.stringify(e).split(id).join("<id>"));
    };
    const existing = await probe(bResource);
    expect(existing).toMatchObject({ code: "23503", constraint: "bouncers_resource_fkey" });
    expect(await probe("00000000-0000-4000-8000-000000000000")).toEqual(existing);
  });
});

describe.each(ISOLATION_LEVELS.filter((l) => l !== "row").map((l) => [l]))("%s level: a foreign tenant_id", (level: IsolationLevel) => {
  const fx = localTenants({ idPrefix: "oq", tenants: ["a"], database: `cc_it_oracle_${level}`, isolation: level, connect: true });
  const [A] = fx.names;
  let a: Client;

  beforeAll(async () => {
    [a] = fx.clients;
    await a.query("BEGIN");
  });

  it("is refused by row-level security, not by a limit message naming the tenant", async () => {
    const t = level === "table" ? `${A.pgTablePrefix}policies` : "policies";
    const e = await errorOf(a, `INSERT INTO "${t}" (tenant_id, name, policy_content) VALUES ('someone-else', 'probe', 'allow')`);
    expect(e).toMatchObject({ ...RLS_REFUSAL(t), where: undefined });
  });
});
