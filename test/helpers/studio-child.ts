// A studio in its own process, for crash tests: `node bin/run-ts.mjs test/helpers/studio-child.ts`
// with the config as JSON in ONAIR_CHILD_CONFIG. Prints one line "READY {ports}" once listening.
import { createStudio } from '../../core/studio';

const config = JSON.parse(process.env.ONAIR_CHILD_CONFIG ?? '{}') as Record<string, unknown>;
const studio = createStudio(config, { logToStdout: !!process.env.ONAIR_TEST_LOG });
const ports = await studio.run();
process.stdout.write(`READY ${JSON.stringify(ports)}\n`);
const stop = (): void => {
  void studio.stop().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
