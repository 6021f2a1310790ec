// The event bus between several hub processes on one PostgreSQL: LISTEN on one dedicated connection,
// NOTIFY through another. A NOTIFY is only delivered to connections listening at that moment, so when
// the listening connection drops, this process reconnects with backoff and then asks its subscribers to
// re-sync (what was sent meanwhile is lost to it). A payload above PostgreSQL's 8,000-byte limit (a
// WebRTC offer can be 16 KiB) is written to a small table and only its id is notified.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { z } from 'zod';
import type { Logger } from '../../common/logger';
import { HubEvent, Subscribers, type HubEventBus, type HubEventHandler } from './bus';

export const BUS_CHANNEL = 'odekake_hub';
/** Below PostgreSQL's 8,000-byte NOTIFY limit, with room for the envelope. */
const INLINE_MAX_BYTES = 7_000;
const SPILL_TABLE = 'hub_bus_spill';
/** Spilled payloads are read within milliseconds; older ones are only kept for a slow listener. */
const SPILL_KEEP = '5 minutes';

/** What travels in a NOTIFY: the publishing process's id and the event, or the id of its spilled row. */
const Wire = z.union([
  z.object({ o: z.string().max(64), e: z.unknown() }),
  z.object({ o: z.string().max(64), spill: z.coerce.number().int().positive() }),
]);

export interface PostgresBusOptions {
  /** postgres:// URL; may hold a password, so it is never logged whole. */
  url: string;
  log: Logger;
  channel?: string;
  /** Reconnect backoff of the listening connection. */
  retry?: { initialMs: number; maxMs: number };
}

/** Host, port and database of a URL, for logs: never the user or password. */
export function describeDatabase(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparsable database URL)';
  }
}

export class PostgresBus implements HubEventBus {
  readonly spansProcesses = true;
  private readonly subscribers: Subscribers;
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly publisher: pg.Pool;
  private listener: pg.Client | null = null;
  private listenerPid: number | null = null;
  private retryMs: number;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Received notifications are handled one after another, so a spilled one does not overtake the next. */
  private inbound: Promise<void> = Promise.resolve();

