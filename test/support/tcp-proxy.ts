// A misbehaving network between a vehicle and the hub, on 127.0.0.1. Under the test's control (and its
// seeded random source) it refuses connections, drops them mid-request, delays chunks, cuts answers
// part-way through, and delivers a connection's whole request stream a second time on a new
// connection (a duplicate delivery, as a flaky VPN that retransmits on reconnect would produce).
//
// In plain mode it relays TCP bytes untouched: with TLS inside, a replayed stream is only noise the
// hub must survive (the handshake cannot be replayed). In `tls` mode it ends the vehicle's TLS with the
// hub's own server certificate and opens its own to the hub with the vehicle's client certificate, so
// it sees HTTP and a replay reaches the hub's handlers as a true duplicate request.
import net from 'node:net';
import tls from 'node:tls';

export interface FaultPlan {
  /** Chance a new connection is refused at once, and (drawn again) that it is dropped part-way through what the vehicle sends. */
  dropRate: number;
  /** Chance a connection is cut part-way through what the hub answers (within its first KiB, so that small answers are cut too). */
  cutRate: number;
  /** Chance per chunk of a delay up to `maxDelayMs` (order is kept). */
  delayRate: number;
  maxDelayMs: number;
  /** Chance that a finished connection's request stream is sent to the hub again. */
  duplicateRate: number;
}

export const noFaults: FaultPlan = { dropRate: 0, cutRate: 0, delayRate: 0, maxDelayMs: 0, duplicateRate: 0 };

export interface ProxyStats {
  connections: number;
  refused: number;
  dropped: number;
  cut: number;
  delayed: number;
  replayed: number;
  /** Times every open connection was cut at once. */
  tunnelDrops: number;
  /** Replayed streams whose answer contained a hub `duplicate` result. */
  replayedDuplicates: number;
}

export interface ProxyTls {
  /** What the proxy shows the vehicle: the hub's server certificate and key, and the CA vehicles use. */
  server: { key: string; cert: string; ca: string };
  /** What the proxy shows the hub: the vehicle's client certificate and key, and the hub's CA. */
  client: { key: string; cert: string; ca: string };
}

export interface FaultProxy {
  port: number;
  url: string;
  faults: FaultPlan;
  readonly stats: ProxyStats;
  /** Cuts every open connection now (a VPN tunnel going down). */
  cutAll(): void;
  /** Waits for replays still under way, then stops listening and closes everything. */
  stop(): Promise<void>;
}

const REPLAY_LIMIT = 4 * 1024 * 1024;
/** How long a replay waits for the hub's answer: a hub busy beside other test suites can take seconds. */
const REPLAY_WAIT_MS = 5_000;
const DUPLICATE_MARK = '"status":"duplicate"';

