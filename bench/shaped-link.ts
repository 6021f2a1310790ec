// A shaped link on 127.0.0.1 between a vehicle and the hub, as on a weak mobile connection: one
// token bucket per direction for the whole link (every connection shares the rate), a fixed delay
// each way (half the round trip), and cuts: every `cutEveryMs` the link goes down for `cutForMs`,
// every open connection is cut and new ones are refused until it is back. Bytes pass untouched
// (TLS inside); the proxy reads from a sender only while its queue is short, so a fast sender waits
// in its own socket buffers as it would behind a real bottleneck.
import net from 'node:net';

export interface LinkShape {
  /** Bits per second, each direction. */
  bitsPerSecond: number;
  /** Round trip added by the link (half each way). */
  roundTripMs: number;
  /** The link goes down every this many ms (0: never)… */
  cutEveryMs: number;
  /** …for this long. */
  cutForMs: number;
}

export interface ShapedLink {
  url: string;
  port: number;
  /** Milliseconds the link was down between two instants (from the schedule). */
  downMs(from: number, to: number): number;
  stats: { connections: number; refused: number; cuts: number; bytesUp: number; bytesDown: number };
  stop(): Promise<void>;
}

const PIECE = 4 * 1024;
const QUEUE_HIGH = 32 * 1024;

/** One direction of the link: pieces leave at the rate, one after another, and arrive a delay later. */
class Direction {
  private nextFree = 0;
  constructor(
    private readonly bytesPerMs: number,
    private readonly delayMs: number,
  ) {}

  /** When a piece of `n` bytes handed over now arrives at the far end. */
  schedule(n: number, now: number): number {
    const start = Math.max(now, this.nextFree);
    this.nextFree = start + n / this.bytesPerMs;
    return this.nextFree + this.delayMs;
  }

  /** The link went down: what was waiting to be sent is lost. */
  reset(): void {
    this.nextFree = 0;
  }
}

export async function startShapedLink(target: { port: number; host?: string }, shape: LinkShape): Promise<ShapedLink> {
  const bytesPerMs = shape.bitsPerSecond / 8 / 1000;
  const up = new Direction(bytesPerMs, shape.roundTripMs / 2);
  const down = new Direction(bytesPerMs, shape.roundTripMs / 2);
  const t0 = performance.now();
  const stats = { connections: 0, refused: 0, cuts: 0, bytesUp: 0, bytesDown: 0 };
  const open = new Set<net.Socket>();
  const isDown = (at: number) => shape.cutEveryMs > 0 && (at - t0) % shape.cutEveryMs >= shape.cutEveryMs - shape.cutForMs;
  let epoch = 0;

  // The cut schedule: at each cut every connection goes, and what was on its way is lost.
  let cutTimer: NodeJS.Timeout | null = null;
  const armCut = () => {
    if (shape.cutEveryMs <= 0) return;
    const elapsed = performance.now() - t0;
    const nextCut = Math.floor(elapsed / shape.cutEveryMs) * shape.cutEveryMs + (shape.cutEveryMs - shape.cutForMs);
    const wait = nextCut > elapsed ? nextCut - elapsed : nextCut + shape.cutEveryMs - elapsed;
    cutTimer = setTimeout(() => {
      stats.cuts++;
      epoch++;
      up.reset();
      down.reset();
      for (const s of open) s.destroy();
      armCut();
    }, wait);
  };
  armCut();

  /** Relays `from` to `to` through one direction of the link. */
  function pipe(from: net.Socket, to: net.Socket, dir: Direction, count: (n: number) => void): void {
    let queued = 0;
    const mine = epoch;
    from.on('data', (data: Buffer) => {
      for (let i = 0; i < data.length; i += PIECE) {
        const piece = data.subarray(i, i + PIECE);
        const now = performance.now();
        const arrive = dir.schedule(piece.length, now);
        queued += piece.length;
        count(piece.length);
        setTimeout(() => {
          queued -= piece.length;
          if (queued < QUEUE_HIGH) from.resume();
          if (epoch !== mine || to.destroyed) return;
          to.write(piece);
        }, arrive - now);
      }
      if (queued >= QUEUE_HIGH) from.pause();
    });
    from.on('end', () => {
      const now = performance.now();
      setTimeout(() => to.end(), dir.schedule(0, now) - now);
    });
  }

  const server = net.createServer((client) => {
    stats.connections++;
    client.on('error', () => undefined);
    if (isDown(performance.now())) {
      stats.refused++;
      client.destroy();
      return;
    }
    const upstream = net.connect({ host: target.host ?? '127.0.0.1', port: target.port });
    upstream.on('error', () => undefined);
    open.add(client);
    open.add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.once('close', close);
    upstream.once('close', close);
    pipe(client, upstream, up, (n) => (stats.bytesUp += n));
    pipe(upstream, client, down, (n) => (stats.bytesDown += n));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  return {
    url: `https://127.0.0.1:${port}`,
    port,
    stats,
    downMs(from, to) {
      if (shape.cutEveryMs <= 0) return 0;
      let total = 0;
      // Walk the schedule's down windows that overlap [from, to].
      const first = Math.floor((from - t0) / shape.cutEveryMs);
      for (let k = first; t0 + k * shape.cutEveryMs < to; k++) {
        const start = t0 + k * shape.cutEveryMs + shape.cutEveryMs - shape.cutForMs;
        const end = start + shape.cutForMs;
        total += Math.max(0, Math.min(end, to) - Math.max(start, from));
      }
      return total;
    },
    async stop() {
      if (cutTimer) clearTimeout(cutTimer);
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
