/**
 * The operations commands with the local engine, end to end through the built tenantctl against
 * the real PostgreSQL and Redis: NDJSON events and the versioned summary, idempotent `up`,
 * `preview`, `status`, `outputs`, drift found by `refresh`, `destroy`, and the exit codes of a
 * conflict, invalid input, an unreachable server and nothing to remove.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminClient, connect, freshDatabase, runTag, tempStateDir } from "../helpers/pg";
import { ensureBuilt, tenantctl } from "./built";

beforeAll(ensureBuilt, 300_000);

type Line = Record<string, any>;

/** stdout as NDJSON: every line one JSON object. */
function ndjson(stdout: string): Line[] {
  const lines = stdout.trimEnd().split("\n");
  return lines.map((l) => JSON.parse(l) as Line);
}

let db: Awaited<ReturnType<typeof freshDatabase>>;
let env: Record<string, string>;
const tenant = `ops-${runTag()}`;
const role = `tenant_${tenant.replace(/-/g, "_")}`;

beforeAll(async () => {
  db = await freshDatabase("cc_it_ops");
  env = { DATABASE_URL: db.url, TENANTCTL_STATE_DIR: tempStateDir() };
});
afterAll(async () => {
  tenantctl(["local", "down", tenant], env);
  await db?.drop();
});

async function roleExists(name: string): Promise<boolean> {
  const c = await adminClient();
  try {
    return (await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [name])).rowCount === 1;
  } finally {
    await c.end();
  }
}

describe("tenantctl up|preview|status|outputs|refresh|destroy --engine local", () => {
  it("runs a tenant's whole life, with NDJSON events and one summary per command", async () => {
    // up: events, then the summary; the role really exists.
    const up = tenantctl(["up", tenant, "--engine", "local", "--isolation", "row", "--json"], env);
    expect(up.stderr).toBe("");
    expect(up.status).toBe(0);
    const lines = ndjson(up.stdout);
    expect(lines[0]).toMatchObject({ type: "started", tenantId: tenant, operation: "up" });
    expect(lines.at(-2)).toMatchObject({ type: "finished", tenantId: tenant, operation: "up" });
    const summary = lines.at(-1)!;
    expect(Object.keys(summary)).toEqual(["version", "type", "tenant", "plan", "engine", "operation", "result", "changes", "unchanged", "durationSeconds", "exitCode"]);
    expect(summary).toMatchObject({ version: 1, type: "summary", tenant, plan: { name: "pro", source: "pro", isolationLevel: "row" }, engine: "local", operation: "up", result: "succeeded", unchanged: false, exitCode: 0 });
    const created = lines.filter((l) => l.type === "resource" && l.resource.op === "create");
    expect(summary.changes).toEqual({ create: created.length });
    expect(created.map((l) => l.resource.type)).toContain("postgresql:index/role:Role");
    expect(created.map((l) => l.resource.type)).toContain("aws:elasticache/user:User");
    expect(await roleExists(role)).toBe(true);
    const total = created.length;

    // A second up changes nothing; preview agrees.
    const again = ndjson(tenantctl(["up", tenant, "--engine", "local", "--isolation", "row", "--json"], env).stdout).at(-1)!;
    expect(again).toMatchObject({ result: "succeeded", unchanged: true, changes: { same: total } });
    const preview = tenantctl(["preview", tenant, "--engine", "local", "--isolation", "row", "--json"], env);
    expect(preview.status).toBe(0);
    expect(ndjson(preview.stdout).at(-1)).toMatchObject({ operation: "preview", unchanged: true, changes: { same: total } });
    // A different plan would change the tenant: preview says so without touching it.
    const other = ndjson(tenantctl(["preview", tenant, "--engine", "local", "--plan", "custom", "--json"], env).stdout).at(-1)!;
    expect(other.unchanged).toBe(false);

    // status and outputs from the local state.
    const status = ndjson(tenantctl(["status", tenant, "--engine", "local", "--json"], env).stdout).at(-1)!;
    expect(status.status).toMatchObject({ tenantId: tenant, exists: true, resourceCount: total, pendingOperations: 0, lastUpdate: { operation: "update", result: "succeeded" } });
    const outputs = tenantctl(["outputs", tenant, "--engine", "local", "--json"], env);
    expect(outputs.status).toBe(0);
    const out = ndjson(outputs.stdout).at(-1)!.outputs;
    expect(out.postgres.password).toBe("[secret]");
    expect(out.postgres.url).toMatch(new RegExp(`^postgresql://${role}:\\[secret\\]@`));
    expect(outputs.stdout).not.toMatch(/postgresql:\/\/[^:]+:[A-Za-z0-9]{20,}@/);
    const shown = ndjson(tenantctl(["outputs", tenant, "--engine", "local", "--show-secrets", "--json"], env).stdout).at(-1)!.outputs;
    // The shown URL is the tenant's real credential.
    const c = await connect(shown.postgres.url);
    expect((await c.query("SELECT current_user AS u")).rows[0].u).toBe(role);
    await c.end();

    // refresh finds a role dropped behind the engine's back.
    const admin = await adminClient(db.name);
    await admin.query(`DROP OWNED BY "${role}"`);
    await admin.end();
    const a2 = await adminClient();
    await a2.query(`DROP OWNED BY "${role}"`).catch(() => undefined);
    await a2.query(`DROP ROLE "${role}"`);
    await a2.end();
    const refresh = tenantctl(["refresh", tenant, "--engine", "local", "--json"], env);
    expect(refresh.status).toBe(0);
    const rl = ndjson(refresh.stdout);
    expect(rl.at(-1)).toMatchObject({ operation: "refresh", unchanged: false, changes: { same: 1, delete: 1 } });
    expect(rl.filter((l) => l.type === "diagnostic" && l.severity === "warning").map((l) => l.message)).toEqual([
      `PostgreSQL role "${role}" is missing on the server (the state says \`up\` made it); \`tenantctl destroy ${tenant} --engine local\` then \`up\` recreates the tenant`,
    ]);

    // destroy removes the tenant; a second destroy has nothing to remove (exit 3).
    const destroy = tenantctl(["destroy", tenant, "--engine", "local", "--json"], env);
    expect(destroy.status).toBe(0);
    expect(ndjson(destroy.stdout).at(-1)).toMatchObject({ operation: "destroy", result: "succeeded", changes: { delete: total } });
    const none = tenantctl(["destroy", tenant, "--engine", "local", "--json"], env);
    expect(none.status).toBe(3);
    expect(ndjson(none.stdout).at(-1)).toMatchObject({ result: "failed", error: { kind: "not-found" }, exitCode: 3 });
    expect(none.stderr).toMatch(new RegExp(`^tenantctl: tenant ${tenant} has no local state on PostgreSQL server pg-\\d+, database ${db.name} .*nothing to remove\\n$`));
    expect(ndjson(tenantctl(["status", tenant, "--engine", "local", "--json"], env).stdout).at(-1)!.status).toEqual({ tenantId: tenant, exists: false, resourceCount: 0, pendingOperations: 0 });
  }, 120_000);

  it("prints a task list on stderr and the result on stdout without --json", () => {
    const t = `opsh-${runTag()}`;
    const r = tenantctl(["destroy", t, "--engine", "local"], env);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`destroy ${t} (local engine)`);
    expect(r.stderr).toContain(`tenantctl: tenant ${t} has no local state`);
  });
});

