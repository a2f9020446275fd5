/**
 * The paths of the Saudi store's shards (components/data/aurora-shard.ts): the monolith signs in
 * to every shard of its region's store as the app user, and to nothing else (no shard of another
 * region's store, no other database user); no role uses the Data API on a shard other than the
 * first, which holds the token vault.
 */
import { APP_DATABASE_USER } from "../../../contracts/monolith";
import { TYPES, type IamModel } from "./model";
import type { IamPath } from "./paths";

/** The first shard's primary cluster: the store's original cluster, which holds the vault. */
export const FIRST_SHARD_CLUSTER = "kc-users-cluster";

/** Another shard's primary cluster: `kc-users-<shard id>-cluster`. */
const OTHER_SHARD_CLUSTER = /^kc-users-[a-z][a-z0-9]{0,7}-cluster$/;

/** The Aurora master user (components/data/aurora-shard.ts), which the app never signs in as. */
const MASTER_USER = "kc_admin";

/**
 * The primary cluster of every shard of the Saudi store, in the stack's region. Secondaries (in
 * other regions) are copies of a shard, not shards.
 */
export function shardClusters(model: IamModel): string[] {
  return [...model.resources.values()]
    .filter(
      (entry) =>
        entry.type === TYPES.cluster &&
        entry.region === model.region &&
        (entry.name === FIRST_SHARD_CLUSTER || OTHER_SHARD_CLUSTER.test(entry.name)),
    )
    .map((entry) => entry.name)
    .sort();
}

/** A home region of another stack, whose shards the monolith of this one must not reach. */
function otherHomeRegion(model: IamModel): string {
  return model.region === "us-east-1" ? "me-south-1" : "us-east-1";
}

/** The monolith signs in to every shard of its region's store (the directory names the shard). */
export function shardRequiredPaths(model: IamModel, monolithRole: string): IamPath[] {
  return shardClusters(model).map((cluster) => ({
    caller: { role: monolithRole },
    action: "rds-db:connect",
    target: { type: "cluster", name: cluster, dbUser: APP_DATABASE_USER },
    why: `the monolith signs in to the user store's shard ${cluster} with IAM database authentication`,
  }));
}

/**
 * The monolith reaches its own region's shards only, as the app user only; no role (of `roles`)
 * uses the Data API on a shard other than the first.
 */
export function shardMustDenyPaths(
  model: IamModel,
  monolithRole: string,
  roles: readonly string[],
): IamPath[] {
  const paths: IamPath[] = [];
  const elsewhere = otherHomeRegion(model);
  for (const cluster of shardClusters(model)) {
    paths.push(
      {
        caller: { role: monolithRole },
        action: "rds-db:connect",
        target: { type: "cluster", name: cluster, dbUser: APP_DATABASE_USER, inRegion: elsewhere },
        why: `the monolith must not sign in to a shard of another region's store (${cluster} in ${elsewhere})`,
      },
      {
        caller: { role: monolithRole },
        action: "rds-db:connect",
        target: { type: "cluster", name: cluster, dbUser: MASTER_USER },
        why: `the monolith signs in to ${cluster} as the app user only, never as the master user`,
      },
    );
    if (cluster === FIRST_SHARD_CLUSTER) {
      continue;
    }
    for (const caller of roles) {
      paths.push({
        caller: { role: caller },
        action: "rds-data:ExecuteStatement",
        target: { type: "cluster", name: cluster },
        why: `no role uses the Data API on the shard ${cluster} (the vault is on the first shard)`,
      });
    }
  }
  return paths;
}
