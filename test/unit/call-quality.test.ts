// The consultation's quality decisions, from getStats() records to what the screens show and what the
// video sender does: stepping the cap down on a weak uplink, turning audio-only when video cannot get
// through and back when it can, and not mistaking a ramp-up, a stall or a gap's lost packets for a
// weak link. The browser side (real getStats, real setParameters) is exercised in test/e2e/call-peer.
import { describe, expect, it } from 'vitest';
import {
  initialQuality,
  nextQuality,
  nextSpeaking,
  qualityPolicy,
  readMediaStats,
  sampleBetween,
  type QualityState,
  type StatsRecord,
  type StatsSample,
} from '../../renderer/call/quality';

const policy = qualityPolicy(600_000);

/** A second of a healthy call with the given estimate (and whatever else is given). */
function second(at: number, availableOutgoingBitrate: number | undefined, extra: Partial<StatsSample> = {}): StatsSample {
  return { at, rttMs: 40, loss: 0, packetsReceived: 80, availableOutgoingBitrate, remoteAudioLevel: undefined, localAudioLevel: undefined, ...extra };
}

/** Feeds one sample a second from `from` (ms) for `seconds`, with the estimate `bps(t)` at each. */
function run(state: QualityState, from: number, seconds: number, bps: (at: number) => number | undefined, extra: Partial<StatsSample> = {}): { state: QualityState; trail: QualityState[] } {
  const trail: QualityState[] = [];
  for (let i = 0; i < seconds; i++) {
    const at = from + i * 1000;
    state = nextQuality(state, second(at, bps(at), extra), policy);
    trail.push(state);
  }
  return { state, trail };
}

/** A call that has been up for a while on a good link. */
function settled(): QualityState {
  return run(initialQuality(policy), 0, 10, () => 2_000_000).state;
}

describe('reading getStats()', () => {
  const records: StatsRecord[] = [
    { id: 'T1', type: 'transport', selectedCandidatePairId: 'CP2' },
    { id: 'CP1', type: 'candidate-pair', localCandidateId: 'L1', remoteCandidateId: 'R1', currentRoundTripTime: 0.9, nominated: false, state: 'failed' },
    { id: 'CP2', type: 'candidate-pair', localCandidateId: 'L2', remoteCandidateId: 'R2', currentRoundTripTime: 0.085, availableOutgoingBitrate: 480_000, nominated: true, state: 'succeeded' },
    { id: 'L1', type: 'local-candidate', candidateType: 'host', protocol: 'udp' },
    { id: 'L2', type: 'local-candidate', candidateType: 'relay', protocol: 'udp' },
    { id: 'R2', type: 'remote-candidate', candidateType: 'relay' },
    { id: 'IV', type: 'inbound-rtp', kind: 'video', framesDecoded: 300, bytesReceived: 1_200_000, framesPerSecond: 15, packetsReceived: 1000, packetsLost: 10 },
    { id: 'IA', type: 'inbound-rtp', kind: 'audio', packetsReceived: 500, packetsLost: 5, audioLevel: 0.12, totalAudioEnergy: 2, totalSamplesDuration: 10 },
    { id: 'MS', type: 'media-source', kind: 'audio', audioLevel: 0.3, totalAudioEnergy: 4, totalSamplesDuration: 10 },
    { id: 'RV', type: 'remote-inbound-rtp', kind: 'video', fractionLost: 0.04, roundTripTime: 0.2 },
    { id: 'RA', type: 'remote-inbound-rtp', kind: 'audio', fractionLost: 0.01 },
  ];

  it('takes round-trip time, estimate and route from the pair the transport selected', () => {
    const s = readMediaStats(records, 1234);
    expect(s.at).toBe(1234);
    expect(s.rttMs).toBeCloseTo(85);
    expect(s.availableOutgoingBitrate).toBe(480_000);
    expect(s.route).toEqual({ local: 'relay', remote: 'relay', protocol: 'udp' });
  });

  it('falls back to the nominated, succeeded pair when no transport names one', () => {
    const s = readMediaStats(records.filter((r) => r.type !== 'transport'), 0);
    expect(s.route?.local).toBe('relay');
    expect(s.availableOutgoingBitrate).toBe(480_000);
  });

  it('counts inbound video and packets of both kinds, and the worse loss the other side reports', () => {
    const s = readMediaStats(records, 0);
    expect(s).toMatchObject({ framesDecoded: 300, bytesReceived: 1_200_000, framesPerSecond: 15, packetsReceived: 1500, packetsLost: 15, outboundLoss: 0.04 });
    expect(s.remoteAudioLevel).toBe(0.12);
    expect(s.localAudioLevel).toBe(0.3);
  });

  it('leaves out what the browser did not report instead of inventing zeros', () => {
    const s = readMediaStats([{ id: 'X', type: 'inbound-rtp', kind: 'video', framesDecoded: 'many' }, { id: 'Y', type: 'codec' }], 0);
    expect(s.framesDecoded).toBe(0);
    expect(s.rttMs).toBeUndefined();
    expect(s.availableOutgoingBitrate).toBeUndefined();
    expect(s.route).toBeUndefined();
    expect(s.outboundLoss).toBeUndefined();
  });
});

