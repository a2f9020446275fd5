import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Each file gets its own process: the Pulumi runtime is process-wide state.
    pool: "forks",
    isolate: true,
    // Stack runs register every resource through the mock engine; allow for a slow machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["**/*.test.ts"],
          exclude: [
            "**/node_modules/**",
            "bin/**",
            "**/*.integration.test.ts",
            "**/*.dynamodb.test.ts",
            "**/*.postgres.test.ts",
          ],
        },
      },
      {
        // Tests against a real ClickHouse server (CLICKHOUSE_URL, or one started for the run).
        extends: true,
        test: {
          name: "integration",
          include: ["**/*.integration.test.ts"],
          exclude: ["**/node_modules/**", "bin/**"],
          globalSetup: ["test/clickhouse/global-setup.ts"],
          // Apt may install the server on a fresh machine before the first test.
          hookTimeout: 300_000,
        },
      },
      {
        // Tests against DynamoDB Local (DYNAMODB_ENDPOINT, or one started for the run).
        extends: true,
        test: {
          name: "dynamodb",
          include: ["**/*.dynamodb.test.ts"],
          exclude: ["**/node_modules/**", "bin/**"],
          globalSetup: ["test/dynamodb/global-setup.ts"],
          // Apt may install Java on a fresh machine before the first test.
          hookTimeout: 300_000,
        },
      },
      {
        // Tests against a real PostgreSQL server (POSTGRES_URL, or a cluster started for the run).
        extends: true,
        test: {
          name: "postgres",
          include: ["**/*.postgres.test.ts"],
          exclude: ["**/node_modules/**", "bin/**"],
          globalSetup: ["test/postgres/global-setup.ts"],
          // Roles are the server's, not a database's: the files run one after another.
          fileParallelism: false,
          // Apt may install the server on a fresh machine before the first test.
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
