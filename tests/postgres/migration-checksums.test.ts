/**
 * Released versioned migrations are never edited in place: a stack that applied one refuses a
 * changed text ("applied migration ... was changed"), so a change to a released migration must be
 * a NEW versioned migration. This pins the checksum of every versioned migration of a fixed tenant
 * at each level to the snapshot beside this file; an in-place edit fails here, in CI, before it
 * reaches a stack.
 *
 * The snapshot is the 0.2 baseline. 0.2 rewrote 0001/0002 and the shared migrations in place
 * (issue 8: advisory lock removed, limit trigger, audit grants) before any stack was deployed
 * with the Pulumi engine (none ever was); local-mode tenants made by 0.1 are recreated with
 * `tenantctl local down` (0.1) and `local up`. From 0.2 on, update the snapshot only together with
 * a release note that says which stacks must be recreated, or better: add a migration.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { tenantNames } from "../../components/naming";
import { checksumOf } from "../../components/postgres/sql-migrations";
import { layoutFor, tenantMigrations } from "../../components/postgres/sql";
import { ISOLATION_LEVELS } from "../../plans/schema";

const SNAPSHOT = path.join(__dirname, "migration-checksums.json");
const names = tenantNames("acme");
const LIMITS = { max_policies: 100, max_resources: 50, max_bouncers: 5, max_users: 10 };
const OPTIONS = { adminRole: "controlcore_admin", sessionLimits: { statementTimeoutMs: 30000, idleInTransactionTimeoutMs: 30000 } };

function versionedChecksums(): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const level of ISOLATION_LEVELS) {
    out[level] = Object.fromEntries(
      tenantMigrations(names, layoutFor(names, level, "controlcore"), LIMITS, OPTIONS)
        .filter((m) => !m.repeatable)
        .map((m) => [m.id, checksumOf(m)]),
    );
  }
  return out;
}

describe("released versioned migrations", () => {
  it("are unchanged: a change is a new versioned migration, never an edit", () => {
    const now = versionedChecksums();
    if (process.env.UPDATE_MIGRATION_SNAPSHOT === "1") fs.writeFileSync(SNAPSHOT, `${JSON.stringify(now, null, 2)}\n`);
    const released = JSON.parse(fs.readFileSync(SNAPSHOT, "utf8")) as Record<string, Record<string, string>>;
    for (const level of ISOLATION_LEVELS) {
      for (const [id, sum] of Object.entries(released[level] ?? {})) {
        expect(now[level]?.[id], `${level} ${id}: a released versioned migration was removed or edited in place; add a new migration instead`).toBe(sum);
      }
    }
  });
});
