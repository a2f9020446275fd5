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
  const server = await acquireServer();
  project.provide("clickhouseUrl", server.url);
  return () => server.stop();
}
