import { type BadCase, block, setField } from "../config-test-support";

/** Bad configurations of the VPC (components/network/settings.ts), and the problem each raises. */
export const networkCases: readonly BadCase[] = [
  {
    name: "a VPC CIDR whose address is not an address",
    mutations: [setField("knowledgecity:network", "cidr", "999.1.1.1/16")],
    key: "knowledgecity:network.cidr",
    value: '"999.1.1.1/16"',
    allowed: "999.1.1.1 is not an IPv4 address; expected a private (RFC 1918) IPv4 CIDR",
  },
  {
    name: "a VPC CIDR with a leading zero",
    mutations: [setField("knowledgecity:network", "cidr", "10.020.0.0/16")],
    key: "knowledgecity:network.cidr",
    value: '"10.020.0.0/16"',
    allowed: "10.020.0.0 is not an IPv4 address",
  },
  {
    name: "azCount 1",
    mutations: [setField("knowledgecity:network", "azCount", 1)],
    key: "knowledgecity:network.azCount",
    value: "1",
    allowed: "expected an integer from 2 to 4",
  },
  {
    name: "azCount 7",
    mutations: [setField("knowledgecity:network", "azCount", 7)],
    key: "knowledgecity:network.azCount",
    value: "7",
    allowed: "expected an integer from 2 to 4",
  },
  {
    name: "azCount 2.5",
    mutations: [setField("knowledgecity:network", "azCount", 2.5)],
    key: "knowledgecity:network.azCount",
    value: "2.5",
    allowed: "expected an integer from 2 to 4",
  },
  {
    name: "azCount as a string",
    mutations: [setField("knowledgecity:network", "azCount", "three")],
    key: "knowledgecity:network.azCount",
    value: '"three"',
    allowed: "expected an integer from 2 to 4",
  },
  {
    name: "public (non-RFC 1918) CIDR",
    mutations: [setField("knowledgecity:network", "cidr", "8.8.0.0/16")],
    key: "knowledgecity:network.cidr",
    value: '"8.8.0.0/16"',
    allowed: "private (RFC 1918) IPv4 CIDR",
  },
  {
    name: "CIDR with host bits set",
    mutations: [setField("knowledgecity:network", "cidr", "10.20.1.0/16")],
    key: "knowledgecity:network.cidr",
    value: '"10.20.1.0/16"',
    allowed: "no host bits set",
  },
  {
    name: "CIDR /24, too small",
    mutations: [setField("knowledgecity:network", "cidr", "10.20.0.0/24")],
    key: "knowledgecity:network.cidr",
    value: '"10.20.0.0/24"',
    allowed: "from /16 to /19",
  },
  {
    name: "missing CIDR",
    mutations: [(raw) => delete block(raw, "knowledgecity:network").cidr],
    key: "knowledgecity:network.cidr",
    value: "(missing)",
    allowed: "required; expected a private (RFC 1918) IPv4 CIDR",
  },
  {
    name: "unknown nested key (azcount in lower case)",
    mutations: [setField("knowledgecity:network", "azcount", 3)],
    key: "knowledgecity:network.azcount",
    value: undefined,
    allowed:
      "unknown key; allowed keys are cidr, azCount, availabilityZones, interfaceEndpoints, flowLogRetentionDays",
  },
  {
    name: "flow-log retention 0 (forever)",
    mutations: [setField("knowledgecity:network", "flowLogRetentionDays", 0)],
    key: "knowledgecity:network.flowLogRetentionDays",
    value: "0",
    allowed: "365, 400, 545",
  },
  {
    name: "pinned zones fewer than azCount",
    mutations: [
      setField("knowledgecity:network", "availabilityZones", ["me-south-1a", "me-south-1b"]),
    ],
    key: "knowledgecity:network.availabilityZones",
    value: '["me-south-1a","me-south-1b"]',
    allowed: "expected exactly azCount (3) zones",
  },
  {
    name: "a pinned zone of another region",
    mutations: [
      setField("knowledgecity:network", "availabilityZones", [
        "me-south-1a",
        "me-south-1b",
        "eu-west-1a",
      ]),
    ],
    key: "knowledgecity:network.availabilityZones[2]",
    value: '"eu-west-1a"',
    allowed: "expected a zone of me-south-1",
  },
  {
    name: "a pinned zone that is not a zone name",
    mutations: [
      setField("knowledgecity:network", "availabilityZones", [
        "me-south-1a",
        "me-south-1b",
        "ME_SOUTH_1C",
      ]),
    ],
    key: "knowledgecity:network.availabilityZones[2]",
    value: '"ME_SOUTH_1C"',
    allowed: "expected a zone name such as me-south-1a",
  },
  {
    name: "an interface endpoint that is not a service suffix",
    mutations: [
      setField("knowledgecity:network", "interfaceEndpoints", [
        "com.amazonaws.me-south-1.sts",
        "ECR API",
      ]),
    ],
    key: "knowledgecity:network.interfaceEndpoints[1]",
    value: '"ECR API"',
    allowed: "expected a service suffix such as ecr.api",
  },
];
