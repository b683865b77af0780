/** The local engine's and the human output's pure parts: preview's diff, output redaction, result and event lines. */
import { describe, expect, it } from "vitest";
import { renderResult } from "../../../cli/ops/commands";
import { previewChanges, redactOutputs } from "../../../cli/ops/local-engine";
import { eventLine } from "../../../cli/ops/progress";

describe("previewChanges", () => {
  it("create for new URNs, update for changed inputs, same for equal ones, delete for URNs no longer declared", () => {
    const state = [
      { urn: "u:role", inputs: { name: "tenant_a", connectionLimit: 10 } },
      { urn: "u:schema", inputs: { name: "tenant_a" } },
      { urn: "u:old", inputs: {} },
    ];
    const declared = [
      { urn: "u:role", inputs: { name: "tenant_a", connectionLimit: 20 } },
      { urn: "u:schema", inputs: { name: "tenant_a" } },
      { urn: "u:user", inputs: { userName: "cc-tenant-a" } },
    ];
    expect(previewChanges(declared, state)).toEqual({
      changes: { update: 1, same: 1, create: 1, delete: 1 },
      steps: [
        { urn: "u:role", op: "update" },
        { urn: "u:schema", op: "same" },
        { urn: "u:user", op: "create" },
        { urn: "u:old", op: "delete" },
      ],
    });
  });
});

describe("redactOutputs", () => {
  it("hides passwords and the password of every URL, nothing else", () => {
    expect(
      redactOutputs({
        postgres: { url: "postgresql://tenant_a:Zx9pw@127.0.0.1:5432/controlcore?sslmode=disable", user: "tenant_a", password: "Zx9pw" },
        redis: { url: "redis://cc-tenant-a:pw2@127.0.0.1:6379", keyPrefix: "t:a:" },
        plan: "pro",
      }),
    ).toEqual({
      postgres: { url: "postgresql://tenant_a:[secret]@127.0.0.1:5432/controlcore?sslmode=disable", user: "tenant_a", password: "[secret]" },
      redis: { url: "redis://cc-tenant-a:[secret]@127.0.0.1:6379", keyPrefix: "t:a:" },
      plan: "pro",
    });
  });
});

describe("human output", () => {
  const base = { tenantId: "acme", unchanged: false, durationSeconds: 2.04 };
  it("says what each operation did", () => {
    expect(renderResult({ ...base, operation: "up", changes: { create: 14, same: 1 } }, "local")).toBe("up acme (local engine): done: 14 create, 1 same · 2.0 s");
    expect(renderResult({ ...base, operation: "preview", unchanged: true, changes: { same: 15 } }, "pulumi")).toBe("preview acme (pulumi engine): no changes would be made: 15 same · 2.0 s");
    expect(renderResult({ ...base, operation: "refresh", changes: { same: 1, delete: 1 } }, "local")).toBe("refresh acme (local engine): drift: 1 in sync, 1 missing · 2.0 s");
  });

  it("shows resource steps and diagnostics in the task list", () => {
    const e = { tenantId: "acme", operation: "up" as const, elapsed: 1 };
    expect(eventLine({ ...e, type: "resource", resource: { urn: "urn:pulumi:acme::p::a$postgresql:index/role:Role::acme-postgres-role", type: "postgresql:index/role:Role", op: "create" } })).toBe(
      "create  postgresql:index/role:Role acme-postgres-role",
    );
    expect(eventLine({ ...e, type: "diagnostic", severity: "warning", message: "role missing" })).toBe("warning: role missing");
    expect(eventLine({ ...e, type: "started" })).toBeUndefined();
  });
});
