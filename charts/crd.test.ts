import { describe, expect, it } from "vitest";
import { chartsPath, THIRD_PARTY_CHARTS } from "../components/kubernetes/helm";
import { evaluateCel, UnsupportedCel } from "./cel";
import { readCrd, validateCustomObject } from "./crd";

const KARPENTER_CRDS = [
  "karpenter.sh_nodepools.yaml",
  "karpenter.k8s.aws_ec2nodeclasses.yaml",
].flatMap((file) =>
  readCrd(
    chartsPath("upstream", `karpenter-${THIRD_PARTY_CHARTS.karpenter.version}`, "crds", file),
  ),
);

describe("the CEL subset", () => {
  it("evaluates the macros, functions and operators the Karpenter CRDs use", () => {
    expect(evaluateCel("self.all(k, !k.startsWith('kubernetes.io/cluster'))", { a: "1" })).toBe(
      true,
    );
    expect(
      evaluateCel("self.all(k, !k.startsWith('kubernetes.io/cluster'))", {
        "kubernetes.io/cluster/x": "owned",
      }),
    ).toBe(false);
    expect(evaluateCel("self.all(k, k != '' && self[k] != '')", { a: "" })).toBe(false);
    expect(evaluateCel("self.split('@')[0] in ['al2', 'al2023']", "al2023@latest")).toBe(true);
    expect(evaluateCel("self.matches('^[a-zA-Z0-9]+@.+$')", "al2023")).toBe(false);
    expect(evaluateCel('!self.find("^([^/]+)").endsWith("karpenter.sh")', "karpenter.sh/x")).toBe(
      false,
    );
    expect(evaluateCel("has(self.a) ? self.a > 1 : true", {})).toBe(true);
    expect(evaluateCel("self.filter(x, x.v == 1).size() <= 1", [{ v: 1 }, { v: 1 }])).toBe(false);
    expect(evaluateCel("size(self) == 1 && 'nodes' in self", { nodes: "3" })).toBe(true);
    expect(evaluateCel("int(self[0]) >= 0", ["6"])).toBe(true);
  });

  it("refuses what it cannot evaluate instead of passing it", () => {
    expect(() => evaluateCel("self.lowerAscii() == 'a'", "A")).toThrow(UnsupportedCel);
    expect(() => evaluateCel("quantity(self).isGreaterThan(quantity('1'))", "2")).toThrow(
      UnsupportedCel,
    );
  });
});

describe("validateCustomObject against Karpenter's CRDs", () => {
  const nodeClass = {
    apiVersion: "karpenter.k8s.aws/v1",
    kind: "EC2NodeClass",
    metadata: { name: "default" },
    spec: {
      role: "node-role",
      amiSelectorTerms: [{ alias: "al2023@latest" }],
      subnetSelectorTerms: [{ id: "subnet-0123456789abcdef0" }],
      securityGroupSelectorTerms: [{ id: "sg-0123456789abcdef0" }],
      tags: { "karpenter.sh/discovery": "cluster" },
    },
  };

  it("accepts a valid EC2NodeClass and evaluates its rules", () => {
    const outcome = validateCustomObject(KARPENTER_CRDS, nodeClass);
    expect(outcome).toMatchObject({ errors: [], unevaluated: [] });
    expect(outcome.evaluated).toBeGreaterThan(10);
  });

  it("names the schema problem and the failed rule", () => {
    const outcome = validateCustomObject(KARPENTER_CRDS, {
      ...nodeClass,
      spec: {
        ...nodeClass.spec,
        amiSelectorTerms: [{ alias: "ubuntu@latest" }],
        instanceProfile: "profile",
        metadataOptions: { httpTokens: "sometimes" },
      },
    });
    expect(outcome.errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/spec\/metadataOptions\/httpTokens: must be equal to one of/),
        "/spec: must specify exactly one of ['role', 'instanceProfile']",
        expect.stringMatching(/^\/spec\/amiSelectorTerms\/0\/alias: /),
      ]),
    );
  });

  it("refuses a kind or version the CRDs do not serve", () => {
    expect(
      validateCustomObject(KARPENTER_CRDS, {
        ...nodeClass,
        apiVersion: "karpenter.k8s.aws/v1beta1",
      }).errors[0],
    ).toMatch(/^EC2NodeClass karpenter.k8s.aws\/v1beta1: no such kind and version/);
  });
});
