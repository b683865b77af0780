/**
 * Shared inputs of the network tests: the real plans, a platform network section and the
 * placeholder rules of the network area's resource types.
 */
import { loadPlan } from "../../plans/load";
import type { Plan } from "../../plans/schema";
import { type NetworkPlatform, NetworkPlatformSchema } from "../../components/network/config";
import type { RecordedResource } from "../../cli/engine/mock-engine";
import { tenantTags } from "../../components/naming";
import { tenantNames } from "../../components/naming";

export function planFile(name: "pro" | "custom"): Plan {
  return loadPlan(name).plan;
}

export const PRO_ACL = "arn:aws:wafv2:us-east-1:111122223333:global/webacl/controlcore-tier-pro/11111111-1111-4111-a111-111111111111";
export const CUSTOM_ACL = "arn:aws:wafv2:us-east-1:111122223333:global/webacl/controlcore-tier-custom/22222222-2222-4222-a222-222222222222";

/** The raw `platform.network` section used by the tests (defaults filled by the schema). */
export const PLATFORM_NETWORK_RAW = {
  hostedZoneId: "Z0PLATFORMZONE1",
  entryPoint: {
    kind: "alb",
    domainName: "cc-platform-123456.us-west-2.elb.amazonaws.com",
    hostedZoneId: "Z1H1FL5HABSF5",
  },
  logBucket: "controlcore-shared",
  cdn: {
    multiTenantDistributionId: "E2PLATFORMMTD01",
    routingEndpoint: "d1routing0abc.cloudfront.net",
    connectionGroupId: "cg_2platformgroup",
  },
  rateLimiting: {
    usagePlanIds: { pro: "up-pro-1", custom: "up-custom-1" },
    webAclArns: { pro: PRO_ACL, custom: CUSTOM_ACL },
  },
};

/**
 * An API Gateway entry point: the regional domain name of the platform API's `*.{baseDomain}`
 * custom domain, and the hosted zone of API Gateway's regional endpoints there.
 */
export const API_GATEWAY_ENTRY_POINT = {
  kind: "api-gateway",
  domainName: "d-7k2m4q9x1z.execute-api.us-west-2.amazonaws.com",
  hostedZoneId: "Z2OJLYMUO9EFXC",
};

export function platformNetwork(overrides: Record<string, unknown> = {}): NetworkPlatform {
  return NetworkPlatformSchema.parse({ ...PLATFORM_NETWORK_RAW, ...overrides });
}

/** The tags TenantStack passes (tenantTags(names, plan)). */
export function tagsFor(id: string, plan: string): Record<string, string> {
  return tenantTags(tenantNames(id), plan);
}

/** The recorded resources of one type. */
export function ofType(resources: readonly RecordedResource[], type: string): RecordedResource[] {
  return resources.filter((r) => r.type === type);
}

/** The one recorded resource with this logical name; fails loudly otherwise. */
export function byName(resources: readonly RecordedResource[], name: string): RecordedResource {
  const found = resources.filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`expected one resource named ${name}, found ${found.length}: ${resources.map((r) => r.name).join(", ")}`);
  return found[0]!;
}

/** The resource a `urn::id` provider reference points at. */
export function providerOf(resources: readonly RecordedResource[], r: RecordedResource): RecordedResource | undefined {
  if (r.provider === undefined) return undefined;
  const urn = r.provider.split("::").slice(0, -1).join("::");
  return resources.find((x) => x.urn === urn);
}
