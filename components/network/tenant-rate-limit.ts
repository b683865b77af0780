/**
 * TenantRateLimit: the tenant's API Gateway API keys, each associated with its plan tier's usage
 * plan (platform-owned, one per plan: SCALE.md allows 300 usage plans but 10,000 API keys per
 * region). The usage plan throttles and meters each key separately, so every tenant gets its
 * plan's numbers without a usage plan of its own. Used only when the platform entry point is
 * API Gateway (`rateLimitPath`): a usage plan never sees requests to a load balancer.
 *
 * One key per name of the tenant's API keys, with the SAME value as the tenant's secret of that
 * name (SecurityCredentials), so the key a client presents is the key API Gateway meters. Two
 * names exist only during a rotation; each key is throttled on its own, so during a rotation a
 * client using both keys at once could reach twice its plan's rate at API Gateway (the tier web
 * ACL, counting per host, is unaffected).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { InputError, type Problem } from "../errors";
import type { TenantNames } from "../naming";

/** The key name used when the caller passes no values (API Gateway generates the value). */
export const GENERATED_API_KEY_NAME = "primary";

export interface TenantRateLimitArgs {
  readonly names: TenantNames;
  /** The usage plan of the tenant's plan tier (platform config `network.rateLimiting.usagePlanIds[plan]`). */
  readonly usagePlanId: string;
  /**
   * The value of each of the tenant's API keys by name: `SecurityCredentials.apiKeys[name].value`.
   * Security note: credentials; wrapped as secrets here whatever the caller passes.
   * @default one key named "primary" whose value API Gateway generates
   */
  readonly apiKeyValues?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Tags of the tenant (`tenantTags`). */
  readonly tags: Record<string, string>;
}

/** Every problem of the arguments (empty when they are usable). */
export function tenantRateLimitProblems(args: TenantRateLimitArgs): Problem[] {
  const problems: Problem[] = [];
  if (args.usagePlanId.length === 0) problems.push({ path: "usagePlanId", message: `"" is empty; expected the usage plan ID of the tenant's plan tier` });
  if (args.apiKeyValues !== undefined && Object.keys(args.apiKeyValues).length === 0) {
    problems.push({ path: "apiKeyValues", message: "{} names no key; expected the value of each of the tenant's API keys by name, or no apiKeyValues" });
  }
  return problems;
}

export class TenantRateLimit extends pulumi.ComponentResource {
  /** Each API key's ID, by key name. */
  readonly apiKeyIds: Readonly<Record<string, pulumi.Output<string>>>;
  /** Each API key's value (secret), by key name. */
  readonly apiKeyValues: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: TenantRateLimitArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = tenantRateLimitProblems(args);
    if (problems.length > 0) throw new InputError(`TenantRateLimit ${name} arguments`, problems);
    super("controlcore:network:TenantRateLimit", name, {}, opts);
    const values: Record<string, pulumi.Input<string> | undefined> = args.apiKeyValues ?? { [GENERATED_API_KEY_NAME]: undefined };
    const ids: Record<string, pulumi.Output<string>> = {};
    const secrets: Record<string, pulumi.Output<string>> = {};
    for (const [keyName, value] of Object.entries(values)) {
      const key = new aws.apigateway.ApiKey(
        `${name}-api-key-${keyName}`,
        {
          // API key names need not be unique; the description names the key.
          name: args.names.edgeName,
          description: `Control Core tenant ${args.names.id}, API key "${keyName}": identifies the tenant to its plan tier's usage plan`,
          enabled: true,
          value: value === undefined ? undefined : pulumi.secret(value),
          tags: args.tags,
        },
        { parent: this },
      );
      new aws.apigateway.UsagePlanKey(
        `${name}-usage-plan-key-${keyName}`,
        { keyId: key.id, keyType: "API_KEY", usagePlanId: args.usagePlanId },
        { parent: this },
      );
      ids[keyName] = key.id;
      secrets[keyName] = pulumi.secret(key.value);
    }
    this.apiKeyIds = ids;
    this.apiKeyValues = secrets;
    this.registerOutputs({ apiKeyIds: this.apiKeyIds, apiKeyValues: this.apiKeyValues });
  }
}
