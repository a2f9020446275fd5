/**
 * The declared data flows against the real plans: every place is found, and every hop between
 * two places is a real dependency between their resources, so the declaration cannot drift.
 */
import { describe, expect, it } from "vitest";
import { usePlansOfEveryStack } from "../../../test/stack-plans";
import { DATA_FLOWS, PLACES, SHARED_COMPONENTS, type PlaceKey } from "./flows";
import { allHops, componentByClass, hopIsBacked, resolvePlaces } from "./places";
import { groupDependencies, StackIndex } from "./plan-index";

const { stacks, planOf } = usePlansOfEveryStack();
const indexOf = (stack: string): StackIndex => new StackIndex(planOf(stack).document);

describe("the declared data flows", () => {
  it.each(["me-south-1", "us-east-1"])(
    "%s: finds every place whose component the stack has",
    (stack) => {
      const index = indexOf(stack);
      const { places, missing } = resolvePlaces(index);
      expect(missing).toEqual([]);
      for (const [key, place] of Object.entries(PLACES)) {
        if (place.kind === "component" && componentByClass(index, place.component) !== undefined) {
          expect(places.get(key as PlaceKey)?.resources.size, key).toBeGreaterThan(0);
        }
      }
      expect(places.has("spa")).toBe(stack === "us-east-1");
    },
  );

  it.each(["me-south-1", "us-east-1"])(
    "%s: every hop between two places is a dependency between their resources",
    (stack) => {
      const index = indexOf(stack);
      const { places } = resolvePlaces(index);
      let checked = 0;
      for (const hop of allHops()) {
        const from = places.get(hop.from);
        const to = places.get(hop.to);
        if (from !== undefined && to !== undefined) {
          expect(hopIsBacked(index, from, to), `${hop.from} -> ${hop.to}`).toBe(true);
          checked += 1;
        }
      }
      // Every hop but those from or to an actor.
      const actor = (key: PlaceKey) => PLACES[key].kind === "actor";
      const spa = (key: PlaceKey) => key === "spa" && stack !== "us-east-1";
      expect(checked).toBe(
        allHops().filter((h) => !actor(h.from) && !actor(h.to) && !spa(h.from) && !spa(h.to))
          .length,
      );
    },
  );

  it("refuses a hop that is no dependency, and a part the component does not have", () => {
    const index = indexOf("me-south-1");
    const { places } = resolvePlaces(index);
    const at = (key: PlaceKey) => {
      const place = places.get(key);
      if (place === undefined) {
        throw new Error(`no place ${key}`);
      }
      return place;
    };
    expect(hopIsBacked(index, at("encode"), at("analytics-api"))).toBe(false);
    expect(hopIsBacked(index, at("upload-url"), at("renditions"))).toBe(false);
    // A place's resources exclude those of places inside it: the CDN's stream is its own.
    expect([...at("video-cdn").resources].some((u) => at("playback-logs").resources.has(u))).toBe(
      false,
    );
    const renamed = {
      ...planOf("me-south-1").document,
      resources: planOf("me-south-1").document.resources.map((r) =>
        r.name === "kc-video-raw" ? { ...r, name: "kc-video-incoming" } : r,
      ),
    };
    expect(resolvePlaces(new StackIndex(renamed)).missing).toEqual([
      "me-south-1: place uploads: VideoPipeline kc-video has no SecureBucket <name>-raw",
    ]);
  });

  it("names each flow once, each hop once", () => {
    expect(new Set(DATA_FLOWS.map((f) => f.name)).size).toBe(DATA_FLOWS.length);
    const hops = allHops().map((h) => `${h.from} ${h.to}`);
    expect(new Set(hops).size).toBe(hops.length);
  });

  it("shares only components that at least five others are linked with", () => {
    for (const stack of stacks) {
      const index = indexOf(stack);
      const pairs = [
        ...groupDependencies(index, (r) => index.topComponentOf(r.urn)?.resource.urn).values(),
      ];
      for (const name of SHARED_COMPONENTS) {
        const urn = componentByClass(index, name)?.resource.urn;
        const linked = new Set(
          pairs.flatMap((p) => (p.from === urn ? [p.to] : p.to === urn ? [p.from] : [])),
        );
        expect(linked.size, `${stack} ${name}`).toBeGreaterThanOrEqual(5);
      }
    }
  });
});
