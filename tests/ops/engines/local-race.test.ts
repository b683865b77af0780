/**
 * Two tenants' `up` changing the same PostgreSQL catalog row at once (GRANT/REVOKE on the shared
 * database) make one fail with `tuple concurrently updated`: reproduced here on the real server.
 * The local engine retries that error, and reports it as transient (retryable) when it persists.
 */
import { describe, expect, it } from "vitest";
import { isCatalogRace, localErrorOf, withRaceRetry } from "../../../cli/ops/local-engine";
import { adminClient, runTag } from "../../helpers/pg";

/** Runs `grant` in a second session while the first holds an uncommitted GRANT on the same database. */
async function racingGrant(db: string, holder: string, other: string, retry: boolean): Promise<{ error?: Error; attempts: number }> {
  const a = await adminClient();
  const b = await adminClient();
  let attempts = 0;
  let timer: NodeJS.Timeout | undefined;
  let commit: Promise<unknown> | undefined;
  try {
    await a.query("BEGIN");
    await a.query(`GRANT CONNECT ON DATABASE "${db}" TO "${holder}"`);
    const grant = () => {
      attempts++;
      const q = b.query(`GRANT CONNECT ON DATABASE "${db}" TO "${other}"`);
      // The first attempt waits on the first session's row, which commits meanwhile.
      // (Kept, and awaited before the session ends: a COMMIT still in flight when the client is
      // ended would reject "Connection terminated" outside the test.)
      if (attempts === 1) timer = setTimeout(() => (commit = a.query("COMMIT")), 300);
      return q;
    };
    try {
      await (retry ? withRaceRetry(grant, 3, async () => undefined) : grant());
      return { attempts };
    } catch (e) {
      return { error: e as Error, attempts };
    }
  } finally {
    clearTimeout(timer);
    await commit;
    await a.end();
    await b.end();
  }
}

describe("the catalog race of concurrent tenants", () => {
  it("is real, recognised, transient, and retried away", async () => {
    const tag = runTag();
    const db = `cc_race_${tag}`;
    const roles = [`race_a_${tag}`, `race_b_${tag}`];
    const admin = await adminClient();
    await admin.query(`CREATE DATABASE "${db}"`);
    for (const r of roles) await admin.query(`CREATE ROLE "${r}"`);
    try {
      const raced = await racingGrant(db, roles[0]!, roles[1]!, false);
      expect(raced.error?.message).toBe("tuple concurrently updated");
      expect(isCatalogRace(raced.error)).toBe(true);
      const err = localErrorOf(raced.error);
      expect([err.kind, err.retryable]).toEqual(["transient", true]);

      await admin.query(`REVOKE CONNECT ON DATABASE "${db}" FROM "${roles[0]}", "${roles[1]}"`);
      const retried = await racingGrant(db, roles[0]!, roles[1]!, true);
      expect(retried).toEqual({ attempts: 2 });
      const acl = (await admin.query("SELECT datacl::text AS acl FROM pg_database WHERE datname = $1", [db])).rows[0].acl as string;
      expect(acl).toContain(`${roles[1]}=c/`);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${db}"`);
      for (const r of roles) await admin.query(`DROP ROLE IF EXISTS "${r}"`);
      await admin.end();
    }
  });

  it("other errors are not retried", async () => {
    let calls = 0;
    await expect(withRaceRetry(async () => {
      calls++;
      throw new Error('role "x" does not exist');
    }, 3, async () => undefined)).rejects.toThrow('role "x" does not exist');
    expect(calls).toBe(1);
    expect(localErrorOf(new Error('role "x" does not exist')).kind).toBe("failed");
  });
});
