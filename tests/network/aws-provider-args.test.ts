/**
 * The explicit provider copies every `aws:` setting the default provider would read: the key
 * lists equal the keys @pulumi/aws's own config module reads (minus region), and each kind of
 * value is read the way that module reads it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { AWS_OBJECT_KEYS, AWS_SECRET_KEYS, AWS_STRING_KEYS, awsProviderArgsFromConfig } from "../../components/network/aws-provider-args";

const vars = fs.readFileSync(path.join(__dirname, "../../node_modules/@pulumi/aws/config/vars.js"), "utf8");
const read = (getter: string) => [...vars.matchAll(new RegExp(`__config\\.${getter}\\("([A-Za-z0-9]+)"\\)`, "g"))].map((m) => m[1]!).sort();

describe("the aws: keys an explicit provider copies", () => {
  it("are exactly the keys @pulumi/aws reads from the stack's aws: config, except region", () => {
    expect([...AWS_STRING_KEYS, ...AWS_SECRET_KEYS].sort()).toEqual(read("get").filter((k) => k !== "region"));
    expect([...AWS_OBJECT_KEYS].sort()).toEqual(read("getObject"));
  });

  it("reads strings, secrets and JSON values, and leaves out keys that are not set", async () => {
    const config: Record<string, string> = {
      profile: "controlcore-deployer",
      secretKey: "s3cr3t",
      assumeRoles: JSON.stringify([{ roleArn: "arn:aws:iam::123456789012:role/deployer" }]),
      skipRequestingAccountId: "true",
      region: "eu-west-1",
    };
    const reader = {
      get: (k: string) => config[k],
      getSecret: (k: string) => (config[k] === undefined ? undefined : pulumi.secret(config[k]!)),
      getObject: <T>(k: string) => (config[k] === undefined ? undefined : (JSON.parse(config[k]!) as T)),
    };
    const args = awsProviderArgsFromConfig(reader) as Record<string, unknown>;
    expect(Object.keys(args).sort()).toEqual(["assumeRoles", "profile", "secretKey", "skipRequestingAccountId"]);
    expect(args.profile).toBe("controlcore-deployer");
    expect(args.assumeRoles).toEqual([{ roleArn: "arn:aws:iam::123456789012:role/deployer" }]);
    expect(args.skipRequestingAccountId).toBe(true);
    expect(pulumi.Output.isInstance(args.secretKey)).toBe(true);
    expect(await (args.secretKey as unknown as { isSecret: Promise<boolean> }).isSecret).toBe(true);
  });
});