export async function startFaultProxy(options: {
  /** Where each new upstream connection goes; a function spreads them over several hub processes. */
  target: { host?: string; port: number | (() => number) };
  random: () => number;
  faults?: Partial<FaultPlan>;
  tls?: ProxyTls;
  port?: number;
}): Promise<FaultProxy> {
  const { random } = options;
  const targetHost = options.target.host ?? '127.0.0.1';
  const stats: ProxyStats = { connections: 0, refused: 0, dropped: 0, cut: 0, delayed: 0, replayed: 0, tunnelDrops: 0, replayedDuplicates: 0 };
  const open = new Set<net.Socket>();
  const replays = new Set<Promise<void>>();
  let stopping = false;
  const proxy = { faults: { ...noFaults, ...options.faults } };

  const targetPort = (): number => (typeof options.target.port === 'function' ? options.target.port() : options.target.port);
  const connectUpstream = (): net.Socket => {
    const port = targetPort();
    return options.tls ? tls.connect({ host: targetHost, port, ...options.tls.client }) : net.connect({ host: targetHost, port });
  };

  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

  function track(s: net.Socket): void {
    open.add(s);
    s.once('close', () => open.delete(s));
    s.on('error', () => undefined);
  }

  function replay(recorded: Buffer[]): void {
    const bytes = Buffer.concat(recorded);
    if (bytes.length === 0 || bytes.length > REPLAY_LIMIT) return;
    stats.replayed++;
    const done = (async () => {
      await sleep(random() * 300);
      if (stopping) return;
      await new Promise<void>((resolve) => {
        const up = connectUpstream();
        track(up);
        // The mark is looked for as the answer streams in (a mark split across two chunks included),
        // so an answer that starts with a large inbox page of PDFs is still read to its deliveries.
        let tail = '';
        let duplicate = false;
        let finished = false;
        const finish = () => {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          if (duplicate) stats.replayedDuplicates++;
          up.destroy();
          resolve();
        };
        const timer = setTimeout(finish, REPLAY_WAIT_MS);
        up.on('data', (d: Buffer) => {
          const text = tail + d.toString('latin1');
          tail = text.slice(-(DUPLICATE_MARK.length - 1));
          if (!text.includes(DUPLICATE_MARK)) return;
          duplicate = true;
          finish();
        });
        up.once('close', finish);
        // Written without closing our side: a server drops the requests of a client that half-closes
        // before it answers (Node's http server without allowHalfOpen), and a slower store then never
        // answers the duplicate at all.
        up.once(options.tls ? 'secureConnect' : 'connect', () => up.write(bytes));
      });
    })();
    replays.add(done);
    void done.finally(() => replays.delete(done));
  }

  function relay(client: net.Socket): void {
    stats.connections++;
    track(client);
    if (stopping || random() < proxy.faults.dropRate) {
      stats.refused++;
      client.destroy();
      return;
    }
    const upstream = connectUpstream();
    track(upstream);
    const recorded: Buffer[] = [];
    let recordedBytes = 0;
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      client.destroy();
      upstream.destroy();
      if (!stopping && recordedBytes > 0 && random() < proxy.faults.duplicateRate) replay(recorded);
    };
    client.once('close', close);
    upstream.once('close', close);

    // Each connection draws its fate once: a drop after so many request bytes, a cut after so many
    // answer bytes, or neither. A per-chunk chance would doom every large answer (an inbox of PDFs).
    const f0 = proxy.faults;
    const limits = {
      request: random() < f0.dropRate ? Math.floor(random() * 2 * 1024) : Infinity,
      answer: random() < f0.cutRate ? Math.floor(random() * 1024) : Infinity,
    };
    const passed = { request: 0, answer: 0 };
    const pump = (from: net.Socket, to: net.Socket, direction: 'request' | 'answer') => {
      let chain = Promise.resolve();
      from.on('data', (chunk: Buffer) => {
        if (direction === 'request' && recordedBytes < REPLAY_LIMIT) {
          recorded.push(chunk);
          recordedBytes += chunk.length;
        }
        chain = chain.then(async () => {
          if (closed) return;
          const f = proxy.faults;
          if (random() < f.delayRate) {
            stats.delayed++;
            await sleep(random() * f.maxDelayMs);
            if (closed) return;
          }
          const room = limits[direction] - passed[direction];
          if (room >= chunk.length) {
            passed[direction] += chunk.length;
            to.write(chunk);
            return;
          }
          if (direction === 'request') stats.dropped++;
          else stats.cut++;
          const part = chunk.subarray(0, room);
          if (part.length === 0) return close();
          // Closing waits for the part to be handed on, with a bound: a callback that never comes
          // must not leave a connection open with a chunk silently missing.
          const timer = setTimeout(close, 50);
          to.write(part, () => {
            clearTimeout(timer);
            close();
          });
        });
      });
      from.once('end', () => void chain.then(() => (closed ? undefined : to.end())));
    };
    // Bytes the vehicle sends before the hub's side is up wait in the socket; pumping starts on connect.
    client.pause();
    upstream.once(options.tls ? 'secureConnect' : 'connect', () => {
      pump(client, upstream, 'request');
      pump(upstream, client, 'answer');
      client.resume();
    });
  }

  const server = options.tls
    ? tls.createServer({ ...options.tls.server, requestCert: true, rejectUnauthorized: true }, relay)
    : net.createServer(relay);
  server.on('tlsClientError', () => undefined);
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    url: `https://127.0.0.1:${port}`,
    get faults() {
      return proxy.faults;
    },
    set faults(f: FaultPlan) {
      proxy.faults = f;
    },
    stats,
    cutAll() {
      stats.tunnelDrops++;
      for (const s of open) s.destroy();
    },
    async stop() {
      stopping = true;
      await Promise.all([...replays]);
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
