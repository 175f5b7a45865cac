/**
 * Seed 003's per-publish form: `rtmp://host/stream/KEY?youtube=…&twitch=…&facebook=…&facebook_s_bl=…` starts one
 * transient destination per named platform while that stream is live. Off unless `relay.allow_query` (it lets
 * any publisher push anywhere). `<platform>_<param>` query fields become the platform key's own query
 * (`facebook_s_bl=1` → key `…?s_bl=1`). The base URLs are the presets' (core/relay/presets.ts);
 * `relay.query_targets` overrides them (tests point them at a local stand-in; an enterprise at its own ingest).
 */
import { z } from 'zod';
import { PRESETS, validateKey } from './presets';
import type { DestinationSpec } from './types';

export const QUERY_PLATFORMS = ['youtube', 'twitch', 'facebook'] as const;
export type QueryPlatform = (typeof QUERY_PLATFORMS)[number];

/** The relay options OnAir adds to NMS's `relay` section (every one optional; NMS configs have none). */
export const RelayOptionsSchema = z.object({
  /** seed 003 query form (off by default) */
  allow_query: z.boolean().default(false),
  /** override the preset ingest base URL per platform (test stand-ins, enterprise ingest) */
  query_targets: z.object({ youtube: z.string().optional(), twitch: z.string().optional(), facebook: z.string().optional() }).default({}),
  /** a pulled stream with no player for this long is stopped (s) */
  pull_idle_s: z.number().min(0).max(600).default(5),
  /** a relay ffmpeg with no progress for this long is killed and restarted (s) */
  stale_s: z.number().min(1).max(600).default(15),
  /** reconnect backoff of static relays and pulls (ms) */
  retry_base_ms: z.number().min(10).max(60_000).default(1000),
  retry_max_ms: z.number().min(100).max(600_000).default(30_000),
});
export type RelayOptions = z.output<typeof RelayOptionsSchema>;

export function relayOptions(section: unknown): RelayOptions {
  const r = RelayOptionsSchema.safeParse(section ?? {});
  return r.success ? r.data : RelayOptionsSchema.parse({});
}

/** The platforms a publish query names (the names only: safe to log). */
export function queryPlatforms(query: Record<string, unknown>): QueryPlatform[] {
  return QUERY_PLATFORMS.filter((p) => typeof query[p] === 'string' && query[p] !== '');
}

function baseUrl(p: QueryPlatform, opts: RelayOptions): string {
  return (opts.query_targets[p] ?? PRESETS[p].defaultUrl).replace(/\/+$/, '');
}

/**
 * One spec per platform in the query; a key that fails validateKey is left out and named in `skipped`.
 * Ids are `q-<platform>-<path>` so a returning publisher does not start a second copy.
 */
export function querySpecs(path: string, query: Record<string, unknown>, opts: RelayOptions): { specs: DestinationSpec[]; skipped: QueryPlatform[] } {
  const specs: DestinationSpec[] = [];
  const skipped: QueryPlatform[] = [];
  for (const p of queryPlatforms(query)) {
    let key: string;
    try {
      key = validateKey(String(query[p]));
    } catch {
      skipped.push(p);
      continue;
    }
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (k.startsWith(`${p}_`) && typeof v === 'string') params.set(k.slice(p.length + 1), v);
    const qs = params.toString();
    specs.push({
      id: `q-${p}-${path.replace(/[^A-Za-z0-9_-]/g, '_')}`, name: `${PRESETS[p].label} (publish query)`, platform: p,
      url: baseUrl(p, opts), key: qs ? `${key}?${qs}` : key, source: { stream: path }, auto: false, enabled: true,
    });
  }
  return { specs, skipped };
}
