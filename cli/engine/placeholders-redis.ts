/**
 * Placeholder outputs of the Redis area's resource types (merged into PLACEHOLDER_RULES): the IDs
 * and endpoints the provider would compute, deterministic and in the placeholder account.
 */
import { PLACEHOLDER_ACCOUNT, PLACEHOLDER_REGION } from "./placeholders";

import type { Rule } from "./placeholders";

const arn = (resource: string) => `arn:aws:elasticache:${PLACEHOLDER_REGION}:${PLACEHOLDER_ACCOUNT}:${resource}`;

export const PLACEHOLDER_RULES_REDIS: Record<string, Rule> = {
  "aws:elasticache/userGroup:UserGroup": (name, i) => {
    const id = String(i.userGroupId ?? name);
    return { id, extra: { arn: arn(`usergroup:${id}`) } };
  },
  // The provider's ID of an association is "<userGroupId>,<userId>".
  "aws:elasticache/userGroupAssociation:UserGroupAssociation": (name, i) => ({
    id: `${String(i.userGroupId ?? name)},${String(i.userId ?? name)}`,
  }),
  "aws:elasticache/serverlessCache:ServerlessCache": (name, i) => {
    const cacheName = String(i.name ?? name);
    const host = `${cacheName}-placeholder.serverless.use1.cache.amazonaws.com`;
    return {
      id: cacheName,
      extra: {
        arn: arn(`serverlesscache:${cacheName}`),
        endpoints: [{ address: host, port: 6379 }],
        readerEndpoints: [{ address: host, port: 6380 }],
        fullEngineVersion: "7.1",
        status: "available",
      },
    };
  },
};
