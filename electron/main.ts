// Electron entry. Thin on purpose: it creates the two windows, wires the contract to the terminal
// core over IPC, holds the keychain and the permission handlers. Everything else is in core/.
import { app, BrowserWindow, dialog, ipcMain, screen as displays, session } from 'electron';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callNames, ipcChannel, terminalContract, type Screen } from '../protocol/ipc';
import { loadFeeTable } from './core/fees';
import { createLogger } from './core/logger';
import { TerminalCore } from './core/terminal';
import { SafeStorageKeyProvider } from './keychain.main';
import { isAppUrl, permissionAllowed, screenForUrl } from './security';

const distDir = fileURLToPath(new URL('..', import.meta.url));
const rendererDir = join(distDir, 'renderer', 'terminal');
const appRoot = app.getAppPath();
const logger = createLogger();

app.enableSandbox();

app.on('web-contents-created', (_event, contents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, rendererDir)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

function createWindow(screen: Screen, bounds: Electron.Rectangle | undefined): BrowserWindow {
  const win = new BrowserWindow({
    title: screen === 'staff' ? 'お出かけ市役所 職員画面' : 'お出かけ市役所 お客様画面',
    width: 1280,
    height: 860,
    ...(bounds ? { x: bounds.x, y: bounds.y } : {}),
    fullscreen: screen === 'resident' && bounds !== undefined,
    autoHideMenuBar: true,
    webPreferences: {
      preload: join(distDir, 'electron', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  void win.loadFile(join(rendererDir, `${screen}.html`));
  return win;
}

async function start(): Promise<void> {
  await app.whenReady();
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback, details) =>
    callback(permissionAllowed(permission, details.requestingUrl, rendererDir)),
  );
  session.defaultSession.setPermissionCheckHandler((_wc, permission, origin) => permissionAllowed(permission, origin, rendererDir));

  const dataDir = join(app.getPath('userData'), 'terminal');
  const core = new TerminalCore({
    dataDir,
    keys: new SafeStorageKeyProvider(join(dataDir, 'data.key.sealed')),
    fees: loadFeeTable(join(appRoot, 'fixtures', 'fees.json')),
    place: process.env.ODEKAKE_VEHICLE_ID ?? 'vehicle-1',
    logger,
  });
  const roster = join(appRoot, 'fixtures', 'staff.json');
  if (!app.isPackaged && existsSync(roster)) core.staff.seedFromFile(roster);
  core.startTimers();

  for (const name of callNames) {
    ipcMain.handle(ipcChannel.call(name), (event, input: unknown) => {
      const screen = screenForUrl(event.senderFrame?.url, rendererDir);
      if (!screen) return { ok: false, error: { code: 'FORBIDDEN_SENDER', message: 'この画面からは操作できません。' } };
      return core.call(screen, name, input);
    });
  }

  // The resident screen goes to a second display when there is one (the one facing the resident).
  const external = displays.getAllDisplays().find((d) => d.id !== displays.getPrimaryDisplay().id);
  const windows: Record<Screen, BrowserWindow> = { staff: createWindow('staff', undefined), resident: createWindow('resident', external?.bounds) };

  core.onEvent((name, payload) => {
    for (const screen of terminalContract.events[name].screens) {
      const win = windows[screen];
      if (!win.isDestroyed()) win.webContents.send(ipcChannel.event(name), payload);
    }
  });

  app.on('window-all-closed', () => {
    core.close();
    app.quit();
  });
}

start().catch((error: unknown) => {
  logger.error({ err: error instanceof Error ? error.message : String(error) }, 'start failed');
  dialog.showErrorBox('お出かけ市役所 端末', error instanceof Error ? error.message : '起動できませんでした。管理者に連絡してください。');
  app.exit(1);
});
