import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dispatchCall } from '../../protocol/dispatch';
import { callNames, type Screen, type TerminalHandlers } from '../../protocol/ipc';
import { appPageUrl, navigationAllowed, permissionAllowed, resolveAppFile, screenForSender, windowHardening } from '../../electron/security';
import { screenForHandshake } from '../../electron/host';
import { HOST_TOKEN_PROTOCOL_PREFIX as TOKEN_PROTOCOL_PREFIX, HOST_WS_PROTOCOL as WS_PROTOCOL } from '../../protocol/ids';
import { AppError } from '../../electron/core/errors';
import { projectRoot } from '../support/fixtures';

const dir = '/opt/odekake/dist/renderer/terminal';

describe('the app:// scheme handler', () => {
  it('serves the pages and their assets from the renderer folder, with their types', () => {
    expect(resolveAppFile('app://terminal/staff.html', dir)).toEqual({ file: `${dir}/staff.html`, contentType: 'text/html; charset=utf-8' });
    expect(resolveAppFile('app://terminal/resident.js', dir)).toEqual({ file: `${dir}/resident.js`, contentType: 'text/javascript; charset=utf-8' });
    expect(resolveAppFile('app://terminal/terminal.css?v=1#top', dir)).toMatchObject({ file: `${dir}/terminal.css` });
  });

  it.each([
    ['a dot-dot path', 'app://terminal/../../../etc/passwd'],
    ['an encoded dot-dot', 'app://terminal/%2e%2e/%2e%2e/etc/passwd'],
    ['an encoded slash', 'app://terminal/..%2F..%2Fetc%2Fpasswd'],
    ['an encoded backslash', 'app://terminal/..%5C..%5Cvehicle.key'],
    ['a backslash', 'app://terminal/..\\..\\vehicle.key'],
    ['a NUL', 'app://terminal/staff.html%00.png'],
    ['a hidden file', 'app://terminal/.env'],
    ['a source map', 'app://terminal/staff.js.map'],
    ['a file with no served type', 'app://terminal/vehicle.key'],
    ['another host', 'app://evil/staff.html'],
    ['credentials in the URL', 'app://user:pw@terminal/staff.html'],
    ['the folder itself', 'app://terminal/'],
    ['file://', `file://${dir}/staff.html`],
    ['not a URL', 'nonsense'],
  ])('refuses %s', (_what, url) => {
    expect(resolveAppFile(url, dir)).toBeNull();
  });
});

