/**
 * The platform side of a pooled cell, under Pulumi runtime mocks: the shared user group is
 * declared with its default user only and `ignoreChanges: ["userIds"]` (so tenant users that
 * joined through their own associations never read as drift to remove), protected, and the
 * platform's extra users join through associations of their own.
 */
import type * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { isSecretValue, type RecordedResource, runUnderMocks, unwrapSecrets } from "../../cli/engine/mock-engine";
import { PLACEHOLDER_RULES_REDIS } from "../../cli/engine/placeholders-redis";
import { InputError } from "../../components/errors";
import { pooledRedisUserGroupProblems, type PooledRedisUserGroupArgs, tenantRoom } from "../../platform/redis-cell";
import { PLATFORM_REDIS } from "./fixtures";

function redisState(args: pulumi.runtime.MockResourceArgs) {
  const rule = PLACEHOLDER_RULES_REDIS[args.type];
  if (!rule) return undefined;
  const { id, extra } = rule(args.name, args.inputs);
  return { id, state: { ...args.inputs, ...extra } };
}

const TAGS = { "controlcore:managed-by": "pulumi", "controlcore:component": "redis-cell" };
const cellA = PLATFORM_REDIS.cells[0]!;

interface Run {
  resources: RecordedResource[];
  options: Map<string, pulumi.CustomResourceOptions>;
  outputs: Record<string, any>;
}

async function runCell(args: PooledRedisUserGroupArgs): Promise<Run> {
  const options = new Map<string, pulumi.CustomResourceOptions>();
  const run = await runUnderMocks(
    async () => {
      const m = await import("../../platform/redis-cell.js");
      const c = new m.PooledRedisUserGroup("cell-a", args, { transformations: [(a) => (options.set(a.name, a.opts), undefined)] });
      return { userGroupId: c.userGroupId, defaultUserId: c.defaultUserId, tenantCapacity: c.tenantCapacity, parameterGroupName: c.parameterGroupName };
    },
    { stack: "platform", state: redisState },
  );
  const resources = run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").sort((a, b) => a.name.localeCompare(b.name));
  return { resources, options, outputs: run.outputs };
}

const byName = (run: Run, name: string) => run.resources.find((r) => r.name === name)!;

