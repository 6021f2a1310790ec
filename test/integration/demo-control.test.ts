// The demo's control endpoints over real sockets: the token guard, the network relay that really
// refuses and closes connections when cut and carries them again when restored, the printers' paper and
// cover as the terminal's own printer adapters read them, and the hub switched off and on.
import dgram from 'node:dgram';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoControl, type DemoControls, type RunningDemoControl } from '../../cli/demo-control';
import { startDemoNetwork, type DemoNetwork } from '../../cli/demo-network';
import { createPrinters } from '../../native/printer/create';
import { startPrinterEmulators, type PrinterEmulators } from '../../native/printer/demo';
import { makeSampleCertificatePdf } from '../../native/printer/pdf';
import { DEMO_CONTROL_TOKEN_HEADER, type DemoState } from '../../protocol/demo-control';
import { tempDir } from '../support/fixtures';

let tmp: ReturnType<typeof tempDir>;
let echo: net.Server;
let echoPort: number;
let link: DemoNetwork;
/** A stand-in for the TURN relay over UDP: it answers each datagram and keeps what it received. */
let turn: dgram.Socket;
const turnReceived: string[] = [];
let printers: PrinterEmulators;
let control: RunningDemoControl;
let token: string;
let adapters: ReturnType<typeof createPrinters>;

/** A stand-in for city hall that answers every line with the same line, and can be switched off and on. */
function listenEcho(port = 0): Promise<net.Server> {
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

/** Sends a line through the link and answers what came back, or the way the connection ended. */
function roundTrip(port: number, line = 'ping'): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let got = '';
    s.on('connect', () => s.write(`${line}\n`));
    s.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.endsWith('\n')) {
        s.end();
        resolve(got.trim());
      }
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(`error:${e.code}`));
    s.on('close', () => resolve(got ? got.trim() : 'closed'));
  });
}

async function api(path: string, init: { method?: string; body?: unknown; token?: string | null; host?: string } = {}): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token !== null) headers[DEMO_CONTROL_TOKEN_HEADER] = init.token ?? token;
  // fetch() cannot set Host; the low-level request can.
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: control.port, path, method: init.method ?? 'GET', headers: { ...headers, host: init.host ?? `127.0.0.1:${control.port}` } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
      },
    );
    req.on('error', reject);
    req.end(init.body === undefined ? undefined : JSON.stringify(init.body));
  });
}

const act = (body: unknown) => api('/api/action', { method: 'POST', body });

let hubRunning = true;

beforeAll(async () => {
  tmp = tempDir();
  echo = await listenEcho();
  echoPort = (echo.address() as net.AddressInfo).port;
  turn = dgram.createSocket('udp4');
  turn.on('message', (msg, from) => {
    turnReceived.push(msg.toString());
    turn.send(msg, from.port, from.address);
  });
  await new Promise<void>((r) => turn.bind(0, '127.0.0.1', () => r()));
  link = await startDemoNetwork({ hubPort: echoPort, turnPort: turn.address().port });
  printers = await startPrinterEmulators({ dir: join(tmp.dir, 'printers') });
  adapters = createPrinters(printers.config);
  const controls: DemoControls = {
    card: null,
    printers,
    network: link,
    hub: {
      running: () => hubRunning,
      stop: async () => {
        hubRunning = false;
        await new Promise<void>((r) => echo.close(() => r()));
      },
      start: async () => {
        echo = await listenEcho(echoPort);
        hubRunning = true;
      },
    },
  };
  control = await startDemoControl({ controls, pageDir: join(tmp.dir, 'no-page'), port: 0 });
  token = new URL(control.url).hash.replace('#token=', '');
}, 60_000);

afterAll(async () => {
  await control?.close();
  await adapters?.certificate.close();
  await adapters?.receipt.close();
  await printers?.stop();
  await link?.stop();
  echo?.close();
  turn?.close();
  tmp?.remove();
});

