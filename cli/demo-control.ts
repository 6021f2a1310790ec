// The demo's control page: what a newcomer cannot do by hand on one machine — take the card out, run a
// printer out of paper, drop the vehicle's network, stop city hall's hub. Served on 127.0.0.1 only, by
// the demo only; every API call carries the per-launch token from the page's URL (#token=…).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { z } from 'zod';
import { DEMO_CONTROL_TOKEN_HEADER, DemoAction, type DemoState } from '../protocol/demo-control';
import type { DemoCardSlot } from './demo-card';
import type { DemoPrinter, DemoPrinterCondition } from '../native/printer/demo';

/** What the page controls; each is the demo's own running piece. */
export interface DemoControls {
  card: DemoCardSlot | null;
  printers: { readonly conditions: Record<DemoPrinter, DemoPrinterCondition>; setCondition(p: DemoPrinter, c: DemoPrinterCondition): Promise<void> };
  network: { readonly connected: boolean; cut(): void; restore(): void };
  hub: { running(): boolean; stop(): Promise<void>; start(): Promise<void> };
}

export interface RunningDemoControl {
  port: number;
  url: string;
  close(): Promise<void>;
}

const pages: Record<string, { file: string; type: string }> = {
  '/': { file: 'control.html', type: 'text/html; charset=utf-8' },
  '/control.js': { file: 'control.js', type: 'text/javascript; charset=utf-8' },
  '/control.css': { file: 'control.css', type: 'text/css; charset=utf-8' },
  '/base.css': { file: 'base.css', type: 'text/css; charset=utf-8' },
};

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      text += c;
      if (text.length > 4096) req.destroy(new Error('too large'));
    });
    req.on('end', () => {
      try {
        resolve(text ? JSON.parse(text) : {});
      } catch (e) {
        reject(e as Error);
      }
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

export function demoState(controls: DemoControls): DemoState {
  return {
    card: controls.card
      ? { available: true, ...controls.card.state(), profiles: controls.card.profiles }
      : { available: false, inserted: false, profile: '', tries: { kenmen: 0, jpkiAuth: 0 }, profiles: [] },
    printers: { ...controls.printers.conditions },
    network: { connected: controls.network.connected },
    hub: { running: controls.hub.running() },
  };
}

async function apply(controls: DemoControls, action: DemoAction): Promise<void> {
  switch (action.type) {
    case 'card':
    case 'choose_card': {
      const card = controls.card;
      if (!card) throw new Error('カードリーダー (pcscd) が動いていないため、仮想カードは使えません。');
      if (action.type === 'choose_card') await card.choose(action.profile);
      else if (action.do === 'insert') await card.insert();
      else if (action.do === 'remove') card.remove();
      else await card.resetTries();
      return;
    }
    case 'printer':
      await controls.printers.setCondition(action.printer, action.condition);
      return;
    case 'network':
      if (action.connected) controls.network.restore();
      else controls.network.cut();
      return;
    case 'hub':
      if (action.running && !controls.hub.running()) await controls.hub.start();
      if (!action.running && controls.hub.running()) await controls.hub.stop();
      return;
  }
}

export async function startDemoControl(options: { controls: DemoControls; pageDir: string; port?: number }): Promise<RunningDemoControl> {
  const token = randomBytes(24).toString('hex');
  const { controls, pageDir } = options;
  // One change at a time: a second click while the hub is starting waits for the first.
  let queue: Promise<unknown> = Promise.resolve();
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      // Another name for 127.0.0.1 (DNS rebinding) never reaches the controls.
      if (req.headers.host !== `127.0.0.1:${port}`) {
        res.writeHead(421).end();
        return;
      }
      const page = pages[url.pathname];
      if (req.method === 'GET' && page) {
        try {
          const body = await readFile(join(pageDir, page.file));
          res.writeHead(200, {
            'content-type': page.type,
            'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            'x-content-type-options': 'nosniff',
            'referrer-policy': 'no-referrer',
            'cache-control': 'no-store',
          });
          res.end(body);
        } catch {
          res.writeHead(404).end();
        }
        return;
      }
      if (!url.pathname.startsWith('/api/') || extname(url.pathname)) {
        res.writeHead(404).end();
        return;
      }
      const given = req.headers[DEMO_CONTROL_TOKEN_HEADER];
      if (typeof given !== 'string' || !sameToken(given, token)) {
        send(res, 403, { message: 'このページの URL が正しくありません。デモを起動したときに表示された URL を開いてください。' });
        return;
      }
      if (req.method === 'GET' && url.pathname === '/api/state') {
        send(res, 200, demoState(controls));
        return;
      }
      if (req.method === 'POST' && url.pathname === '/api/action') {
        let action: DemoAction;
        try {
          action = DemoAction.parse(await readJson(req));
        } catch (e) {
          const message = e instanceof z.ZodError ? (e.issues[0]?.message ?? '操作が正しくありません。') : '操作が正しくありません。';
          send(res, 400, { message });
          return;
        }
        const done = queue.then(() => apply(controls, action));
        queue = done.catch(() => undefined);
        try {
          await done;
          send(res, 200, demoState(controls));
        } catch (e) {
          send(res, 409, { message: (e as Error).message, state: demoState(controls) });
        }
        return;
      }
      res.writeHead(404).end();
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/#token=${token}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
