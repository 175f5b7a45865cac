/** The typed API of the studio: one shape, carried over IPC (Electron) and WebSocket (/api/ws). */
export * from './common';
export * from './settings';
export * from './stats';
export * from './recordings';
export * from './jobs';
export * from './destinations';
export * from './relays';
export * from './health';
export * from './storage';
export * from './cluster';
export * from './commands';
export * from './events';
export * from './frames';
