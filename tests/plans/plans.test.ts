/** Plans: the shipped plans, the schema's refusals (all at once, with key path, value and expectation), overrides. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { planJsonSchema } from "../../plans/json-schema";
import { InputError } from "../../components/errors";
import { loadPlan } from "../../plans/load";

function planFile(text: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-")), "my-plan.yaml");
  fs.writeFileSync(file, text);
  return file;
}
const pro = fs.readFileSync(path.join(__dirname, "../../plans/pro.yaml"), "utf8");

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  throw new Error("expected an InputError");
}

describe("shipped plans", () => {
  it("Pro carries the spec's settings and limits", () => {
    const { plan } = loadPlan("pro");
    expect(plan).toMatchObject({
      isolation_level: "schema", max_tenants: 1, database_schema: true, redis_namespace: true, s3_prefix: true,
      network_isolation: true, security_isolation: true, monitoring_isolation: true, dedicated_resources: false,
      limits: { max_policies: 100, max_resources: 50, max_bouncers: 5, max_users: 10, api_calls_per_hour: 10000, policy_evaluations_per_hour: 50000, storage_gb: 10, backup_retention_days: 30 },
      rate_limiting: { requests_per_minute: 1000, burst_limit: 2000, window_size: 60 },
      redis: { ttl_default: 3600, ttl_sessions: 86400, ttl_cache: 1800 },
    });
  });
  it("Custom carries the spec's settings and limits", () => {
    const { plan } = loadPlan("custom");
    expect(plan).toMatchObject({
      isolation_level: "database", max_tenants: 10, dedicated_resources: true,
      limits: { max_policies: 1000, max_resources: 500, max_bouncers: 50, max_users: 100, api_calls_per_hour: 100000, policy_evaluations_per_hour: 500000, storage_gb: 100, backup_retention_days: 90 },
    });
  });
  it("the committed JSON Schema is the one the zod schema generates", () => {
    expect(fs.readFileSync(path.join(__dirname, "../../plans/plan.schema.json"), "utf8")).toBe(planJsonSchema());
  });
});

describe("plan refusals", () => {
  it("reports every problem at once, naming the file, key path, value and expectation", () => {
    const file = planFile(
      pro
        .replace("isolation_level: schema", "isolation_level: galaxy")
        .replace("max_policies: 100", "max_policies: -5")
        .replace("max_users: 10", "max_users: 0")
        .replace("ttl_cache: 1800 ", 'ttl_cache: "soon" ')
        .replace("storage_gb: 10", "storage_gb: 10\n  storage_tb: 1"),
    );
    let err: InputError | undefined;
    try {
      loadPlan(file);
    } catch (e) {
      err = e as InputError;
    }
    expect(err).toBeInstanceOf(InputError);
    expect(err!.message.split("\n")[0]).toBe(`invalid plan ${file}: 5 problems`);
    expect(err!.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'isolation_level: got "galaxy"; Invalid option: expected one of "database"|"schema"|"table"|"row"',
      "limits.max_policies: got -5; Too small: expected number to be >0",
      "limits.max_users: got 0; Too small: expected number to be >0",
      "limits.storage_tb: unknown key (value 1); did you mean \"storage_gb\"? Expected one of: max_policies, max_resources, max_bouncers, max_users, api_calls_per_hour, policy_evaluations_per_hour, storage_gb, backup_retention_days",
      'redis.ttl_cache: got "soon"; Invalid input: expected number, received string',
    ]);
  });

  it.each([
    [{ isolation_level: "database", database_schema: false }, 'database_schema: database_schema must be true when isolation_level is "database" (a tenant has a schema of its own exactly at the database and schema levels)'],
    [{ isolation_level: "row" }, 'database_schema: database_schema must be false when isolation_level is "row" (a tenant has a schema of its own exactly at the database and schema levels)'],
    [{ rate_limiting: { burst_limit: 10 } }, "rate_limiting.burst_limit: burst_limit must be at least requests_per_minute (1000)"],
    [{ limits: { max_policies: 2.5 } }, "limits.max_policies: got 2.5; Invalid input: expected int, received number"],
    [{ database: { connection_limit: 5000 } }, "database.connection_limit: got 5000; Too big: expected number to be <=1000"],
    [
      { limits: { max_bouncers: 21 } },
      "kubernetes.max_pods: got 20; expected at least the bouncer pods the plan allows, limits.max_bouncers (21) × kubernetes.pods_per_bouncer (1) = 21: raise max_pods or lower one of them",
    ],
  ])("refuses inconsistent overrides %j", (overrides, message) => {
    expect(problems(() => loadPlan("pro", overrides))).toEqual([message]);
  });

  it("refuses an unknown plan name, a missing file, bad YAML and duplicate keys", () => {
    expect(problems(() => loadPlan("gold"))).toEqual(['(plan): unknown plan "gold"; expected one of pro, custom or a path to a .yaml file']);
    expect(problems(() => loadPlan("/nonexistent/plan.yaml"))).toEqual(["(file): file not found: /nonexistent/plan.yaml"]);
    expect(problems(() => loadPlan(planFile("name: [unclosed\n")))[0]).toMatch(/^\(yaml line \d+\): /);
    expect(problems(() => loadPlan(planFile(`${pro}\nname: again\n`)))).toEqual([`(yaml line ${pro.split("\n").length + 1}): Map keys must be unique`]);
    expect(problems(() => loadPlan(planFile("")))).toEqual(["(root): got null; Invalid input: expected object, received null"]);
  });

  it("merges per-tenant overrides and validates the result like a plan", () => {
    const { plan } = loadPlan("pro", { limits: { max_users: 25 }, isolation_level: "row", database_schema: false });
    expect(plan.limits.max_users).toBe(25);
    expect(plan.limits.max_policies).toBe(100);
    expect(plan.isolation_level).toBe("row");
    expect(problems(() => loadPlan("pro", "oops"))).toEqual(['(overrides): got "oops"; expected a mapping of plan keys']);
  });

  it("accepts a user's own plan file", () => {
    const { plan, source } = loadPlan(planFile(pro.replace("name: pro", "name: startup").replace("max_policies: 100", "max_policies: 20")));
    expect([plan.name, plan.limits.max_policies, source.endsWith("my-plan.yaml")]).toEqual(["startup", 20, true]);
  });
});
