// The demo's stand-in for the vehicle's mobile network: a TCP relay between the vehicle and city hall.
// Connected, it pipes bytes untouched (mutual TLS passes through it end to end); cut, it closes every
// open connection and resets each new one at once, so the terminal really is offline until restored.
import net from 'node:net';

export interface CuttableLink {
  /** Port the vehicle connects to (127.0.0.1). */
  port: number;
  readonly connected: boolean;
  /** Connections open through the link now. */
  readonly open: number;
  cut(): void;
  restore(): void;
  stop(): Promise<void>;
}

export async function startCuttableLink(options: { targetPort: number; targetHost?: string; port?: number }): Promise<CuttableLink> {
  const targetHost = options.targetHost ?? '127.0.0.1';
  const sockets = new Set<net.Socket>();
  let connected = true;
  // A reset (RST), as a dropped mobile link looks to the vehicle; a socket still connecting is just closed.
  const reset = (s: net.Socket) => {
    try {
      s.resetAndDestroy();
    } catch {
      s.destroy();
    }
  };
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    // A peer going away is normal here (the hub stopping, a cut); the other side is closed with it.
    s.on('error', () => s.destroy());
  };
  const server = net.createServer((vehicle) => {
    if (!connected) {
      vehicle.on('error', () => undefined);
      reset(vehicle);
      return;
    }
    track(vehicle);
    const hub = net.connect({ host: targetHost, port: options.targetPort });
    track(hub);
    hub.once('close', () => vehicle.destroy());
    vehicle.once('close', () => hub.destroy());
    vehicle.pipe(hub);
    hub.pipe(vehicle);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get connected() {
      return connected;
    },
    get open() {
      return sockets.size;
    },
    cut() {
      connected = false;
      for (const s of sockets) reset(s);
    },
    restore() {
      connected = true;
    },
    async stop() {
      connected = false;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
