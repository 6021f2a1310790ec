// TURN for video consultations over carrier networks: coturn shares a secret with the hub, and the hub
// hands out short-lived credentials (the "TURN REST API" scheme coturn implements with
// use-auth-secret): username = "<expiry unix time>:<user id>", password = base64(HMAC-SHA1(secret, username)).
// Nothing is stored per user; a credential simply stops working when its time is up.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { HubError } from '../errors';

export interface TurnCredentials {
  urls: string[];
  username: string;
  credential: string;
  /** Seconds the credential stays valid. */
  ttl: number;
}

const UserId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export function turnCredentials(options: { secret: string; userId: string; urls: string[]; ttlSeconds?: number; now?: Date }): TurnCredentials {
  const ttl = options.ttlSeconds ?? 600;
  const expiry = Math.floor((options.now ?? new Date()).getTime() / 1000) + ttl;
  const username = `${expiry}:${UserId.parse(options.userId)}`;
  return { urls: options.urls, username, credential: createHmac('sha1', options.secret).update(username).digest('base64'), ttl };
}

export const CoturnOptions = z.object({
  dir: z.string().min(1),
  /** UDP/TCP port coturn listens on. */
  port: z.number().int().min(1).max(65_535),
  /** Address coturn listens on and relays from (the only peer it relays to); 127.0.0.1 for tests and the demo. */
  ip: z.union([z.ipv4(), z.ipv6()]).default('127.0.0.1'),
  realm: z.string().regex(/^[a-z0-9.-]+$/).default('odekake.local'),
  relayPorts: z.tuple([z.number().int().min(1024), z.number().int().max(65_535)]).default([49160, 49400]),
});
export type CoturnOptions = z.input<typeof CoturnOptions>;

/** The shared secret, created once per hub data folder and kept owner-only. */
export function turnSecret(dir: string): string {
  const file = join(dir, 'turn-secret');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
  }
  return readFileSync(file, 'utf8').trim();
}

/** coturn's configuration: shared-secret auth only, no TLS listeners (the VPN carries it), loopback peers allowed only on 127.0.0.1. */
export function coturnConfig(raw: CoturnOptions, secret: string): string {
  const o = CoturnOptions.parse(raw);
  const lines = [
    `listening-ip=${o.ip}`,
    `relay-ip=${o.ip}`,
    `listening-port=${o.port}`,
    'use-auth-secret',
    `static-auth-secret=${secret}`,
    `realm=${o.realm}`,
    'fingerprint',
    'no-tls',
    'no-dtls',
    'no-cli',
    'no-multicast-peers',
    // Browsers ask for UDP relays only; TCP connections from the relay to a peer (RFC 6062) are never needed.
    'no-tcp-relay',
    `min-port=${o.relayPorts[0]}`,
    `max-port=${o.relayPorts[1]}`,
    `pidfile=${join(o.dir, 'turnserver.pid')}`,
    `userdb=${join(o.dir, 'turndb.sqlite3')}`,
    'simple-log',
    'log-file=stdout',
  ];
  // Every call goes relay to relay on this one coturn, so the only peer a relay ever needs is the
  // relay address itself: a TURN credential must not reach anything else, neither the city hall's
  // network behind the hub nor the internet.
  lines.push('denied-peer-ip=0.0.0.0-255.255.255.255', 'denied-peer-ip=::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', `allowed-peer-ip=${o.ip}`);
  // Relaying between two peers on one machine (tests, the demo) needs loopback peers; never elsewhere.
  if (o.ip === '127.0.0.1') lines.push('allow-loopback-peers');
  return `${lines.join('\n')}\n`;
}

export interface RunningCoturn {
  /** TURN over UDP, the normal path. */
  url: string;
  /** Both transports: UDP first, then TCP on the same port for carrier networks that block UDP. */
  urls: string[];
  secret: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Writes the configuration into `dir` and runs coturn's `turnserver` with it until stop(). */
export async function startCoturn(raw: CoturnOptions): Promise<RunningCoturn> {
  const o = CoturnOptions.parse(raw);
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const secret = turnSecret(o.dir);
  const configFile = join(o.dir, 'turnserver.conf');
  writeFileSync(configFile, coturnConfig(o, secret), { mode: 0o600 });
  const child = spawn('turnserver', ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += String(d)));
  child.stderr.on('data', (d) => (log += String(d)));
  await new Promise<void>((resolve, reject) => {
    const fail = (e: HubError) => {
      // A coturn that did not come up is not left running behind the error.
      if (child.exitCode === null) child.kill('SIGKILL');
      reject(e);
    };
    const deadline = setTimeout(() => fail(new HubError(500, 'TURN_START_FAILED', `TURN サーバー (coturn) が起動しません: ${log.slice(-300)}`)), 10_000);
    const poll = setInterval(() => {
      // coturn logs its admin thread last, after the relay servers and the auth threads are up.
      if (/Total General servers/.test(log) && /IO method \(admin thread\)/.test(log)) {
        clearInterval(poll);
        clearTimeout(deadline);
        resolve();
      }
    }, 50);
    child.once('error', (e) => {
      clearInterval(poll);
      clearTimeout(deadline);
      fail(new HubError(500, 'TURN_START_FAILED', `TURN サーバー (coturn) を起動できません。coturn を入れてください (${e.message})。`));
    });
    child.once('exit', (code) => {
      clearInterval(poll);
      clearTimeout(deadline);
      fail(new HubError(500, 'TURN_START_FAILED', `TURN サーバー (coturn) が終了しました (${code}): ${log.slice(-300)}`));
    });
  });
  child.removeAllListeners('exit');
  const url = (transport: 'udp' | 'tcp') => `turn:${o.ip}:${o.port}?transport=${transport}`;
  return {
    url: url('udp'),
    urls: [url('udp'), url('tcp')],
    secret,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
