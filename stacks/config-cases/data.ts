import { type BadCase, remove, set, setField } from "../config-test-support";

/** Bad configurations of the user store and home regions (components/data/settings.ts), and the problem each raises. */
export const dataCases: readonly BadCase[] = [
  {
    name: "home regions that leave out the stack's own",
    mutations: [
      set("knowledgecity:homeRegion", { hostnames: { "us-east-1": "api.us.knowledgecity.com" } }),
    ],
    key: "knowledgecity:homeRegion.hostnames",
    value: '{"us-east-1":"api.us.knowledgecity.com"}',
    allowed: "expected an entry for the stack's own region me-south-1",
  },
  {
    name: "an Aurora secondary region without the CIDR of its VPC",
    mutations: [
      set("knowledgecity:allowedRegions", ["me-south-1", "me-west-1"]),
      setField("knowledgecity:userStore", "replicaRegions", ["me-west-1"]),
    ],
    key: "knowledgecity:userStore.secondaryCidrs",
    value: "(missing)",
    allowed: "expected an entry for me-west-1 (replicaRegions)",
  },
  {
    name: "an Aurora secondary outside allowedRegions, though in the jurisdiction",
    mutations: [
      setField("knowledgecity:userStore", "replicaRegions", ["me-west-1"]),
      setField("knowledgecity:userStore", "secondaryCidrs", { "me-west-1": "10.21.0.0/16" }),
    ],
    key: "knowledgecity:userStore.replicaRegions[0]",
    value: '"me-west-1"',
    allowed: "a replica of user data must stay in allowedRegions (me-south-1)",
  },
  {
    name: "an Aurora secondary whose VPC overlaps the stack's",
    mutations: [
      set("knowledgecity:allowedRegions", ["me-south-1", "me-west-1"]),
      setField("knowledgecity:userStore", "replicaRegions", ["me-west-1"]),
      setField("knowledgecity:userStore", "secondaryCidrs", { "me-west-1": "10.20.64.0/18" }),
    ],
    key: "knowledgecity:userStore.secondaryCidrs.me-west-1",
    value: '"10.20.64.0/18"',
    allowed: "overlaps network.cidr (10.20.0.0/16)",
  },
  {
    name: "a secondary VPC for a region that is no replica",
    mutations: [
      setField("knowledgecity:userStore", "secondaryCidrs", { "me-west-1": "10.21.0.0/16" }),
    ],
    key: "knowledgecity:userStore.secondaryCidrs.me-west-1",
    value: '"10.21.0.0/16"',
    allowed: "me-west-1 is not one of userStore.replicaRegions (none)",
  },
  {
    name: "a secondary VPC CIDR that is public",
    mutations: [
      set("knowledgecity:allowedRegions", ["me-south-1", "me-west-1"]),
      setField("knowledgecity:userStore", "replicaRegions", ["me-west-1"]),
      setField("knowledgecity:userStore", "secondaryCidrs", { "me-west-1": "8.8.0.0/16" }),
    ],
    key: "knowledgecity:userStore.secondaryCidrs.me-west-1",
    value: '"8.8.0.0/16"',
    allowed: "not a private (RFC 1918) range",
  },
  {
    name: "an RDS instance class that is not one",
    mutations: [setField("knowledgecity:userStore", "instanceClass", "r7g.large")],
    key: "knowledgecity:userStore.instanceClass",
    value: '"r7g.large"',
    allowed: "expected an RDS instance class such as db.r7g.large",
  },
  {
    name: "Aurora backups kept longer than 35 days",
    mutations: [setField("knowledgecity:userStore", "backupRetentionDays", 90)],
    key: "knowledgecity:userStore.backupRetentionDays",
    value: "90",
    allowed: "expected an integer from 1 to 35",
  },
  {
    name: "unknown userStore kind",
    mutations: [setField("knowledgecity:userStore", "kind", "postgres")],
    key: "knowledgecity:userStore.kind",
    value: '"postgres"',
    allowed: 'expected kind "aurora" or "dynamodb"',
  },
  {
    name: "missing userStore kind",
    mutations: [set("knowledgecity:userStore", { replicaRegions: [] })],
    key: "knowledgecity:userStore.kind",
    value: "(missing)",
    allowed: 'expected kind "aurora" or "dynamodb"',
  },
  {
    name: "unknown aurora engine",
    mutations: [setField("knowledgecity:userStore", "engine", "mysql")],
    key: "knowledgecity:userStore.engine",
    value: '"mysql"',
    allowed:
      'expected "aurora-postgresql" (the token vault and its migration need PostgreSQL\'s Data API)',
  },
  {
    name: "aurora mysql, on which the vault cannot run",
    mutations: [setField("knowledgecity:userStore", "engine", "aurora-mysql")],
    key: "knowledgecity:userStore.engine",
    value: '"aurora-mysql"',
    allowed:
      'expected "aurora-postgresql" (the token vault and its migration need PostgreSQL\'s Data API)',
  },
  {
    name: "a me-south-1 stack replicating user data to eu-west-1 (residency)",
    mutations: [setField("knowledgecity:userStore", "replicaRegions", ["eu-west-1"])],
    key: "knowledgecity:userStore.replicaRegions[0]",
    value: '"eu-west-1"',
    allowed: "a replica of user data must stay in allowedRegions (me-south-1)",
  },
  {
    name: "replica equal to the stack's own region",
    mutations: [setField("knowledgecity:userStore", "replicaRegions", ["me-south-1"])],
    key: "knowledgecity:userStore.replicaRegions[0]",
    value: '"me-south-1"',
    allowed: "must differ from the stack's own region",
  },
  {
    name: "a shard id with capitals",
    mutations: [setField("knowledgecity:userStore", "shards", [{ id: "Shard2", weight: 1 }])],
    key: "knowledgecity:userStore.shards[0].id",
    value: '"Shard2"',
    allowed: "expected 1-8 lower-case letters and digits, starting with a letter",
  },
  {
    name: "a shard weight above 100",
    mutations: [
      setField("knowledgecity:userStore", "shards", [
        { id: "s1", weight: 1 },
        { id: "s2", weight: 250 },
      ]),
    ],
    key: "knowledgecity:userStore.shards[1].weight",
    value: "250",
    allowed: "expected a whole number from 0 to 100",
  },
  {
    name: "two shards with one id",
    mutations: [
      setField("knowledgecity:userStore", "shards", [
        { id: "s1", weight: 1 },
        { id: "s1", weight: 1 },
      ]),
    ],
    key: "knowledgecity:userStore.shards",
    value: '[{"id":"s1","weight":1},{"id":"s1","weight":1}]',
    allowed: 'shard id "s1" is used twice: ids must be unique',
  },
  {
    name: "every shard closed to new accounts",
    mutations: [
      setField("knowledgecity:userStore", "shards", [
        { id: "s1", weight: 0 },
        { id: "s2", weight: 0 },
      ]),
    ],
    key: "knowledgecity:userStore.shards",
    value: '[{"id":"s1","weight":0},{"id":"s2","weight":0}]',
    allowed: "every shard has weight 0: new accounts would have nowhere to go",
  },
  {
    name: "an empty shard list",
    mutations: [setField("knowledgecity:userStore", "shards", [])],
    key: "knowledgecity:userStore.shards",
    value: "[]",
    allowed: "expected at least one shard (the first is the store's original cluster)",
  },
  {
    name: "two shards without the home-region directory",
    mutations: [remove("knowledgecity:homeRegion")],
    key: "knowledgecity:userStore.shards",
    value: '[{"id":"s1","weight":1},{"id":"s2","weight":1}]',
    allowed: "more than one shard needs homeRegion",
  },
  {
    name: "shards in a dynamodb store (DynamoDB partitions itself)",
    mutations: [set("knowledgecity:userStore", { kind: "dynamodb", shards: [{ id: "s1" }] })],
    key: "knowledgecity:userStore.shards",
    value: undefined,
    allowed: "unknown key; allowed keys are kind, replicaRegions",
  },
  {
    name: "an aurora-only key in a dynamodb store",
    mutations: [set("knowledgecity:userStore", { kind: "dynamodb", engine: "aurora-postgresql" })],
    key: "knowledgecity:userStore.engine",
    value: undefined,
    allowed: "unknown key; allowed keys are kind, replicaRegions",
  },
];
