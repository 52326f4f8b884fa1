// Private link from a node to the graph that indexes it, so edits through the
// node's setters keep the graph's producer/consumer maps in sync.

import type { Node } from "./node.ts";

/** What a graph listens to. */
export interface NodeOwner {
  onInputsChanged(node: Node, before: readonly string[], after: readonly string[]): void;
  onOutputsChanged(node: Node, before: readonly string[], after: readonly string[]): void;
}

/** Symbol under which a node keeps its owner. */
export const OWNER: unique symbol = Symbol("owner");