describe("exit codes of the operations commands", () => {
  it("conflict: a tenant locked by a live process is refused with exit 4; a dead process's lock is taken over", async () => {
    const t = `lock-${runTag()}`;
    const lock = path.join(env.TENANTCTL_STATE_DIR!, "locks", `${t}.lock`);
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
    try {
      fs.writeFileSync(lock, JSON.stringify({ pid: holder.pid, operation: "up", startedAt: "2026-11-30T00:00:00.000Z" }));
      const r = tenantctl(["destroy", t, "--engine", "local", "--json"], env);
      expect(r.status).toBe(4);
      expect(ndjson(r.stdout).at(-1)).toMatchObject({ result: "failed", error: { kind: "conflict", message: `tenant ${t} is locked: up by process ${holder.pid} since 2026-11-30T00:00:00.000Z` }, exitCode: 4 });
      // status shows the operation in progress.
      const s = ndjson(tenantctl(["status", t, "--engine", "local", "--json"], env).stdout).at(-1)!;
      expect(s.status.lastUpdate).toEqual({ operation: "update", result: "in-progress", startedAt: "2026-11-30T00:00:00.000Z" });
    } finally {
      holder.kill("SIGKILL");
      await new Promise((resolve) => holder.once("exit", resolve));
    }
    // The holder is gone: the lock is stale, taken over, and the command runs (nothing to remove: 3).
    const r = tenantctl(["destroy", t, "--engine", "local"], env);
    expect(r.status).toBe(3);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it.each([
    [["up", "Admin", "--engine", "local"], /^tenantctl: invalid argument <tenant>/],
    [["up", "acme", "--engine", "local", "--plan", "gold"], /^tenantctl: invalid option --plan .*unknown plan "gold"/s],
    [["up", "acme", "--engine", "terraform"], /error: option '--engine <engine>' argument 'terraform' is invalid/],
  ])("invalid input %j exits 2 and runs nothing", (args, message) => {
    const r = tenantctl(args, env);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
  });

  it("an unreachable PostgreSQL is an unavailable engine: exit 5", () => {
    const r = tenantctl(["status", "acme", "--engine", "local", "--json"], { ...env, DATABASE_URL: "postgresql://postgres@127.0.0.1:1/controlcore" });
    expect(r.status).toBe(5);
    expect(ndjson(r.stdout).at(-1)).toMatchObject({ error: { kind: "unavailable" }, exitCode: 5 });
    expect(r.stderr).toMatch(/^tenantctl: cannot connect to PostgreSQL at 127\.0\.0\.1:1/);
  });
});
