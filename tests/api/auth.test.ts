/** Operator credentials: tokens or their sha256 digests in the environment, matched in constant time. */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { authenticate, matchOperator, operatorDigests } from "../../api/auth";
import { defaultTokenRules } from "../../api/tenant-token";

const hex = (s: string) => createHash("sha256").update(s).digest("hex");

describe("operator tokens", () => {
  it("entries of 64 hex digits are digests (any case), others are tokens hashed at start; blanks are ignored", () => {
    const d = operatorDigests(` alpha , ${hex("beta").toUpperCase()},, `);
    expect(d.map((b) => b.toString("hex"))).toEqual([hex("alpha"), hex("beta")]);
    expect(matchOperator("alpha", d)).toBe(0);
    expect(matchOperator("beta", d)).toBe(1);
    // The digest itself is not a token.
    expect(matchOperator(hex("beta"), d)).toBe(-1);
    expect(matchOperator("alph", d)).toBe(-1);
    expect(matchOperator("", d)).toBe(-1);
  });

  it("no configured token: no operator at all", async () => {
    expect(operatorDigests(undefined)).toEqual([]);
    const cfg = { operatorDigests: operatorDigests(""), credentials: { jwks: async () => undefined, apiKeyFingerprints: async () => [] }, tokenRules: defaultTokenRules() };
    expect(await authenticate("Bearer anything", cfg)).toEqual({ reason: "unknown bearer token" });
    expect(await authenticate("Bearer ", cfg)).toMatchObject({ reason: expect.stringContaining("Authorization is not") });
  });

  it("an API key credential never reads a file named by an invalid tenant ID", async () => {
    const asked: string[] = [];
    const cfg = {
      operatorDigests: [],
      credentials: { jwks: async () => undefined, apiKeyFingerprints: async (t: string) => (asked.push(t), []) },
      tokenRules: defaultTokenRules(),
    };
    expect(await authenticate("ApiKey ../../etc/passwd:k", cfg)).toEqual({ reason: "API key names no valid tenant" });
    expect(asked).toEqual([]);
  });
});
