/**
 * Pure guards of the lock design (issue 8, items 2 and 9): no migration takes a lock a tenant can
 * also take, and at the row level a tenant's own migrations run no DDL on the shared tables (the
 * shared migration, applied once per version, is the only one that does).
 */
import { describe, expect, it } from "vitest";
import { tenantNames } from "../../components/naming";
import { PLATFORM_SCHEMA as PROVIDER_PLATFORM_SCHEMA } from "../../components/postgres/sql-migrations";
import { layoutFor, PLATFORM_SCHEMA, ROW_LEVEL_SCHEMA, TABLE_LEVEL_SCHEMA, tenantMigrations } from "../../components/postgres/sql";
import { ISOLATION_LEVELS } from "../../plans/schema";

const LIMITS = { max_policies: 5, max_resources: 5, max_bouncers: 5, max_users: 5 };
const SESSION = { statementTimeoutMs: 30000, idleInTransactionTimeoutMs: 30000 };

describe("migration locks", () => {
  it.each(ISOLATION_LEVELS.map((l) => [l]))("%s: no migration takes an advisory lock (any tenant may take any key)", (level) => {
    const names = tenantNames("acme");
    for (const m of tenantMigrations(names, layoutFor(names, level, "controlcore"), LIMITS, { adminRole: "admin", sessionLimits: SESSION })) {
      expect(`${m.up}\n${m.down}`).not.toMatch(/advisory/i);
    }
  });

  it("the migrations and the provider name the same platform schema", () => {
    expect(PLATFORM_SCHEMA).toBe(PROVIDER_PLATFORM_SCHEMA);
  });

  it.each([["table", TABLE_LEVEL_SCHEMA], ["row", ROW_LEVEL_SCHEMA]] as const)(
    "%s: only the shared migration (marked with its schema) runs DDL on the shared schema's existing objects",
    (level, schema) => {
      const names = tenantNames("acme");
      const ms = tenantMigrations(names, layoutFor(names, level, "controlcore"), LIMITS, { adminRole: "admin", sessionLimits: SESSION });
      const shared = ms.filter((m) => m.sharedSchema !== undefined);
      expect(shared.map((m) => [m.id, m.sharedSchema])).toEqual([[`0001_${level}_level_shared`, schema]]);
      if (level === "row") {
        const perTenant = ms.filter((m) => m.sharedSchema === undefined);
        for (const m of perTenant) {
          // Statements that lock or rewrite a shared table's catalog rows.
          expect(m.up).not.toMatch(/\b(ALTER TABLE|CREATE POLICY|DROP POLICY|CREATE TRIGGER|DROP TRIGGER|GRANT|REVOKE)\b.*cc_row_tenants/);
          expect(m.down).not.toMatch(/\b(ALTER TABLE|DROP POLICY|DROP TRIGGER|LOCK TABLE)\b/);
        }
      }
    },
  );
});
