import { expect } from "vitest";
import { ConfigError } from "./config-errors";
import { decodeConfigValue, parseStackConfig, type RawConfig } from "./config";
import { readStackFile } from "./stack-files";

/** Helpers of the config tests: the real stack file, mutations of it, and the error it raises. */

export type Raw = Record<string, unknown>;
export type Mutation = (raw: Raw) => void;

/** The real me-south-1 stack file, decoded the way the program decodes what the CLI passes. */
export function baseConfig(): Raw {
  const raw: Raw = {};
  for (const [key, value] of Object.entries(readStackFile("me-south-1").config)) {
    raw[key] = decodeConfigValue(value);
  }
  return raw;
}

/** The nested object at a full key, so a mutation can change one field of it. */
export function block(raw: Raw, key: string): Raw {
  const value = raw[key];
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`${key} is not an object in the base config`);
  }
  return value as Raw;
}

/** Sets a full key. */
export function set(key: string, value: unknown): Mutation {
  return (raw) => {
    raw[key] = value;
  };
}

/** Sets one field of the object at a full key. */
export function setField(key: string, field: string, value: unknown): Mutation {
  return (raw) => {
    block(raw, key)[field] = value;
  };
}

/** Removes a full key. */
export function remove(key: string): Mutation {
  return (raw) => {
    Reflect.deleteProperty(raw, key);
  };
}

/** The real stack file with the mutations applied. */
export function mutated(...mutations: Mutation[]): Raw {
  const raw = structuredClone(baseConfig());
  for (const mutate of mutations) {
    mutate(raw);
  }
  return raw;
}

/** Runs parseStackConfig expecting a ConfigError, and returns it. */
export function configErrorOf(raw: RawConfig, stack = "me-south-1"): ConfigError {
  try {
    parseStackConfig(stack, raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected parseStackConfig to throw a ConfigError, but it returned");
}

/** One bad configuration and the problem it must raise. */
export interface BadCase {
  /** What is wrong, for the test name. */
  readonly name: string;
  readonly mutations: readonly Mutation[];
  /** The key exactly as the user writes it in a stack file. */
  readonly key: string;
  /** The bad value as the message shows it (JSON), or undefined when the key itself is the problem. */
  readonly value: string | undefined;
  /** A distinctive fragment of the text that says what is allowed. */
  readonly allowed: string;
}

/** Every top-level key of the project, as an unknown key's problem lists them. */
export const ALL_TOP_LEVEL_KEYS =
  "jurisdiction, allowedRegions, primary, domain, userStore, dns, network, logRetentionDays, tags, monolith, globalEdge, homeRegion, video, analytics, identityProvider, microservices, observability, accountSetup, compliance";
