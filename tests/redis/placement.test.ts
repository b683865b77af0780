import { describe, expect, it } from "vitest";
import { InputError } from "../../components/errors";
import { cellLoads, placementProblems, placeTenant, rendezvousScore, validateCells } from "../../components/redis/placement";
import { RedisPlatformSchema } from "../../components/redis/config";
import { PLATFORM_REDIS, PLATFORM_REDIS_RAW } from "./fixtures";

const cell = (name: string, capacity = 99) => ({ name, userGroupId: `ug-${name}`, capacity });
const tenants = (n: number) => Array.from({ length: n }, (_, i) => `tenant${i}`);

describe("placeTenant", () => {
  it("is deterministic and independent of the order of the cell list", () => {
    const cells = [cell("cell-a"), cell("cell-b"), cell("cell-c")];
    for (const id of tenants(200)) {
      const first = placeTenant(id, cells).cell.name;
      expect(placeTenant(id, cells).cell.name).toBe(first);
      expect(placeTenant(id, [...cells].reverse()).cell.name).toBe(first);
    }
  });

  it("places known tenants on fixed cells (a regression guard on the hash)", () => {
    const ids = ["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka"];
    const got = Object.fromEntries(ids.map((id) => [id, placeTenant(id, PLATFORM_REDIS.cells).cell.name]));
    // A change here moves tenants between cells in production: it must be deliberate.
    expect(got).toEqual({
      acme: "cell-c",
      globex: "cell-b",
      initech: "cell-c",
      umbrella: "cell-b",
      hooli: "cell-c",
      stark: "cell-b",
      wayne: "cell-a",
      wonka: "cell-a",
    });
  });

  it("scores from SHA-256 of tenant and cell, separated so that (ab, c) and (a, bc) differ", () => {
    expect(rendezvousScore("ab", "c")).not.toBe(rendezvousScore("a", "bc"));
    expect(typeof rendezvousScore("acme", "cell-a")).toBe("bigint");
  });

  it("spreads 3,000 tenants roughly evenly over 3 cells", () => {
    const cells = [cell("cell-a"), cell("cell-b"), cell("cell-c")];
    const counts = new Map<string, number>();
    for (const id of tenants(3000)) {
      const c = placeTenant(id, cells).cell.name;
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(["cell-a", "cell-b", "cell-c"]);
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(900);
      expect(n).toBeLessThan(1100);
    }
  });

  it("moves only tenants onto a new cell when a cell is added (about 1/(n+1) of them)", () => {
    const before = [cell("cell-a"), cell("cell-b"), cell("cell-c")];
    const after = [...before, cell("cell-d")];
    let moved = 0;
    for (const id of tenants(4000)) {
      const a = placeTenant(id, before).cell.name;
      const b = placeTenant(id, after).cell.name;
      if (a !== b) {
        moved++;
        expect(b).toBe("cell-d");
      }
    }
    expect(moved).toBeGreaterThan(800);
    expect(moved).toBeLessThan(1200);
  });

  it("moves only the removed cell's tenants when a cell is removed", () => {
    const all = [cell("cell-a"), cell("cell-b"), cell("cell-c")];
    const without = all.filter((c) => c.name !== "cell-b");
    for (const id of tenants(1000)) {
      const a = placeTenant(id, all).cell.name;
      if (a !== "cell-b") expect(placeTenant(id, without).cell.name).toBe(a);
    }
  });

  it("honours an override and says so", () => {
    const cells = PLATFORM_REDIS.cells;
    const hashed = placeTenant("acme", cells);
    const other = cells.find((c) => c.name !== hashed.cell.name)!;
    expect(hashed.reason).toBe("hash");
    const pinned = placeTenant("acme", cells, other.name);
    expect(pinned).toEqual({ cell: other, reason: "override" });
  });

  it("refuses an unknown override cell, naming the known ones and the closest", () => {
    expect(() => placeTenant("acme", PLATFORM_REDIS.cells, "cell-z")).toThrow(
      new InputError("Redis placement", [
        { path: "redisCell", message: '"cell-z" is not a configured Redis cell; expected one of cell-a, cell-b, cell-c' },
      ]),
    );
    expect(placementProblems(PLATFORM_REDIS.cells, "cel-b")).toEqual([
      { path: "redisCell", message: '"cel-b" is not a configured Redis cell (did you mean "cell-b"?); expected one of cell-a, cell-b, cell-c' },
    ]);
  });

  it("refuses an empty cell list", () => {
    expect(() => placeTenant("acme", [])).toThrow(
      "invalid Redis placement: 1 problem\n  - platform.redis.cells: is empty; expected at least one pooled cell to place tenants on",
    );
  });

  it("refuses duplicate cell names and duplicate user groups, each at its key path", () => {
    expect(() => validateCells([cell("cell-a"), cell("cell-a")])).toThrow(
      "invalid Redis placement: 2 problems\n" +
        '  - platform.redis.cells[1].name: "cell-a" is also the name of cells[0]; expected each cell to have its own name\n' +
        '  - platform.redis.cells[1].userGroupId: "ug-cell-a" is also the userGroupId of cells[0]; expected each cell to have its own userGroupId',
    );
    expect(placementProblems([cell("cell-a"), { name: "cell-b", userGroupId: "ug-cell-a", capacity: 99 }])).toEqual([
      {
        path: "platform.redis.cells[1].userGroupId",
        message: '"ug-cell-a" is also the userGroupId of cells[0]; expected each cell to have its own userGroupId',
      },
    ]);
  });
});

