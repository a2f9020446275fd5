import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  allocate,
  blockSize,
  contains,
  formatCidr,
  isPrivateIpv4Cidr,
  overlaps,
  parseCidr,
  type Ipv4Block,
} from "./cidr";

const TWO_32 = 2 ** 32;

/** A valid block: a prefix from 0 to 32, its base aligned to that prefix. */
const blockArb = (minPrefix = 0, maxPrefix = 32): fc.Arbitrary<Ipv4Block> =>
  fc
    .integer({ min: minPrefix, max: maxPrefix })
    .chain((prefix) =>
      fc
        .integer({ min: 0, max: TWO_32 / blockSize(prefix) - 1 })
        .map((index): Ipv4Block => ({ base: index * blockSize(prefix), prefix })),
    );

/** A private block whose first address lies in `range` and whose prefix is in [minPrefix, maxPrefix]. */
const privateCidrArb = (
  range: Ipv4Block,
  minPrefix: number,
  maxPrefix: number,
): fc.Arbitrary<string> =>
  fc
    .integer({ min: Math.max(minPrefix, range.prefix), max: maxPrefix })
    .chain((prefix) =>
      fc
        .integer({ min: 0, max: blockSize(range.prefix) / blockSize(prefix) - 1 })
        .map((index) => formatCidr({ base: range.base + index * blockSize(prefix), prefix })),
    );

const malformedMessage = (cidr: string): string =>
  `"${cidr}" is not an IPv4 CIDR such as 10.0.0.0/16`;

describe("parseCidr / formatCidr", () => {
  it("parses a known block", () => {
    expect(parseCidr("10.20.0.0/16")).toEqual({ base: 10 * 2 ** 24 + 20 * 2 ** 16, prefix: 16 });
    expect(parseCidr("255.255.255.255/32")).toEqual({ base: TWO_32 - 1, prefix: 32 });
    expect(parseCidr("0.0.0.0/0")).toEqual({ base: 0, prefix: 0 });
  });

  it("formats a known block", () => {
    expect(formatCidr({ base: 0xc0a80100, prefix: 24 })).toBe("192.168.1.0/24");
    expect(formatCidr({ base: TWO_32 - 1, prefix: 32 })).toBe("255.255.255.255/32");
  });

  it("round-trips every valid block", () => {
    fc.assert(
      fc.property(blockArb(), (block) => {
        const text = formatCidr(block);
        expect(parseCidr(text)).toEqual(block);
        expect(formatCidr(parseCidr(text))).toBe(text);
      }),
    );
  });

  it.each([
    "",
    "10.0.0.0",
    "10.0.0/16",
    "10.0.0.0.0/16",
    "10.0.0.0/",
    "10.0.0.0/123",
    "1000.0.0.0/8",
    " 10.0.0.0/16",
    "10.0.0.0/16 ",
    "a.b.c.d/8",
    "10.0.0.-1/32",
    "10.0.0.0/-1",
    // Leading zeros: some tools read such octets as octal.
    "010.0.0.0/8",
    "10.00.0.0/16",
    "10.0.0.0/08",
  ])("rejects malformed input %j", (cidr) => {
    expect(() => parseCidr(cidr)).toThrow(new Error(malformedMessage(cidr)));
  });

  it.each(["256.0.0.0/8", "10.0.0.999/32", "10.300.0.0/16"])(
    "rejects octet > 255 in %j",
    (cidr) => {
      expect(() => parseCidr(cidr)).toThrow(new Error(malformedMessage(cidr)));
    },
  );

  it.each(["10.0.0.0/33", "10.0.0.0/99"])("rejects prefix > 32 in %j", (cidr) => {
    expect(() => parseCidr(cidr)).toThrow(new Error(malformedMessage(cidr)));
  });

  it.each([
    ["10.20.1.0/16", "10.20.0.0/16"],
    ["10.0.0.1/31", "10.0.0.0/31"],
    ["192.168.1.77/24", "192.168.1.0/24"],
    ["172.31.255.255/12", "172.16.0.0/12"],
    ["1.2.3.4/0", "0.0.0.0/0"],
  ])("rejects host bits in %s, suggesting %s", (cidr, network) => {
    expect(() => parseCidr(cidr)).toThrow(
      new Error(`${cidr} has host bits set; did you mean ${network}?`),
    );
  });

  it("suggests a network address that parses and contains the input address", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 31 }),
        fc.integer({ min: 0, max: TWO_32 - 1 }),
        (prefix, address) => {
          fc.pre(address % blockSize(prefix) !== 0);
          const cidr = `${formatCidr({ base: address, prefix: 32 }).split("/")[0]}/${prefix}`;
          let message = "";
          try {
            parseCidr(cidr);
          } catch (error) {
            message = (error as Error).message;
          }
          const suggestion = /did you mean (.+)\?$/.exec(message)?.[1];
          expect(suggestion).toBeDefined();
          const network = parseCidr(suggestion ?? "");
          expect(network.prefix).toBe(prefix);
          expect(contains(network, { base: address, prefix: 32 })).toBe(true);
        },
      ),
    );
  });
});

