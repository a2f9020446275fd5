/**
 * Test support for the home-region tests on DynamoDB Local (not bundled: no handler imports it):
 * a fresh directory table per test, the handler loaded on it, and a watch on every command the
 * handler's DynamoDB client sends (the client is the handler's own, so the watch is on the class).
 */
import {
  DeleteItemCommand,
  DynamoDBClient,
  ScanCommand,
  type AttributeValue,
  type ServiceInputTypes,
} from "@aws-sdk/client-dynamodb";
import { vi } from "vitest";
import {
  createHomeRegionTable,
  deleteTable,
  pointHandlersAtEndpoint,
  testClient,
  uniqueTable,
} from "../../../test/dynamodb/tables";
import { HANDLER_ENV, setHandlerEnvironment } from "./test-support";

/** A command the handler sent: its class name and input. */
export interface SentCommand {
  readonly name: string;
  readonly input: ServiceInputTypes;
}

/** What a command object looks like to the watch. */
interface CommandLike {
  readonly input: ServiceInputTypes;
  readonly constructor: { readonly name: string };
}

type Send = (this: DynamoDBClient, command: CommandLike) => Promise<unknown>;

/** A directory table of its own, the handler loaded on it, and the watch on its commands. */
export class LocalDirectory {
  readonly client = testClient();
  readonly table = uniqueTable("home-region");
  readonly sent: SentCommand[] = [];
  /** Runs after the handler's next command of that name was answered, before it sees the answer. */
  private readonly after = new Map<string, () => Promise<void>>();
  private unwatch: () => void = () => undefined;
  private restoreEndpoint: () => void = () => undefined;
  private restoreEnvironment: () => void = () => undefined;

  /** Creates the table and starts watching; call `close` after the test. */
  async open(): Promise<void> {
    await createHomeRegionTable(this.client, this.table);
    this.restoreEndpoint = pointHandlersAtEndpoint();
    const prototype: object = DynamoDBClient.prototype;
    const original = Reflect.get(prototype, "send") as Send;
    const own = this.client;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the watch runs as the client
    const directory = this;
    const watch: Send = async function (this: DynamoDBClient, command) {
      if (this === own) return original.call(this, command);
      const name = command.constructor.name;
      directory.sent.push({ name, input: command.input });
      const answer = await original.call(this, command);
      const hook = directory.after.get(name);
      if (hook !== undefined) {
        directory.after.delete(name);
        await hook();
      }
      return answer;
    };
    // The handler's client is created inside its module: the watch goes on the class.
    const descriptor = Object.getOwnPropertyDescriptor(prototype, "send");
    Object.defineProperty(prototype, "send", { value: watch, configurable: true, writable: true });
    this.unwatch = () => {
      if (descriptor === undefined) Reflect.deleteProperty(prototype, "send");
      else Object.defineProperty(prototype, "send", descriptor);
    };
  }

  /**
   * Loads the handler module afresh on this table, as a cold start would, with `env` (the Saudi
   * stack's by default; the table is always this one).
   */
  async loadHandler(
    env: Readonly<Record<keyof typeof HANDLER_ENV, string>> = HANDLER_ENV,
  ): Promise<(typeof import("./handler"))["handler"]> {
    this.restoreEnvironment();
    this.restoreEnvironment = setHandlerEnvironment({ ...env, TABLE_NAME: this.table });
    vi.resetModules();
    return (await import("./handler")).handler;
  }

  /** Runs `hook` once, right after the handler's next `name` command (a concurrent writer). */
  afterNext(name: string, hook: () => Promise<void>): void {
    this.after.set(name, hook);
  }

  /** The names of the commands the handler sent. */
  names(): string[] {
    return this.sent.map((command) => command.name);
  }

  /** Every item of the table, by key. */
  async items(): Promise<Map<string, Record<string, AttributeValue>>> {
    const items = new Map<string, Record<string, AttributeValue>>();
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({ TableName: this.table, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      for (const item of page.Items ?? []) items.set(item.pk?.S ?? "", item);
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  }

  /** Deletes every item, and forgets the commands sent. */
  async clear(): Promise<void> {
    for (const key of (await this.items()).keys()) {
      await this.client.send(
        new DeleteItemCommand({ TableName: this.table, Key: { pk: { S: key } } }),
      );
    }
    this.sent.length = 0;
  }

  /** Stops watching, restores the environment and deletes the table. */
  async close(): Promise<void> {
    this.unwatch();
    this.restoreEnvironment();
    this.restoreEndpoint();
    await deleteTable(this.client, this.table);
  }
}
