/**
 * Vitest global setup of the integration tests: one ClickHouse server for the whole run, its URL
 * handed to the test files through `inject("clickhouseUrl")`.
 */
import type { TestProject } from "vitest/node";
import { acquireServer } from "./server";

declare module "vitest" {
  export interface ProvidedContext {
    clickhouseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server;
  try {
    server = await acquireServer();
  } catch (error) {
    // One line saying what to do, not a stack trace.
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  project.provide("clickhouseUrl", server.url);
  return () => server.stop();
}
