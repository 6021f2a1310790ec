// Headless entry: the same terminal core under plain Node, serving the screens on 127.0.0.1 and
// speaking the contract over a WebSocket. Each screen gets its own per-launch token; a connection
// without one, or from another origin, is refused. The host can listen before the core is open (the
// core may be given as a promise): the screens load and their sockets connect meanwhile, and calls
// are answered once the core is there.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Screen, WsServerFrame } from '../protocol/ipc';
import type { TerminalCore } from './core/terminal';
import type { Logger } from '../common/logger';
import { HOST_TOKEN_PROTOCOL_PREFIX, HOST_WS_PROTOCOL } from '../protocol/host-bridge';


const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

export interface HostOptions {
  /** The core, or its opening: until it is open, the screens load and calls wait for it. */
  core: TerminalCore | Promise<TerminalCore>;
  rendererDir: string;
  port?: number;
  logger: Logger;
}

export interface RunningHost {
  port: number;
  staffUrl: string;
  residentUrl: string;
  close(): Promise<void>;
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Which screen a WebSocket handshake belongs to, or null when it must be refused. */
export function screenForHandshake(
  req: Pick<IncomingMessage, 'headers'>,
  origin: string,
  tokens: Record<Screen, string>,
): Screen | null {
  if (req.headers.origin !== origin) return null;
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((s) => s.trim());
  if (!offered.includes(HOST_WS_PROTOCOL)) return null;
  const token = offered.find((p) => p.startsWith(HOST_TOKEN_PROTOCOL_PREFIX))?.slice(HOST_TOKEN_PROTOCOL_PREFIX.length);
  if (!token) return null;
  for (const screen of ['staff', 'resident'] as const) if (sameToken(token, tokens[screen])) return screen;
  return null;
}

export async function startHost({ core, rendererDir, port = 0, logger }: HostOptions): Promise<RunningHost> {
  // The contract's schemas load with the core, not before the server listens.
  const opened = Promise.all([Promise.resolve(core), import('../protocol/ipc')]).then(([c, ipc]) => ({ core: c, ipc }));
  opened.catch(() => undefined); // whoever opens the core reports its failure; here calls only stop
  const tokens: Record<Screen, string> = { staff: randomBytes(24).toString('hex'), resident: randomBytes(24).toString('hex') };
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actualPort = (server.address() as { port: number }).port;
  const origin = `http://127.0.0.1:${actualPort}`;
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ws://127.0.0.1:${actualPort}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

  server.on('request', (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', origin);
      const page = url.pathname === '/' || url.pathname === '/staff' ? '/staff.html' : url.pathname === '/resident' ? '/resident.html' : url.pathname;
      const file = normalize(join(rendererDir, page));
      if (req.method !== 'GET' || !file.startsWith(rendererDir + sep) || !contentTypes[extname(file)]) {
        res.writeHead(404).end();
        return;
      }
      try {
        const body = await readFile(file);
        res.writeHead(200, {
          'content-type': contentTypes[extname(file)]!,
          'content-security-policy': csp,
          'x-content-type-options': 'nosniff',
          'referrer-policy': 'no-referrer',
          'cache-control': 'no-store',
        });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    })();
  });

  const wss = new WebSocketServer({
    server,
    path: '/ws',
    // A り災証明書 photo (up to the city's 1 MiB, in base64) is the largest call a screen makes.
    maxPayload: 2 * 1024 * 1024,
    handleProtocols: (protocols) => (protocols.has(HOST_WS_PROTOCOL) ? HOST_WS_PROTOCOL : false),
    verifyClient: ({ req }: { req: IncomingMessage }) => screenForHandshake(req, origin, tokens) !== null,
  });
  const clients = new Map<WebSocket, Screen>();

  wss.on('connection', (ws, req) => {
    const screen = screenForHandshake(req, origin, tokens);
    if (!screen) {
      ws.close(1008);
      return;
    }
    clients.set(ws, screen);
    ws.on('close', () => clients.delete(ws));
    ws.on('message', (data) => {
      void (async () => {
        let ready: Awaited<typeof opened>;
        try {
          ready = await opened;
        } catch {
          ws.close(1011);
          return;
        }
        let frame: import('../protocol/ipc').WsClientFrame;
        try {
          frame = ready.ipc.WsClientFrame.parse(JSON.parse(String(data)));
        } catch {
          logger.warn({ screen }, 'malformed frame refused');
          ws.close(1003);
          return;
        }
        const result = await ready.core.call(screen, frame.name, frame.input);
        const reply: WsServerFrame = { type: 'result', id: frame.id, result };
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
      })();
    });
  });

  let unsubscribe: () => void = () => undefined;
  let closed = false;
  void opened.then(({ core: c, ipc }) => {
    if (closed) return;
    unsubscribe = c.onEvent((name, payload) => {
      const allowed = ipc.terminalContract.events[name].screens as readonly Screen[];
      const frame = JSON.stringify({ type: 'event', name, payload } satisfies WsServerFrame);
      for (const [ws, screen] of clients) if (allowed.includes(screen) && ws.readyState === ws.OPEN) ws.send(frame);
    });
  }, () => undefined);

  return {
    port: actualPort,
    staffUrl: `${origin}/staff#token=${tokens.staff}`,
    residentUrl: `${origin}/resident#token=${tokens.resident}`,
    close: async () => {
      closed = true;
      unsubscribe();
      for (const ws of clients.keys()) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
