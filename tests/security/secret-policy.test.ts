/**
 * The tenant secret resource policy, taken from the program's own SecretPolicy inputs (not
 * re-typed), evaluated with the IAM policy simulator (@cloud-copilot/iam-simulate): acme's
 * principal reads its secrets, globex's principal cannot — not even with an identity policy that
 * allows secretsmanager:* on * — nobody but the deployer and admin roles manages them, only the
 * deployer reads them back, and neither is locked out.
 *
 * The simulator does not derive `aws:PrincipalArn` from the request principal, so each request
 * sets it as AWS does: the role's ARN for a session of that role (`roleOf`).
 */
import { type Simulation, runSimulation } from "@cloud-copilot/iam-simulate";
import { beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../components/errors";
import { secretPolicyProblems, tenantSecretPolicy } from "../../components/security/secret-policy";
import { ACCOUNT, ADMIN_ROLE_ARN, DEPLOYER_ROLE_ARN, roleArn, runTenant } from "./fixtures";

interface Target {
  readonly arn: string;
  readonly policy: unknown;
}

/** Every secret of a tenant with the policy the program attached to it. */
async function tenantSecrets(tenant: string): Promise<Target[]> {
  const run = await runTenant(tenant, { jwtKeySlots: ["a", "b"], apiKeyNames: ["primary", "next"] });
  const policies = run.resources.filter((r) => r.type === "aws:secretsmanager/secretPolicy:SecretPolicy");
  expect(policies).toHaveLength(4);
  return policies.map((p) => ({ arn: String(p.inputs.secretArn), policy: JSON.parse(String(p.inputs.policy)) }));
}

const session = (role: string, name = "s") => `arn:aws:sts::${ACCOUNT}:assumed-role/${role.split("/").pop()}/${name}`;
const roleOf = (principal: string) =>
  principal.includes(":assumed-role/") ? `arn:aws:iam::${principal.split(":")[4]}:role/${principal.split("/")[1]}` : principal;

/** An identity policy that allows everything in Secrets Manager: a badly written role elsewhere. */
const ALLOW_ALL_SECRETS = [{ name: "too-broad", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "secretsmanager:*", Resource: "*" }] } }];

