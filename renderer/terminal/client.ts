// The typed client the screens use. It speaks the contract either through Electron's preload bridge
// or, in host mode, over the WebSocket with the per-launch token taken from the page's URL.
import type { CallInput, CallName, CallOutput, CallResult, EventName, EventPayload } from '../../protocol/ipc';
import type { AppErrorShape } from '../../protocol/errors';
import { HOST_TOKEN_PROTOCOL_PREFIX, HOST_WS_PROTOCOL } from '../../protocol/host-bridge';

export interface Transport {
  call(name: CallName, input: unknown): Promise<CallResult>;
  on(name: EventName, listener: (payload: unknown) => void): () => void;
  onConnection?(listener: (connected: boolean) => void): () => void;
}

declare global {
  interface Window {
    odekake?: Transport;
  }
}

export class CallError extends Error {
  readonly code: string;
  readonly fields: { path: string; message: string }[];
  constructor(shape: AppErrorShape) {
    super(shape.message);
    this.code = shape.code;
    this.fields = shape.fields ?? [];
  }
}

export interface Client {
  call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>>;
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void;
  onConnection(listener: (connected: boolean) => void): () => void;
}

export function createClient(transport: Transport): Client {
  return {
    async call(name, input) {
      const result = await transport.call(name, input);
      if (!result.ok) throw new CallError(result.error);
      return result.value as never;
    },
    on(name, listener) {
      return transport.on(name, listener as (payload: unknown) => void);
    },
    onConnection(listener) {
      return transport.onConnection?.(listener) ?? (() => undefined);
    },
  };
}


/** Host mode: one WebSocket, reconnected with backoff if the host restarts. */
export function webSocketTransport(url: string, token: string): Transport {
  let ws: WebSocket | null = null;
  let nextId = 1;
  let retryMs = 250;
  const pending = new Map<number, (r: CallResult) => void>();
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const connectionListeners = new Set<(c: boolean) => void>();
  let opened: Promise<WebSocket>;

  const connect = (): Promise<WebSocket> =>
    new Promise((resolve) => {
      const socket = new WebSocket(url, [HOST_WS_PROTOCOL, HOST_TOKEN_PROTOCOL_PREFIX + token]);
      socket.onopen = () => {
        ws = socket;
        retryMs = 250;
        connectionListeners.forEach((l) => l(true));
        resolve(socket);
      };
      socket.onmessage = (m) => {
        const frame = JSON.parse(String(m.data)) as { type: string; id?: number; result?: CallResult; name?: string; payload?: unknown };
        if (frame.type === 'result' && frame.id !== undefined && frame.result) {
          pending.get(frame.id)?.(frame.result);
          pending.delete(frame.id);
        } else if (frame.type === 'event' && frame.name) {
          listeners.get(frame.name)?.forEach((l) => l(frame.payload));
        }
      };
      socket.onclose = () => {
        if (ws === socket) ws = null;
        connectionListeners.forEach((l) => l(false));
        for (const [id, settle] of pending) {
          settle({ ok: false, error: { code: 'DISCONNECTED', message: '端末の中核処理とつながっていません。しばらく待ってからもう一度お試しください。' } });
          pending.delete(id);
        }
        setTimeout(() => {
          opened = connect();
          void opened.then(resolve);
        }, retryMs);
        retryMs = Math.min(retryMs * 2, 5_000);
      };
    });
  opened = connect();

  return {
    async call(name, input) {
      const socket = ws ?? (await opened);
      const id = nextId++;
      return new Promise<CallResult>((resolve) => {
        pending.set(id, resolve);
        socket.send(JSON.stringify({ type: 'call', id, name, input }));
      });
    },
    on(name, listener) {
      const set = listeners.get(name) ?? new Set();
      set.add(listener);
      listeners.set(name, set);
      return () => set.delete(listener);
    },
    onConnection(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
  };
}

/** The transport for this page: the preload bridge under Electron, else the host's WebSocket. */
export function connectFromPage(): Client {
  if (window.odekake) return createClient(window.odekake);
  const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? sessionStorage.getItem('odekake-token') ?? '';
  // Keep the token out of the address bar and history, but survive a reload of this tab.
  sessionStorage.setItem('odekake-token', token);
  history.replaceState(null, '', location.pathname);
  return createClient(webSocketTransport(`ws://${location.host}/ws`, token));
}