describe("cellLoads", () => {
  it("counts each cell's tenants in cell order, overrides included", () => {
    const cells = [cell("cell-a"), cell("cell-b"), cell("cell-c")];
    const ids = tenants(150);
    const hashed = cellLoads(ids, cells);
    expect(hashed.map((l) => l.tenants).reduce((a, b) => a + b)).toBe(150);
    expect(hashed.map((l) => l.cell)).toEqual(["cell-a", "cell-b", "cell-c"]);
    const pinned = cellLoads(ids, cells, Object.fromEntries(ids.slice(0, 10).map((id) => [id, "cell-a"])));
    const onA = ids.slice(10).filter((id) => placeTenant(id, cells).cell.name === "cell-a").length + 10;
    expect(pinned[0]).toEqual({ cell: "cell-a", tenants: onA, capacity: 99 });
  });

  it("refuses a fleet that overfills a cell, naming the cell, its load and its capacity", () => {
    const cells = [cell("cell-a", 99), cell("cell-b", 50)];
    const ids = tenants(100);
    expect(() => cellLoads(ids, cells, Object.fromEntries(ids.map((id) => [id, "cell-b"])))).toThrow(
      new InputError("Redis placement", [
        {
          path: "platform.redis.cells[1].capacity",
          message: "50 is exceeded: cell cell-b would hold 100 tenants; expected at most 50 (add a cell or pin tenants elsewhere with redisCell)",
        },
      ]),
    );
  });
});

describe("RedisPlatformSchema", () => {
  it("fills safe defaults: port 6379, TLS on, capacity 99, dedicated settings", () => {
    const parsed = RedisPlatformSchema.parse({ cells: [{ name: "cell-a", userGroupId: "ug-a", host: "h", engineVersion: "7.1" }] });
    expect(parsed).toEqual({
      cells: [{ name: "cell-a", userGroupId: "ug-a", host: "h", engineVersion: "7.1", port: 6379, tls: true, capacity: 99 }],
      dedicated: { subnetIds: [], securityGroupIds: [], majorEngineVersion: "7", ecpuPerSecondMax: 5000, snapshotRetentionLimit: 1 },
    });
  });

  it("parses the test platform section", () => {
    expect(PLATFORM_REDIS.cells.map((c) => [c.name, c.port, c.capacity])).toEqual([
      ["cell-a", 6379, 99],
      ["cell-b", 6380, 99],
      ["cell-c", 6379, 50],
    ]);
    expect(PLATFORM_REDIS.dedicated.ecpuPerSecondMax).toBe(PLATFORM_REDIS_RAW.dedicated.ecpuPerSecondMax);
  });

  it.each([
    [{ cells: [] }, ["cells: at least one pooled cell is needed to place tenants"]],
    [
      {
        cells: [
          { name: "cell-a", userGroupId: "ug-a", host: "h", engineVersion: "7.1" },
          { name: "cell-a", userGroupId: "ug-a", host: "h2", engineVersion: "7.1" },
        ],
      },
      [
        'cells.1.name: duplicate cell name "cell-a" (also cells[0]); each cell needs its own',
        'cells.1.userGroupId: duplicate cell userGroupId "ug-a" (also cells[0]); each cell needs its own',
      ],
    ],
    [{ cells: [{ name: "cell-a", userGroupId: "ug-a", host: "h", engineVersion: "7.1", capacity: 100 }] }, ["cells.0.capacity: Too big: expected number to be <=99"]],
    [{ cells: [{ name: "Cell A", userGroupId: "ug-a", host: "h", engineVersion: "7.1" }] }, ["cells.0.name: a lowercase name of letters, digits and hyphens, up to 32 characters"]],
    [{ cells: [{ name: "cell-a", userGroupId: "ug--a", host: "h", engineVersion: "7.1" }] }, ["cells.0.userGroupId: 1-40 letters, digits and hyphens, starting with a letter, no '--'"]],
    [
      { cells: [{ name: "cell-a", userGroupId: "ug-a", host: "h", engineVersion: "7.1" }], dedicated: { ecpuPerSecondMax: 10 } },
      ["dedicated.ecpuPerSecondMax: Too small: expected number to be >=1000"],
    ],
    [{ cells: [{ name: "cell-a", userGroupId: "ug-a", host: "h" }] }, ["cells.0.engineVersion: Invalid input: expected string, received undefined"]],
    [
      { cells: [{ name: "cell-a", userGroupId: "ug-a", host: "h", engineVersion: "redis7" }] },
      ['cells.0.engineVersion: the cell\'s Redis OSS engine version as major.minor, e.g. "7.1"'],
    ],
  ])("refuses %j", (raw, messages) => {
    const r = RedisPlatformSchema.safeParse(raw);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual(messages);
  });
});
