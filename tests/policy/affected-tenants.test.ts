import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { affectedTenants, type KnownTenant, planFile, previewTargets, readTenants } from "../../cli/affected-tenants";

const TENANTS: KnownTenant[] = [
  { id: "acme", plan: "pro", file: "Pulumi.acme.yaml" },
  { id: "bolt", plan: "pro", file: "tenants/bolt.yaml" },
  { id: "crux", plan: "custom", file: "tenants/crux.yaml" },
  { id: "dune", plan: "./plans/tiny.yaml", file: "tenants/dune.yaml" },
];

describe("affectedTenants (pure)", () => {
  it("a plan file → the tenants on that plan, with the reason", () => {
    expect(affectedTenants(["plans/pro.yaml"], TENANTS)).toEqual({
      tenants: ["acme", "bolt"],
      reasons: { acme: ["plans/pro.yaml: the tenant's plan"], bolt: ["plans/pro.yaml: the tenant's plan"] },
    });
    expect(affectedTenants(["plans/custom.yaml"], TENANTS).tenants).toEqual(["crux"]);
    // A plan given as a path, written with "./".
    expect(affectedTenants(["plans/tiny.yaml"], TENANTS).tenants).toEqual(["dune"]);
    // A plan no tenant uses.
    expect(affectedTenants(["plans/enterprise.yaml"], TENANTS).tenants).toEqual([]);
  });

  it("a tenant's own stack file → that tenant only", () => {
    expect(affectedTenants(["tenants/bolt.yaml"], TENANTS).tenants).toEqual(["bolt"]);
    expect(affectedTenants(["Pulumi.acme.yaml"], TENANTS).tenants).toEqual(["acme"]);
  });

  it.each([["components/s3/policies.ts"], ["index.ts"], ["plans/schema.ts"], ["plans/load.ts"], ["Pulumi.yaml"], ["package-lock.json"], ["policy/isolation-policies.ts"], ["cli/engine/mock-engine.ts"]])(
    "%s (shared by every stack or its checks) → all tenants",
    (file) => {
      const r = affectedTenants([file], TENANTS);
      expect(r.tenants).toEqual(["acme", "bolt", "crux", "dune"]);
      expect(r.reasons.crux).toEqual([`${file}: shared by every tenant`]);
    },
  );

  it("the default stack config (Pulumi.dev.yaml) → its own tenant and the tenants planned with its platform", () => {
    const tenants = [...TENANTS, { id: "erie", plan: "pro", file: "Pulumi.dev.yaml" }];
    expect(affectedTenants(["Pulumi.dev.yaml"], tenants)).toEqual({
      tenants: ["bolt", "crux", "dune", "erie"],
      reasons: {
        erie: ["Pulumi.dev.yaml: the tenant's stack file"],
        bolt: ["Pulumi.dev.yaml: the platform config the tenant is planned with"],
        crux: ["Pulumi.dev.yaml: the platform config the tenant is planned with"],
        dune: ["Pulumi.dev.yaml: the platform config the tenant is planned with"],
      },
    });
    // acme has a stack file of its own: another tenant's stack file does not touch it.
    expect(affectedTenants(["Pulumi.acme.yaml"], tenants).tenants).toEqual(["acme"]);
  });

  it("documentation and tests only → none", () => {
    expect(affectedTenants(["README.md", "docs/redis.md", "tests/redis/placement.test.ts", "components/s3/README.md", ""], TENANTS)).toEqual({ tenants: [], reasons: {} });
  });

  it("a mix: the union, each tenant once, reasons kept per path", () => {
    const r = affectedTenants(["docs/s3.md", "plans/custom.yaml", "tenants/bolt.yaml"], TENANTS);
    expect(r).toEqual({ tenants: ["bolt", "crux"], reasons: { crux: ["plans/custom.yaml: the tenant's plan"], bolt: ["tenants/bolt.yaml: the tenant's stack file"] } });
  });

  it("planFile maps plan names and paths to the changed file's form", () => {
    expect(planFile("pro")).toBe("plans/pro.yaml");
    expect(planFile("./plans/tiny.yml")).toBe("plans/tiny.yml");
  });
});

describe("previewTargets", () => {
  it("a tenant with a stack file is planned with it and previewed as its stack; others with the default config, as their ID", () => {
    const affected = affectedTenants(["components/naming.ts"], TENANTS);
    expect(previewTargets(affected, TENANTS)).toEqual([
      { tenant: "acme", plan: "pro", stackConfig: "Pulumi.acme.yaml", stack: "acme" },
      { tenant: "bolt", plan: "pro", stackConfig: "Pulumi.dev.yaml", stack: "bolt" },
      { tenant: "crux", plan: "custom", stackConfig: "Pulumi.dev.yaml", stack: "crux" },
      { tenant: "dune", plan: "./plans/tiny.yaml", stackConfig: "Pulumi.dev.yaml", stack: "dune" },
    ]);
  });
});

describe("readTenants", () => {
  it("reads tenants/*.yaml and Pulumi.<stack>.yaml (tenantId and plan; pro by default); a stack file without a tenant is skipped", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tenants-"));
    fs.mkdirSync(path.join(dir, "tenants"));
    fs.writeFileSync(path.join(dir, "tenants", "bolt.yaml"), "tenantId: bolt\nplan: custom\n");
    fs.writeFileSync(path.join(dir, "tenants", "crux.yaml"), "plan: ./plans/tiny.yaml\n");
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  controlcore-tenant:tenantId: acme\n");
    fs.writeFileSync(path.join(dir, "Pulumi.platform.yaml"), "config:\n  aws:region: us-east-1\n");
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: x\n");
    expect(readTenants(dir)).toEqual([
      { id: "bolt", plan: "custom", file: "tenants/bolt.yaml" },
      { id: "crux", plan: "./plans/tiny.yaml", file: "tenants/crux.yaml" },
      { id: "acme", plan: "pro", file: "Pulumi.dev.yaml" },
    ]);
    fs.rmSync(dir, { recursive: true });
  });
});
