// The vehicle's consultation service against a scripted hub transport: the call socket opens before
// the call, signals sent while it is down are held and sent when it is back (and the resident screen
// is told to restart ICE), a media path that never came back ends the call as interrupted, an
// interrupted call offers a call back, and an unreachable hub gives a clear Japanese error.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallServerFrame, CallView } from '../../protocol/consultation';
import type { ConsultationMedia, ConsultationView, ConsultationWaiting } from '../../protocol/ipc';
import { ManualClock } from '../../common/clock';
import { AuditLog } from '../../electron/core/audit';
import { ConsultationService } from '../../electron/core/consultations';
import { openDatabase } from '../../electron/core/db';
import { AppError } from '../../electron/core/errors';
import type { ConsultationTransport } from '../../electron/core/hub-transport';
import { HubUnreachable } from '../../electron/core/hub-transport';
import { silentLogger } from '../../common/logger';
import { tempDir } from '../support/fixtures';

let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => tmp?.remove());

const call = (over: Partial<CallView> = {}): CallView => ({
  id: 'call-00000001', department: 'pension', state: 'waiting', position: 1, consultantName: null, vehicleId: 'car-1',
  calledAt: '2026-11-24T01:00:00.000Z', connectedAt: null, endedAt: null, outcome: null, peerPresent: true, callBack: false, ...over,
});

class ScriptedHub implements ConsultationTransport {
  online = true;
  sent: unknown[] = [];
  ended: (string | undefined)[] = [];
  sockets = 0;
  private push: ((f: CallServerFrame) => void) | null = null;
  private drop: (() => void) | null = null;
  async availability() {
    if (!this.online) throw new HubUnreachable('down');
    return { turn: true, departments: [] };
  }
  async turnCredentials() {
    return { iceServers: [{ urls: ['turn:127.0.0.1:3478'], username: '1:v-car-1', credential: 'c' }], ttl: 600 };
  }
  async startCall() {
    return call();
  }
  async abandonCall() {
    return call({ state: 'abandoned', outcome: 'abandoned', endedAt: '2026-11-24T01:01:00.000Z' });
  }
  async endCall(_id: string, reason?: 'media_failed') {
    this.ended.push(reason);
    return call({ state: reason ? 'interrupted' : 'ended', outcome: reason ? 'interrupted' : 'completed', position: null, endedAt: '2026-11-24T01:05:00.000Z' });
  }
  async openCallSocket(onFrame: (f: CallServerFrame) => void, onClose: () => void) {
    if (!this.online) throw new HubUnreachable('down');
    this.sockets++;
    this.push = onFrame;
    this.drop = onClose;
    return {
      send: (frame: unknown) => {
        if (!this.online) return false;
        this.sent.push(frame);
        return true;
      },
      close: () => undefined,
    };
  }
  frame(f: CallServerFrame) {
    this.push?.(f);
  }
  /** The link drops: the socket closes and new ones fail until `back()`. */
  cut() {
    this.online = false;
    const d = this.drop;
    this.drop = null;
    d?.();
  }
  back() {
    this.online = true;
  }
}

function setup() {
  tmp = tempDir();
  const db = openDatabase(join(tmp.dir, 't.sqlite3'));
  const clock = new ManualClock();
  const hub = new ScriptedHub();
  const views: ConsultationView[] = [];
  const media: (ConsultationMedia | null)[] = [];
  const waiting: (ConsultationWaiting | null)[] = [];
  /** Consultations counted for the outing (運行実績). */
  const ended: { id: string; department: string }[] = [];
  const service = new ConsultationService({
    transport: hub, audit: new AuditLog(db, clock, 'car-1'), clock, logger: silentLogger,
    onView: (v) => views.push(v), onMedia: (m) => media.push(m), onWaiting: (w) => waiting.push(w), onSignal: () => undefined,
    onEnded: (c) => ended.push(c),
  });
  return { db, hub, service, views, media, waiting, ended };
}

