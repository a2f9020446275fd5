/**
 * Vitest global setup of the DynamoDB tests: one endpoint (DynamoDB Local, or `DYNAMODB_ENDPOINT`)
 * for the whole run, handed to the test files through `inject("dynamodbEndpoint")`.
 */
import type { TestProject } from "vitest/node";
import { acquireEndpoint, type TestEndpoint } from "./server";

declare module "vitest" {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let endpoint: TestEndpoint;
  try {
    endpoint = await acquireEndpoint();
  } catch (error) {
    // One line saying what to do, not a stack trace.
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  project.provide("dynamodbEndpoint", endpoint.endpoint);
  return () => endpoint.stop();
}
