/**
 * The Redis key layout of a cluster (every key and the channel under `cluster.prefix`, default "onair:"):
 *   <p>node:<id>          JSON ClusterNode, PX ttl_ms, rewritten every heartbeat
 *   <p>nodes              SET of node ids (an index; members whose node key expired are swept)
 *   <p>stream:<path>      the owner's node id, PX ttl_ms, renewed every heartbeat by compare-and-pexpire
 *   <p>streams            SET of owned paths (an index; swept like nodes)
 *   <p>owners             HASH path → "<since ms> <node>": the claim's time and its last known owner (for owner.gone after a lapse)
 *   <p>edges:<path>       ZSET node id → expiry ms (an edge pulling the path), PX ttl_ms
 *   <p>events             pub/sub channel: JSON { type: owner.set|owner.gone|node.up|node.down, … }
 */
export interface Keys {
  node(id: string): string;
  nodes: string;
  stream(path: string): string;
  streams: string;
  owners: string;
  edges(path: string): string;
  events: string;
}

export function keysOf(prefix: string): Keys {
  return {
    node: (id) => `${prefix}node:${id}`,
    nodes: `${prefix}nodes`,
    stream: (path) => `${prefix}stream:${path}`,
    streams: `${prefix}streams`,
    owners: `${prefix}owners`,
    edges: (path) => `${prefix}edges:${path}`,
    events: `${prefix}events`,
  };
}

/**
 * Claim a path in one atomic step. KEYS: stream key, streams index, owners hash. ARGV: node, ttl_ms, path, now.
 * Answers { 1 = claimed now | 2 = already mine (ttl renewed) | 0 = someone else's, owner, since }.
 */
export const CLAIM_LUA = `
local cur = redis.call('GET', KEYS[1])
if cur == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  redis.call('SADD', KEYS[2], ARGV[3])
  redis.call('HSET', KEYS[3], ARGV[3], ARGV[4] .. ' ' .. ARGV[1])
  return {1, ARGV[1], ARGV[4]}
end
local rec = redis.call('HGET', KEYS[3], ARGV[3]) or '0'
local since = string.match(rec, '^(%d+)') or '0'
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {2, cur, since}
end
return {0, cur, since}
`;

/**
 * Renew our claim only if it is still ours (and heal the index after a racing sweep). KEYS: stream key, streams
 * index, owners hash. ARGV: node, ttl_ms, path, now. Answers 1 (renewed) or 0 (not ours).
 */
export const RENEW_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('SADD', KEYS[2], ARGV[3])
  redis.call('HSETNX', KEYS[3], ARGV[3], ARGV[4] .. ' ' .. ARGV[1])
  return 1
end
return 0
`;

/** Release only our own claim. KEYS: stream key, streams index, owners hash. ARGV: node, path. Answers 1 (released) or 0. */
export const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[2])
  redis.call('HDEL', KEYS[3], ARGV[2])
  return 1
end
return 0
`;

/** "<since> <node>" of the owners hash → its parts */
export function parseOwnerRecord(v: string | null | undefined): { since: number; node: string } {
  const [since = '0', node = ''] = (v ?? '').split(' ');
  return { since: Number(since) || 0, node };
}
