// A port nothing listens on right now, on 127.0.0.1, for a component the test starts (coturn takes
// the same number for UDP and TCP, so both are checked).
import { createSocket } from 'node:dgram';
import { freePort as freeTcpPort } from '../../native/printer/ippeveprinter';

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await freeTcpPort();
    const u = createSocket('udp4');
    const udpFree = await new Promise<boolean>((resolve) => {
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((r) => u.close(() => r()));
    if (udpFree) return port;
  }
}
