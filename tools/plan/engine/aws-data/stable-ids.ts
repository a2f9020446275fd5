/**
 * Stable stand-ins for the random parts of AWS ids and names: every value is derived from hashes of
 * the resource's type and name, so two plans of the same program compare equal.
 */
import { createHash } from "node:crypto";

/** A short, stable hex string derived from the inputs, for ids that must look real. */
export function stableHex(length: number, ...parts: readonly string[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, length);
}

/** `length` characters of [A-Z0-9] derived from `parts`, for ids AWS writes in upper case. */
export function stableUpperAlnum(length: number, ...parts: readonly string[]): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const bytes = createHash("sha256").update(parts.join("\u0000")).digest();
  return Array.from(
    { length },
    (_, index) => alphabet[(bytes[index % bytes.length] ?? 0) % 36],
  ).join("");
}

/** A stable epoch (seconds) in 2026 for creation timestamps that appear in ARNs. */
export function creationEpoch(...parts: readonly string[]): number {
  return 1_767_225_600 + (parseInt(stableHex(6, ...parts), 16) % 31_536_000);
}

/** `length` characters of [a-z0-9] derived from `parts`, for ids AWS writes in lower case. */
export function stableLowerAlnum(length: number, ...parts: readonly string[]): string {
  return stableUpperAlnum(length, ...parts).toLowerCase();
}

/** The six characters Secrets Manager appends to a secret's name in its ARN. */
export function secretSuffix(...parts: readonly string[]): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = createHash("sha256").update(parts.join("\u0000")).digest();
  return Array.from({ length: 6 }, (_, index) => alphabet[(bytes[index] ?? 0) % 62]).join("");
}

/** A stable UUID-shaped id. */
export function uuidOf(...parts: readonly string[]): string {
  const hex = stableHex(32, ...parts);
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    hex.slice(12, 16),
    hex.slice(16, 20),
    hex.slice(20),
  ].join("-");
}
