/**
 * The harness of the grants tests: each phase opens the engine (test/clickhouse/engine.ts) on the
 * test file's data folder as one user of the installation, holding exactly that user's grants,
 * and closes it after; `expectDenied` checks that the engine refuses a statement for want of one.
 */
import type { ClickHouseClient } from "@clickhouse/client";
import { afterAll, beforeAll, expect } from "vitest";
import {
  type ClickHouseUserAccess,
  type ClickHouseUserName,
} from "../../../contracts/clickhouse-users";
import { openEngine, type Engine } from "../../../test/clickhouse/engine";

/** Where a test file's phases run. */
export interface PhaseSetting {
  /** The data folder, known once the file's `beforeAll` has made it. */
  readonly dataPath: () => string;
  /** The users' access the phases take their grants from. */
  readonly access: Readonly<Record<ClickHouseUserName, ClickHouseUserAccess>>;
  /** The engine's one-shard cluster (`EngineUser.cluster`). @default none */
  readonly cluster?: string;
}

/**
 * Opens the engine for one phase, as one user of the installation (with `scaffolding`: grants on
 * the test's own stand-in tables, never on the installation's).
 */
export function phase(
  setting: PhaseSetting,
  user: ClickHouseUserName,
  scaffolding: readonly string[] = [],
): { client: () => ClickHouseClient } {
  let engine: Engine | undefined;
  beforeAll(async () => {
    engine = await openEngine(setting.dataPath(), {
      grants: [...setting.access[user].grants, ...scaffolding],
      ...(setting.cluster === undefined ? {} : { cluster: setting.cluster }),
    });
  });
  afterAll(async () => {
    await engine?.close();
  });
  return {
    client: () => {
      if (engine === undefined) throw new Error(`the ${user} phase's engine is not open`);
      return engine.client;
    },
  };
}

/** Expects the engine to refuse `statement` for want of a grant. */
export async function expectDenied(client: ClickHouseClient, statement: string): Promise<void> {
  await expect(client.command({ query: statement }), statement).rejects.toMatchObject({
    type: "ACCESS_DENIED",
  });
}

/** Rows of a query, as JSON objects. */
export async function rows(
  client: ClickHouseClient,
  query: string,
): Promise<Record<string, unknown>[]> {
  const result = await client.query({ query, format: "JSONEachRow" });
  return result.json<Record<string, unknown>>();
}