async function decide(principal: string, action: string, target: Target, identityPolicies: Simulation["identityPolicies"] = []) {
  const result = await runSimulation(
    {
      request: {
        principal,
        action,
        resource: { resource: target.arn, accountId: ACCOUNT },
        contextVariables: { "aws:PrincipalArn": roleOf(principal) },
      },
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: target.policy,
    },
    {},
  );
  if (result.resultType === "error") throw new Error(`simulation error: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}

let acme: Target[];
let globex: Target[];
beforeAll(async () => {
  acme = await tenantSecrets("acme");
  globex = await tenantSecrets("globex");
});

const ACME = session(roleArn("acme"), "pod-1");
const GLOBEX = session(roleArn("globex"), "pod-1");
const DEPLOYER = session(DEPLOYER_ROLE_ARN, "pulumi-up");
const ADMIN = session(ADMIN_ROLE_ARN, "operator");

describe("tenant secret policy (program's own documents, IAM simulator)", () => {
  it("acme's principal may read and describe every acme secret, through the resource policy alone", async () => {
    for (const t of acme) {
      expect(await decide(ACME, "secretsmanager:GetSecretValue", t)).toBe("Allowed");
      expect(await decide(ACME, "secretsmanager:DescribeSecret", t)).toBe("Allowed");
    }
  });

  it("globex's principal is explicitly denied acme's values, even with secretsmanager:* on *", async () => {
    for (const t of acme) {
      expect(await decide(GLOBEX, "secretsmanager:GetSecretValue", t)).toBe("ExplicitlyDenied");
      expect(await decide(GLOBEX, "secretsmanager:GetSecretValue", t, ALLOW_ALL_SECRETS)).toBe("ExplicitlyDenied");
      expect(await decide(GLOBEX, "secretsmanager:PutSecretValue", t, ALLOW_ALL_SECRETS)).toBe("ExplicitlyDenied");
      expect(await decide(GLOBEX, "secretsmanager:DeleteSecret", t, ALLOW_ALL_SECRETS)).toBe("ExplicitlyDenied");
    }
    // And the other way round.
    for (const t of globex) {
      expect(await decide(ACME, "secretsmanager:GetSecretValue", t, ALLOW_ALL_SECRETS)).toBe("ExplicitlyDenied");
      expect(await decide(GLOBEX, "secretsmanager:GetSecretValue", t)).toBe("Allowed");
    }
  });

  it("acme's principal cannot change its own secrets: write, delete, re-police, tag, replicate, rotate", async () => {
    const actions = [
      "secretsmanager:PutSecretValue",
      "secretsmanager:UpdateSecret",
      "secretsmanager:DeleteSecret",
      "secretsmanager:PutResourcePolicy",
      "secretsmanager:DeleteResourcePolicy",
      "secretsmanager:TagResource",
      "secretsmanager:UntagResource",
      "secretsmanager:ReplicateSecretToRegions",
      "secretsmanager:RotateSecret",
      "secretsmanager:UpdateSecretVersionStage",
    ];
    for (const t of acme) {
      for (const action of actions) expect(`${action}: ${await decide(ACME, action, t, ALLOW_ALL_SECRETS)}`).toBe(`${action}: ExplicitlyDenied`);
    }
  });

  it("other principals of the account (another role, the root user) are denied the value", async () => {
    const other = session(`arn:aws:iam::${ACCOUNT}:role/some-ci-role`);
    for (const t of acme) {
      expect(await decide(other, "secretsmanager:GetSecretValue", t, ALLOW_ALL_SECRETS)).toBe("ExplicitlyDenied");
      expect(await decide(`arn:aws:iam::${ACCOUNT}:root`, "secretsmanager:GetSecretValue", t, ALLOW_ALL_SECRETS)).toBe("ExplicitlyDenied");
    }
  });

  it("a role named like acme's in another account is denied (the policy names the exact ARN)", async () => {
    const foreign = "arn:aws:sts::111111111111:assumed-role/cc-tenant-acme/pod-1";
    for (const t of acme) expect(await decide(foreign, "secretsmanager:GetSecretValue", t, ALLOW_ALL_SECRETS)).toBe("ExplicitlyDenied");
  });

  it("the deployer is not locked out: it writes, manages and reads back the secrets with its identity policy", async () => {
    for (const t of acme) {
      for (const action of ["secretsmanager:PutSecretValue", "secretsmanager:PutResourcePolicy", "secretsmanager:DeleteSecret", "secretsmanager:TagResource", "secretsmanager:GetSecretValue"]) {
        expect(`${action}: ${await decide(DEPLOYER, action, t, ALLOW_ALL_SECRETS)}`).toBe(`${action}: Allowed`);
      }
      // The resource policy itself grants the deployer nothing: without an identity policy it has no access.
      expect(await decide(DEPLOYER, "secretsmanager:GetSecretValue", t)).toBe("ImplicitlyDenied");
    }
  });

  it("the admin role manages the secrets (not locked out) but may not read them", async () => {
    for (const t of acme) {
      for (const action of ["secretsmanager:PutResourcePolicy", "secretsmanager:DeleteSecret", "secretsmanager:RestoreSecret", "secretsmanager:TagResource"]) {
        expect(`${action}: ${await decide(ADMIN, action, t, ALLOW_ALL_SECRETS)}`).toBe(`${action}: Allowed`);
      }
      expect(await decide(ADMIN, "secretsmanager:GetSecretValue", t, ALLOW_ALL_SECRETS)).toBe("ExplicitlyDenied");
    }
  });
});

describe("tenantSecretPolicy refuses bad principals", () => {
  it("names every problem at once, at the config key each principal comes from", () => {
    const role = "expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)";
    let thrown: unknown;
    try {
      tenantSecretPolicy({ tenantPrincipalArn: "cc-tenant-acme", deployerRoleArn: DEPLOYER_ROLE_ARN, adminRoleArn: "arn:aws:iam::000000000000:user/admin" });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(InputError);
    expect((thrown as InputError).message).toBe(
      "invalid tenant secret policy principals: 2 problems\n" +
        `  - tenantPrincipalArn: got "cc-tenant-acme"; ${role}\n` +
        `  - platform.s3.keyAdminRoleArn: got "arn:aws:iam::000000000000:user/admin"; ${role}`,
    );
  });

  it("refuses a tenant principal that is a platform role, naming which", () => {
    expect(secretPolicyProblems({ tenantPrincipalArn: DEPLOYER_ROLE_ARN, deployerRoleArn: DEPLOYER_ROLE_ARN, adminRoleArn: DEPLOYER_ROLE_ARN })).toEqual([
      {
        path: "tenantPrincipalArn",
        message: `got "${DEPLOYER_ROLE_ARN}", which is also platform.s3.deployerRoleArn and platform.s3.keyAdminRoleArn; expected the tenant's own role: the tenant would administer its own secrets`,
      },
    ]);
  });

  it("checks only the principals that are plain strings (an Output is checked when the policy is built)", () => {
    expect(secretPolicyProblems({ deployerRoleArn: "deployer" })).toEqual([
      { path: "platform.s3.deployerRoleArn", message: 'got "deployer"; expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)' },
    ]);
    expect(secretPolicyProblems({ tenantPrincipalArn: { not: "a string" }, deployerRoleArn: DEPLOYER_ROLE_ARN, adminRoleArn: DEPLOYER_ROLE_ARN })).toEqual([]);
  });

  it("accepts role ARNs with a path and in other partitions", () => {
    const doc = tenantSecretPolicy({
      tenantPrincipalArn: "arn:aws-us-gov:iam::123456789012:role/tenants/cc-tenant-acme",
      deployerRoleArn: "arn:aws-us-gov:iam::123456789012:role/deployer",
      adminRoleArn: "arn:aws-us-gov:iam::123456789012:role/admin",
    });
    expect(doc.Statement[0]!.Principal).toEqual({ AWS: "arn:aws-us-gov:iam::123456789012:role/tenants/cc-tenant-acme" });
  });

  it("names the deployer once when it is also the admin role", () => {
    const doc = tenantSecretPolicy({ tenantPrincipalArn: roleArn("acme"), deployerRoleArn: DEPLOYER_ROLE_ARN, adminRoleArn: DEPLOYER_ROLE_ARN });
    expect(doc.Statement[2]!.Condition).toEqual({ ArnNotEquals: { "aws:PrincipalArn": DEPLOYER_ROLE_ARN } });
  });
});
