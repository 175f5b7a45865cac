import { screen, type BrowserWindow, type Rectangle } from 'electron';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface WindowState {
  bounds: Rectangle;
  maximized: boolean;
}

const DEFAULT: WindowState = { bounds: { x: 0, y: 0, width: 1280, height: 820 }, maximized: false };

function visible(b: Rectangle): boolean {
  const area = screen.getDisplayMatching(b).workArea;
  // at least 100x60 px of the window on that display
  const w = Math.min(b.x + b.width, area.x + area.width) - Math.max(b.x, area.x);
  const h = Math.min(b.y + b.height, area.y + area.height) - Math.max(b.y, area.y);
  return w >= 100 && h >= 60;
}

/** The last window position/size from <userData>/window-state.json, if it is still on a screen. */
export function loadWindowState(dir: string): WindowState & { known: boolean } {
  try {
    const v = JSON.parse(readFileSync(path.join(dir, 'window-state.json'), 'utf8')) as Partial<WindowState>;
    const b = v.bounds;
    if (b && [b.x, b.y, b.width, b.height].every((n) => Number.isFinite(n)) && b.width >= 480 && b.height >= 360 && visible(b)) {
      return { bounds: b, maximized: !!v.maximized, known: true };
    }
  } catch {}
  return { ...DEFAULT, known: false };
}

/** Remember the window's normal bounds and maximized flag (debounced while moving/resizing, and on close). */
export function trackWindowState(win: BrowserWindow, dir: string): void {
  let timer: NodeJS.Timeout | null = null;
  const save = (): void => {
    if (win.isDestroyed() || win.isMinimized()) return;
    const state: WindowState = { bounds: win.getNormalBounds(), maximized: win.isMaximized() };
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'window-state.json'), JSON.stringify(state));
    } catch {}
  };
  const later = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 500);
  };
  win.on('resize', later);
  win.on('move', later);
  win.on('maximize', save);
  win.on('unmaximize', save);
  win.on('close', () => {
    if (timer) clearTimeout(timer);
    save();
  });
}
