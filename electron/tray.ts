import { Menu, nativeImage, Tray, type MenuItemConstructorOptions } from 'electron';
import path from 'node:path';

export interface TrayActions {
  show(): void;
  openDataFolder(): void;
  openInBrowser(): void;
  quit(): void;
}

/**
 * The tray icon and the application menu, with the live indicator: the icon turns red, the tooltip and
 * the first menu line say how many streams are live.
 */
export class StudioTray {
  private readonly tray: Tray;
  private live = 0;

  constructor(private readonly assets: string, private readonly actions: TrayActions) {
    this.tray = new Tray(this.icon());
    this.tray.on('click', () => actions.show());
    this.render();
  }

  private icon(): Electron.NativeImage {
    const img = nativeImage.createFromPath(path.join(this.assets, this.live ? 'tray-live.png' : 'tray-idle.png'));
    return img.isEmpty() ? img : img.resize({ width: 16, height: 16 });
  }

  private items(): MenuItemConstructorOptions[] {
    const a = this.actions;
    return [
      { label: this.live ? `● Live: ${this.live} stream${this.live === 1 ? '' : 's'}` : '○ Not live', enabled: false },
      { type: 'separator' },
      { label: 'Open OnAir Studio', click: () => a.show() },
      { label: 'Open Panel in Browser', click: () => a.openInBrowser() },
      { label: 'Open Data Folder', click: () => a.openDataFolder() },
      { type: 'separator' },
      { label: 'Quit OnAir Studio', click: () => a.quit() },
    ];
  }

  setLive(n: number): void {
    if (n === this.live) return;
    this.live = n;
    this.tray.setImage(this.icon());
    this.render();
  }

  private render(): void {
    this.tray.setToolTip(this.live ? `OnAir Studio — ${this.live} live` : 'OnAir Studio');
    this.tray.setContextMenu(Menu.buildFromTemplate(this.items()));
  }

  destroy(): void {
    this.tray.destroy();
  }
}

/** File / View / Help menus (View has reload and devtools only while developing). */
export function appMenu(actions: TrayActions, dev: boolean): Menu {
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Data Folder', accelerator: 'CmdOrCtrl+Shift+O', click: () => actions.openDataFolder() },
        { label: 'Open Panel in Browser', click: () => actions.openInBrowser() },
        { type: 'separator' },
        { label: 'Quit', accelerator: 'CmdOrCtrl+Q', click: () => actions.quit() },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        ...(dev ? [{ role: 'reload' as const }, { role: 'toggleDevTools' as const }, { type: 'separator' as const }] : []),
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
  ];
  return Menu.buildFromTemplate(template);
}
