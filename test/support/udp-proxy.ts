// A UDP relay on 127.0.0.1 between a browser and coturn, standing in for the vehicle's mobile link:
// each client address gets its own upstream socket (so coturn sees one stable 5-tuple per client, as
// through a carrier NAT), and cut() drops every datagram both ways until restore() — a tunnel through
// a mountain, with the sockets and coturn's allocations left as they were. restore({ remap: true })
// brings the link back on new upstream sockets instead, as when the modem re-attaches and the carrier
// gives it a new address: coturn no longer knows the client, and only a new allocation (an ICE restart)
// gets media through again.
import dgram from 'node:dgram';

export interface UdpProxyStats {
  /** Datagrams relayed client → server and server → client. */
  up: number;
  down: number;
  /** Datagrams dropped while cut, both ways. */
  dropped: number;
  /** Distinct client addresses seen. */
  clients: number;
}

export interface UdpProxy {
  port: number;
  readonly stats: UdpProxyStats;
  readonly isCut: boolean;
  cut(): void;
  restore(options?: { remap?: boolean }): void;
  stop(): Promise<void>;
}

export async function startUdpProxy(target: { host?: string; port: number }): Promise<UdpProxy> {
  const host = target.host ?? '127.0.0.1';
  const stats: UdpProxyStats = { up: 0, down: 0, dropped: 0, clients: 0 };
  const upstreams = new Map<string, dgram.Socket>();
  const listener = dgram.createSocket('udp4');
  let cut = false;

  function upstreamFor(clientAddress: string, clientPort: number): dgram.Socket {
    const key = `${clientAddress}:${clientPort}`;
    let socket = upstreams.get(key);
    if (socket) return socket;
    socket = dgram.createSocket('udp4');
    socket.on('error', () => undefined);
    socket.on('message', (msg) => {
      if (cut) {
        stats.dropped++;
        return;
      }
      stats.down++;
      listener.send(msg, clientPort, clientAddress);
    });
    socket.bind(0, '127.0.0.1');
    upstreams.set(key, socket);
    stats.clients++;
    return socket;
  }

  listener.on('error', () => undefined);
  listener.on('message', (msg, from) => {
    if (cut) {
      stats.dropped++;
      return;
    }
    stats.up++;
    upstreamFor(from.address, from.port).send(msg, target.port, host);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.bind(0, '127.0.0.1', () => {
      listener.off('error', reject);
      resolve();
    });
  });

  const close = (s: dgram.Socket) => new Promise<void>((resolve) => s.close(() => resolve()));
  return {
    port: listener.address().port,
    stats,
    get isCut() {
      return cut;
    },
    cut() {
      cut = true;
    },
    restore(options = {}) {
      if (options.remap) {
        for (const socket of upstreams.values()) socket.close();
        upstreams.clear();
      }
      cut = false;
    },
    async stop() {
      cut = true;
      await Promise.all([...upstreams.values()].map(close));
      upstreams.clear();
      await close(listener);
    },
  };
}