describe('the demo control endpoints', () => {
  it('answers only with the token of this launch, and only on 127.0.0.1 by that name', async () => {
    expect(control.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{48}$/);
    expect((await api('/api/state', { token: null })).status).toBe(403);
    const wrong = await api('/api/state', { token: 'f'.repeat(48) });
    expect(wrong.status).toBe(403);
    expect(wrong.body.message).toContain('URL');
    expect((await api('/api/state', { host: 'demo.example:80' })).status).toBe(421);
    const ok = await api('/api/state');
    expect(ok.status).toBe(200);
    expect(ok.body as DemoState).toEqual({
      card: { available: false, inserted: false, profile: '', tries: { kenmen: 0, jpkiAuth: 0 }, profiles: [] },
      printers: { certificate: 'ok', receipt: 'ok' },
      network: { connected: true },
      hub: { running: true },
    });
  });

  it('refuses a malformed action with a Japanese message, and a card action when there is no card', async () => {
    const bad = await act({ type: 'printer', printer: 'certificate', condition: 'on_fire' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('プリンターの状態');
    const noCard = await act({ type: 'card', do: 'remove' });
    expect(noCard.status).toBe(409);
    expect(noCard.body.message).toContain('pcscd');
  });

  it('cuts the network: open connections are closed, new ones refused; restored, they carry again', async () => {
    expect(await roundTrip(link.hubPort)).toBe('ping');
    // A connection open across the cut (as the vehicle's keep-alive to the hub would be).
    const open = net.connect({ host: '127.0.0.1', port: link.hubPort });
    open.on('error', () => undefined);
    await new Promise<void>((r) => open.once('connect', () => r()));
    open.write('hello\n');
    await new Promise<void>((r) => open.once('data', () => r()));
    const closed = new Promise<void>((r) => open.once('close', () => r()));

    const cut = await act({ type: 'network', connected: false });
    expect(cut.status).toBe(200);
    expect(cut.body.network).toEqual({ connected: false });
    await closed;
    const refused = await roundTrip(link.hubPort);
    expect(refused === 'closed' || refused.startsWith('error:')).toBe(true);
    expect(refused).not.toBe('ping');

    const restored = await act({ type: 'network', connected: true });
    expect(restored.body.network).toEqual({ connected: true });
    expect(await roundTrip(link.hubPort, 'again')).toBe('again');
  });

  it('cuts the TURN relay over UDP too: datagrams sent while cut never reach it; restored, they do', async () => {
    const client = dgram.createSocket('udp4');
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
    const answer = () => new Promise<string>((r) => client.once('message', (m) => r(m.toString())));
    try {
      let got = answer();
      client.send('before', link.turnPort!, '127.0.0.1');
      expect(await got).toBe('before');

      expect((await act({ type: 'network', connected: false })).body.network).toEqual({ connected: false });
      // Handed to the kernel before the link comes back: it reaches the relay's socket while cut.
      await new Promise<void>((r) => client.send('while-cut', link.turnPort!, '127.0.0.1', () => r()));
      expect((await act({ type: 'network', connected: true })).body.network).toEqual({ connected: true });
      got = answer();
      client.send('after', link.turnPort!, '127.0.0.1');
      expect(await got).toBe('after');
      expect(turnReceived).toEqual(['before', 'after']);
    } finally {
      client.close();
    }
  });

  it('stops the hub and starts it again on the same port', async () => {
    const stopped = await act({ type: 'hub', running: false });
    expect(stopped.body.hub).toEqual({ running: false });
    expect(await roundTrip(link.hubPort)).not.toBe('ping');
    const started = await act({ type: 'hub', running: true });
    expect(started.body.hub).toEqual({ running: true });
    expect(await roundTrip(link.hubPort)).toBe('ping');
  });

  it('runs the A4 printer out of paper and opens its cover as the terminal reads them, and back', async () => {
    expect((await adapters.certificate.status()).ready).toBe(true);

    await act({ type: 'printer', printer: 'certificate', condition: 'paper_out' });
    const empty = await adapters.certificate.status();
    expect(empty.ready).toBe(false);
    expect(empty.problems.map((p) => p.message)).toContain('用紙がありません。A4用紙を補充してください。');

    const cover = await act({ type: 'printer', printer: 'certificate', condition: 'cover_open' });
    expect(cover.body.printers.certificate).toBe('cover_open');
    const open = await adapters.certificate.status();
    expect(open.ready).toBe(false);
    expect(open.problems.map((p) => p.message)).toEqual(['プリンターのカバーが開いています。カバーを閉じてください。']);

    await act({ type: 'printer', printer: 'certificate', condition: 'ok' });
    expect(await adapters.certificate.status()).toMatchObject({ ready: true });
    // With the cover closed the front relays jobs to the real printer, which keeps the PDF.
    const pdf = await makeSampleCertificatePdf('DEMO-1');
    await adapters.certificate.print({ jobId: 'demo-front-1', pdf, copies: 1 });
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(printers.certificateDir).filter((f) => f.endsWith('.pdf'))).toHaveLength(1);
  }, 60_000);

  it('runs the receipt printer out of paper and opens its cover, and back', async () => {
    await act({ type: 'printer', printer: 'receipt', condition: 'paper_out' });
    expect((await adapters.receipt.status()).problems.map((p) => p.code)).toContain('paper-end');
    await act({ type: 'printer', printer: 'receipt', condition: 'cover_open' });
    expect((await adapters.receipt.status()).problems.map((p) => p.code)).toContain('cover-open');
    const back = await act({ type: 'printer', printer: 'receipt', condition: 'ok' });
    expect(back.body.printers).toEqual({ certificate: 'ok', receipt: 'ok' });
    expect((await adapters.receipt.status()).ready).toBe(true);
  });
});