describe("isPrivateIpv4Cidr", () => {
  const ranges: readonly Ipv4Block[] = [
    parseCidr("10.0.0.0/8"),
    parseCidr("172.16.0.0/12"),
    parseCidr("192.168.0.0/16"),
  ];

  it("accepts examples from each RFC 1918 range within bounds", () => {
    expect(isPrivateIpv4Cidr("10.0.0.0/16", 16, 19)).toBe(true);
    expect(isPrivateIpv4Cidr("10.255.224.0/19", 16, 19)).toBe(true);
    expect(isPrivateIpv4Cidr("172.16.0.0/16", 16, 19)).toBe(true);
    expect(isPrivateIpv4Cidr("172.31.0.0/16", 16, 19)).toBe(true);
    expect(isPrivateIpv4Cidr("192.168.0.0/16", 16, 19)).toBe(true);
    expect(isPrivateIpv4Cidr("192.168.32.0/19", 16, 19)).toBe(true);
    expect(isPrivateIpv4Cidr("10.0.0.0/8", 8, 8)).toBe(true);
  });

  it("accepts random blocks inside the RFC 1918 ranges within bounds", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ranges).chain((range) =>
          fc.integer({ min: 16, max: 28 }).chain((minPrefix) =>
            fc.integer({ min: minPrefix, max: 28 }).chain((maxPrefix) =>
              privateCidrArb(range, minPrefix, maxPrefix).map((cidr) => ({
                cidr,
                minPrefix,
                maxPrefix,
              })),
            ),
          ),
        ),
        ({ cidr, minPrefix, maxPrefix }) => {
          expect(isPrivateIpv4Cidr(cidr, minPrefix, maxPrefix)).toBe(true);
        },
      ),
    );
  });

  it("rejects public ranges and neighbours of the private ranges", () => {
    for (const cidr of [
      "8.8.0.0/16",
      "11.0.0.0/16",
      "9.255.0.0/16",
      "172.15.0.0/16",
      "172.32.0.0/16",
      "192.167.0.0/16",
      "192.169.0.0/16",
      "100.64.0.0/16",
      "0.0.0.0/16",
    ]) {
      expect(isPrivateIpv4Cidr(cidr, 16, 19), cidr).toBe(false);
    }
  });

  it("rejects blocks wider than their private range", () => {
    expect(isPrivateIpv4Cidr("10.0.0.0/7", 0, 32)).toBe(false);
    expect(isPrivateIpv4Cidr("172.16.0.0/11", 0, 32)).toBe(false);
    expect(isPrivateIpv4Cidr("192.168.0.0/15", 0, 32)).toBe(false);
  });

  it("rejects prefixes out of bounds", () => {
    expect(isPrivateIpv4Cidr("10.0.0.0/15", 16, 19)).toBe(false);
    expect(isPrivateIpv4Cidr("10.0.0.0/8", 16, 19)).toBe(false);
    expect(isPrivateIpv4Cidr("10.0.0.0/20", 16, 19)).toBe(false);
    expect(isPrivateIpv4Cidr("192.168.0.0/24", 16, 19)).toBe(false);
  });

  it("rejects random private blocks whose prefix is out of bounds", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ranges).chain((range) => privateCidrArb(range, 8, 32)),
        (cidr) => {
          const { prefix } = parseCidr(cidr);
          fc.pre(prefix < 16 || prefix > 19);
          expect(isPrivateIpv4Cidr(cidr, 16, 19)).toBe(false);
        },
      ),
    );
  });

  it("rejects invalid input instead of throwing", () => {
    expect(isPrivateIpv4Cidr("10.0.0.1/16", 16, 19)).toBe(false);
    expect(isPrivateIpv4Cidr("10.0.0.0", 16, 19)).toBe(false);
    expect(isPrivateIpv4Cidr("10.256.0.0/16", 16, 19)).toBe(false);
  });
});

describe("contains / overlaps", () => {
  it("a block contains and overlaps itself", () => {
    fc.assert(
      fc.property(blockArb(), (block) => {
        expect(contains(block, block)).toBe(true);
        expect(overlaps(block, block)).toBe(true);
      }),
    );
  });

  it("overlaps is symmetric", () => {
    fc.assert(
      fc.property(blockArb(), blockArb(), (a, b) => {
        expect(overlaps(a, b)).toBe(overlaps(b, a));
      }),
    );
  });

  it("containment implies overlap", () => {
    fc.assert(
      fc.property(blockArb(), blockArb(), (a, b) => {
        if (contains(a, b)) {
          expect(overlaps(a, b)).toBe(true);
        }
      }),
    );
  });

  it("aligned blocks either nest or are disjoint", () => {
    fc.assert(
      fc.property(blockArb(), blockArb(), (a, b) => {
        expect(overlaps(a, b)).toBe(contains(a, b) || contains(b, a));
      }),
    );
  });

  it("a block and the next block of the same size never overlap", () => {
    fc.assert(
      fc.property(blockArb(1, 32), (block) => {
        const size = blockSize(block.prefix);
        fc.pre(block.base + size < TWO_32);
        const next: Ipv4Block = { base: block.base + size, prefix: block.prefix };
        expect(overlaps(block, next)).toBe(false);
        expect(overlaps(next, block)).toBe(false);
        expect(contains(block, next)).toBe(false);
      }),
    );
  });

  it("a block contains both of its halves but not its parent", () => {
    fc.assert(
      fc.property(blockArb(1, 31), (block) => {
        const half = blockSize(block.prefix + 1);
        const low: Ipv4Block = { base: block.base, prefix: block.prefix + 1 };
        const high: Ipv4Block = { base: block.base + half, prefix: block.prefix + 1 };
        expect(contains(block, low)).toBe(true);
        expect(contains(block, high)).toBe(true);
        expect(overlaps(low, high)).toBe(false);
        const parentSize = blockSize(block.prefix - 1);
        const parent: Ipv4Block = {
          base: block.base - (block.base % parentSize),
          prefix: block.prefix - 1,
        };
        expect(contains(block, parent)).toBe(false);
        expect(contains(parent, block)).toBe(true);
      }),
    );
  });
});

