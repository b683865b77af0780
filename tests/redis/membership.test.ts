import { describe, expect, it } from "vitest";
import {
  CELL_MEMBERSHIP_CONCURRENCY,
  FOREIGN_MODIFICATIONS_AHEAD,
  membershipTimeoutProblems,
  membershipTimeouts,
  USER_GROUP_MODIFY_MINUTES,
} from "../../components/redis/membership";

describe("user group membership timeouts", () => {
  it("are one onboarding per cell, one foreign modification, 10 minutes each: 20 minutes to create and delete", () => {
    expect([CELL_MEMBERSHIP_CONCURRENCY, FOREIGN_MODIFICATIONS_AHEAD, USER_GROUP_MODIFY_MINUTES]).toEqual([1, 1, 10]);
    expect(membershipTimeouts()).toEqual({ create: "20m", delete: "20m" });
  });

  it("cover every modification that can be ahead plus ours", () => {
    // 3 pipeline slots: 2 other slots + 1 foreign modification ahead, then ours = 4 modifications.
    expect(membershipTimeouts(3, 7)).toEqual({ create: "28m", delete: "28m" });
    expect(membershipTimeouts(1, 1)).toEqual({ create: "2m", delete: "2m" });
  });

  it("refuse a concurrency or modify time that cannot size them, naming both", () => {
    expect(membershipTimeoutProblems(0, 2.5)).toEqual([
      { path: "concurrency", message: "0 is not a positive integer; expected at least 1 operation per cell" },
      { path: "modifyMinutes", message: "2.5 is not a positive whole number of minutes; expected at least 1" },
    ]);
    expect(() => membershipTimeouts(0)).toThrow(
      "invalid user group membership timeouts: 1 problem\n  - concurrency: 0 is not a positive integer; expected at least 1 operation per cell",
    );
  });
});
