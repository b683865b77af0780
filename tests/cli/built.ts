/**
 * tenantctl as users run it: the JavaScript build in dist/ that the `bin` (bin/tenantctl.cjs)
 * runs, as a separate process. The build is made here when it is missing or older than a source
 * (as `npm ci` makes it), so the tests never time the TypeScript fallback. The tests start the
 * built entry point directly, so that a source saved by someone else during the run does not
 * switch the bin to the sources midway; one test checks the bin itself.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");
export const BIN = path.join(ROOT, "bin", "tenantctl.cjs");
export const BUILT = path.join(ROOT, "dist", "cli", "tenantctl.js");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const buildState: { staleReason(): string | undefined } = require(path.join(ROOT, "bin", "build-state.cjs"));

/** Builds dist/ unless it is current; throws with tsc's output when the build fails. */
export function ensureBuilt(): void {
  if (buildState.staleReason() === undefined) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, "bin", "build.cjs")], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}${r.stderr}`);
  const still = buildState.staleReason();
  if (still !== undefined) throw new Error(`after the build: ${still}`);
}

/** Runs the built tenantctl (or, with `entry: BIN`, the bin) with `args`. */
export function tenantctl(
  args: readonly string[],
  env: Record<string, string> = {},
  nodeArgs: readonly string[] = [],
  entry: string = BUILT,
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [...nodeArgs, entry, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
}

/** Wall time of `fn` in milliseconds, the best of `runs` (the least disturbed by other load). */
export function bestOf(runs: number, fn: () => void): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}
