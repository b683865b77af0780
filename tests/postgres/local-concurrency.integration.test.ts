/**
 * Several `local up`s at once in one process (a worker with --concurrency, the API's in-process
 * workers) each run in their own transaction: local mode's open transaction is found per run
 * (an AsyncLocalStorage scope), never through one process-wide slot that another run replaces.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localDownDetailed, localUp } from "../../cli/local/local-mode";
import { tenantNames } from "../../components/naming";
import { ISOLATION_LEVELS } from "../../plans/schema";
import { adminClient, freshDatabase, runTag, tempStateDir } from "../helpers/pg";

describe("local up, several at once in one process", () => {
  const tag = runTag();
  const stateDir = tempStateDir();
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const ids = ISOLATION_LEVELS.flatMap((level) => [`lc${tag}-${level[0]}1`, `lc${tag}-${level[0]}2`].map((id) => ({ id, level })));
  const targets = () => ({ databaseUrl: db.url });

  beforeAll(async () => {
    db = await freshDatabase("cc_local_concurrency");
  });
  afterAll(async () => {
    for (const { id } of ids) await localDownDetailed(id, { targets: targets(), stateDir }).catch(() => undefined);
    await db.drop();
  });

  it("sets up every tenant, each with its own transaction, at every level at once", async () => {
    const results = await Promise.allSettled(
      ids.map(({ id, level }) => localUp({ tenantId: id, plan: "pro", isolation: level, targets: targets(), stateDir })),
    );
    // Before each run had its own scope, the runs replaced one another's transaction: "current
    // transaction is aborted", "schema ... does not exist".
    expect(results.map((r) => (r.status === "fulfilled" ? "ok" : String(r.reason)))).toEqual(ids.map(() => "ok"));
    const admin = await adminClient();
    try {
      const roles = await admin.query("SELECT rolname FROM pg_roles WHERE rolname = ANY($1) ORDER BY 1", [ids.map(({ id }) => tenantNames(id).pgRole)]);
      expect(roles.rows.map((r) => r.rolname)).toEqual(ids.map(({ id }) => tenantNames(id).pgRole).sort());
    } finally {
      await admin.end();
    }
  }, 120_000);
});
