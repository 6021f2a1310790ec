// The reference the hub's drain is measured against: CouchDB-style replication. PouchDB on the client
// replicates N small documents (~300 B, like one outbox message's envelope) to express-pouchdb over
// loopback HTTP. Like the hub, the server runs in its own process; both sides keep their data on disk
// with PouchDB's default store for Node (LevelDB).
//   node --import tsx bench/pouchdb-reference.ts serve DIR   (the server process: prints its port)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

interface PouchDatabase {
  bulkDocs(docs: object[]): Promise<unknown>;
  replicate: { to(target: PouchDatabase | string, options?: object): Promise<{ docs_written: number; ok: boolean }> };
  info(): Promise<{ doc_count: number }>;
  close(): Promise<void>;
}
type PouchConstructor = { new (name: string, options?: object): PouchDatabase; defaults(options: object): PouchConstructor };
type ExpressApp = { use(path: string, app: unknown): void; listen(port: number, host: string, cb: () => void): import('node:http').Server };

/** A document of about 300 bytes once serialized, shaped like a relayed request's envelope. */
export function referenceDocument(i: number): { _id: string; type: string; vehicleId: string; day: string; payload: string } {
  return { _id: `msg-${String(i).padStart(8, '0')}`, type: 'request.relay', vehicleId: 'bench-vehicle', day: '2026-11-25', payload: 'x'.repeat(200) };
}

function serve(dir: string): void {
  const PouchDB = require('pouchdb') as PouchConstructor;
  const express = require('express') as () => ExpressApp;
  const expressPouchdb = require('express-pouchdb') as (pouch: PouchConstructor, options: object) => unknown;
  const app = express();
  app.use('/', expressPouchdb(PouchDB.defaults({ prefix: join(dir, 'server-') }), { mode: 'minimumForPouchDB', logPath: join(dir, 'express-pouchdb.log') }));
  const server = app.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
}

/** Replicates n documents to a fresh express-pouchdb process; returns documents per second. */
export async function pouchdbReplication(n: number): Promise<{ docsPerSecond: number; ms: number; docBytes: number }> {
  const PouchDB = require('pouchdb') as PouchConstructor;
  const dir = mkdtempSync(join(tmpdir(), 'odekake-bench-pouch-'));
  const server = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'serve', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const local = new PouchDB(join(dir, 'client-outbox'));
  try {
    const port = await new Promise<string>((resolve, reject) => {
      createInterface({ input: server.stdout! }).once('line', resolve);
      server.once('exit', (code) => reject(new Error(`express-pouchdb exited (${code}) before listening`)));
    });
    const remoteUrl = `http://127.0.0.1:${port}/outbox`;
    const docs = Array.from({ length: n }, (_, i) => referenceDocument(i));
    for (let i = 0; i < docs.length; i += 1000) await local.bulkDocs(docs.slice(i, i + 1000));
    const t0 = performance.now();
    const result = await local.replicate.to(remoteUrl, { batch_size: 100 });
    const ms = performance.now() - t0;
    const remote = new PouchDB(remoteUrl);
    const count = (await remote.info()).doc_count;
    if (!result.ok || count !== n) throw new Error(`PouchDB replication incomplete: ${count} of ${n} documents at the server`);
    return { docsPerSecond: n / (ms / 1000), ms, docBytes: JSON.stringify(docs[0]).length };
  } finally {
    await local.close();
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'serve' && process.argv[1] === fileURLToPath(import.meta.url)) serve(process.argv[3]!);
