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
import { didYouMean, type Problem, show, throwIfProblems } from "../errors";

/** Key path of the cell list in stack config. */
export const CELLS_PATH = "platform.redis.cells";
/** Key path of the tenant's cell override in stack config. */
export const OVERRIDE_PATH = "redisCell";
/** The source of a placement refusal. */
export const PLACEMENT_SOURCE = "Redis placement";

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

/** Every reason the cell list is unusable: empty, or a name or user group used twice. */
export function cellsProblems(cells: readonly PlacementCell[]): Problem[] {
  if (cells.length === 0) {
    return [{ path: CELLS_PATH, message: "is empty; expected at least one pooled cell to place tenants on" }];
  }
  const problems: Problem[] = [];
  for (const field of ["name", "userGroupId"] as const) {
    const seen = new Map<string, number>();
    cells.forEach((cell, i) => {
      const first = seen.get(cell[field]);
      if (first !== undefined) {
        problems.push({
          path: `${CELLS_PATH}[${i}].${field}`,
          message: `${show(cell[field])} is also the ${field} of cells[${first}]; expected each cell to have its own ${field}`,
        });
      } else seen.set(cell[field], i);
    });
  }
  return problems;
}

/** {@link cellsProblems}, plus an override that names no configured cell. */
export function placementProblems(cells: readonly PlacementCell[], override?: string): Problem[] {
  const problems = cellsProblems(cells);
  if (override !== undefined && cells.length > 0 && !cells.some((c) => c.name === override)) {
    const names = cells.map((c) => c.name);
    // A suggestion only when one cell alone is that close (cell-z is as close to cell-a as to cell-b).
    const first = didYouMean(override, names);
    const guess = first !== undefined && didYouMean(override, names.filter((n) => n !== first)) === undefined ? first : undefined;
    problems.push({
      path: OVERRIDE_PATH,
      message: `${show(override)} is not a configured Redis cell${guess ? ` (did you mean ${show(guess)}?)` : ""}; expected one of ${names.join(", ")}`,
    });
  }
  return problems;
}

/** Throws an InputError unless the cell list is usable: non-empty, names and groups unique. */
export function validateCells(cells: readonly PlacementCell[]): void {
  throwIfProblems(PLACEMENT_SOURCE, cellsProblems(cells));
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
  throwIfProblems(PLACEMENT_SOURCE, placementProblems(cells, override));
  if (override !== undefined) return { cell: cells.find((c) => c.name === override)!, reason: "override" };
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
 * the order of `cells`. Throws one InputError naming every cell over its capacity, so the
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
  throwIfProblems(PLACEMENT_SOURCE, overCapacityProblems(loads));
  return loads;
}

/** One problem per cell whose load exceeds its capacity, at `platform.redis.cells[i].capacity`. */
export function overCapacityProblems(loads: readonly CellLoad[]): Problem[] {
  return loads.flatMap((l, i) =>
    l.tenants > l.capacity
      ? [
          {
            path: `${CELLS_PATH}[${i}].capacity`,
            message: `${l.capacity} is exceeded: cell ${l.cell} would hold ${l.tenants} tenants; expected at most ${l.capacity} (add a cell or pin tenants elsewhere with redisCell)`,
          },
        ]
      : [],
  );
}
