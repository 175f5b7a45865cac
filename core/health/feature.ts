import type { Feature } from '../feature';
import type { HealthMonitor } from './monitor';
import type { Timeline } from './timeline';

/** The `health` feature (issue 14): health.get / health.history / health.timeline, the health.changed and health.event events. */
export function healthFeature(monitor: HealthMonitor, timeline: Timeline): Feature {
  return {
    name: 'health',
    handlers: {
      'health.get': (args) => monitor.get(args?.stream),
      'health.history': ({ stream, minutes }) => monitor.history(stream, minutes),
      'health.timeline': (args) => timeline.list({ stream: args?.stream, minutes: args?.minutes }),
    },
    events: ['health.changed', 'health.event'],
    start: () => {
      monitor.start();
      timeline.start();
    },
    stop: () => {
      timeline.stop();
      monitor.stop();
    },
  };
}
