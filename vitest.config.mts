import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "bin/**"],
    // Each file gets its own process: the Pulumi runtime is process-wide state.
    pool: "forks",
    isolate: true,
    // Stack runs register every resource through the mock engine; allow for a slow machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
