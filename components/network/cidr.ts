/**
 * IPv4 CIDR arithmetic for the network plan. Pure functions, no Pulumi: the subnet layout is
 * derived from the VPC CIDR alone, so it is stable across runs and testable by property.
 */

/** An IPv4 block: its first address as an unsigned 32-bit number and its prefix length. */
export interface Ipv4Block {
  readonly base: number;
  readonly prefix: number;
}

const RFC1918: readonly Ipv4Block[] = [
  { base: ipToNumber("10.0.0.0"), prefix: 8 },
  { base: ipToNumber("172.16.0.0"), prefix: 12 },
  { base: ipToNumber("192.168.0.0"), prefix: 16 },
];

/** Parses `a.b.c.d/n`; throws on anything else, including set host bits. */
export function parseCidr(cidr: string): Ipv4Block {
  // No leading zeros: some tools would read them as octal.
  const match =
    /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\/(0|[1-9]\d?)$/.exec(
      cidr,
    );
  if (match === null) {
    throw new Error(`${JSON.stringify(cidr)} is not an IPv4 CIDR such as 10.0.0.0/16`);
  }
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefix > 32) {
    throw new Error(`${JSON.stringify(cidr)} is not an IPv4 CIDR such as 10.0.0.0/16`);
  }
  const base = octets.reduce((acc, octet) => acc * 256 + octet, 0);
  if (base % blockSize(prefix) !== 0) {
    throw new Error(
      `${cidr} has host bits set; did you mean ${formatCidr({ base: base - (base % blockSize(prefix)), prefix })}?`,
    );
  }
  return { base, prefix };
}

/** Formats a block as `a.b.c.d/n`. */
export function formatCidr(block: Ipv4Block): string {
  return `${numberToIp(block.base)}/${block.prefix}`;
}

/** Number of addresses in a block of the given prefix length. */
export function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** Whether `inner` lies wholly inside `outer`. */
export function contains(outer: Ipv4Block, inner: Ipv4Block): boolean {
  return (
    inner.prefix >= outer.prefix &&
    inner.base >= outer.base &&
    inner.base + blockSize(inner.prefix) <= outer.base + blockSize(outer.prefix)
  );
}

/** Whether two blocks share any address. */
export function overlaps(a: Ipv4Block, b: Ipv4Block): boolean {
  return a.base < b.base + blockSize(b.prefix) && b.base < a.base + blockSize(a.prefix);
}

/** Whether `cidr` is a valid private (RFC 1918) block with a prefix in [minPrefix, maxPrefix]. */
export function isPrivateIpv4Cidr(cidr: string, minPrefix: number, maxPrefix: number): boolean {
  let block: Ipv4Block;
  try {
    block = parseCidr(cidr);
  } catch {
    return false;
  }
  return (
    block.prefix >= minPrefix &&
    block.prefix <= maxPrefix &&
    RFC1918.some((range) => contains(range, block))
  );
}

/**
 * Carves blocks of the requested prefix lengths out of `parent`, in order, each aligned to its
 * own size and placed at the lowest free address after the previous one. Throws when they do
 * not fit.
 */
export function allocate(parent: Ipv4Block, prefixes: readonly number[]): Ipv4Block[] {
  const end = parent.base + blockSize(parent.prefix);
  let next = parent.base;
  return prefixes.map((prefix) => {
    if (prefix < parent.prefix || prefix > 28) {
      throw new Error(`cannot carve a /${prefix} out of ${formatCidr(parent)}`);
    }
    const size = blockSize(prefix);
    const base = Math.ceil(next / size) * size;
    if (base + size > end) {
      throw new Error(`${formatCidr(parent)} has no room left for a /${prefix}`);
    }
    next = base + size;
    return { base, prefix };
  });
}

function ipToNumber(ip: string): number {
  return ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function numberToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}
