import { describe, expect, it } from "vitest";
import { positionalSql } from "./data-api";

describe("the Data API harness's named parameters", () => {
  it("numbers each name once, in order of first use", () => {
    expect(positionalSql("SELECT :a, :b, :a")).toEqual({
      text: "SELECT $1, $2, $1",
      names: ["a", "b"],
    });
  });

  it("leaves casts, strings, quoted names, dollar bodies and comments alone", () => {
    const sql =
      "SELECT CAST(:x AS int), y::text, ':no', \":no\", $$ :no $$, $tag$ :no $tag$ -- :no\n/* :no */ :z";
    expect(positionalSql(sql)).toEqual({
      text: "SELECT CAST($1 AS int), y::text, ':no', \":no\", $$ :no $$, $tag$ :no $tag$ -- :no\n/* :no */ $2",
      names: ["x", "z"],
    });
  });
});
