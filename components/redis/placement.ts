/**
 * Which pooled Redis cell a tenant lives on. Pure and deterministic: every tenant stack computes
 * its own placement from the platform's cell list, with no shared state and no document listing
 * all tenants.
 *
 * Rendezvous (highest-random-weight) hashing: each (tenant, cell) pair gets a pseudo-random score
 * from SHA-256 and the tenant goes to the cell with the highest score. Adding a cell moves only
 * the tenants that now score highest on the new cell (about 1/(n+1) of them, all onto the new
 * cell); removing a cell moves only that cell's tenants. A per-tenant override pins a tenant.
 *
 * A stack sees one tenant, so it cannot count a cell's tenants: {@link cellLoads} is the
 * fleet-level check the platform runs over its tenant list (ElastiCache itself refuses the
 * 101st user of a group).
 */
import { createHash } from "node:crypto";

/** What placement needs to know of a cell. */
export interface PlacementCell {
  readonly name: string;
  readonly userGroupId: string;
  readonly capacity: number;
}

/** Where a tenant was placed and why. */
export interface Placement<C extends PlacementCell = PlacementCell> {
  readonly cell: C;
  /** `override` when pinned by tenant config, `hash` when chosen by rendezvous hashing. */
  readonly reason: "override" | "hash";
}

/** The error every placement refusal throws. */
export class PlacementError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlacementError";
  }
}

/** Throws {@link PlacementError} unless the cell list is usable: non-empty, names and groups unique. */
export function validateCells(cells: readonly PlacementCell[]): void {
  if (cells.length === 0) {
    throw new PlacementError("no Redis cells configured: platform.redis.cells must list at least one pooled cell");
  }
  const problems: string[] = [];
  for (const field of ["name", "userGroupId"] as const) {
    const seen = new Set<string>();
    for (const cell of cells) {
      if (seen.has(cell[field])) problems.push(`duplicate cell ${field} ${JSON.stringify(cell[field])}`);
      seen.add(cell[field]);
    }
  }
  if (problems.length > 0) {
    throw new PlacementError(`invalid Redis cells: ${problems.join("; ")}; each cell needs its own name and user group`);
  }
}

/** The rendezvous score of a (tenant, cell) pair: the first 64 bits of SHA-256, as a bigint. */
export function rendezvousScore(tenantId: string, cellName: string): bigint {
  const digest = createHash("sha256").update(`${tenantId}\0${cellName}`).digest();
  return digest.readBigUInt64BE(0);
}

/**
 * Places a tenant on a cell: the `override` cell when given (it must exist), otherwise the cell
 * with the highest rendezvous score (ties, which need a 64-bit collision, go to the smaller name).
 */
export function placeTenant<C extends PlacementCell>(tenantId: string, cells: readonly C[], override?: string): Placement<C> {
  validateCells(cells);
  if (override !== undefined) {
    const cell = cells.find((c) => c.name === override);
    if (!cell) {
      throw new PlacementError(
        `unknown Redis cell ${JSON.stringify(override)} in the tenant's redisCell override; known cells: ${cells.map((c) => c.name).join(", ")}`,
      );
    }
    return { cell, reason: "override" };
  }
  let best = cells[0]!;
  let bestScore = rendezvousScore(tenantId, best.name);
  for (const cell of cells.slice(1)) {
    const score = rendezvousScore(tenantId, cell.name);
    if (score > bestScore || (score === bestScore && cell.name < best.name)) {
      best = cell;
      bestScore = score;
    }
  }
  return { cell: best, reason: "hash" };
}

/** How full a cell would be with the given tenants placed. */
export interface CellLoad {
  readonly cell: string;
  readonly tenants: number;
  readonly capacity: number;
}

/**
 * Places every tenant of the fleet (with per-tenant overrides) and returns each cell's load, in
 * the order of `cells`. Throws {@link PlacementError} naming every cell over its capacity, so the
 * platform can add a cell or pin tenants before onboarding.
 */
export function cellLoads(
  tenantIds: readonly string[],
  cells: readonly PlacementCell[],
  overrides: Readonly<Record<string, string>> = {},
): CellLoad[] {
  validateCells(cells);
  const counts = new Map(cells.map((c) => [c.name, 0]));
  for (const id of tenantIds) {
    const { cell } = placeTenant(id, cells, overrides[id]);
    counts.set(cell.name, counts.get(cell.name)! + 1);
  }
  const loads = cells.map((c) => ({ cell: c.name, tenants: counts.get(c.name)!, capacity: c.capacity }));
  const over = loads.filter((l) => l.tenants > l.capacity);
  if (over.length > 0) {
    throw new PlacementError(
      `Redis cells over capacity: ${over.map((l) => `${l.cell} would hold ${l.tenants} tenants (capacity ${l.capacity})`).join("; ")}; add a cell or pin tenants elsewhere with redisCell`,
    );
  }
  return loads;
}
