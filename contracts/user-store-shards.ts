/**
 * The shards of a region's user store and the rule that places a new account on one, shared by
 * the infrastructure (which builds one Aurora cluster per shard and validates the list), the
 * `home-region` function (which assigns a shard at sign-up and records it in the directory) and
 * the monolith's environment (which names each shard's endpoint).
 *
 * The rule: a new account goes to the shard chosen by `assignShard` over the shards open for new
 * accounts (weight above 0), in configuration order, each taking a share of new accounts in
 * proportion to its weight; the choice is a hash of the account's directory record key, so the
 * same account always lands on the same shard however often its registration is retried. The
 * directory records the shard, so an existing account never moves when shards are added or
 * weights change: only new sign-ups follow the new weights. A directory record without a shard
 * was written while its region had one shard, and its account is on the region's first shard.
 */

/** A shard of a region's user store: its id (recorded in the directory) and its weight. */
export interface StoreShard {
  /** 1-8 lower-case letters and digits, starting with a letter; unique within the region. */
  readonly id: string;
  /**
   * Share of new accounts, relative to the other open shards' weights; 0 closes the shard to new
   * accounts (its accounts stay on it).
   */
  readonly weight: number;
}

/** What a shard id must match: it names the shard's resources and is stored in the directory. */
export const SHARD_ID_PATTERN = /^[a-z][a-z0-9]{0,7}$/;

/** The largest weight of one shard. */
export const MAX_SHARD_WEIGHT = 100;

/** The shards of a store that has never been split: one shard, open for new accounts. */
export const SINGLE_SHARD: readonly StoreShard[] = [{ id: "s1", weight: 1 }];

/**
 * Every problem with a region's shard list, each saying what is wrong and what is allowed: no
 * shard, an id that does not match `SHARD_ID_PATTERN` or is used twice, a weight that is not a
 * whole number from 0 to `MAX_SHARD_WEIGHT`, no shard open for new accounts.
 */
export function shardListProblems(shards: readonly StoreShard[]): string[] {
  if (shards.length === 0) {
    return ["no shard: expected at least one"];
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const shard of shards) {
    if (!SHARD_ID_PATTERN.test(shard.id)) {
      problems.push(
        `shard id ${JSON.stringify(shard.id)}: expected 1-8 lower-case letters and digits, starting with a letter`,
      );
    } else if (seen.has(shard.id)) {
      problems.push(`shard id ${JSON.stringify(shard.id)} is used twice: ids must be unique`);
    }
    seen.add(shard.id);
    if (!Number.isInteger(shard.weight) || shard.weight < 0 || shard.weight > MAX_SHARD_WEIGHT) {
      problems.push(
        `shard ${shard.id} has weight ${shard.weight}: expected a whole number from 0 to ${MAX_SHARD_WEIGHT}`,
      );
    }
  }
  if (problems.length === 0 && !shards.some((shard) => shard.weight > 0)) {
    problems.push(
      "every shard has weight 0: new accounts would have nowhere to go; give at least one a weight above 0",
    );
  }
  return problems;
}

/**
 * 32-bit FNV-1a of a text's UTF-16 code units: small, the same in every JavaScript runtime, and
 * enough here, since the record key it is applied to is itself a keyed hash.
 * http://www.isthe.com/chongo/tech/comp/fnv/index.html
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * The shard a new account goes to: `fnv1a32(recordKey)` modulo the sum of the open shards'
 * weights picks a point, and the open shards, in configuration order, each cover as many points
 * as their weight. Throws when the list has a problem (`shardListProblems`), which configuration
 * checks refuse before anything runs.
 */
export function assignShard(recordKey: string, shards: readonly StoreShard[]): string {
  const problems = shardListProblems(shards);
  if (problems.length > 0) {
    throw new Error(`cannot assign a shard: ${problems.join("; ")}`);
  }
  const open = shards.filter((shard) => shard.weight > 0);
  const total = open.reduce((sum, shard) => sum + shard.weight, 0);
  let point = fnv1a32(recordKey) % total;
  for (const shard of open) {
    if (point < shard.weight) {
      return shard.id;
    }
    point -= shard.weight;
  }
  // Unreachable: the points run from 0 to total - 1 and the open shards cover them all.
  throw new Error("cannot assign a shard: the weights do not cover the point");
}
