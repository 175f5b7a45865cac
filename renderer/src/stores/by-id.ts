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
