// The demo's A4 printer cover: an HTTP front before ippeveprinter that relays every IPP request
// untouched while the cover is closed. ippeveprinter has no cover to open (its web forms change only the
// trays and supplies), so while the cover is "open" the front answers Get-Printer-Attributes itself the
// way a printer with an open cover does: printer-state stopped, printer-state-reasons cover-open-error.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeResponse, GroupTag, Operation, ValueTag } from './ipp-encoding';

export interface IppCoverFront {
  /** ipp://127.0.0.1:PORT/ipp/print, the URI the terminal prints to. */
  uri: string;
  coverOpen: boolean;
  close(): Promise<void>;
}

const PRINTER_STOPPED = 5;
const MAX_REQUEST_BYTES = 32 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_REQUEST_BYTES) req.destroy(new Error('request too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** What a printer with its cover open answers to Get-Printer-Attributes. */
export function coverOpenAttributes(requestId: number): Buffer {
  return encodeResponse({
    statusCode: 0,
    requestId,
    version: [2, 0],
    groups: [
      {
        tag: GroupTag.operation,
        attributes: [
          { tag: ValueTag.charset, name: 'attributes-charset', values: ['utf-8'] },
          { tag: ValueTag.naturalLanguage, name: 'attributes-natural-language', values: ['ja'] },
        ],
      },
      {
        tag: GroupTag.printer,
        attributes: [
          { tag: ValueTag.enum, name: 'printer-state', values: [PRINTER_STOPPED] },
          { tag: ValueTag.keyword, name: 'printer-state-reasons', values: ['cover-open-error'] },
          { tag: ValueTag.textWithoutLanguage, name: 'printer-state-message', values: ['Cover open'] },
          { tag: ValueTag.boolean, name: 'printer-is-accepting-jobs', values: [true] },
        ],
      },
    ],
  });
}

export async function startIppCoverFront(options: { targetPort: number; port?: number }): Promise<IppCoverFront> {
  let coverOpen = false;
  const server: Server = createServer((req, res) => {
    void (async () => {
      let body: Buffer;
      try {
        body = await readBody(req);
      } catch {
        res.writeHead(413).end();
        return;
      }
      // An IPP request starts: version (2 bytes), operation-id (2), request-id (4).
      if (coverOpen && req.method === 'POST' && body.length >= 8 && body.readUInt16BE(2) === Operation.getPrinterAttributes) {
        res.writeHead(200, { 'content-type': 'application/ipp' }).end(coverOpenAttributes(body.readInt32BE(4)));
        return;
      }
      const headers = { ...req.headers, host: `127.0.0.1:${options.targetPort}`, 'content-length': String(body.length) };
      delete headers['transfer-encoding'];
      const upstream = request({ host: '127.0.0.1', port: options.targetPort, method: req.method, path: req.url, headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    uri: `ipp://127.0.0.1:${port}/ipp/print`,
    get coverOpen() {
      return coverOpen;
    },
    set coverOpen(open: boolean) {
      coverOpen = open;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
