import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two test files at once: most files wait on child processes and loopback HTTP, so on a 2-core
    // machine (the CI's) two workers take ~5 minutes where the default of one takes ~8.
    maxWorkers: 2,
  },
});
