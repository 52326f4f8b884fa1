// Depth-first topological sort that keeps the given order where it is already
// valid, iterative so long chains do not overflow the stack.

/**
 * Orders items so each comes after its dependencies.
 *
 * @param items Items in their preferred order.
 * @param deps The dependencies of an item.
 * @param cycleError Makes the error for a cycle (first item repeated last).
 */
export function topologicalSort<T>(
  items: readonly T[],
  deps: (item: T) => T[],
  cycleError: (cycle: T[]) => Error,
): T[] {
  const state = new Map<T, 1 | 2>(); // 1 visiting, 2 done
  const order: T[] = [];
  for (const root of items) {
    if (state.has(root)) continue;
    const stack: { item: T; deps: T[]; i: number }[] = [];
    const push = (n: T) => {
      state.set(n, 1);
      stack.push({ item: n, deps: deps(n), i: 0 });
    };
    push(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.i < top.deps.length) {
        const dep = top.deps[top.i++]!;
        const s = state.get(dep);
        if (s === undefined) push(dep);
        else if (s === 1) {
          const path = stack.map((f) => f.item);
          throw cycleError([...path.slice(path.indexOf(dep)), dep]);
        }
        continue;
      }
      stack.pop();
      state.set(top.item, 2);
      order.push(top.item);
    }
  }
  return order;
}