describe('one interval between two reports', () => {
  const at = (t: number, packetsReceived: number, packetsLost: number, energy: number, duration: number) => ({
    ...readMediaStats([], t),
    packetsReceived,
    packetsLost,
    remoteAudioLevel: 0.001,
    remoteAudioEnergy: { totalAudioEnergy: energy, totalSamplesDuration: duration },
  });

  it('measures loss over the interval, not since the call began', () => {
    // 100 lost early in the call, then a clean second: the interval shows no loss.
    const s = sampleBetween(at(0, 900, 100, 0, 0), at(1000, 1000, 100, 0, 0));
    expect(s.loss).toBe(0);
    expect(s.packetsReceived).toBe(100);
    expect(sampleBetween(at(0, 900, 100, 0, 0), at(1000, 990, 110, 0, 0)).loss).toBeCloseTo(0.1);
  });

  it('takes the voice level over the whole second from the energy counters, not the instant the report was read', () => {
    // A word between two reports: the instant reading is near silence, the second's RMS is not.
    const s = sampleBetween(at(0, 0, 0, 1, 10), at(1000, 50, 0, 1.0025, 11));
    expect(s.remoteAudioLevel).toBeCloseTo(0.05);
  });

  it('has no interval figures for the first report of a connection', () => {
    const s = sampleBetween(undefined, at(0, 500, 50, 1, 1));
    expect(s.loss).toBeUndefined();
    expect(s.packetsReceived).toBeUndefined();
    expect(s.remoteAudioLevel).toBe(0.001);
  });
});

describe('quality shown to the resident and the consultant', () => {
  it('is unknown before any figures, good on a clean fast link', () => {
    expect(initialQuality(policy).quality).toBe('unknown');
    expect(nextQuality(initialQuality(policy), { ...second(0, undefined), rttMs: undefined, loss: undefined }, policy).quality).toBe('unknown');
    expect(settled().quality).toBe('good');
  });

  it('turns fair, then poor, as round-trip time and loss grow', () => {
    expect(run(settled(), 10_000, 4, () => 2_000_000, { rttMs: 250 }).state.quality).toBe('fair');
    expect(run(settled(), 10_000, 4, () => 2_000_000, { rttMs: 600 }).state.quality).toBe('poor');
    expect(run(settled(), 10_000, 4, () => 2_000_000, { loss: 0.05 }).state.quality).toBe('fair');
    expect(run(settled(), 10_000, 4, () => 2_000_000, { loss: 0.2 }).state.quality).toBe('poor');
  });

  it('does not call a fresh connection poor while the estimate is still ramping up', () => {
    const { trail } = run(initialQuality(policy), 0, 4, (t) => 100_000 + t * 50);
    expect(trail.map((s) => s.quality)).toEqual(['good', 'good', 'good', 'good']);
  });

  it('does not count the packets a gap lost, reported when media returns, as a lossy link', () => {
    let s = settled();
    // 15 s without samples (the cut), then the first intervals report the gap's missing packets.
    s = nextQuality(s, second(25_000, 2_000_000, { loss: 0.9 }), policy);
    s = nextQuality(s, second(26_000, 2_000_000, { loss: 0.6 }), policy);
    expect(s.quality).toBe('good');
    s = run(s, 27_000, 3, () => 2_000_000).state;
    expect(s.quality).toBe('good');
  });

  it('shows a stalled path as poor without deciding anything about the link', () => {
    const before = settled();
    const { state } = run(before, 10_000, 8, () => 50_000, { packetsReceived: 0 });
    expect(state.quality).toBe('poor');
    expect(state.audioOnly).toBe(false);
    expect(state.maxBitrate).toBe(before.maxBitrate);
  });
});

