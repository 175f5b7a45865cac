import type { Feature } from '../feature';
import type { HealthMonitor } from './monitor';

/** The `health` feature (issue 14): health.get / health.history, and the health.changed event. */
export function healthFeature(monitor: HealthMonitor): Feature {
  return {
    name: 'health',
    handlers: {
      'health.get': (args) => monitor.get(args?.stream),
      'health.history': ({ stream, minutes }) => monitor.history(stream, minutes),
    },
    events: ['health.changed'],
    start: () => monitor.start(),
    stop: () => monitor.stop(),
  };
}