  private constructor(private readonly options: PostgresBusOptions) {
    this.subscribers = new Subscribers(options.log);
    this.channel = options.channel ?? BUS_CHANNEL;
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.channel)) throw new Error(`invalid bus channel name: ${this.channel}`);
    this.retryMs = options.retry?.initialMs ?? 200;
    // One connection: NOTIFYs leave in the order they were published.
    this.publisher = new pg.Pool({ connectionString: options.url, max: 1, idleTimeoutMillis: 0 });
    this.publisher.on('error', (e) => options.log.warn({ err: e.message }, 'hub bus: publishing connection lost; it reconnects on the next event'));
  }

  /** Connects, creates the spill table if needed and starts listening; throws when the database cannot be reached. */
  static async start(options: PostgresBusOptions): Promise<PostgresBus> {
    const bus = new PostgresBus(options);
    try {
      await bus.ensureSpillTable();
      await bus.listen();
    } catch (e) {
      await bus.close();
      throw e;
    }
    options.log.info({ database: describeDatabase(options.url), channel: bus.channel }, 'hub bus listening');
    return bus;
  }

  async publish(event: HubEvent): Promise<void> {
    if (this.closed) return;
    const checked = HubEvent.parse(event);
    this.subscribers.deliver(checked, true);
    const inline = JSON.stringify({ o: this.origin, e: checked });
    try {
      if (Buffer.byteLength(inline, 'utf8') <= INLINE_MAX_BYTES) {
        await this.publisher.query('SELECT pg_notify($1, $2)', [this.channel, inline]);
      } else {
        // Written and notified in one statement: the row is committed before anyone hears of it.
        await this.publisher.query(
          `WITH s AS (INSERT INTO ${SPILL_TABLE} (body) VALUES ($1) RETURNING id)
           SELECT pg_notify($2, json_build_object('o', $3::text, 'spill', s.id)::text) FROM s`,
          [JSON.stringify(checked), this.channel, this.origin],
        );
        await this.publisher.query(`DELETE FROM ${SPILL_TABLE} WHERE created_at < now() - interval '${SPILL_KEEP}'`);
      }
    } catch (e) {
      // The event is a hint: the inbox and the records stay in the database, and every process
      // re-syncs when its own listening connection comes back.
      this.options.log.warn({ event: checked.type, err: (e as Error).message }, 'hub bus: event not sent to the other processes');
    }
  }

  subscribe(handler: HubEventHandler): () => void {
    return this.subscribers.add(handler);
  }

  onResync(handler: () => void): () => void {
    return this.subscribers.addResync(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const listener = this.listener;
    this.listener = null;
    await Promise.allSettled([listener?.end(), this.publisher.end()]);
    await this.inbound;
  }

  private async ensureSpillTable(): Promise<void> {
    try {
      await this.publisher.query(
        `CREATE TABLE IF NOT EXISTS ${SPILL_TABLE} (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
      );
    } catch (e) {
      // Two processes starting together race on IF NOT EXISTS; the loser sees the winner's table.
      if ((e as { code?: string }).code !== '23505' && (e as { code?: string }).code !== '42P07') throw e;
    }
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url, application_name: 'odekake-hub-bus' });
    client.on('error', (e) => this.lost(client, e.message));
    client.on('end', () => this.lost(client, 'connection ended'));
    client.on('notification', (n) => {
      if (n.channel !== this.channel) return;
      const payload = n.payload ?? '';
      this.inbound = this.inbound.then(() => this.received(payload));
    });
    let pid: pg.QueryResult<{ pid: number }>;
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      pid = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
    if (this.closed) {
      await client.end();
      return;
    }
    this.listener = client;
    this.listenerPid = pid.rows[0]?.pid ?? null;
  }

  /** The server process of the listening connection (pg_stat_activity.pid), null while reconnecting. */
  get listeningBackendPid(): number | null {
    return this.listener ? this.listenerPid : null;
  }

  private lost(client: pg.Client, why: string): void {
    if (this.closed || this.listener !== client) return;
    this.listener = null;
    this.options.log.warn({ err: why, retryMs: this.retryMs }, 'hub bus: listening connection lost; reconnecting');
    void client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.reconnect();
    }, this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, this.options.retry?.maxMs ?? 5_000);
  }

  private async reconnect(): Promise<void> {
    try {
      await this.listen();
    } catch (e) {
      this.options.log.warn({ err: (e as Error).message, retryMs: this.retryMs }, 'hub bus: reconnect failed; trying again');
      this.scheduleReconnect();
      return;
    }
    if (this.closed) return;
    this.retryMs = this.options.retry?.initialMs ?? 200;
    this.options.log.info('hub bus: listening again; re-syncing sockets');
    this.subscribers.resync();
  }

  private async received(payload: string): Promise<void> {
    let wire: z.infer<typeof Wire>;
    try {
      wire = Wire.parse(JSON.parse(payload));
    } catch {
      this.dropped(payload);
      return;
    }
    if (wire.o === this.origin) return; // delivered locally when published
    let body: unknown;
    if ('spill' in wire) {
      try {
        const r = await this.publisher.query<{ body: string }>(`SELECT body FROM ${SPILL_TABLE} WHERE id = $1`, [wire.spill]);
        if (!r.rows[0]) {
          this.options.log.warn({ spill: wire.spill }, 'hub bus: spilled event already gone; dropped');
          return;
        }
        body = JSON.parse(r.rows[0].body);
      } catch (e) {
        this.options.log.warn({ spill: wire.spill, err: (e as Error).message }, 'hub bus: spilled event not read; dropped');
        return;
      }
    } else {
      body = wire.e;
    }
    const event = HubEvent.safeParse(body);
    if (!event.success) {
      this.dropped(payload);
      return;
    }
    this.subscribers.deliver(event.data, false);
  }

  private dropped(payload: string): void {
    // The content may be anything: only its size is logged.
    this.options.log.warn({ bytes: Buffer.byteLength(payload, 'utf8') }, 'hub bus: malformed event dropped');
  }
}
