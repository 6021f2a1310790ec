// A port nothing listens on right now, on 127.0.0.1, for a component the test starts (coturn takes
// the same number for UDP and TCP, so both are checked).
import { createSocket } from 'node:dgram';
import net from 'node:net';

export async function freePort(): Promise<number> {
  for (;;) {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const u = createSocket('udp4');
    const udpFree = await new Promise<boolean>((resolve) => {
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((r) => u.close(() => r()));
    if (udpFree) return port;
  }
}
