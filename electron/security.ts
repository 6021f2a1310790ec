// Security decisions of the Electron shell as plain functions, so they are unit-tested without Electron.
import { pathToFileURL } from 'node:url';
import type { Screen } from '../protocol/ipc';

/** The app's own pages: files inside the built renderer folder, and nothing else. */
export function isAppUrl(url: string | undefined, rendererDir: string): boolean {
  if (!url) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const root = pathToFileURL(rendererDir.endsWith('/') ? rendererDir : `${rendererDir}/`).href;
  return parsed.protocol === 'file:' && !parsed.pathname.includes('..') && parsed.href.startsWith(root);
}

/** Which screen a sender frame is, from its URL; null for anything that is not one of our pages. */
export function screenForUrl(url: string | undefined, rendererDir: string): Screen | null {
  if (!isAppUrl(url, rendererDir)) return null;
  const page = new URL(url!).pathname.split('/').pop();
  return page === 'staff.html' ? 'staff' : page === 'resident.html' ? 'resident' : null;
}

/**
 * Camera and microphone for the resident screen only (it runs the video consultation), and nothing
 * but audio and video; every other permission, and any request from another page, is refused.
 */
export function permissionAllowed(
  permission: string,
  requestingUrl: string | undefined,
  rendererDir: string,
  mediaTypes: readonly string[] = [],
): boolean {
  if (permission !== 'media') return false;
  if (screenForUrl(requestingUrl, rendererDir) !== 'resident') return false;
  return mediaTypes.every((t) => t === 'audio' || t === 'video');
}
