// Electron entry. Thin on purpose: it creates the two windows, wires the contract to the terminal
// core over IPC, holds the keychain and the permission handlers. Everything else is in core/.
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, screen as displays, session } from 'electron';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callNames, ipcChannel, terminalContract, type Screen } from '../protocol/ipc';
import { loadFeeTable } from './core/fees';
import { loadGoodsTable, loadOutingPlaces } from './core/outing-catalog';
import { createLogger } from '../common/logger';
import { TerminalCore, type TerminalOptions } from './core/terminal';
import { HttpsHubTransport, loadEnrollment } from './core/hub-transport';
import { hubOptions } from './core/terminal';
import { loadPrinterConfig } from '../native/printer/config';
import { createPrinters } from '../native/printer/create';
import { SafeStorageKeyProvider, SafeStorageTlsKeyVault } from './keychain.main';
import { APP_SCHEME, appPageUrl, navigationAllowed, permissionAllowed, resolveAppFile, screenForSender, windowHardening } from './security';
import { VehicleId } from '../protocol/ids';

const distDir = fileURLToPath(new URL('..', import.meta.url));
const rendererDir = join(distDir, 'renderer', 'terminal');
const appRoot = app.getAppPath();
const logger = createLogger();

app.enableSandbox();
// The pages come from app://terminal/, a standard secure scheme of our own, never from file://.
// Module scripts are fetched in CORS mode even from their own origin, which a custom scheme allows
// only with fetch and CORS support on (the CSP still limits every page to 'self').
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);

/** Which window is which screen, by webContents id: privileges come from the window, not its URL. */
const windowScreens = new Map<number, Screen>();

app.on('web-contents-created', (_event, contents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  const stay = (event: { preventDefault(): void }, url: string) => {
    if (!navigationAllowed(url, windowScreens.get(contents.id))) event.preventDefault();
  };
  contents.on('will-navigate', stay);
  contents.on('will-frame-navigate', (event) => stay(event, event.url));
  contents.on('will-redirect', stay);
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

function createWindow(screen: Screen, bounds: Electron.Rectangle | undefined): BrowserWindow {
  const hardening = windowHardening(screen, app.isPackaged, bounds !== undefined);
  const win = new BrowserWindow({
    title: screen === 'staff' ? 'お出かけ市役所 職員画面' : 'お出かけ市役所 お客様画面',
    width: 1280,
    height: 860,
    ...(bounds ? { x: bounds.x, y: bounds.y } : {}),
    fullscreen: screen === 'resident' && bounds !== undefined,
    kiosk: hardening.kiosk,
    autoHideMenuBar: true,
    webPreferences: {
      preload: join(distDir, 'electron', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      devTools: hardening.devTools,
      spellcheck: false,
      // The consultant's voice must play on the resident screen without anyone tapping it first.
      ...(screen === 'resident' ? { autoplayPolicy: 'no-user-gesture-required' as const } : {}),
    },
  });
  windowScreens.set(win.webContents.id, screen);
  const id = win.webContents.id;
  win.on('closed', () => windowScreens.delete(id));
  void win.loadURL(appPageUrl(screen));
  return win;
}

/** The vehicle's own devices and city hall, from `terminal-config.json` in the app's data folder. */
const TerminalConfig = z.object({
  vehicleId: VehicleId.default('vehicle-1'),
  printers: z.string().optional(), // printer configuration file (native/printer/config.ts)
  card: z.boolean().default(true),
  hubEnrollment: z.string().optional(), // the folder `odekake vehicle enroll` wrote
  hubUrl: z.string().url().optional(),
});

async function devices(configFile: string): Promise<Pick<TerminalOptions, 'printers' | 'receiptColumns' | 'card' | 'hub'> & { place: string }> {
  const config = TerminalConfig.parse(existsSync(configFile) ? JSON.parse(readFileSync(configFile, 'utf8')) : {});
  // pcsclite is a native addon: a build made for plain Node (not rebuilt for Electron by
  // electron-builder) must not stop the terminal; identity is then checked with documents.
  let card: TerminalOptions['card'];
  if (config.card) {
    try {
      card = new (await import('../native/card/service')).PcscCardService({ logger });
    } catch (e) {
      logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'card reader unavailable');
    }
  }
  const printers = config.printers ? createPrinters(loadPrinterConfig(config.printers)) : undefined;
  const vault = new SafeStorageTlsKeyVault(join(app.getPath('userData'), 'terminal', 'vehicle-tls.key.sealed'));
  const hub = config.hubEnrollment ? loadEnrollment(config.hubEnrollment, config.hubUrl, vault) : undefined;
  return {
    place: config.vehicleId,
    ...(printers ? { printers, receiptColumns: printers.receiptColumns } : {}),
    ...(card ? { card } : {}),
    ...(hub ? { hub: hubOptions(new HttpsHubTransport(hub), hub.printSigningKey) } : {}),
  };
}

async function start(): Promise<void> {
  await app.whenReady();
  // A packaged build has no menu: no DevTools, no reload, no way to another page by keyboard.
  if (app.isPackaged) Menu.setApplicationMenu(null);
  session.defaultSession.protocol.handle(APP_SCHEME, async (request) => {
    const found = resolveAppFile(request.url, rendererDir);
    if (!found) return new Response('Not found', { status: 404 });
    try {
      return new Response(await readFile(found.file), { headers: { 'content-type': found.contentType, 'x-content-type-options': 'nosniff' } });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
  session.defaultSession.setPermissionRequestHandler((wc, permission, callback, details) =>
    callback(permissionAllowed(permission, windowScreens.get(wc.id), 'mediaTypes' in details ? (details.mediaTypes ?? []) : [])),
  );
  session.defaultSession.setPermissionCheckHandler((wc, permission, _origin, details) =>
    permissionAllowed(permission, wc ? windowScreens.get(wc.id) : null, details.mediaType && details.mediaType !== 'unknown' ? [details.mediaType] : []),
  );

  const dataDir = join(app.getPath('userData'), 'terminal');
  const core = new TerminalCore({
    dataDir,
    keys: new SafeStorageKeyProvider(join(dataDir, 'data.key.sealed')),
    fees: loadFeeTable(join(appRoot, 'fixtures', 'fees.json')),
    outingPlaces: loadOutingPlaces(join(appRoot, 'fixtures', 'outing-places.json')),
    goods: loadGoodsTable(join(appRoot, 'fixtures', 'goods.json')),
    logger,
    ...(await devices(join(app.getPath('userData'), 'terminal-config.json'))),
  });
  const roster = join(appRoot, 'fixtures', 'staff.json');
  if (!app.isPackaged && existsSync(roster)) core.staff.seedFromFile(roster);
  core.startTimers();

  for (const name of callNames) {
    ipcMain.handle(ipcChannel.call(name), (event, input: unknown) => {
      const screen = screenForSender(
        { webContentsId: event.sender.id, isMainFrame: event.senderFrame !== null && event.senderFrame === event.sender.mainFrame, frameUrl: event.senderFrame?.url },
        windowScreens,
      );
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
    void core.close().finally(() => app.quit());
  });
}

start().catch((error: unknown) => {
  logger.error({ err: error instanceof Error ? error.message : String(error) }, 'start failed');
  dialog.showErrorBox('お出かけ市役所 端末', error instanceof Error ? error.message : '起動できませんでした。管理者に連絡してください。');
  app.exit(1);
});