const until = async (cond: () => boolean, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('the vehicle consultation service', () => {
  it('holds signals over a dropped link, sends them when it is back, and tells the peer to restart ICE', async () => {
    const { hub, service, media, db, waiting, ended } = setup();
    expect((await service.start('pension', 'S0001')).call).toMatchObject({ state: 'waiting', position: 1 });
    // The resident sees that a consultant is being called, and their place.
    expect(waiting.at(-1)).toEqual({ department: 'pension', position: 1 });
    expect(hub.sockets).toBe(1);
    hub.frame({ type: 'call', call: call({ state: 'connected', position: null, consultantName: '佐藤', connectedAt: '2026-11-24T01:02:00.000Z' }) });
    expect(waiting.at(-1)).toBeNull();
    const m = service.media()!;
    expect(m).toMatchObject({ callId: 'call-00000001', relayOnly: true, preferFrameRate: false, consultantName: '佐藤', signalingEpoch: 0 });
    expect(m.iceServers[0]!.urls).toEqual(['turn:127.0.0.1:3478']);

    service.signal('call-00000001', { type: 'offer', sdp: 'v=0' });
    expect(hub.sent).toHaveLength(1);
    hub.cut();
    expect(service.view().signaling).toBe(false);
    service.signal('call-00000001', { type: 'candidate', candidate: { candidate: 'candidate:1', sdpMLineIndex: 0, sdpMid: '0' } });
    service.signal('call-00000001', { type: 'offer', sdp: 'v=0 restart' });
    expect(hub.sent).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 600));
    hub.back();
    await until(() => service.view().signaling);
    expect(hub.sent.slice(1)).toEqual([
      { type: 'signal', callId: 'call-00000001', data: { type: 'candidate', candidate: { candidate: 'candidate:1', sdpMLineIndex: 0, sdpMid: '0' } } },
      { type: 'signal', callId: 'call-00000001', data: { type: 'offer', sdp: 'v=0 restart' } },
    ]);
    expect(media.at(-1)).toMatchObject({ callId: 'call-00000001', signalingEpoch: 1 });
    // Signals for another call, or none, are refused.
    expect(() => service.signal('call-99999999', { type: 'offer', sdp: 'x' })).toThrow(AppError);

    // The media path never came back: the call ends as interrupted, and staff can call back.
    service.report('call-00000001', { connection: 'failed', quality: 'unknown', localSpeaking: false, remoteSpeaking: false, audioMuted: false, videoOff: false });
    await until(() => service.view().call?.state === 'interrupted');
    expect(hub.ended).toEqual(['media_failed']);
    expect(service.view().interrupted).toMatchObject({ department: 'pension' });
    expect(service.media()).toBeNull();
    const actions = db.prepare<[], { action: string; detail: string }>('SELECT action, detail FROM audit_log ORDER BY seq').all();
    expect(actions.map((a) => a.action)).toEqual(['consultation.started', 'consultation.finished']);
    // Audit records ids and outcomes, never signal contents.
    expect(JSON.stringify(actions)).not.toContain('candidate');
    // A call cut off is counted for the outing when its call-back ends, not now.
    expect(ended).toEqual([]);
    await service.stop();
  });

  it('sign language prefers frame rate; a waiting call is cancelled; mute and camera controls reach the resident screen', async () => {
    const { hub, service, media, ended } = setup();
    await service.start('sign_language', 'S0001');
    await expect(service.start('pension', 'S0001')).rejects.toMatchObject({ code: 'CONSULTATION_OPEN' });
    hub.frame({ type: 'call', call: call({ department: 'sign_language', state: 'connected', position: null }) });
    expect(service.media()).toMatchObject({ preferFrameRate: true });
    service.control({ audioMuted: true });
    service.control({ switchCamera: true });
    expect(media.at(-1)).toMatchObject({ audioMuted: true, videoOff: false, cameraSwitches: 1 });
    expect((await service.end('S0001')).call).toMatchObject({ state: 'ended', outcome: 'completed' });
    expect(service.media()).toBeNull();
    // The consultation is counted once, with its department; ending it again counts nothing more.
    await service.end('S0001');
    expect(ended).toEqual([{ id: 'call-00000001', department: 'sign_language' }]);
    await service.stop();
  });

  it('refuses with a clear message when city hall cannot be reached', async () => {
    const { hub, service } = setup();
    hub.online = false;
    await expect(service.start('pension', 'S0001')).rejects.toMatchObject({ code: 'HUB_OFFLINE', message: expect.stringContaining('市役所につながっていない') });
    await expect(service.availability()).rejects.toMatchObject({ code: 'HUB_OFFLINE' });
    expect(service.view()).toMatchObject({ call: null, signaling: false });
  });
});