describe("PooledRedisUserGroup", () => {
  it("declares the group with only its disabled default user, ignoring userIds changes, protected", async () => {
    const run = await runCell({ cell: cellA, tags: TAGS });
    expect(run.resources.map((r) => [r.type, r.name])).toEqual([
      ["controlcore:platform:PooledRedisUserGroup", "cell-a"],
      ["random:index/randomPassword:RandomPassword", "cell-a-default-password"],
      ["aws:elasticache/user:User", "cell-a-default-user"],
      ["aws:elasticache/parameterGroup:ParameterGroup", "cell-a-parameters"],
      ["aws:elasticache/userGroup:UserGroup", "cell-a-user-group"],
    ]);
    expect(byName(run, "cell-a-user-group").inputs).toEqual({
      userGroupId: "cc-redis-cell-a",
      engine: "redis",
      userIds: ["cc-redis-cell-a-default"],
      tags: TAGS,
    });
    const groupOptions = run.options.get("cell-a-user-group")!;
    expect(groupOptions.ignoreChanges).toEqual(["userIds"]);
    expect(groupOptions.protect).toBe(true);
    const component = byName(run, "cell-a");
    for (const r of run.resources.slice(1)) expect(r.parent, r.name).toBe(component.urn);
  });

  it("makes the default user off, with no command, no key and a secret random password", async () => {
    const run = await runCell({ cell: cellA, tags: TAGS });
    const user = byName(run, "cell-a-default-user");
    expect(isSecretValue(user.inputs.authenticationMode)).toBe(true);
    expect(unwrapSecrets(user.inputs)).toEqual({
      userId: "cc-redis-cell-a-default",
      userName: "default",
      engine: "redis",
      accessString: "off -@all",
      authenticationMode: { type: "password", passwords: [byName(run, "cell-a-default-password").state.result] },
      tags: TAGS,
    });
    expect(byName(run, "cell-a-default-password").inputs).toEqual({ length: 40, special: false, minLower: 1, minUpper: 1, minNumeric: 1 });
  });

  it("uses an existing default user and adds platform users through their own associations", async () => {
    const run = await runCell({ cell: { ...cellA, capacity: 97 }, defaultUserId: "platform-default", platformUserIds: ["mem-sampler", "operator"], protect: false });
    expect(run.resources.map((r) => [r.type, r.name])).toEqual([
      ["controlcore:platform:PooledRedisUserGroup", "cell-a"],
      ["aws:elasticache/userGroupAssociation:UserGroupAssociation", "cell-a-member-mem-sampler"],
      ["aws:elasticache/userGroupAssociation:UserGroupAssociation", "cell-a-member-operator"],
      ["aws:elasticache/parameterGroup:ParameterGroup", "cell-a-parameters"],
      ["aws:elasticache/userGroup:UserGroup", "cell-a-user-group"],
    ]);
    expect(byName(run, "cell-a-user-group").inputs).toEqual({ userGroupId: "cc-redis-cell-a", engine: "redis", userIds: ["platform-default"], tags: {} });
    expect(byName(run, "cell-a-member-operator").inputs).toEqual({ userGroupId: "cc-redis-cell-a", userId: "operator" });
    expect(run.options.get("cell-a-member-operator")!.customTimeouts).toEqual({ create: "20m", delete: "20m" });
    expect(run.options.get("cell-a-user-group")!.protect).toBe(false);
    expect(run.outputs).toEqual({
      userGroupId: "cc-redis-cell-a",
      defaultUserId: "platform-default",
      tenantCapacity: 97,
      parameterGroupName: "cc-redis-cell-a-pooled",
    });
  });

  it("publishes the group ID to attach to the replication group and the tenant capacity", async () => {
    const run = await runCell({ cell: cellA });
    expect(run.outputs).toEqual({
      userGroupId: "cc-redis-cell-a",
      defaultUserId: "cc-redis-cell-a-default",
      tenantCapacity: 99,
      parameterGroupName: "cc-redis-cell-a-pooled",
    });
  });

  it("declares the cell's parameter group with the server settings pooled tenants need (issue 8 items 10, 11)", async () => {
    const run = await runCell({ cell: cellA, tags: TAGS });
    // Written out by hand: the ElastiCache names and values (redis7 family) the measurements in
    // tests/redis/redis-server-limits.test.ts were made with.
    expect(byName(run, "cell-a-parameters").inputs).toEqual({
      name: "cc-redis-cell-a-pooled",
      family: "redis7",
      description: "Pooled tenants of cell cell-a: output-buffer limits, value size cap, lazy free",
      parameters: [
        { name: "client-output-buffer-limit-normal-hard-limit", value: "8388608" },
        { name: "client-output-buffer-limit-normal-soft-limit", value: "4194304" },
        { name: "client-output-buffer-limit-normal-soft-seconds", value: "10" },
        { name: "client-query-buffer-limit", value: "8388608" },
        { name: "lazyfree-lazy-eviction", value: "yes" },
        { name: "lazyfree-lazy-expire", value: "yes" },
        { name: "lazyfree-lazy-server-del", value: "yes" },
        { name: "lazyfree-lazy-user-del", value: "yes" },
        { name: "proto-max-bulk-len", value: "4194304" },
      ],
      tags: TAGS,
    });
    const clustered = await runCell({ cell: cellA, clusterMode: true });
    expect(byName(clustered, "cell-a-parameters").inputs.parameters).toContainEqual({ name: "cluster-enabled", value: "yes" });
    expect(byName(clustered, "cell-a-parameters").inputs.parameters).toHaveLength(10);
  });

  it("refuses a capacity the group cannot hold, bad IDs and duplicates, all at once, before registering anything", async () => {
    const { PooledRedisUserGroup } = await import("../../platform/redis-cell.js");
    const args = { cell: { ...cellA, capacity: 99 }, defaultUserId: "9default", platformUserIds: ["mem-sampler", "mem-sampler"] };
    expect(pooledRedisUserGroupProblems(args)).toEqual([
      { path: "defaultUserId", message: '"9default" is not an ElastiCache user ID; expected a letter, then letters, digits and hyphens' },
      { path: "platformUserIds[1]", message: '"mem-sampler" is also platformUserIds[0]; expected each user once' },
      {
        path: "cell.capacity",
        message:
          "99 tenants do not fit in cell cell-a: 100 users per user group minus the default user and 2 platform user(s) leave 97; expected at most 97",
      },
    ]);
    // Outside any Pulumi run: registering anything here would fail differently.
    expect(() => new PooledRedisUserGroup("cell-a", args)).toThrow(new InputError("PooledRedisUserGroup arguments", pooledRedisUserGroupProblems(args)));
    expect(tenantRoom(0)).toBe(99);
  });
});
