// Security decisions of the Electron shell as plain functions, so they are unit-tested without Electron.
//
// The two pages are served from the app's own scheme, app://terminal/, never from file:// (a page
// there could read any local file, the enrollment folder included). A window's privileges come from
// the window itself — which of our two windows sent an IPC call, or asked for the camera — never
// from the URL its page claims; and each window may only ever show its own page.
import { extname, resolve, sep } from 'node:path';
import type { Screen } from '../protocol/ipc';

export const APP_SCHEME = 'app';
export const APP_HOST = 'terminal';

/** The one page each window shows. */
export function appPageUrl(screen: Screen): string {
  return `${APP_SCHEME}://${APP_HOST}/${screen}.html`;
}

/** What the scheme serves, by extension; anything else (source maps included) is not served. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.woff2': 'font/woff2',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * The file an app:// URL names inside the built renderer folder, with its content type, or null: a
 * different scheme or host, a dot segment (plain or percent-encoded), an encoded slash or backslash,
 * a NUL, a hidden file, a path that resolves outside the folder, or a type the app does not serve.
 */
export function resolveAppFile(url: string, rendererDir: string): { file: string; contentType: string } | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST || parsed.username || parsed.password || parsed.port) return null;
  const raw = parsed.pathname;
  // Checked before decoding, so an encoded separator or dot cannot slip past the segment check.
  if (/%2e|%2f|%5c|%00/i.test(raw) || raw.includes('\\')) return null;
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return null;
  }
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.length === 0 || segments.some((s) => s === '.' || s === '..' || s.startsWith('.') || s.includes('\0'))) return null;
  const root = resolve(rendererDir);
  const file = resolve(root, ...segments);
  if (!file.startsWith(root + sep)) return null;
  const contentType = CONTENT_TYPES[extname(file).toLowerCase()];
  return contentType ? { file, contentType } : null;
}

/** A window may go only to its own page (a reload); every other navigation is stopped. */
export function navigationAllowed(targetUrl: string, screen: Screen | undefined): boolean {
  if (!screen) return false;
  try {
    const target = new URL(targetUrl);
    target.hash = '';
    target.search = '';
    return target.href === appPageUrl(screen);
  } catch {
    return false;
  }
}

/** An IPC sender: the id of its webContents, and whether the call came from that window's main frame on its own page. */
export interface IpcSender {
  webContentsId: number;
  isMainFrame: boolean;
  frameUrl: string | undefined;
}

/**
 * Which screen an IPC call came from: the window that sent it (ids recorded when the windows were
 * made), from its main frame, showing its own page. Anything else — another webContents, a subframe,
 * a page that navigated away — is no screen at all.
 */
export function screenForSender(sender: IpcSender, windows: ReadonlyMap<number, Screen>): Screen | null {
  const screen = windows.get(sender.webContentsId);
  if (!screen || !sender.isMainFrame || !sender.frameUrl || !navigationAllowed(sender.frameUrl, screen)) return null;
  return screen;
}

/**
 * Camera and microphone for the resident window only (it runs the video consultation), and nothing
 * but audio and video; every other permission, and any request from another window, is refused.
 */
export function permissionAllowed(permission: string, screen: Screen | null | undefined, mediaTypes: readonly string[] = []): boolean {
  if (permission !== 'media') return false;
  // The staff screen photographs damage for り災証明書 applications: the camera, never the microphone.
  if (screen === 'staff') return mediaTypes.length > 0 && mediaTypes.every((t) => t === 'video');
  if (screen !== 'resident') return false;
  return mediaTypes.every((t) => t === 'audio' || t === 'video');
}

/** BrowserWindow options that differ between a packaged build and development. */
export function windowHardening(screen: Screen, packaged: boolean, onSecondDisplay: boolean): { devTools: boolean; kiosk: boolean } {
  return {
    // No DevTools in a packaged build: nobody at either screen opens a console into the terminal.
    devTools: !packaged,
    // The resident screen faces the public: a kiosk with no way out to the desktop or another page.
    kiosk: packaged && screen === 'resident' && onSecondDisplay,
  };
}
