/**
 * Real-PostgreSQL test support: a fresh database per test file (dropped after), unique tenant
 * IDs per run (roles are cluster-wide), and a clear failure when the server is not running.
 *
 * The server is the one tenantctl uses: DATABASE_URL, default
 * postgresql://postgres@127.0.0.1:5432/controlcore (host, port, user and password are taken from
 * it; each test file makes its own database there).
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "pg";

/** tenantctl's default (cli/local/local-mode.ts DEFAULT_DATABASE_URL). */
export const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/controlcore";
const SERVER = new URL(process.env.DATABASE_URL || DEFAULT_DATABASE_URL);

export const PG_HOST = SERVER.hostname || "127.0.0.1";
export const PG_PORT = Number(SERVER.port || 5432);
export const PG_ADMIN = decodeURIComponent(SERVER.username || "postgres");
/** The admin's password from DATABASE_URL; empty with trust authentication. */
export const PG_PASSWORD = decodeURIComponent(SERVER.password);
const credentials = `${encodeURIComponent(PG_ADMIN)}${PG_PASSWORD ? `:${encodeURIComponent(PG_PASSWORD)}` : ""}`;

/** Connects as the admin, or fails saying how to start PostgreSQL. Never skips. */
export async function adminClient(database = "postgres"): Promise<Client> {
  const c = new Client({ host: PG_HOST, port: PG_PORT, user: PG_ADMIN, password: PG_PASSWORD || undefined, database });
  try {
    await c.connect();
  } catch (e) {
    throw new Error(
      `PostgreSQL is not reachable at ${PG_HOST}:${PG_PORT} as ${PG_ADMIN} (${(e as Error).message}). ` +
        "These tests prove isolation against a real server: start it with " +
        "`pg_ctlcluster --skip-systemctl-redirect 15 main start` (or run `bash .ci/run`, which installs and starts it), " +
        "or point DATABASE_URL at a server where this user may create databases and roles.",
    );
  }
  return c;
}

/** A short random tag for this run. */
export function runTag(): string {
  return randomBytes(3).toString("hex");
}

/** A fresh database for one test file. */
export async function freshDatabase(prefix: string): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${runTag()}`;
  const admin = await adminClient();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: `postgresql://${credentials}@${PG_HOST}:${PG_PORT}/${name}`,
    drop: async () => {
      const c = await adminClient();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A temporary state directory for local mode. */
export function tempStateDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "tenantctl-state-"));
}

/** Connects with a URL (a tenant's own credentials). */
export async function connect(url: string): Promise<Client> {
  const c = new Client({ connectionString: url });
  await c.connect();
  return c;
}

/** The error message of a query that must fail; fails the test if it succeeds. */
export async function refusal(c: Client, sql: string, params: unknown[] = []): Promise<string> {
  try {
    await c.query(sql, params);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`expected a refusal, but this succeeded: ${sql}`);
}
