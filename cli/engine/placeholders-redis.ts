/**
 * Placeholder outputs of the Redis area's resource types (merged into PLACEHOLDER_RULES): the IDs
 * and endpoints the provider would compute, deterministic and in the run's account and region.
 */
import { arnIn, type AwsLocation, PLACEHOLDER_LOCATION, type Rule } from "./placeholder-kit";

const arn = (at: AwsLocation, resource: string) => arnIn(at, "elasticache", resource);

export const PLACEHOLDER_RULES_REDIS: Record<string, Rule> = {
  "aws:elasticache/userGroup:UserGroup": (name, i, at = PLACEHOLDER_LOCATION) => {
    const id = String(i.userGroupId ?? name);
    return { id, extra: { arn: arn(at, `usergroup:${id}`) } };
  },
  // The provider's ID of an association is "<userGroupId>,<userId>".
  "aws:elasticache/userGroupAssociation:UserGroupAssociation": (name, i) => ({
    id: `${String(i.userGroupId ?? name)},${String(i.userId ?? name)}`,
  }),
  "aws:elasticache/serverlessCache:ServerlessCache": (name, i, at = PLACEHOLDER_LOCATION) => {
    const cacheName = String(i.name ?? name);
    const host = `${cacheName}-placeholder.serverless.use1.cache.amazonaws.com`;
    return {
      id: cacheName,
      extra: {
        arn: arn(at, `serverlesscache:${cacheName}`),
        endpoints: [{ address: host, port: 6379 }],
        readerEndpoints: [{ address: host, port: 6380 }],
        fullEngineVersion: "7.1",
        status: "available",
      },
    };
  },
};
