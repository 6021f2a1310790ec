// The console's calls to the hub (same origin). The session cookie rides along by itself; the CSRF
// token from sign-in goes in a header on every state-changing call.
import type { CertificatePreview, ConsoleEvent, ConsoleSession, DayView, QueueQueryParams, QueueView } from '../../protocol/console-api';
import { CONSOLE_API, CSRF_HEADER } from '../../protocol/console-api';
import { CONSULTATION_API } from '../../protocol/consultation-api';
import type { CallClientFrame, CallRecordView, CallServerFrame, CallView, ConsultantDeskView, Department, TurnCredentialsResponse } from '../../protocol/consultation-api';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    /** The whole answer: field problems of a 400, the free slots offered with a refusal. */
    readonly body: { fields?: { path: string; message: string }[] } & Record<string, unknown> = {},
  ) {
    super(message);
  }
}

let csrfToken = '';

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers[CSRF_HEADER] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw new ApiError('NETWORK', '市役所ハブにつながりません。ネットワークを確かめてから、もう一度お試しください。', 0);
  }
  const data = (await res.json().catch(() => null)) as ({ code?: string; message?: string } & Record<string, unknown>) | null;
  if (!res.ok) throw new ApiError(data?.code ?? 'UNKNOWN', data?.message ?? `問題が起きました（${res.status}）。`, res.status, data ?? {});
  return data as T;
}

export const withId = (template: string, params: Record<string, string>) =>
  template.replace(/:(\w+)/g, (_m, k: string) => encodeURIComponent(params[k] ?? ''));

export { call as callHub };

/** `?a=1&b=2` of the fields that are set (empty strings left out), or ''. */
export function queryString(params: object): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => [k, String(v)]);
  return entries.length === 0 ? '' : `?${new URLSearchParams(entries).toString()}`;
}

export const api = {
  async signIn(operatorId: string, password: string): Promise<ConsoleSession> {
    const s = await call<ConsoleSession>('POST', CONSOLE_API.session, { operatorId, password });
    csrfToken = s.csrfToken;
    return s;
  },
  async session(): Promise<ConsoleSession> {
    const s = await call<ConsoleSession>('GET', CONSOLE_API.session);
    csrfToken = s.csrfToken;
    return s;
  },
  async signOut(): Promise<void> {
    await call('DELETE', CONSOLE_API.session);
    csrfToken = '';
  },
  queue: (params: QueueQueryParams = {}) => call<QueueView>('GET', `${CONSOLE_API.queue}${queryString(params)}`),
  preview: (id: string) => call<CertificatePreview>('GET', withId(CONSOLE_API.preview, { id })),
  /** With the preview looked at, the hub issues exactly its bytes (or refuses when they changed). */
  approve: (id: string, preview?: { issuedAt: string; sha256: string }) =>
    call<{ jobId: string; serial: string }>('POST', withId(CONSOLE_API.approve, { id }), preview ? { preview } : {}),
  reject: (id: string, reason: string) => call('POST', withId(CONSOLE_API.reject, { id }), { reason }),
  ask: (id: string, text: string) => call('POST', withId(CONSOLE_API.ask, { id }), { text }),
  decideReprint: (vehicleId: string, id: string, approve: boolean) =>
    call('POST', withId(CONSOLE_API.reprintDecision, { vehicleId, id }), { approve }),
  day: (date: string) => call<DayView>('GET', `${CONSOLE_API.day}?date=${encodeURIComponent(date)}`),
  desk: () => call<ConsultantDeskView>('GET', CONSULTATION_API.consultant.desk),
  setAvailable: (departments: Department[]) => call<ConsultantDeskView>('PUT', CONSULTATION_API.consultant.availability, { departments }),
  acceptCall: (id: string) => call<CallView>('POST', withId(CONSULTATION_API.consultant.accept, { id }), {}),
  endCall: (id: string) => call<CallView>('POST', withId(CONSULTATION_API.consultant.end, { id }), {}),
  saveNotes: (id: string, text: string) => call<CallRecordView>('PUT', withId(CONSULTATION_API.consultant.notes, { id }), { text }),
  turn: () => call<TurnCredentialsResponse>('GET', CONSULTATION_API.consultant.turn),
};

/**
 * The consultant's call socket: call updates, queue changes and the resident's WebRTC signals. It
 * reconnects quickly (a call is waiting on it) and says when it is back, so the peer can restart ICE.
 */
export function callSocket(onFrame: (f: CallServerFrame) => void, onConnection: (connected: boolean, returning: boolean) => void) {
  let ws: WebSocket | null = null;
  let stopped = false;
  let retryMs = 250;
  let opened = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const open = () => {
    ws = new WebSocket(`wss://${location.host}${CONSULTATION_API.consultant.socket}`);
    ws.onopen = () => {
      retryMs = 250;
      onConnection(true, opened);
      opened = true;
    };
    ws.onmessage = (m) => {
      try {
        onFrame(JSON.parse(String(m.data)) as CallServerFrame);
      } catch {
        // not JSON: nothing for the screen
      }
    };
    ws.onclose = () => {
      onConnection(false, opened);
      if (stopped) return;
      timer = setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, 2_000);
    };
  };
  open();
  return {
    send(frame: CallClientFrame): boolean {
      if (ws?.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(frame));
      return true;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      ws?.close();
    },
  };
}

/** Live notices from the hub; reconnects with backoff. Returns a function that stops it. */
export function watchHub(onEvent: (e: ConsoleEvent) => void, onConnection: (connected: boolean) => void): () => void {
  let ws: WebSocket | null = null;
  let stopped = false;
  let retryMs = 500;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const open = () => {
    ws = new WebSocket(`wss://${location.host}${CONSOLE_API.socket}`);
    ws.onopen = () => {
      retryMs = 500;
      onConnection(true);
      onEvent({ type: 'connected' });
    };
    ws.onmessage = (m) => {
      try {
        onEvent(JSON.parse(String(m.data)) as ConsoleEvent);
      } catch {
        // a frame that is not JSON carries nothing for the screen
      }
    };
    ws.onclose = () => {
      onConnection(false);
      if (stopped) return;
      timer = setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    };
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    ws?.close();
  };
}
