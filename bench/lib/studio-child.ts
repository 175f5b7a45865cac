/** The lifecycle the OnAir bench children (onair-server.ts, onair-hls-server.ts) share. */
import type { Studio } from '../../core/studio';

/** shutdown(code): stops the studio, then runs `cleanup` and exits with `code` (after 2 s at the latest); once. */
export function studioShutdown(studio: Studio, cleanup: () => void = () => undefined): (code: number) => void {
  let stopping = false;
  return (code) => {
    if (stopping) return;
    stopping = true;
    const exit = (): never => {
      cleanup();
      process.exit(code);
    };
    setTimeout(exit, 2000).unref();
    studio.stop().then(exit, exit);
  };
}

/** Calls `stop` on SIGTERM/SIGINT or when stdin closes (the bench went away). */
export function stopWhenParentGoes(stop: () => void): void {
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}

/** Runs the studio and prints {"rtmp":port,"http":port} as one JSON line; on failure prints {"error":...} and calls `onError`. */
export async function runAndPrintPorts(studio: Studio, onError: () => void): Promise<void> {
  try {
    const ports = await studio.run();
    process.stdout.write(`${JSON.stringify({ rtmp: ports.rtmp, http: ports.http })}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ error: (e as Error).message })}\n`);
    onError();
  }
}
