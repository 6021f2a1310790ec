// TURN for video consultations: a real coturn started with the configuration the hub writes, and
// coturn's own test client (turnutils_uclient) allocating a relay with the hub's time-limited
// credentials. A wrong or expired credential gets no relay, and a relay reaches nothing but relays.
import { execFile, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coturnConfig, startCoturn, turnCredentials, type RunningCoturn } from '../../hub/server/turn';
import { tempDir } from '../support/fixtures';
import { freePort } from '../support/ports';

const run = promisify(execFile);
let tmp: ReturnType<typeof tempDir>;
let turn: RunningCoturn;
let port: number;


/**
 * Allocates a relay and sends a few packets through it; true when they all came back. By default the
 * peer is another relay allocation of the same client (as in a call: relay to relay); `peer` sends to
 * a UDP echo server there instead.
 */
async function allocate(username: string, credential: string, transport: 'udp' | 'tcp' = 'udp', peer?: { ip: string; port: number }): Promise<boolean> {
  try {
    const to = peer ? ['-e', peer.ip, '-r', String(peer.port)] : ['-e', '127.0.0.1', '-y'];
    const args = ['-u', username, '-w', credential, '-p', String(port), '-n', '3', '-m', '1', ...to, ...(transport === 'tcp' ? ['-t'] : []), '127.0.0.1'];
    const { stdout, stderr } = await run('turnutils_uclient', args, { timeout: 20_000 });
    return !/Cannot complete Allocation/.test(stdout + stderr) && /Total lost packets 0/.test(stdout + stderr);
  } catch {
    return false;
  }
}

beforeAll(async () => {
  tmp = tempDir();
  port = await freePort();
  turn = await startCoturn({ dir: join(tmp.dir, 'turn'), port, relayPorts: [49500, 49600] });
}, 30_000);
afterAll(async () => {
  await turn?.stop();
  tmp?.remove();
});

describe('TURN with the hub shared secret', () => {
  it('relays with a credential the hub issued', async () => {
    const c = turnCredentials({ secret: turn.secret, userId: 'consultant-7', urls: [turn.url] });
    expect(c.username).toMatch(/^\d+:consultant-7$/);
    expect(await allocate(c.username, c.credential)).toBe(true);
  });

  it('relays over TCP on the same port too, for carrier networks that block UDP', async () => {
    expect(turn.urls).toEqual([`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`]);
    const c = turnCredentials({ secret: turn.secret, userId: 'vehicle-2', urls: turn.urls });
    expect(await allocate(c.username, c.credential, 'tcp')).toBe(true);
  });

  it('refuses a wrong credential and one whose time is up', async () => {
    const c = turnCredentials({ secret: turn.secret, userId: 'vehicle-1', urls: [turn.url] });
    expect(await allocate(c.username, `${c.credential.slice(0, -4)}AAA=`)).toBe(false);
    const expired = turnCredentials({ secret: turn.secret, userId: 'vehicle-1', urls: [turn.url], ttlSeconds: 60, now: new Date(Date.now() - 3600_000) });
    expect(await allocate(expired.username, expired.credential)).toBe(false);
    const otherSecret = turnCredentials({ secret: 'not-the-hub-secret', userId: 'vehicle-1', urls: [turn.url] });
    expect(await allocate(otherSecret.username, otherSecret.credential)).toBe(false);
  });

  it('relays to its own relay address only: an echo server on another address is out of reach', async () => {
    const echoPort = await freePort();
    // coturn's echo peer, on a loopback address that is not the relay's.
    const echo = spawn('turnutils_peer', ['-L', '127.0.0.2', '-p', String(echoPort)], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const c = turnCredentials({ secret: turn.secret, userId: 'vehicle-3', urls: [turn.url] });
      expect(await allocate(c.username, c.credential, 'udp', { ip: '127.0.0.2', port: echoPort })).toBe(false);
      // The same credential still relays to the relay's own address.
      expect(await allocate(c.username, c.credential)).toBe(true);
    } finally {
      echo.kill();
    }
    const config = coturnConfig({ dir: '/x', port: 3478, ip: '10.20.30.40' }, 's');
    expect(config).toContain('denied-peer-ip=0.0.0.0-255.255.255.255');
    expect(config).toContain('allowed-peer-ip=10.20.30.40');
    expect(config).toContain('no-tcp-relay');
    expect(() => coturnConfig({ dir: '/x', port: 3478, ip: '10.0.0.1\nallowed-peer-ip=0.0.0.0-255.255.255.255' }, 's')).toThrow();
  });

  it('keeps the secret and the configuration owner-only, and allows loopback peers only on 127.0.0.1', () => {
    expect(statSync(join(tmp.dir, 'turn', 'turn-secret')).mode & 0o077).toBe(0);
    expect(statSync(join(tmp.dir, 'turn', 'turnserver.conf')).mode & 0o077).toBe(0);
    expect(coturnConfig({ dir: '/x', port: 3478, ip: '10.20.30.40' }, 's')).not.toContain('allow-loopback-peers');
    expect(coturnConfig({ dir: '/x', port: 3478 }, 's')).toContain('allow-loopback-peers');
    expect(() => turnCredentials({ secret: 's', userId: 'bad id with spaces', urls: [] })).toThrow();
  });
});
