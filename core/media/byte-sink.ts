/** The few things a player needs from its transport (a TCP/TLS socket, an HTTP response or a WebSocket). */
export interface ByteSink {
  write(buf: Buffer): void;
  /** Optional: several buffers in one write (one syscall, no copy); without it they are concatenated. */
  writev?(bufs: readonly Buffer[]): void;
  /** bytes accepted but not yet handed to the kernel */
  readonly queued: number;
  close(reason: string): void;
}