describe('Electron shell security decisions', () => {
  const windows = new Map<number, Screen>([[1, 'staff'], [2, 'resident']]);

  it('takes a sender’s screen from its window, its main frame and its own page — not from a URL', () => {
    expect(screenForSender({ webContentsId: 1, isMainFrame: true, frameUrl: appPageUrl('staff') }, windows)).toBe('staff');
    expect(screenForSender({ webContentsId: 2, isMainFrame: true, frameUrl: appPageUrl('resident') }, windows)).toBe('resident');
    // The resident window showing the staff page (had it navigated there) is no screen at all.
    expect(screenForSender({ webContentsId: 2, isMainFrame: true, frameUrl: appPageUrl('staff') }, windows)).toBeNull();
    // A subframe, an unknown webContents, a frame with no URL.
    expect(screenForSender({ webContentsId: 1, isMainFrame: false, frameUrl: appPageUrl('staff') }, windows)).toBeNull();
    expect(screenForSender({ webContentsId: 3, isMainFrame: true, frameUrl: appPageUrl('staff') }, windows)).toBeNull();
    expect(screenForSender({ webContentsId: 1, isMainFrame: true, frameUrl: undefined }, windows)).toBeNull();
  });

  it('lets a window go only to its own page', () => {
    expect(navigationAllowed(appPageUrl('resident'), 'resident')).toBe(true);
    expect(navigationAllowed(`${appPageUrl('staff')}#token`, 'staff')).toBe(true);
    expect(navigationAllowed(appPageUrl('staff'), 'resident')).toBe(false);
    expect(navigationAllowed('file:///opt/odekake/dist/renderer/terminal/staff.html', 'staff')).toBe(false);
    expect(navigationAllowed('https://example.com/', 'staff')).toBe(false);
    expect(navigationAllowed(appPageUrl('staff'), undefined)).toBe(false);
  });

  it('grants camera and microphone to the resident window only, and nothing else to anyone', () => {
    expect(permissionAllowed('media', 'resident')).toBe(true);
    expect(permissionAllowed('media', 'resident', ['audio', 'video'])).toBe(true);
    // The staff screen runs no call; and nothing but camera and microphone is granted.
    expect(permissionAllowed('media', 'staff')).toBe(false);
    // The staff screen's camera (り災証明書 photos), and nothing else.
    expect(permissionAllowed('media', 'staff', ['video'])).toBe(true);
    expect(permissionAllowed('media', 'staff', ['audio', 'video'])).toBe(false);
    expect(permissionAllowed('media', 'staff', ['audio'])).toBe(false);
    expect(permissionAllowed('media', 'resident', ['video', 'screen'])).toBe(false);
    expect(permissionAllowed('media', null)).toBe(false);
    expect(permissionAllowed('media', undefined)).toBe(false);
    for (const p of ['geolocation', 'notifications', 'clipboard-read', 'openExternal', 'midi']) expect(permissionAllowed(p, 'resident')).toBe(false);
  });

  it('has no DevTools in a packaged build, and the resident screen facing the public is a kiosk', () => {
    expect(windowHardening('staff', true, false)).toEqual({ devTools: false, kiosk: false });
    expect(windowHardening('resident', true, true)).toEqual({ devTools: false, kiosk: true });
    expect(windowHardening('resident', false, true)).toEqual({ devTools: true, kiosk: false });
  });

  it('packages with the fuses set and ASAR on', () => {
    const yml = readFileSync(join(projectRoot, 'electron-builder.yml'), 'utf8');
    const block = yml.split(/^electronFuses:\s*$/m)[1]!.split(/^\S/m)[0]!;
    const fuses = Object.fromEntries([...block.matchAll(/^ {2}(\w+):\s*(true|false)\s*$/gm)].map((m) => [m[1], m[2] === 'true']));
    expect(fuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      grantFileProtocolExtraPrivileges: false,
      enableCookieEncryption: true,
    });
    expect(yml).toMatch(/^asar: true$/m);
  });

  it('loads its pages from app:// and keeps a CSP with base-uri, form-action and object-src closed', () => {
    const main = readFileSync(join(projectRoot, 'electron', 'main.ts'), 'utf8');
    expect(main).not.toMatch(/loadFile\(/);
    expect(main).toMatch(/protocol\.handle\(APP_SCHEME/);
    for (const page of ['staff', 'resident']) {
      const html = readFileSync(join(projectRoot, 'renderer', 'terminal', 'static', `${page}.html`), 'utf8');
      for (const directive of ["default-src 'none'", "base-uri 'none'", "form-action 'none'", "object-src 'none'"]) expect(html).toContain(directive);
    }
  });
});

describe('host-mode WebSocket handshake', () => {
  const origin = 'http://127.0.0.1:4000';
  const tokens = { staff: 'a'.repeat(48), resident: 'b'.repeat(48) };
  const req = (o: string | undefined, protocols: string[]) => ({ headers: { origin: o, 'sec-websocket-protocol': protocols.join(', ') } });

  it('admits each screen with its own token from our origin', () => {
    expect(screenForHandshake(req(origin, [WS_PROTOCOL, TOKEN_PROTOCOL_PREFIX + tokens.staff]), origin, tokens)).toBe('staff');
    expect(screenForHandshake(req(origin, [WS_PROTOCOL, TOKEN_PROTOCOL_PREFIX + tokens.resident]), origin, tokens)).toBe('resident');
  });

  it('refuses a wrong token, a missing token, another origin or no protocol', () => {
    expect(screenForHandshake(req(origin, [WS_PROTOCOL, TOKEN_PROTOCOL_PREFIX + 'c'.repeat(48)]), origin, tokens)).toBeNull();
    expect(screenForHandshake(req(origin, [WS_PROTOCOL]), origin, tokens)).toBeNull();
    expect(screenForHandshake(req('http://evil.example', [WS_PROTOCOL, TOKEN_PROTOCOL_PREFIX + tokens.staff]), origin, tokens)).toBeNull();
    expect(screenForHandshake(req(undefined, [WS_PROTOCOL, TOKEN_PROTOCOL_PREFIX + tokens.staff]), origin, tokens)).toBeNull();
    expect(screenForHandshake(req(origin, [TOKEN_PROTOCOL_PREFIX + tokens.staff]), origin, tokens)).toBeNull();
  });
});

describe('the contract dispatcher', () => {
  const calls: string[] = [];
  const handlers = Object.fromEntries(
    callNames.map((n) => [
      n,
      (input: unknown) => {
        calls.push(n);
        if (n === 'lock') throw new Error('boom: secret detail');
        if (n === 'signOut') throw new AppError('SOME_CODE', '日本語の説明');
        if (n === 'reportActivity') return { ok: 'not-true' };
        return input;
      },
    ]),
  ) as unknown as TerminalHandlers;
  const noop = () => undefined;

  it('refuses unknown calls and calls the screen may not make, without running a handler', async () => {
    calls.length = 0;
    expect(await dispatchCall(handlers, 'staff', 'dropTables', {}, noop)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CALL' } });
    expect(await dispatchCall(handlers, 'staff', '__proto__', {}, noop)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CALL' } });
    expect(await dispatchCall(handlers, 'resident', 'createRequest', {}, noop)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SCREEN' } });
    expect(calls).toEqual([]);
  });

  it('validates input before the handler sees it', async () => {
    calls.length = 0;
    const r = await dispatchCall(handlers, 'staff', 'getSession', { extra: 1 }, noop);
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(calls).toEqual([]);
  });

  it('passes Japanese application errors through and hides unexpected ones', async () => {
    expect(await dispatchCall(handlers, 'staff', 'signOut', {}, noop)).toEqual({ ok: false, error: { code: 'SOME_CODE', message: '日本語の説明' } });
    let seen: unknown;
    const r = await dispatchCall(handlers, 'staff', 'lock', {}, (e) => (seen = e));
    expect(r).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(r)).not.toContain('secret detail');
    expect(String(seen)).toContain('boom');
  });

  it('validates what goes back to the screen too', async () => {
    expect(await dispatchCall(handlers, 'staff', 'reportActivity', {}, noop)).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });
});
