/**
 * Redis's own reading of a declared access string. The declared string is applied to a scratch
 * user inside one MULTI/EXEC transaction (set, asked, deleted: no other client ever sees the
 * user, and it has a random password), so Redis itself normalises the rules (`ACL GETUSER`) and
 * evaluates them (`ACL DRYRUN`, Redis ≥ 7.0) with its own glob and category rules: nothing here
 * re-implements Redis's matching. The admin connection (ctx.redisUrl) runs it: the tenant's user
 * is not granted ACL commands.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { aclSetUserArgs } from "../../cli/local/redis-applier";

/** `ACL GETUSER`'s reply as a record (field → value), without the password hashes. */
export type AclUser = Record<string, unknown>;

/** The fields of `ACL GETUSER` compared between the declared and the live user. */
export const ACL_FIELDS = ["flags", "commands", "keys", "channels", "selectors"] as const;

export function aclUserOf(reply: unknown): AclUser | undefined {
  if (!Array.isArray(reply)) return undefined;
  const out: AclUser = {};
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const k = String(reply[i]);
    if (k === "passwords") continue;
    out[k] = reply[i + 1];
  }
  return out;
}

function scratchName(): string {
  return `cc-check-${randomBytes(8).toString("hex")}`;
}

/**
 * Runs `commands` (each `ACL <subcommand> <scratch> ...` built by `build`) against a scratch user
 * holding exactly `accessString`, atomically; returns their replies in order.
 */
async function withScratchUser(r: Redis, accessString: string, build: (scratch: string) => string[][]): Promise<unknown[]> {
  const scratch = scratchName();
  const setArgs = aclSetUserArgs(scratch, accessString, randomBytes(24).toString("hex"));
  const tx = r.multi();
  tx.call("ACL", "SETUSER", ...setArgs);
  const cmds = build(scratch);
  for (const c of cmds) tx.call(...(c as [string, ...string[]]));
  tx.call("ACL", "DELUSER", scratch);
  const res = (await tx.exec()) ?? [];
  const [setErr] = res[0] ?? [];
  if (setErr) throw setErr;
  return res.slice(1, 1 + cmds.length).map(([err, value]) => (err ? err : value));
}

/** How Redis normalises the declared access string (`ACL GETUSER` of a user holding exactly it). */
export async function normalisedAccessString(r: Redis, accessString: string): Promise<AclUser> {
  const [reply] = await withScratchUser(r, accessString, (s) => [["ACL", "GETUSER", s]]);
  const user = aclUserOf(reply);
  if (!user) throw new Error("Redis returned no ACL GETUSER reply for the scratch user");
  return user;
}

/**
 * Whether a user holding `accessString` may run `command` (e.g. `["GET", key]`), and Redis's
 * reason when it may not (`ACL DRYRUN`). The reason names "This user", never the scratch user.
 */
export async function dryRun(r: Redis, accessString: string, command: string[]): Promise<{ allowed: boolean; reason: string }> {
  const [reply] = await withScratchUser(r, accessString, (s) => [["ACL", "DRYRUN", s, ...command]]);
  if (reply instanceof Error) throw reply;
  const text = String(reply);
  return text === "OK" ? { allowed: true, reason: "OK" } : { allowed: false, reason: text };
}
