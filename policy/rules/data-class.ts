/**
 * Reading a resource's data class from its tags, the one way both the deploy-time rules and the
 * runtime audit (functions/security/residency-audit) read it. A tag that looks like a data class but is not
 * spelled exactly (`dataclass`, `Data-Class`, ` DataClass`, `DataClass=User-Data`) is a finding of
 * its own: read leniently it would place data; read strictly, as "no data class", it would hide a
 * store from every residency rule. Neither is safe, so it is reported instead.
 */
import { DATA_CLASS_TAG, DATA_CLASSES, type DataClass } from "./vocabulary";

/** What a resource's tags say about its data class. */
export type DataClassReading =
  /** No tag that looks like a data class. */
  | { readonly kind: "absent" }
  /** Exactly `DataClass=<one of DATA_CLASSES>`. */
  | { readonly kind: "class"; readonly dataClass: DataClass }
  /** Something that looks like a data class tag but is not one: the problem, said in full. */
  | { readonly kind: "malformed"; readonly problem: string };

/** A tag key or value with its case, blanks, hyphens and underscores dropped. */
function folded(text: string): string {
  return text.replace(/[\s_-]/g, "").toLowerCase();
}

const EXPECTED = `expected ${DATA_CLASS_TAG}=<${DATA_CLASSES.join("|")}>, spelled exactly`;

/** Reads the data class from a resource's tags. */
export function readDataClass(tags: Readonly<Record<string, string>>): DataClassReading {
  const keys = Object.keys(tags).filter((key) => folded(key) === folded(DATA_CLASS_TAG));
  if (keys.length === 0) {
    return { kind: "absent" };
  }
  const misspelled = keys.filter((key) => key !== DATA_CLASS_TAG);
  if (misspelled.length > 0) {
    const found = misspelled.map((key) => JSON.stringify(key)).join(", ");
    return {
      kind: "malformed",
      problem: `tag key ${found} is not ${DATA_CLASS_TAG}; ${EXPECTED}`,
    };
  }
  const value = tags[DATA_CLASS_TAG] ?? "";
  if ((DATA_CLASSES as readonly string[]).includes(value)) {
    return { kind: "class", dataClass: value as DataClass };
  }
  const near = DATA_CLASSES.find((dataClass) => folded(dataClass) === folded(value));
  return {
    kind: "malformed",
    problem:
      near === undefined
        ? `${DATA_CLASS_TAG}=${JSON.stringify(value)} is no data class; ${EXPECTED}`
        : `${DATA_CLASS_TAG}=${JSON.stringify(value)} is not spelled ${near}; ${EXPECTED}`,
  };
}
