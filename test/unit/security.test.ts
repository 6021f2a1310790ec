import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dispatchCall } from '../../protocol/dispatch';
import { callNames, type TerminalHandlers } from '../../protocol/ipc';
import { isAppUrl, permissionAllowed, screenForUrl } from '../../electron/security';
import { screenForHandshake } from '../../electron/host';
import { HOST_TOKEN_PROTOCOL_PREFIX as TOKEN_PROTOCOL_PREFIX, HOST_WS_PROTOCOL as WS_PROTOCOL } from '../../protocol/ids';
import { AppError } from '../../electron/core/errors';

const dir = '/opt/odekake/dist/renderer/terminal';
const page = (name: string) => pathToFileURL(`${dir}/${name}`).href;

describe('Electron shell security decisions', () => {
  it('treats only files inside the renderer folder as the app', () => {
    expect(isAppUrl(page('staff.html'), dir)).toBe(true);
    expect(isAppUrl('file:///opt/odekake/dist/renderer/terminal-evil/staff.html', dir)).toBe(false);
    expect(isAppUrl('file:///etc/passwd', dir)).toBe(false);
    expect(isAppUrl('https://example.com/staff.html', dir)).toBe(false);
    expect(isAppUrl('not a url', dir)).toBe(false);
    expect(isAppUrl(undefined, dir)).toBe(false);
  });

  it('maps sender frames to screens and refuses unknown pages', () => {
    expect(screenForUrl(page('staff.html'), dir)).toBe('staff');
    expect(screenForUrl(page('resident.html'), dir)).toBe('resident');
    expect(screenForUrl(page('other.html'), dir)).toBeNull();
    expect(screenForUrl('https://evil.example/staff.html', dir)).toBeNull();
  });

  it('grants camera and microphone to our pages only, and nothing else to anyone', () => {
    expect(permissionAllowed('media', page('resident.html'), dir)).toBe(true);
    expect(permissionAllowed('media', page('resident.html'), dir, ['audio', 'video'])).toBe(true);
    // The staff screen runs no call; and nothing but camera and microphone is granted.
    expect(permissionAllowed('media', page('staff.html'), dir)).toBe(false);
    expect(permissionAllowed('media', page('resident.html'), dir, ['video', 'screen'])).toBe(false);
    expect(permissionAllowed('media', 'file:///', dir)).toBe(false);
    expect(permissionAllowed('media', 'https://evil.example/', dir)).toBe(false);
    for (const p of ['geolocation', 'notifications', 'clipboard-read', 'openExternal', 'midi']) expect(permissionAllowed(p, page('resident.html'), dir)).toBe(false);
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
