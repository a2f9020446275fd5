import type { NetworkSettings } from "../components/network/settings";
import { ConfigError, configKey } from "./config-errors";

/**
 * Picks the zones a stack's network spans from the zones its region offers: the zones the
 * config pins, or else the first `azCount` by name. Throws a `ConfigError` naming the key when
 * the region cannot satisfy the config.
 */
export function chooseZones(
  stack: string,
  region: string,
  network: NetworkSettings,
  available: readonly string[],
): string[] {
  const offered = [...available].sort();
  if (network.availabilityZones !== undefined) {
    const missing = network.availabilityZones.filter((zone) => !offered.includes(zone));
    if (missing.length > 0) {
      throw new ConfigError(stack, [
        `${configKey(["network", "availabilityZones"])} = ${JSON.stringify(missing)}: not available in ${region}; available zones are ${offered.join(", ")}`,
      ]);
    }
    return [...network.availabilityZones];
  }
  if (offered.length < network.azCount) {
    throw new ConfigError(stack, [
      `${configKey(["network", "azCount"])} = ${network.azCount}: ${region} offers only ${offered.length} zones (${offered.join(", ")})`,
    ]);
  }
  return offered.slice(0, network.azCount);
}
