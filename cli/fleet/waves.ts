/**
 * Waves of a fleet rollout: one canary tenant first, then batches that grow by a factor up to a
 * maximum; and the stop rule. Pure functions.
 */

export interface WaveOptions {
  /** Tenants in the first wave (the canary). @default 1 */
  readonly canary?: number;
  /** Each later wave is this many times the previous one. @default 2 */
  readonly growth?: number;
  /** No wave is larger than this. @default 50 */
  readonly maxWave?: number;
}

/** Splits `tenants` (in order) into waves: [canary], then growing batches. */
export function planWaves<T>(tenants: readonly T[], o: WaveOptions = {}): T[][] {
  const canary = Math.max(1, o.canary ?? 1);
  const growth = Math.max(1, o.growth ?? 2);
  const maxWave = Math.max(1, o.maxWave ?? 50);
  const waves: T[][] = [];
  let i = 0;
  let size = canary;
  while (i < tenants.length) {
    waves.push(tenants.slice(i, i + size));
    i += size;
    size = Math.min(maxWave, Math.max(size + 1, Math.floor(size * growth)));
  }
  return waves;
}

/**
 * Whether the rollout stops after a wave: the canary wave failed at all, or the failures so far
 * exceed `maxFailures` (a count, or a fraction of the tenants attempted when below 1).
 */
export function shouldStop(s: { wave: number; waveFailures: number; failures: number; attempted: number }, maxFailures: number): boolean {
  if (s.wave === 0 && s.waveFailures > 0) return true;
  const allowed = maxFailures < 1 ? maxFailures * s.attempted : maxFailures;
  return s.failures > allowed;
}
