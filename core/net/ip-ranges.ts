import net from 'node:net';

/**
 * IP address classification for outbound requests: which addresses are not "the public internet".
 * Pure: no I/O. Addresses are compared as bytes, so every spelling of one address (::1, 0:0:…:1,
 * ::ffff:127.0.0.1, ::ffff:7f00:1) lands in the same range.
 */

export type AddressClass = 'public' | 'loopback' | 'unspecified' | 'private' | 'link-local' | 'multicast' | 'reserved';

export interface ParsedIp {
  family: 4 | 6;
  bytes: Uint8Array;
}

/** "10.0.0.1", "::1", "[::1]", "fe80::1%eth0" -> bytes; anything else -> null. */
export function parseIp(raw: string): ParsedIp | null {
  let s = raw.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  s = s.replace(/%.*$/, '');
  const kind = net.isIP(s);
  if (kind === 4) return { family: 4, bytes: Uint8Array.from(s.split('.').map(Number)) };
  if (kind !== 6) return null;
  let tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const b = v4[1].split('.').map(Number);
    tail = [(b[0] << 8) | b[1], (b[2] << 8) | b[3]];
    s = s.slice(0, -v4[1].length);
    if (s.endsWith(':') && !s.endsWith('::')) s = s.slice(0, -1);
  }
  const [head, rest] = s.includes('::') ? s.split('::') : [s, null];
  const hex = (part: string): number[] => (part ? part.split(':').map((h) => Number.parseInt(h, 16)) : []);
  const left = hex(head);
  const right = rest === null ? [] : hex(rest);
  const fill = 8 - left.length - right.length - tail.length;
  const groups = [...left, ...Array<number>(rest === null ? 0 : fill).fill(0), ...right, ...tail];
  if (groups.length !== 8 || groups.some((g) => !(g >= 0 && g <= 0xffff))) return null;
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return { family: 6, bytes };
}

/** Does `ip` fall in `net/prefix` (same family)? */
export function inPrefix(ip: ParsedIp, base: ParsedIp, prefix: number): boolean {
  if (ip.family !== base.family) return false;
  for (let bit = 0; bit < prefix; bit += 8) {
    const n = Math.min(8, prefix - bit);
    const mask = (0xff << (8 - n)) & 0xff;
    if ((ip.bytes[bit / 8] & mask) !== (base.bytes[bit / 8] & mask)) return false;
  }
  return true;
}

export interface Cidr {
  base: ParsedIp;
  prefix: number;
}

/** "10.0.0.0/8", "fd00::/8", or a bare address (a /32 or /128) -> Cidr; else null. */
export function parseCidr(s: string): Cidr | null {
  const slash = s.lastIndexOf('/');
  const base = parseIp(slash < 0 ? s : s.slice(0, slash));
  if (!base) return null;
  const max = base.family === 4 ? 32 : 128;
  if (slash < 0) return { base, prefix: max };
  const p = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(p) || Number(p) > max) return null;
  return { base, prefix: Number(p) };
}

const V4: ReadonlyArray<[string, AddressClass]> = [
  ['0.0.0.0/8', 'unspecified'], // "this network"; 0.0.0.0 connects to the local host
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'private'], // carrier-grade NAT
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'], // includes cloud metadata 169.254.169.254
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'],
  ['198.51.100.0/24', 'reserved'],
  ['203.0.113.0/24', 'reserved'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'], // includes the broadcast address 255.255.255.255
];

const V6: ReadonlyArray<[string, AddressClass]> = [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'private'], // local-use NAT64
  ['100::/64', 'reserved'], // discard-only
  ['2001:db8::/32', 'reserved'], // documentation
  ['fc00::/7', 'private'], // unique local
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'private'], // deprecated site-local
  ['ff00::/8', 'multicast'],
];

const compile = (list: ReadonlyArray<[string, AddressClass]>): Array<[Cidr, AddressClass]> => list.map(([c, k]) => [parseCidr(c) as Cidr, k]);
const V4_RANGES = compile(V4);
const V6_RANGES = compile(V6);

/** IPv6 forms that carry an IPv4 address a gateway may reach: mapped, compatible, NAT64, 6to4. */
const EMBEDS: ReadonlyArray<[Cidr, number]> = [
  [parseCidr('::ffff:0:0/96') as Cidr, 12],
  [parseCidr('::/96') as Cidr, 12],
  [parseCidr('64:ff9b::/96') as Cidr, 12],
  [parseCidr('2002::/16') as Cidr, 2],
];

/** The IPv4 address inside an IPv4-mapped / compatible / NAT64 / 6to4 IPv6 address, if any. */
export function embeddedV4(ip: ParsedIp): ParsedIp | null {
  if (ip.family !== 6) return null;
  for (const [c, at] of EMBEDS) {
    if (inPrefix(ip, c.base, c.prefix)) return { family: 4, bytes: ip.bytes.slice(at, at + 4) };
  }
  return null;
}

/** Which kind of address this is; an unparsable address is 'reserved' (refused). */
export function classifyIp(raw: string | ParsedIp): AddressClass {
  const ip = typeof raw === 'string' ? parseIp(raw) : raw;
  if (!ip) return 'reserved';
  if (ip.family === 6) {
    for (const [c, k] of V6_RANGES) if (inPrefix(ip, c.base, c.prefix)) return k;
    const v4 = embeddedV4(ip);
    return v4 ? classifyIp(v4) : 'public';
  }
  for (const [c, k] of V4_RANGES) if (inPrefix(ip, c.base, c.prefix)) return k;
  return 'public';
}

/** Does any allow entry (an address or CIDR) cover `raw` (also through its embedded IPv4 form)? */
export function cidrsCover(entries: readonly Cidr[], raw: string | ParsedIp): boolean {
  const ip = typeof raw === 'string' ? parseIp(raw) : raw;
  if (!ip) return false;
  const v4 = embeddedV4(ip);
  return entries.some((c) => inPrefix(ip, c.base, c.prefix) || (v4 !== null && inPrefix(v4, c.base, c.prefix)));
}
