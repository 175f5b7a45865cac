import { mediaRoot, parseConfig } from '../config';
import { OnAirError } from '../errors';
import { createLogger, LogTail } from '../log';
import { TranscodeWorker } from './worker';

/**
 * `onair worker [--config FILE] [--concurrency N]`: run transcode jobs from the studio's BullMQ queue until
 * SIGTERM/SIGINT. Resolves once the worker is connected (the process then keeps running); throws CONFIG when the
 * config does not say jobs.queue "bullmq".
 */
export async function runWorkerProcess(rawConfig: unknown, o: { concurrency?: number } = {}): Promise<TranscodeWorker> {
  const cfg = parseConfig(rawConfig);
  if (cfg.jobs.queue !== 'bullmq') throw new OnAirError('CONFIG', 'onair worker needs jobs.queue "bullmq" (and jobs.bullmq.redis or cluster.redis) in the config');
  const log = createLogger(cfg.log_level, new LogTail(50), true);
  const worker = new TranscodeWorker({ config: cfg, log, concurrency: o.concurrency });
  await worker.start();
  process.stdout.write(`\nOnAir worker ${worker.id} is running\n  Queue      ${worker.where}\n  Media      ${mediaRoot(cfg)} (the studio's media root, on a shared disk)\nPress Ctrl-C to stop.\n\nREADY ${worker.id}\n`);
  let stopping = false;
  const shutdown = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${sig}: stopping (a running job is handed back to the queue)…\n`);
    worker.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`onair worker: error while stopping: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  return worker;
}