describe("allocate", () => {
  it("packs blocks in order at the lowest aligned address", () => {
    const blocks = allocate(parseCidr("10.0.0.0/16"), [24, 20, 26, 24]).map(formatCidr);
    expect(blocks).toEqual(["10.0.0.0/24", "10.0.16.0/20", "10.0.32.0/26", "10.0.33.0/24"]);
  });

  it("returns nothing for no prefixes", () => {
    expect(allocate(parseCidr("10.0.0.0/16"), [])).toEqual([]);
  });

  it("can fill the parent exactly", () => {
    expect(allocate(parseCidr("10.0.0.0/24"), [25, 26, 26]).map(formatCidr)).toEqual([
      "10.0.0.0/25",
      "10.0.0.128/26",
      "10.0.0.192/26",
    ]);
  });

  const allocationArb = blockArb(8, 28).chain((parent) =>
    fc
      .array(fc.integer({ min: parent.prefix, max: 28 }), { maxLength: 12 })
      .map((prefixes) => ({ parent, prefixes })),
  );

  it("places every block inside the parent, aligned, without overlap", () => {
    let allocated = 0;
    fc.assert(
      fc.property(allocationArb, ({ parent, prefixes }) => {
        let blocks: Ipv4Block[];
        try {
          blocks = allocate(parent, prefixes);
        } catch (error) {
          expect((error as Error).message).toMatch(/ has no room left for a \/\d+$/);
          return;
        }
        allocated += 1;
        expect(blocks.map((block) => block.prefix)).toEqual(prefixes);
        blocks.forEach((block, i) => {
          expect(contains(parent, block)).toBe(true);
          expect(block.base % blockSize(block.prefix)).toBe(0);
          // Every block is a valid CIDR in its own right.
          expect(parseCidr(formatCidr(block))).toEqual(block);
          for (const other of blocks.slice(i + 1)) {
            expect(overlaps(block, other)).toBe(false);
          }
        });
      }),
    );
    // The generator must actually exercise successful allocations, not only the error path.
    expect(allocated).toBeGreaterThan(10);
  });

  it("succeeds whenever the blocks fit sorted largest first", () => {
    fc.assert(
      fc.property(allocationArb, ({ parent, prefixes }) => {
        const sorted = [...prefixes].sort((a, b) => a - b);
        const total = sorted.reduce((sum, prefix) => sum + blockSize(prefix), 0);
        fc.pre(total <= blockSize(parent.prefix));
        // Largest first leaves no alignment gaps, so anything whose total fits must succeed.
        expect(() => allocate(parent, sorted)).not.toThrow();
      }),
    );
  });

  it("throws a clear message when out of room", () => {
    const parent = parseCidr("10.0.0.0/24");
    expect(() => allocate(parent, [25, 25, 28])).toThrow(
      new Error("10.0.0.0/24 has no room left for a /28"),
    );
    // Alignment gaps count too: after a /26 the next /25 starts at .128, leaving no room for a second.
    expect(() => allocate(parent, [26, 25, 25])).toThrow(
      new Error("10.0.0.0/24 has no room left for a /25"),
    );
  });

  it("throws when the total size exceeds the parent", () => {
    fc.assert(
      fc.property(allocationArb, ({ parent, prefixes }) => {
        const total = prefixes.reduce((sum, prefix) => sum + blockSize(prefix), 0);
        fc.pre(total > blockSize(parent.prefix));
        expect(() => allocate(parent, prefixes)).toThrow(
          new RegExp(`^${formatCidr(parent).replace(/\./g, "\\.")} has no room left for a /\\d+$`),
        );
      }),
    );
  });

  it("rejects prefixes wider than the parent or narrower than /28", () => {
    const parent = parseCidr("10.0.0.0/16");
    expect(() => allocate(parent, [15])).toThrow(
      new Error("cannot carve a /15 out of 10.0.0.0/16"),
    );
    expect(() => allocate(parent, [29])).toThrow(
      new Error("cannot carve a /29 out of 10.0.0.0/16"),
    );
  });
});
