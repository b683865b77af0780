import { defineConfig } from "vitest/config";

/**
 * Files whose assertions are timings (a latency budget, a startup ratio, a watchdog's reaction
 * time): they run after the others, one at a time, so that other test files do not share the two
 * cores with them.
 */
const TIMED = ["tests/redis/redis-server-limits.test.ts", "tests/cli/tenantctl.test.ts", "tests/postgres/attack-locks.integration.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Pulumi's runtime is process-global: each test file runs in its own process.
    pool: "forks",
    // Most files wait on PostgreSQL, Redis or child processes: two at a time use both cores.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: "proofs", include: ["tests/**/*.test.ts"], exclude: TIMED, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: "timed", include: TIMED, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
