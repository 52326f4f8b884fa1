// Whether an island runs in the browser yet: false on the server and in the
// first render, true once it has hydrated (pages and tests wait for it).
import { useEffect, useState } from "preact/hooks";

/** True after the island's first effect ran, i.e. it is interactive. */
export function useHydrated(): boolean {
  const [ready, setReady] = useState(false);
  useEffect(() => setReady(true), []);
  return ready;
}
