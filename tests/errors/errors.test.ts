/** The one error shape: format, Pulumi's clean display, "did you mean" from a schema's own keys. */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { didYouMean, InputError, keysAt, zodProblems } from "../../components/errors";
import { PlatformConfigSchema } from "../../components/platform-config";

describe("InputError", () => {
  it("names the source, counts the problems and lists each with its key path", () => {
    const e = new InputError("plan ./tiny.yaml", [
      { path: "limits.max_users", message: "got 0; expected a positive whole number" },
      { path: "name", message: 'got "Tiny"; expected a lowercase name' },
    ]);
    expect(e.message).toBe(
      'invalid plan ./tiny.yaml: 2 problems\n  - limits.max_users: got 0; expected a positive whole number\n  - name: got "Tiny"; expected a lowercase name',
    );
    expect(new InputError("tenant ID", [{ path: "tenantId", message: "x" }]).message).toBe("invalid tenant ID: 1 problem\n  - tenantId: x");
  });

  it("is a RunError to Pulumi's language host, which prints the message without a stack trace", () => {
    // cmd/run/run.js: `if (RunError.isInstance(err)) log.error(err.message)`.
    expect(pulumi.RunError.isInstance(new InputError("x", []))).toBe(true);
    expect(pulumi.RunError.isInstance(new Error("x"))).toBe(false);
  });
});

describe("did you mean", () => {
  it("suggests a close key, across case, and nothing for an unrelated word", () => {
    expect(didYouMean("sslmode", ["host", "sslMode", "superuser"])).toBe("sslMode");
    expect(didYouMean("max_polices", ["max_policies", "max_users"])).toBe("max_policies");
    expect(didYouMean("banana", ["host", "port"])).toBeUndefined();
  });

  it("answers an unknown key with the keys of the SCHEMA at that path, not the input's", () => {
    expect(keysAt(PlatformConfigSchema, ["postgres"])).toEqual(["host", "port", "database", "adminUser", "sslMode", "superuser"]);
    const input = { postgres: { host: "db", sslmode: "require" } };
    const result = PlatformConfigSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(zodProblems(result.error!.issues, input, PlatformConfigSchema, ["platform"])).toEqual([
      {
        path: "platform.postgres.sslmode",
        message: 'unknown key (value "require"); did you mean "sslMode"? Expected one of: host, port, database, adminUser, sslMode, superuser',
      },
    ]);
  });

  it("walks optional, defaulted and array schemas", () => {
    const schema = z.strictObject({ cells: z.array(z.strictObject({ name: z.string(), port: z.number().default(1) })).optional() });
    expect(keysAt(schema, ["cells", 0])).toEqual(["name", "port"]);
    expect(keysAt(schema, ["missing"])).toBeUndefined();
  });
});
