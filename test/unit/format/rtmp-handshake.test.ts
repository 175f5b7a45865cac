import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ClientHandshake,
  HANDSHAKE_KEYS,
  HANDSHAKE_SIZE,
  ServerHandshake,
  digestOffset,
  findDigest,
  verifyResponse,
} from '../../../core/format/rtmp/rtmp-handshake';
import { prng, randomSlices } from '../../helpers/prng';
import { fixtureNames, readFixture } from '../../helpers/fixtures';
import { expectCode } from '../../helpers/expect-error';

/** Run a full exchange, each side fed in random slices; returns what both sides saw. */
function exchange(client: ClientHandshake, server: ServerHandshake, seed: number) {
  const rand = prng(seed);
  const tail = Buffer.from('chunk-stream-bytes');
  const toServer: Buffer[] = [];
  let serverSend: Buffer | null = null;
  let serverRest: Buffer | null = null;
  let serverDone = false;
  for (const s of randomSlices(rand, client.c0c1(), 300)) {
    const r = server.push(s);
    if (r.send) serverSend = r.send;
    expect(r.done).toBe(false);
  }
  expect(serverSend).not.toBeNull();
  expect((serverSend as Buffer).length).toBe(1 + 2 * HANDSHAKE_SIZE);
  let c2: Buffer | null = null;
  let clientDone = false;
  for (const s of randomSlices(rand, serverSend as Buffer, 300)) {
    const r = client.push(s);
    if (r.send) c2 = r.send;
    clientDone = r.done;
  }
  expect(clientDone).toBe(true);
  expect(c2).not.toBeNull();
  toServer.push(...randomSlices(rand, Buffer.concat([c2 as Buffer, tail]), 300));
  for (const s of toServer) {
    const r = server.push(s);
    expect(r.send).toBeNull();
    if (r.done && !serverDone) {
      serverDone = true;
      serverRest = r.rest;
    } else if (r.done && r.rest) {
      serverRest = Buffer.concat([serverRest ?? Buffer.alloc(0), r.rest]);
    }
  }
  expect(serverDone).toBe(true);
  expect(serverRest?.toString()).toBe(tail.toString());
  return { serverSend: serverSend as Buffer, c2: c2 as Buffer };
}

describe('plain handshake', () => {
  it('server and client agree; S2 echoes C1, C2 echoes S1', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const client = new ClientHandshake();
      const server = new ServerHandshake();
      const { serverSend, c2 } = exchange(client, server, seed);
      expect(server.complex).toBe(false);
      expect(client.complex).toBe(false);
      expect(serverSend[0]).toBe(3);
      const s1 = serverSend.subarray(1, 1 + HANDSHAKE_SIZE);
      expect(s1.readUInt32BE(4)).toBe(0);
      expect(serverSend.subarray(1 + HANDSHAKE_SIZE).equals(client.c0c1().subarray(1))).toBe(true);
      expect(c2.equals(s1)).toBe(true);
    }
  });

  it('does not verify C2 and hands back bytes that follow it in the same push', () => {
    const server = new ServerHandshake();
    const c1 = Buffer.alloc(HANDSHAKE_SIZE, 7);
    const junkC2 = Buffer.alloc(HANDSHAKE_SIZE, 0xee);
    const r = server.push(Buffer.concat([Buffer.from([3]), c1, junkC2, Buffer.from([0xaa, 0xbb])]));
    expect(r.send?.length).toBe(1 + 2 * HANDSHAKE_SIZE);
    expect(r.done).toBe(true);
    expect(r.rest?.toString('hex')).toBe('aabb');
    const exact = new ServerHandshake().push(Buffer.concat([Buffer.from([3]), c1, junkC2]));
    expect(exact.done).toBe(true);
    expect(exact.rest).toBeNull();
  });

  it('treats a non-zero version without a valid digest as plain', () => {
    const c1 = Buffer.alloc(HANDSHAKE_SIZE, 1);
    const server = new ServerHandshake();
    const r = server.push(Buffer.concat([Buffer.from([3]), c1]));
    expect(server.complex).toBe(false);
    expect(r.send?.subarray(1 + HANDSHAKE_SIZE).equals(c1)).toBe(true);
  });

  it('rejects RTMPE and unknown versions on the first byte', () => {
    const e = expectCode(() => new ServerHandshake().push(Buffer.from([6])), 'FORMAT');
    expect(e.message).toContain('encrypted RTMPE not supported');
    expectCode(() => new ServerHandshake().push(Buffer.from([0x47, 0x45, 0x54])), 'FORMAT');
    const client = new ClientHandshake();
    client.c0c1();
    expectCode(() => client.push(Buffer.from([5])), 'FORMAT');
  });
});

