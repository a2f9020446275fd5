/**
 * Vitest global setup of the PostgreSQL tests: one server (a cluster started here, or
 * `POSTGRES_URL`) for the whole run, handed to the test files through `inject("postgresUrl")`.
 */
import type { TestProject } from "vitest/node";
import { acquireServer, type TestServer } from "./server";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server: TestServer;
  try {
    server = await acquireServer();
  } catch (error) {
    // One line saying what to do, not a stack trace.
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  project.provide("postgresUrl", server.url);
  return () => server.stop();
}
