/**
 * `tenantctl enqueue` as a process against the real PostgreSQL: the job ID on stdout, a second
 * job for the tenant refused with the conflict exit code, bad input refused before the queue.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { afterAll, expect, it } from "vitest";
import { PG_ADMIN, PG_HOST, PG_PORT, adminClient } from "../helpers/pg";

const ROOT = path.resolve(__dirname, "..", "..");
const DB = `controlcore_jobs_test_${process.pid}_cli`;
const env = { ...process.env, TENANTCTL_OPS_DATABASE_URL: `postgresql://${PG_ADMIN}@${PG_HOST}:${PG_PORT}/${DB}` };
const tenantctl = (...args: string[]) => spawnSync(process.execPath, ["-r", "tsx/cjs", "cli/tenantctl.ts", ...args], { cwd: ROOT, env, encoding: "utf8" });

afterAll(async () => {
  const admin = await adminClient();
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.end();
});

it("enqueue prints the job ID; a second job for the tenant exits 4 naming it; bad input exits 2", () => {
  const first = tenantctl("enqueue", "setup", "cli-one", "--plan", "pro", "--requested-by", "ci");
  expect(first.stderr).toBe("");
  expect(first.status).toBe(0);
  const id = first.stdout.trim();
  expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const second = tenantctl("enqueue", "update", "cli-one", "--json");
  expect(second.status).toBe(4);
  expect(second.stderr).toContain(`tenant cli-one already has job ${id} (created); one job per tenant at a time`);
  const bad = tenantctl("enqueue", "setup", "Cli_One");
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain('<tenant>: got "Cli_One"');
  const badPlan = tenantctl("enqueue", "setup", "cli-two", "--plan", "gold");
  expect(badPlan.status).toBe(2);
}, 60_000);
