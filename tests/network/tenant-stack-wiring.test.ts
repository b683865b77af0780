/**
 * TenantStack → TenantNetwork wiring, through the whole program under mocks (the stack file
 * read as `pulumi up` reads it):
 *
 * - the API keys API Gateway meters carry the SAME values as the tenant's secrets
 *   (SecurityCredentials' API keys), one per key name;
 * - the explicit us-east-1 provider of the CloudFront certificate carries the stack's `aws:`
 *   settings (profile, assumed roles, allowed accounts), not ambient credentials.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { type RecordedResource, unwrapSecrets } from "../../cli/engine/mock-engine";
import { runProgram } from "../../cli/offline-plan";
import { byName, ofType, providerOf } from "./fixtures";

const ASSUME_ROLES = [{ roleArn: "arn:aws:iam::123456789012:role/controlcore-deployer", sessionName: "tenant-acme" }];

/** Pulumi.dev.yaml with the stack's aws: settings, an API Gateway entry point and two API keys (a rotation). */
function stackFile(): string {
  const doc = YAML.parse(fs.readFileSync(path.join(__dirname, "../../Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
  const config = doc.config;
  config["aws:profile"] = "controlcore-deployer";
  config["aws:assumeRoles"] = ASSUME_ROLES;
  config["aws:allowedAccountIds"] = ["123456789012"];
  config["controlcore-tenant:apiKeyNames"] = ["primary", "next"];
  const platform = config["controlcore-tenant:platform"] as { network: { entryPoint: Record<string, unknown> } };
  platform.network.entryPoint = { kind: "api-gateway", domainName: "d-7k2m4q9x1z.execute-api.us-east-1.amazonaws.com", hostedZoneId: "Z1UJRXOUMOOFQ8" };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cc-wiring-"));
  const file = path.join(dir, "Pulumi.acme.yaml");
  fs.writeFileSync(file, YAML.stringify(doc));
  return file;
}

const secretValueOf = (rs: readonly RecordedResource[], keyName: string) =>
  unwrapSecrets(rs.find((r) => r.type === "aws:secretsmanager/secretVersion:SecretVersion" && r.name.endsWith(`-api-key-${keyName}-secret-version`))!.inputs.secretString);

describe("TenantStack passes the tenant's API keys and the stack's aws: settings to TenantNetwork", async () => {
  const { resources: rs } = await runProgram({ tenantId: "acme", plan: "pro", stackFile: stackFile() });

  it("each API Gateway key has the value of the tenant's secret of the same name", () => {
    const keys = ofType(rs, "aws:apigateway/apiKey:ApiKey");
    expect(keys.map((k) => k.name).sort()).toEqual(["acme-network-rate-limit-api-key-next", "acme-network-rate-limit-api-key-primary"]);
    for (const keyName of ["primary", "next"]) {
      const apiKey = unwrapSecrets(byName(rs, `acme-network-rate-limit-api-key-${keyName}`).inputs.value);
      expect(typeof apiKey).toBe("string");
      expect((apiKey as string).length).toBeGreaterThan(20);
      expect(apiKey).toBe(secretValueOf(rs, keyName));
    }
    expect(secretValueOf(rs, "primary")).not.toBe(secretValueOf(rs, "next"));
  });

  it("each key joins the pro tier's usage plan", () => {
    expect(ofType(rs, "aws:apigateway/usagePlanKey:UsagePlanKey").map((k) => k.inputs.usagePlanId)).toEqual(["up-pro-0a1b2c", "up-pro-0a1b2c"]);
  });

  it("the us-east-1 provider carries the configured profile, assumed role and allowed account", () => {
    const provider = providerOf(rs, byName(rs, "acme-network-certificate-cert"))!;
    expect(provider.type).toBe("pulumi:providers:aws");
    expect(provider.inputs.region).toBe("us-east-1");
    expect(provider.inputs.profile).toBe("controlcore-deployer");
    expect(JSON.parse(String(provider.inputs.assumeRoles))).toEqual(ASSUME_ROLES);
    expect(JSON.parse(String(provider.inputs.allowedAccountIds))).toEqual(["123456789012"]);
  });
});
