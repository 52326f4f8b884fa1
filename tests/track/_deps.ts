export * from "../../lib/track/mod.ts";
export { Rng } from "../../lib/data/mod.ts";
