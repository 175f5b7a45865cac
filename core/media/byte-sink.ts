/** The few things a player needs from its transport (a TCP/TLS socket or a WebSocket). */
export interface ByteSink {
  write(buf: Buffer): void;
  /** bytes accepted but not yet handed to the kernel */
  readonly queued: number;
  cork(): void;
  uncork(): void;
  close(reason: string): void;
}

/** Wraps a net.Socket / tls.TLSSocket. */
export function socketSink(socket: import('node:net').Socket, onClose: (reason: string) => void): ByteSink {
  return {
    write: (buf) => {
      socket.write(buf);
    },
    get queued() {
      return socket.writableLength;
    },
    cork: () => socket.cork(),
    uncork: () => socket.uncork(),
    close: (reason) => {
      onClose(reason);
      socket.destroy();
    },
  };
}
