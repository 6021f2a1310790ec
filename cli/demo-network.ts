// The demo's stand-in for the vehicle's mobile network: relays between the vehicle and city hall (the
// hub over TCP, the TURN relay over UDP and TCP on one port). Connected, they pass bytes untouched
// (mutual TLS passes through end to end); cut, every open connection is closed, each new one is reset
// at once and datagrams are dropped, so the terminal really is offline until restored.
import dgram from 'node:dgram';
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

export interface CuttableDatagramLink {
  port: number;
  readonly connected: boolean;
  cut(): void;
  restore(): void;
  stop(): Promise<void>;
}

/** UDP: each client address gets its own upstream socket (one stable 5-tuple per client, as through a carrier NAT). */
export async function startCuttableDatagramLink(options: { targetPort: number; port: number }): Promise<CuttableDatagramLink> {
  const upstreams = new Map<string, dgram.Socket>();
  const listener = dgram.createSocket('udp4');
  let connected = true;
  const dropAll = () => {
    for (const u of upstreams.values()) u.close();
    upstreams.clear();
  };
  listener.on('error', () => undefined);
  listener.on('message', (msg, from) => {
    if (!connected) return;
    const key = `${from.address}:${from.port}`;
    let upstream = upstreams.get(key);
    if (!upstream) {
      const socket = dgram.createSocket('udp4');
      socket.on('error', () => undefined);
      socket.on('message', (answer) => {
        if (connected) listener.send(answer, from.port, from.address);
      });
      socket.bind(0, '127.0.0.1');
      upstreams.set(key, socket);
      upstream = socket;
    }
    upstream.send(msg, options.targetPort, '127.0.0.1');
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.bind(options.port, '127.0.0.1', () => resolve());
  });
  return {
    port: options.port,
    get connected() {
      return connected;
    },
    cut() {
      connected = false;
      // The allocations' 5-tuples go with the sockets, as when a modem re-attaches after a gap.
      dropAll();
    },
    restore() {
      connected = true;
    },
    async stop() {
      connected = false;
      dropAll();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}

/** The vehicle's whole network: to the hub, and (when there is one) to the TURN relay on one port for UDP and TCP. */
export interface DemoNetwork {
  hubPort: number;
  /** The TURN relay's port as the vehicle sees it (the same number for UDP and TCP). */
  turnPort: number | null;
  readonly connected: boolean;
  cut(): void;
  restore(): void;
  stop(): Promise<void>;
}

export async function startDemoNetwork(options: { hubPort: number; turnPort?: number }): Promise<DemoNetwork> {
  const hub = await startCuttableLink({ targetPort: options.hubPort });
  const links: (CuttableLink | CuttableDatagramLink)[] = [hub];
  let turnPort: number | null = null;
  try {
    if (options.turnPort !== undefined) {
      // One free number for both transports, as coturn listens: a TCP port whose UDP twin is free too.
      for (let attempt = 0; turnPort === null; attempt += 1) {
        const tcp = await startCuttableLink({ targetPort: options.turnPort });
        try {
          const udp = await startCuttableDatagramLink({ targetPort: options.turnPort, port: tcp.port });
          links.push(tcp, udp);
          turnPort = tcp.port;
        } catch (e) {
          await tcp.stop();
          if (attempt >= 20) throw e;
        }
      }
    }
  } catch (e) {
    await hub.stop();
    throw e;
  }
  let connected = true;
  return {
    hubPort: hub.port,
    turnPort,
    get connected() {
      return connected;
    },
    cut() {
      connected = false;
      for (const l of links) l.cut();
    },
    restore() {
      connected = true;
      for (const l of links) l.restore();
    },
    async stop() {
      for (const l of links) await l.stop();
    },
  };
}
