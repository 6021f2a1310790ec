// The vehicle's HTTPS calls to the hub when the link drops part-way through an answer: the call must
// fail (so the sync retries), not wait forever. A TLS server with the hub's own certificate answers
// with the headers and half a body, then the connection goes.
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpsHubTransport, HubUnreachable, loadEnrollment } from '../../electron/core/hub-transport';
import { readHubKeys } from '../../hub/server/data-dir';
import { startTestHub, type TestHub } from '../support/hub';

let hub: TestHub;
let server: Server;
let transport: HttpsHubTransport;

beforeAll(async () => {
  hub = await startTestHub();
  const keys = readHubKeys(hub.dataDir);
  server = createServer({ key: keys.serverKey, cert: keys.serverCert, ca: keys.caCert, requestCert: true, rejectUnauthorized: true }, (socket: TLSSocket) => {
    socket.once('data', () => {
      const body = JSON.stringify({ results: [] });
      socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length + 100}\r\n\r\n${body.slice(0, 5)}`);
      setTimeout(() => socket.destroy(), 100);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  transport = new HttpsHubTransport(loadEnrollment((await hub.enroll('vehicle-cut')).dir, `https://127.0.0.1:${port}`), 60_000);
}, 30_000);

afterAll(async () => {
  transport?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await hub?.stop();
});

describe('an answer cut off part-way', () => {
  it('fails the call as unreachable at once instead of leaving it waiting (the timeout here is a minute)', async () => {
    const started = Date.now();
    await expect(transport.deliver([])).rejects.toBeInstanceOf(HubUnreachable);
    await expect(transport.inbox(0)).rejects.toBeInstanceOf(HubUnreachable);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
