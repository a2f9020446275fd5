import { describe, expect, it } from "vitest";
import { EnvironmentReader, readVariable, readVariables } from "./environment";
import { ConfigurationError } from "./errors";
import { thrown } from "./test-support";

describe("readVariable", () => {
  it("trims, and counts blank as unset", () => {
    expect(readVariable({ A: "  x " }, "A")).toBe("x");
    expect(readVariable({ A: "   " }, "A")).toBeUndefined();
    expect(readVariable({}, "A")).toBeUndefined();
  });

  it("reads several variables for a schema", () => {
    expect(readVariables({ A: " 1 ", B: "" }, ["A", "B", "C"])).toEqual({
      A: "1",
      B: undefined,
      C: undefined,
    });
  });
});

describe("EnvironmentReader", () => {
  it("returns the values when everything is valid", () => {
    const reader = new EnvironmentReader<"A" | "B" | "C">({ A: "a", B: "12" });
    expect(reader.required("A")).toBe("a");
    expect(reader.check("B", (value) => /^\d+$/.test(value), "a number")).toBe("12");
    expect(reader.optional("C")).toBeUndefined();
    expect(() => {
      reader.done();
    }).not.toThrow();
  });

  it("fails once, naming every missing variable and every problem", () => {
    const reader = new EnvironmentReader<"A" | "B" | "C">({ B: "x", C: " " });
    reader.required("A");
    reader.check("B", (value) => /^\d+$/.test(value), "a number");
    reader.required("C");
    reader.problem("C and A must differ");
    const error = thrown(() => {
      reader.done();
    });
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({
      missing: ["A", "C"],
      problems: ['B must be a number, got "x"', "C and A must differ"],
      message:
        'missing environment variables: A, C; B must be a number, got "x"; C and A must differ',
    });
  });

  it("can report missing variables in reading order, under a heading", () => {
    const reader = new EnvironmentReader(
      { B: "x" },
      { heading: "invalid configuration", missingProblem: (name) => `${name} is required` },
    );
    reader.required("A");
    reader.check("B", () => false, "a number");
    expect(
      thrown(() => {
        reader.done();
      }),
    ).toMatchObject({
      missing: [],
      message: 'invalid configuration: A is required; B must be a number, got "x"',
    });
  });
});
