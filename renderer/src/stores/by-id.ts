/** The fields every "list of things by id" store shares (destinations, relays, keys, rooms). */
export interface ByIdSlice<T, K extends string | number> {
  byId: Record<K, T>;
  loaded: boolean;
  error: string | null;
}

/**
 * Load a list into `byId` (replacing it), or keep the old list and record the error — what every by-id store's
 * `load` does on (re)connect.
 */
export async function loadById<T extends { id: K }, K extends string | number>(
  fetch: () => Promise<T[]>,
  set: (s: Partial<ByIdSlice<T, K>>) => void,
): Promise<void> {
  try {
    const byId = {} as Record<K, T>;
    for (const x of await fetch()) byId[x.id] = x;
    set({ byId, loaded: true, error: null });
  } catch (e) {
    set({ loaded: true, error: (e as Error).message });
  }
}

/** `byId` with `x` put in (added or replaced): what every by-id store's `upsert` sets. */
export function withItem<T extends { id: K }, K extends string | number>(byId: Record<K, T>, x: T): { byId: Record<K, T> } {
  return { byId: { ...byId, [x.id]: x } };
}

/** `byId` without `id`: what every by-id store's `remove` sets. */
export function withoutItem<T, K extends string | number>(byId: Record<K, T>, id: K): { byId: Record<K, T> } {
  const next = { ...byId };
  delete next[id];
  return { byId: next };
}
