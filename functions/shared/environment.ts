/**
 * Environment loading, the one way every handler reads its variables: once, when its module
 * loads; values trimmed, blank counting as unset; every problem collected and reported in one
 * `ConfigurationError` that names each variable and what it must be, so a bad deployment fails
 * its cold start with the whole list. Names come from the function's contract
 * (`requiredVariables` / `optionalVariables` in contracts/functions.ts).
 */
import { ConfigurationError } from "./errors";

/** The variables a handler reads (`process.env`, or a test's record). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The value of `name`, trimmed; `undefined` when unset or blank. */
export function readVariable(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/** The values of `names` (trimmed, blank as `undefined`), for a schema to parse. */
export function readVariables<Name extends string>(
  env: Environment,
  names: readonly Name[],
): Record<Name, string | undefined> {
  return Object.fromEntries(names.map((name) => [name, readVariable(env, name)])) as Record<
    Name,
    string | undefined
  >;
}

/** How an `EnvironmentReader` words its `ConfigurationError`. */
export interface EnvironmentReaderOptions {
  /**
   * Words before the list of problems (`invalid configuration`).
   * @default none: the message starts with the missing variables
   */
  readonly heading?: string;
  /**
   * Reports a missing variable as a problem of its own, in reading order (`RAW_BUCKET is
   * required`), instead of in the leading `missing environment variables: ...` list.
   * @default undefined (the leading list)
   */
  readonly missingProblem?: (name: string) => string;
}

/**
 * Reads variables and collects what is wrong with them; `done` throws once, listing everything.
 * Values it returns for a variable with a problem are placeholders (`""`): use them only after
 * `done` returned.
 */
export class EnvironmentReader<Name extends string = string> {
  private readonly missingNames: Name[] = [];
  private readonly problemList: string[] = [];

  /**
   * @param env the environment to read
   * @param options how the error is worded
   */
  constructor(
    private readonly env: Environment,
    private readonly options: EnvironmentReaderOptions = {},
  ) {}

  /** The variables found missing so far, in reading order. */
  get missing(): readonly Name[] {
    return this.missingNames;
  }

  /** The problems found so far, in reading order. */
  get problems(): readonly string[] {
    return this.problemList;
  }

  /** An optional variable's value; `undefined` when unset or blank. */
  optional(name: Name): string | undefined {
    return readVariable(this.env, name);
  }

  /** A required variable's value; `""` (and a missing variable recorded) when unset or blank. */
  required(name: Name): string {
    const value = this.optional(name);
    if (value === undefined) {
      if (this.options.missingProblem === undefined) {
        this.missingNames.push(name);
      } else {
        this.problemList.push(this.options.missingProblem(name));
      }
    }
    return value ?? "";
  }

  /**
   * A required variable that must satisfy `valid`; otherwise the problem
   * `<name> must be <expected>, got "<value>"` is recorded. `""` when missing or invalid.
   */
  check(name: Name, valid: (value: string) => boolean, expected: string): string {
    const value = this.required(name);
    if (value !== "" && !valid(value)) {
      this.problem(`${name} must be ${expected}, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  /** Records a problem worded by the caller (it names the variable and what is allowed). */
  problem(text: string): void {
    this.problemList.push(text);
  }

  /** Throws one `ConfigurationError` with everything found, if anything was. */
  done(): void {
    if (this.missingNames.length > 0 || this.problemList.length > 0) {
      throw new ConfigurationError(this.missingNames, this.problemList, this.options.heading);
    }
  }
}
