import type net from 'node:net';

/** Listen on port/host; resolves with the bound port, rejects with the listen error (EADDRINUSE…). */
export function bind(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(boundPort(server, port));
    });
  });
}

export function boundPort(server: net.Server, fallback = 0): number {
  const a = server.address();
  return typeof a === 'object' && a ? a.port : fallback;
}

/** Stop accepting; connections already open (players, publishers, the panel's WebSocket) keep running. */
export function retire(server: net.Server): void {
  server.close();
  const idle = (server as { closeIdleConnections?: () => void }).closeIdleConnections;
  if (idle) idle.call(server);
}

/** A failed rebind: `error` is the reason, `current` the listener that is serving now (the old one, or the old address re-bound). */
export class RebindError<S extends net.Server> extends Error {
  constructor(readonly error: unknown, readonly current: S | null) {
    super((error as Error).message);
  }
}

async function bindRetrying(server: net.Server, port: number, host: string): Promise<number> {
  for (let i = 0; ; i++) {
    try {
      return await bind(server, port, host);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || i >= 5) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/**
 * Move a listener to a new address without dropping its open connections. The new socket is bound
 * first and the old one retired only on success. When the same port is wanted on another interface
 * (EADDRINUSE against ourselves) the old one is released first and taken back if the new bind fails.
 * Throws RebindError; its `current` is what is listening afterwards.
 */
export async function rebindServer<S extends net.Server>(old: S | null, make: () => S, port: number, host: string): Promise<{ server: S; port: number }> {
  try {
    const fresh = make();
    const p = await bind(fresh, port, host);
    if (old) retire(old);
    return { server: fresh, port: p };
  } catch (e) {
    const a = old?.address();
    const ownPort = typeof a === 'object' && a !== null && a.port === port;
    if (!old || !ownPort || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw new RebindError(e, old);
    retire(old);
    try {
      const second = make();
      const p = await bindRetrying(second, port, host);
      return { server: second, port: p };
    } catch (e2) {
      try {
        const back = make();
        await bindRetrying(back, a.port, a.address);
        throw new RebindError(e2, back);
      } catch (e3) {
        if (e3 instanceof RebindError) throw e3;
        throw new RebindError(e2, null);
      }
    }
  }
}
