/**
 * The Pulumi engine's error and event mapping, fed the Automation API's own error classes (built
 * by its own `createCommandError` from a CommandResult, as it does after running the CLI), the
 * CLI's real messages, and the real `spawn pulumi ENOENT` of a PATH without the CLI.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as auto from "@pulumi/pulumi/automation";
import { describe, expect, it } from "vitest";
import { EngineError } from "../../../cli/ops/engine";
import { EXIT, exitCodeOf } from "../../../cli/ops/exit-codes";
import { changesOf, engineErrorOf, isUnchanged, outputsOf, shortUrn, stackStatusOf, toEngineEvent } from "../../../cli/ops/pulumi-engine";

// The SDK's internals that turn a CLI run into its typed errors (what LocalWorkspace throws).
const { CommandResult } = require("@pulumi/pulumi/automation/cmd") as { CommandResult: new (stdout: string, stderr: string, code: number, err?: Error) => unknown };
const { createCommandError } = require("@pulumi/pulumi/automation/errors") as { createCommandError: (r: unknown) => Error };
const cliError = (stderr: string, code = 255) => createCommandError(new CommandResult("", stderr, code));

const ROLE_URN = "urn:pulumi:acme::controlcore-tenant::controlcore:tenant:TenantStack$controlcore:postgres:PostgresSchemaWithRls$postgresql:index/role:Role::acme-postgres-role";

describe("engineErrorOf", () => {
  it("another update holding the stack (Pulumi Cloud's 409) is a retryable conflict, exit 4, saying how to cancel", () => {
    const e = cliError("error: [409] Conflict: Another update is currently in progress.\n");
    expect(e.name).toBe("ConcurrentUpdateError");
    const err = engineErrorOf(e, "acme");
    expect([err.kind, err.retryable, exitCodeOf(err.kind)]).toEqual(["conflict", true, 4]);
    expect(err.message).toBe("stack acme is locked: another update is in progress");
    expect(err.hint).toContain("pulumi cancel --stack acme");
  });

  it("a self-managed backend's lock is a conflict too", () => {
    const e = cliError("error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n  s3://cc-state/.pulumi/locks/acme/1.json: created by ci@runner (pid 42) at 2026-11-30T00:00:00Z\n");
    expect(engineErrorOf(e, "acme").kind).toBe("conflict");
  });

  it("a stack that does not exist is not-found, exit 3", () => {
    const e = cliError("error: no stack named 'acme' found\n");
    expect(e.name).toBe("StackNotFoundError");
    const err = engineErrorOf(e, "acme");
    expect([err.kind, exitCodeOf(err.kind), err.retryable]).toEqual(["not-found", 3, false]);
  });

  it("the CLI missing (the SDK's real spawn of `pulumi` with a PATH without it) is unavailable, exit 5, with the install link and the offline commands", async () => {
    const { PulumiCommand } = require("@pulumi/pulumi/automation") as typeof auto;
    const saved = process.env.PATH;
    process.env.PATH = fs.mkdtempSync(path.join(os.tmpdir(), "no-pulumi-"));
    let thrown: unknown;
    try {
      await PulumiCommand.get();
    } catch (e) {
      thrown = e;
    } finally {
      process.env.PATH = saved;
    }
    expect((thrown as Error).name).toBe("CommandError");
    expect(String((thrown as Error).message)).toContain("spawn pulumi ENOENT");
    const err = engineErrorOf(thrown, "acme");
    expect([err.kind, exitCodeOf(err.kind)]).toEqual(["unavailable", EXIT.unavailable]);
    expect(err.message).toBe("the Pulumi CLI is not installed (no `pulumi` on PATH): the Pulumi engine runs it through the Automation API");
    expect(err.hint).toContain("https://www.pulumi.com/docs/iac/download-install/");
    expect(err.hint).toContain("--engine local");
    expect(err.hint).toContain("tenantctl plan <tenant>");
  });

  it("a CLI too old for the SDK is unavailable", () => {
    const e = new Error("Minimum version requirement failed. The minimum CLI version requirement is 3.200.0, your current CLI version is 3.100.0. Please update the Pulumi CLI.");
    expect(engineErrorOf(e, "acme").kind).toBe("unavailable");
  });

  it("a failed update names the resource and the provider's message (from the run's events)", () => {
    const stderr = "error: update failed\n";
    const err = engineErrorOf(cliError(stderr), "acme", {
      failedResources: [ROLE_URN],
      errors: [{ urn: ROLE_URN, message: 'pq: permission denied to create role\n' }],
    });
    expect(err.kind).toBe("failed");
    expect(exitCodeOf(err.kind)).toBe(1);
    expect(err.message).toBe('the operation on stack acme failed at postgresql:index/role:Role "acme-postgres-role": pq: permission denied to create role');
  });

  it("a failed update without events still reports the CLI's error lines", () => {
    const err = engineErrorOf(cliError("error: aws:kms/key:Key resource 'acme-key' has a problem: deletion window must be between 7 and 30 days\nerror: update failed\n"), "acme");
    expect(err.kind).toBe("failed");
    expect(err.message).toBe("the operation on stack acme failed: aws:kms/key:Key resource 'acme-key' has a problem: deletion window must be between 7 and 30 days");
  });

  it("pending operations left by a crash (the CLI's own message) say how to clear them", () => {
    const stderr =
      "error: the current deployment has 1 resource(s) with pending operations:\n" +
      `  * ${ROLE_URN}, interrupted while creating\n\n` +
      "These resources are in an unknown state because the Pulumi CLI was interrupted while\nwaiting for changes to these resources to complete.\n";
    const err = engineErrorOf(cliError(stderr), "acme");
    expect([err.kind, exitCodeOf(err.kind), err.retryable]).toEqual(["pending-operations", 1, false]);
    expect(err.hint).toContain("tenantctl refresh acme --clear-pending-creates");
    expect(err.hint).toContain("pulumi stack export --stack acme");
    expect(err.hint).toContain("pulumi stack import --stack acme");
  });

  it("throttling is transient (retryable), not a failure", () => {
    const err = engineErrorOf(cliError("error: update failed\n"), "acme", {
      failedResources: [ROLE_URN],
      errors: [{ urn: ROLE_URN, message: "creating CloudWatch Metric Alarm: operation error CloudWatch: PutMetricAlarm, https response error StatusCode: 400, api error Throttling: Rate exceeded" }],
    });
    expect([err.kind, err.retryable]).toEqual(["transient", true]);
  });

  it("an EngineError passes through; an unknown error is failed", () => {
    const own = new EngineError("invalid-input", "bad");
    expect(engineErrorOf(own, "acme")).toBe(own);
    expect(engineErrorOf(new Error("boom"), "acme").kind).toBe("failed");
  });
});

describe("events, changes, status and outputs", () => {
  const meta = (op: auto.OpType) => ({ op, urn: ROLE_URN, type: "postgresql:index/role:Role", provider: "" }) as auto.StepEventMetadata;

  it("maps resource outputs, failures, diagnostics and policy violations; drops ephemeral ones and preludes", () => {
    const ev = (e: Partial<auto.EngineEvent>) => toEngineEvent({ sequence: 1, timestamp: 0, ...e } as auto.EngineEvent, "acme", "up", 1.5);
    expect(ev({ resOutputsEvent: { metadata: meta("create") } })).toEqual({
      tenantId: "acme", operation: "up", elapsed: 1.5, type: "resource", resource: { urn: ROLE_URN, type: "postgresql:index/role:Role", op: "create" },
    });
    expect(ev({ resOpFailedEvent: { metadata: meta("create"), status: 1, steps: 1 } })).toMatchObject({
      type: "diagnostic", severity: "error", message: 'create of postgresql:index/role:Role "acme-postgres-role" failed',
    });
    expect(ev({ diagnosticEvent: { message: "deprecated input\n", color: "never", severity: "warning" } })).toMatchObject({ type: "diagnostic", severity: "warning", message: "deprecated input" });
    expect(ev({ diagnosticEvent: { message: "progress", color: "never", severity: "info", ephemeral: true } })).toBeUndefined();
    expect(ev({ policyEvent: { message: "no tenant tag", color: "never", policyName: "tenant-tag", policyPackName: "controlcore-isolation", policyPackVersion: "1", policyPackVersionTag: "1", enforcementLevel: "mandatory" } })).toMatchObject({
      severity: "error", message: "policy controlcore-isolation/tenant-tag: no tenant tag",
    });
    expect(ev({ preludeEvent: { config: {} } })).toBeUndefined();
  });

  it("counts changes without zeros; only `same` is unchanged", () => {
    expect(changesOf({ create: 3, same: 0, update: 1 })).toEqual({ create: 3, update: 1 });
    expect(isUnchanged(changesOf({ same: 12 }))).toBe(true);
    expect(isUnchanged(changesOf({ same: 11, update: 1 }))).toBe(false);
  });

  it("status: last update, result, resource count and pending operations from the exported state", () => {
    const last = { kind: "update", result: "failed", startTime: new Date("2026-11-30T00:00:00Z"), endTime: new Date("2026-11-30T00:01:00Z") } as auto.UpdateSummary;
    const deployment = { version: 3, deployment: { resources: [{}, {}, {}], pending_operations: [{ type: "creating", resource: { urn: ROLE_URN } }] } };
    expect(stackStatusOf("acme", last, deployment)).toEqual({
      tenantId: "acme",
      exists: true,
      lastUpdate: { operation: "update", result: "failed", startedAt: "2026-11-30T00:00:00.000Z", endedAt: "2026-11-30T00:01:00.000Z" },
      resourceCount: 3,
      pendingOperations: 1,
    });
  });

  it("outputs: secrets as [secret] unless shown", () => {
    const map = { postgresUrl: { value: "postgresql://u:pw@h/db", secret: true }, tenantId: { value: "acme", secret: false } };
    expect(outputsOf(map)).toEqual({ postgresUrl: "[secret]", tenantId: "acme" });
    expect(outputsOf(map, true)).toEqual({ postgresUrl: "postgresql://u:pw@h/db", tenantId: "acme" });
    expect(shortUrn("not-a-urn")).toBe("not-a-urn");
  });
});
