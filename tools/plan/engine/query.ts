/**
 * Small lookups over a run's recorded resources, for tests that assert how resources refer to
 * each other (a NAT gateway's subnet, a route table's gateway) rather than echo inputs.
 */
import type { EngineRun, RecordedResource } from "./engine";

export class Recorded {
  private readonly byId = new Map<string, RecordedResource>();

  constructor(readonly resources: readonly RecordedResource[]) {
    for (const resource of resources) {
      if (resource.id !== undefined) {
        this.byId.set(resource.id, resource);
      }
    }
  }

  static of(run: EngineRun): Recorded {
    return new Recorded(run.resources);
  }

  /** Resources of a type, in registration order. */
  ofType(type: string): RecordedResource[] {
    return this.resources.filter((resource) => resource.type === type);
  }

  /** The one resource of a type with this name; throws when there is none or several. */
  named(type: string, name: string): RecordedResource {
    const found = this.ofType(type).filter((resource) => resource.name === name);
    if (found.length !== 1) {
      throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
    }
    return found[0] as RecordedResource;
  }

  /** The resource whose id another resource's input holds; throws when unknown. */
  referencedBy(id: unknown): RecordedResource {
    const resource = typeof id === "string" ? this.byId.get(id) : undefined;
    if (resource === undefined) {
      throw new Error(`no recorded resource has id ${JSON.stringify(id)}`);
    }
    return resource;
  }
}

/** Reads a nested input as a record; throws if it is not one. */
export function record(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`expected an object, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Reads an input as an array; throws if it is not one. */
export function list(value: unknown): unknown[] {
  if (!Array.isArray(value)) {
    throw new Error(`expected an array, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Parses an input that holds a JSON document (policies). */
export function json(value: unknown): Record<string, unknown> {
  if (typeof value !== "string") {
    throw new Error(`expected JSON text, got ${JSON.stringify(value)}`);
  }
  return record(JSON.parse(value));
}
