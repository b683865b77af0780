/** The component's credential outputs are secret Outputs, not merely redacted in printing. */
import { expect, it } from "vitest";
import { runUnderMocks } from "../../cli/engine/mock-engine";

it("password and url are secret, the endpoint is not", async () => {
  const run = await runUnderMocks(async () => {
    const { PostgresSchemaWithRls } = await import("../../components/postgres/postgres-schema-with-rls.js");
    const { tenantNames } = await import("../../components/naming.js");
    const { loadPlan } = await import("../../plans/load.js");
    const plan = loadPlan("pro").plan;
    const pg = new PostgresSchemaWithRls("acme-postgres", {
      names: tenantNames("acme"), isolationLevel: "schema", limits: plan.limits, database: plan.database,
      postgres: { host: "db.internal", port: 5432, database: "controlcore", adminUser: "admin", sslMode: "require", superuser: false },
      adminPassword: "admin-pw",
    });
    const isSecret = (o: { isSecret: Promise<boolean> }) => o.isSecret;
    return {
      password: await isSecret(pg.password as any),
      url: await isSecret(pg.url as any),
      endpoint: await isSecret(pg.endpoint as any),
    };
  });
  expect(run.outputs).toEqual({ password: true, url: true, endpoint: false });
});