describe('video sender decisions', () => {
  it('lowers the cap step by step on a weak uplink, then settles at the highest step the estimate carries with room for audio', () => {
    const { trail } = run(settled(), 10_000, 40, () => 300_000);
    const caps = trail.map((s) => s.maxBitrate).filter((cap, i, all) => i === 0 || cap !== all[i - 1]);
    // A quarter down at a time (600k → 450k → 338k → 253k → 190k: 253k and 50k for audio no longer fit
    // in 300k), then one step back up to 218k, which does — and there it stays.
    expect(caps).toEqual([600_000, 450_000, 337_500, 253_125, 189_844, 218_321]);
    expect(trail.slice(-10).every((s) => s.maxBitrate === 218_321)).toBe(true);
  });

  it('does not go below the floor however weak the uplink, as long as video is still worth sending', () => {
    const starved = run(settled(), 10_000, 40, () => 160_000).state;
    expect(starved.maxBitrate).toBe(policy.minVideoBitrate);
    expect(starved.audioOnly).toBe(false);
  });

  it('makes no bitrate decision in the first seconds after (re)connecting', () => {
    const { trail } = run(initialQuality(policy), 0, 5, () => 100_000);
    expect(trail.every((s) => s.maxBitrate === 600_000 && !s.audioOnly)).toBe(true);
  });

  it('turns audio-only when the estimate stays under 150 kbps, not on a short dip', () => {
    const dip = run(settled(), 10_000, 3, () => 100_000);
    const after = run(dip.state, 13_000, 10, () => 2_000_000).state;
    expect(after.audioOnly).toBe(false);

    const { trail } = run(settled(), 10_000, 8, () => 100_000);
    const first = trail.findIndex((s) => s.audioOnly);
    expect(first).toBe(4);
    expect(trail[first]!.quality).toBe('audio_only');
  });

  it('brings video back once the estimate holds 250 kbps, at a cap it carries, then steps up as it grows', () => {
    const audioOnly = run(settled(), 10_000, 6, () => 100_000).state;
    expect(audioOnly.audioOnly).toBe(true);
    const back = run(audioOnly, 16_000, 10, () => 400_000);
    const at = back.trail.findIndex((s) => !s.audioOnly);
    expect(at).toBe(3);
    expect(back.trail[at]!.maxBitrate).toBe(262_500);
    const { state } = run(back.state, 26_000, 40, () => 2_000_000);
    expect(state.maxBitrate).toBe(600_000);
    expect(state.quality).toBe('good');
  });

  it('tries video again after a while audio-only on a healthy link, and waits twice as long after a failed try', () => {
    // The estimate cannot grow without video to carry, so it stays at 200 kbps: only a probe helps.
    const audioOnly = run(settled(), 10_000, 6, () => 100_000).state;
    const first = run(audioOnly, 16_000, 30, () => 200_000);
    const probeAt = first.trail.findIndex((s) => !s.audioOnly);
    expect(probeAt).toBeGreaterThanOrEqual(14);
    expect(first.trail[probeAt]!.maxBitrate).toBe(policy.minVideoBitrate);

    // The try fails (the estimate collapses again): back to audio-only, and the next try waits 40 s.
    const failed = run(first.trail[probeAt]!, 16_000 + (probeAt + 1) * 1000, 10, () => 100_000).state;
    expect(failed.audioOnly).toBe(true);
    expect(failed.probeAfterMs).toBe(40_000);
  });

  it('steps back up one step every five seconds once the link can carry it', () => {
    const lowered = run(settled(), 10_000, 40, () => 300_000).state;
    expect(lowered.maxBitrate).toBe(218_321);
    const { trail } = run(lowered, 50_000, 60, () => 2_000_000);
    expect(trail.at(-1)!.maxBitrate).toBe(600_000);
    const steps = trail.filter((s, i) => i > 0 && s.maxBitrate !== trail[i - 1]!.maxBitrate);
    expect(steps.length).toBeGreaterThan(3);
    for (const [i, s] of steps.entries()) if (i > 0) expect(s.lastAt! - steps[i - 1]!.lastAt!).toBeGreaterThanOrEqual(policy.stepUpAfterMs);
  });

  it('does not step up while the link loses packets', () => {
    const lowered = run(settled(), 10_000, 40, () => 300_000).state;
    expect(run(lowered, 50_000, 30, () => 2_000_000, { loss: 0.05 }).state.maxBitrate).toBe(218_321);
  });
});

describe('speaking', () => {
  const quiet = { speaking: false, lastLoudAt: undefined };

  it('starts at the threshold and holds through a short pause between words', () => {
    expect(nextSpeaking(quiet, 0.019, 0).speaking).toBe(false);
    const talking = nextSpeaking(quiet, 0.05, 0);
    expect(talking.speaking).toBe(true);
    expect(nextSpeaking(talking, 0.001, 1000).speaking).toBe(true);
    expect(nextSpeaking(talking, 0.001, 1500).speaking).toBe(false);
    expect(nextSpeaking(talking, undefined, 2000).speaking).toBe(false);
  });
});