describe('complex (digest) handshake', () => {
  for (const scheme of [0, 1] as const) {
    it(`scheme ${scheme}: server detects the digest and the client verifies S1 and S2`, () => {
      for (let seed = 1; seed <= 10; seed++) {
        const client = new ClientHandshake({ complex: true, scheme });
        const c1 = client.c0c1().subarray(1);
        expect(findDigest(c1, HANDSHAKE_KEYS.FP_KEY_C1)?.scheme).toBe(scheme);
        const server = new ServerHandshake();
        const { serverSend } = exchange(client, server, seed);
        expect(server.complex).toBe(true);
        expect(client.complex).toBe(true);
        const s1 = serverSend.subarray(1, 1 + HANDSHAKE_SIZE);
        const s2 = serverSend.subarray(1 + HANDSHAKE_SIZE);
        expect(findDigest(s1, HANDSHAKE_KEYS.FMS_KEY_S1)?.scheme).toBe(scheme);
        // S2 is signed with a key derived from C1's digest, computed here independently
        const off = digestOffset(c1, scheme);
        const c1Digest = c1.subarray(off, off + 32);
        const key = createHmac('sha256', HANDSHAKE_KEYS.FMS_KEY).update(c1Digest).digest();
        const sig = createHmac('sha256', key).update(s2.subarray(0, HANDSHAKE_SIZE - 32)).digest();
        expect(sig.equals(s2.subarray(HANDSHAKE_SIZE - 32))).toBe(true);
        expect(verifyResponse(s2, HANDSHAKE_KEYS.FMS_KEY, c1Digest)).toBe(true);
      }
    });
  }

  it('the digest offset follows the four offset bytes', () => {
    const b = Buffer.alloc(HANDSHAKE_SIZE);
    b.set([100, 200, 255, 255], 8);
    expect(digestOffset(b, 0)).toBe(((100 + 200 + 255 + 255) % 728) + 12);
    b.set([1, 2, 3, 4], 772);
    expect(digestOffset(b, 1)).toBe(10 + 776);
  });

  it('a client rejects an S2 that is not signed for its C1', () => {
    const client = new ClientHandshake({ complex: true });
    const server = new ServerHandshake();
    const send = server.push(client.c0c1()).send as Buffer;
    const tampered = Buffer.from(send);
    tampered[tampered.length - 1] ^= 1;
    expectCode(() => client.push(tampered), 'FORMAT');
  });

  it('a complex client falls back to plain against a plain server', () => {
    const client = new ClientHandshake({ complex: true });
    const s1 = Buffer.alloc(HANDSHAKE_SIZE, 9);
    const r = client.push(Buffer.concat([Buffer.from([3]), s1, client.c0c1().subarray(1)]));
    expect(r.done).toBe(true);
    expect(client.complex).toBe(false);
    expect(r.send?.equals(s1)).toBe(true);
  });

  it('recognises the real clients: ffmpeg signs C1, GStreamer and librtmp do not', () => {
    const seen: Record<string, boolean> = {};
    for (const name of fixtureNames()) {
      const server = new ServerHandshake();
      const r = server.push(readFixture(name).subarray(0, 1 + HANDSHAKE_SIZE));
      expect(r.send?.length).toBe(1 + 2 * HANDSHAKE_SIZE);
      seen[name] = server.complex;
    }
    expect(seen).toStrictEqual({
      'play-ffmpeg5.c2s.bin': true,
      'play-gstreamer-rtmp2src.c2s.bin': false,
      'play-rtmpdump-librtmp.c2s.bin': false,
      'publish-ffmpeg5.c2s.bin': true,
      'publish-gstreamer-rtmp2sink.c2s.bin': false,
    });
  });
});
