/** IPC channel names shared by main and preload. */
export const INVOKE_CHANNEL = 'onair:invoke';
export const EVENT_CHANNEL = 'onair:event';
/** Opens the native file picker for a setting that executes things (ffmpeg, storage folder); main validates and applies. */
export const PICK_CHANNEL = 'onair:pick-setting';
/** A native desktop notification the panel asks for (issue 14: health timeline entries): { title, body }. */
export const NOTIFY_CHANNEL = 'onair:notify';
/** The custom scheme the panel is loaded from: app://panel/index.html */
export const APP_SCHEME = 'app';
export const APP_HOST = 'panel';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
