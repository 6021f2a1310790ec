// How good the consultation's media path is, and what the sender should do about it, decided from
// getStats() once a second. Pure: stats records in, numbers and decisions out — no DOM, no timers — so
// the rules a mountain road puts to the test are pinned by unit tests.

export type CallQuality = 'good' | 'fair' | 'poor' | 'audio_only' | 'unknown';

/** One getStats() report entry, as loosely typed as the browser hands it over. */
export type StatsRecord = Readonly<Record<string, unknown>> & { readonly type: string; readonly id: string };

/** Cumulative counters and current readings of one getStats() call. */
export interface MediaStats {
  /** Milliseconds on the caller's clock when the report was read. */
  at: number;
  /** Inbound video (what the other side's camera shows us). */
  framesDecoded: number;
  bytesReceived: number;
  framesPerSecond: number | undefined;
  /** Inbound audio and video together, cumulative. */
  packetsReceived: number;
  packetsLost: number;
  /** Round-trip time of the selected ICE candidate pair, in milliseconds. */
  rttMs: number | undefined;
  /** Share (0–1) of our packets the other side last reported lost, the worse of audio and video. */
  outboundLoss: number | undefined;
  /** The sender's bandwidth estimate for the selected pair, in bits per second. */
  availableOutgoingBitrate: number | undefined;
  /** Audio levels (0–1): the other side's voice as received, and our microphone. */
  remoteAudioLevel: number | undefined;
  localAudioLevel: number | undefined;
  /** Energy counters behind those levels; their deltas give the level over a whole interval. */
  remoteAudioEnergy: AudioEnergy | undefined;
  localAudioEnergy: AudioEnergy | undefined;
  /** Candidate types of the selected pair ('relay' on both ends when media goes through TURN only). */
  route: { local: string; remote: string; protocol: string | undefined } | undefined;
}

export interface AudioEnergy {
  totalAudioEnergy: number;
  totalSamplesDuration: number;
}

/** One interval between two reports, reduced to what the decisions need. */
export interface StatsSample {
  at: number;
  rttMs: number | undefined;
  /** Share (0–1) of packets lost over the interval: the worse of what reached us and what reached them. */
  loss: number | undefined;
  /** Packets that reached us over the interval (undefined for the first report of a connection). */
  packetsReceived: number | undefined;
  availableOutgoingBitrate: number | undefined;
  remoteAudioLevel: number | undefined;
  localAudioLevel: number | undefined;
}

const num = (r: StatsRecord | undefined, key: string): number | undefined => {
  const v = r?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};
const str = (r: StatsRecord | undefined, key: string): string | undefined => {
  const v = r?.[key];
  return typeof v === 'string' ? v : undefined;
};

function energyOf(r: StatsRecord | undefined): AudioEnergy | undefined {
  const totalAudioEnergy = num(r, 'totalAudioEnergy');
  const totalSamplesDuration = num(r, 'totalSamplesDuration');
  return totalAudioEnergy === undefined || totalSamplesDuration === undefined ? undefined : { totalAudioEnergy, totalSamplesDuration };
}

/** Reads the figures the call cares about out of one getStats() report. */
export function readMediaStats(records: Iterable<StatsRecord>, at: number): MediaStats {
  const byId = new Map<string, StatsRecord>();
  const all: StatsRecord[] = [];
  for (const r of records) {
    byId.set(r.id, r);
    all.push(r);
  }
  const stats: MediaStats = {
    at,
    framesDecoded: 0,
    bytesReceived: 0,
    framesPerSecond: undefined,
    packetsReceived: 0,
    packetsLost: 0,
    rttMs: undefined,
    outboundLoss: undefined,
    availableOutgoingBitrate: undefined,
    remoteAudioLevel: undefined,
    localAudioLevel: undefined,
    remoteAudioEnergy: undefined,
    localAudioEnergy: undefined,
    route: undefined,
  };

  // The transport names the pair in use; a nominated, succeeded pair stands in where it does not.
  const transport = all.find((r) => r.type === 'transport' && str(r, 'selectedCandidatePairId'));
  const pairId = str(transport, 'selectedCandidatePairId');
  const pair =
    (pairId === undefined ? undefined : byId.get(pairId)) ??
    all.find((r) => r.type === 'candidate-pair' && r.nominated === true && r.state === 'succeeded');

  for (const r of all) {
    const kind = str(r, 'kind');
    if (r.type === 'inbound-rtp') {
      stats.packetsReceived += num(r, 'packetsReceived') ?? 0;
      stats.packetsLost += Math.max(0, num(r, 'packetsLost') ?? 0);
      if (kind === 'video') {
        stats.framesDecoded += num(r, 'framesDecoded') ?? 0;
        stats.bytesReceived += num(r, 'bytesReceived') ?? 0;
        stats.framesPerSecond = num(r, 'framesPerSecond') ?? stats.framesPerSecond;
      } else if (kind === 'audio') {
        stats.remoteAudioLevel = num(r, 'audioLevel') ?? stats.remoteAudioLevel;
        stats.remoteAudioEnergy = energyOf(r) ?? stats.remoteAudioEnergy;
      }
    } else if (r.type === 'media-source' && kind === 'audio') {
      stats.localAudioLevel = num(r, 'audioLevel') ?? stats.localAudioLevel;
      stats.localAudioEnergy = energyOf(r) ?? stats.localAudioEnergy;
    } else if (r.type === 'remote-inbound-rtp') {
      const lost = num(r, 'fractionLost');
      if (lost !== undefined) stats.outboundLoss = Math.max(stats.outboundLoss ?? 0, lost);
      const rtt = num(r, 'roundTripTime');
      if (stats.rttMs === undefined && rtt !== undefined) stats.rttMs = rtt * 1000;
    }
  }

  if (pair) {
    const rtt = num(pair, 'currentRoundTripTime');
    if (rtt !== undefined) stats.rttMs = rtt * 1000;
    stats.availableOutgoingBitrate = num(pair, 'availableOutgoingBitrate');
    const local = byId.get(str(pair, 'localCandidateId') ?? '');
    const remote = byId.get(str(pair, 'remoteCandidateId') ?? '');
    const localType = str(local, 'candidateType');
    const remoteType = str(remote, 'candidateType');
    if (localType && remoteType) stats.route = { local: localType, remote: remoteType, protocol: str(local, 'protocol') };
  }
  return stats;
}

/** The level over the interval from the energy counters (RMS), else the instantaneous reading. */
function levelBetween(prev: AudioEnergy | undefined, cur: AudioEnergy | undefined, instant: number | undefined): number | undefined {
  if (prev && cur) {
    const duration = cur.totalSamplesDuration - prev.totalSamplesDuration;
    const energy = cur.totalAudioEnergy - prev.totalAudioEnergy;
    if (duration > 0 && energy >= 0) return Math.sqrt(energy / duration);
  }
  return instant;
}

/** The interval between two reports of the same connection. */
export function sampleBetween(prev: MediaStats | undefined, cur: MediaStats): StatsSample {
  let inboundLoss: number | undefined;
  let received: number | undefined;
  if (prev) {
    const lost = Math.max(0, cur.packetsLost - prev.packetsLost);
    received = Math.max(0, cur.packetsReceived - prev.packetsReceived);
    if (lost + received > 0) inboundLoss = lost / (lost + received);
  }
  const losses = [inboundLoss, cur.outboundLoss].filter((x): x is number => x !== undefined);
  return {
    at: cur.at,
    rttMs: cur.rttMs,
    loss: losses.length ? Math.max(...losses) : undefined,
    packetsReceived: received,
    availableOutgoingBitrate: cur.availableOutgoingBitrate,
    remoteAudioLevel: levelBetween(prev?.remoteAudioEnergy, cur.remoteAudioEnergy, cur.remoteAudioLevel),
    localAudioLevel: levelBetween(prev?.localAudioEnergy, cur.localAudioEnergy, cur.localAudioLevel),
  };
}

export interface QualityPolicy {
  /** The video sender's cap when the link allows it (bps). */
  maxVideoBitrate: number;
  /** The lowest cap a step down goes to; below it video is not worth sending. */
  minVideoBitrate: number;
  /** Estimated uplink below which the call turns audio-only once it has lasted `audioOnlyAfterMs`. */
  audioOnlyBelowBps: number;
  audioOnlyAfterMs: number;
  /** Estimated uplink at which video comes back once it has lasted `resumeAfterMs`. */
  resumeVideoAtBps: number;
  resumeAfterMs: number;
  /**
   * With no video going out the estimate has little traffic to grow on, so after this long audio-only
   * on an otherwise healthy link, video is tried again at the lowest cap. A try that falls back within
   * `probeFailedWithinMs` doubles the wait, up to `maxProbeAfterMs`.
   */
  probeVideoAfterMs: number;
  maxProbeAfterMs: number;
  probeFailedWithinMs: number;
  /** Room left for audio and RTCP when comparing the estimate with the video cap (bps). */
  headroomBps: number;
  /** How long the estimate must stay under the cap before one step down; steps go to this share of the cap. */
  stepDownAfterMs: number;
  stepDownFactor: number;
  /** How long the link must be healthy and unconstrained before one step up, by this factor. */
  stepUpAfterMs: number;
  stepUpFactor: number;
  /**
   * After (re)connecting the estimate starts low and ramps up: no bitrate decisions this long, and the
   * quality shown leaves the estimate out.
   */
  warmupMs: number;
  /** The first packets after a gap report the whole gap as lost: loss counts only from this long after (re)connecting. */
  lossSettleMs: number;
  /** A gap between samples longer than this starts the runs (weak, strong, healthy) afresh. */
  maxSampleGapMs: number;
}

export function qualityPolicy(maxVideoBitrate = 600_000): QualityPolicy {
  return {
    maxVideoBitrate,
    minVideoBitrate: 150_000,
    audioOnlyBelowBps: 150_000,
    audioOnlyAfterMs: 4_000,
    resumeVideoAtBps: 250_000,
    resumeAfterMs: 3_000,
    probeVideoAfterMs: 20_000,
    maxProbeAfterMs: 80_000,
    probeFailedWithinMs: 20_000,
    headroomBps: 50_000,
    stepDownAfterMs: 2_000,
    stepDownFactor: 0.75,
    stepUpAfterMs: 5_000,
    stepUpFactor: 1.15,
    warmupMs: 5_000,
    lossSettleMs: 2_000,
    maxSampleGapMs: 3_000,
  };
}

/** Thresholds of the quality shown to the resident and the consultant. */
const POOR = { rttMs: 400, loss: 0.08, bps: 300_000 };
const FAIR = { rttMs: 200, loss: 0.03, bps: 500_000 };
/** A link is healthy enough to step up or try video again below these. */
const HEALTHY = { rttMs: 300, loss: 0.02 };
/** Weight of the newest sample in the smoothed loss and round-trip time. */
const SMOOTHING = 0.5;

export interface QualityState {
  quality: CallQuality;
  /** The cap the video sender should have now (bps). */
  maxBitrate: number;
  /** Outgoing video is off because the uplink cannot carry it. */
  audioOnly: boolean;
  loss: number | undefined;
  rttMs: number | undefined;
  /** Time of the first sample of this run of continuous samples (warm-up is counted from it). */
  since: number | undefined;
  lastAt: number | undefined;
  /** Starts of the current runs: estimate under the cap, estimate too weak for video, estimate strong enough for video, healthy link. */
  constrainedSince: number | undefined;
  weakSince: number | undefined;
  strongSince: number | undefined;
  healthySince: number | undefined;
  lastStepAt: number | undefined;
  audioOnlySince: number | undefined;
  resumedAt: number | undefined;
  probeAfterMs: number;
}

export function initialQuality(policy: QualityPolicy): QualityState {
  return {
    quality: 'unknown',
    maxBitrate: policy.maxVideoBitrate,
    audioOnly: false,
    loss: undefined,
    rttMs: undefined,
    since: undefined,
    lastAt: undefined,
    constrainedSince: undefined,
    weakSince: undefined,
    strongSince: undefined,
    healthySince: undefined,
    lastStepAt: undefined,
    audioOnlySince: undefined,
    resumedAt: undefined,
    probeAfterMs: policy.probeVideoAfterMs,
  };
}

const smooth = (prev: number | undefined, next: number | undefined): number | undefined =>
  next === undefined ? prev : prev === undefined ? next : prev + SMOOTHING * (next - prev);

/** Start of a run that holds at `at`: kept if it was already running, else `at`; undefined when it does not hold. */
const run = (holds: boolean, prev: number | undefined, at: number): number | undefined => (holds ? (prev ?? at) : undefined);

function classify(s: { audioOnly: boolean; rttMs: number | undefined; loss: number | undefined; bps: number | undefined }): CallQuality {
  if (s.audioOnly) return 'audio_only';
  if (s.rttMs === undefined && s.loss === undefined && s.bps === undefined) return 'unknown';
  const over = (value: number | undefined, limit: number) => value !== undefined && value > limit;
  const under = (value: number | undefined, limit: number) => value !== undefined && value < limit;
  if (over(s.rttMs, POOR.rttMs) || over(s.loss, POOR.loss) || under(s.bps, POOR.bps)) return 'poor';
  if (over(s.rttMs, FAIR.rttMs) || over(s.loss, FAIR.loss) || under(s.bps, FAIR.bps)) return 'fair';
  return 'good';
}

/** The next decision after one more sample. Samples come only while the media path is connected. */
export function nextQuality(prev: QualityState, s: StatsSample, p: QualityPolicy): QualityState {
  // Nothing arrived: the path has stalled (a cut the browser has not reported yet), which says nothing
  // about the link's capacity. It shows as poor and, like a gap, decides nothing.
  if (s.packetsReceived === 0) return { ...prev, quality: prev.audioOnly ? 'audio_only' : 'poor' };
  const continuous = prev.lastAt !== undefined && s.at - prev.lastAt <= p.maxSampleGapMs;
  const base = continuous
    ? prev
    : { ...initialQuality(p), maxBitrate: prev.maxBitrate, audioOnly: prev.audioOnly, audioOnlySince: prev.audioOnlySince, resumedAt: prev.resumedAt, probeAfterMs: prev.probeAfterMs };
  const at = s.at;
  const since = base.since ?? at;
  const warm = at - since >= p.warmupMs;
  const loss = at - since >= p.lossSettleMs ? smooth(base.loss, s.loss) : base.loss;
  const rttMs = smooth(base.rttMs, s.rttMs);
  const bps = s.availableOutgoingBitrate;
  const next: QualityState = {
    ...base,
    loss,
    rttMs,
    since,
    lastAt: at,
    // Runs of the estimate count only once it has had time to ramp up.
    constrainedSince: run(warm && bps !== undefined && bps < base.maxBitrate + p.headroomBps, base.constrainedSince, at),
    weakSince: run(warm && bps !== undefined && bps < p.audioOnlyBelowBps, base.weakSince, at),
    strongSince: run(warm && bps !== undefined && bps >= p.resumeVideoAtBps, base.strongSince, at),
    healthySince: run((loss ?? 0) < HEALTHY.loss && (rttMs ?? 0) < HEALTHY.rttMs, base.healthySince, at),
  };
  const lasted = (start: number | undefined, ms: number) => start !== undefined && at - start >= ms;

  const sinceStep = next.lastStepAt === undefined ? Infinity : at - next.lastStepAt;
  const raised = Math.min(p.maxVideoBitrate, Math.round(next.maxBitrate * p.stepUpFactor));
  if (!next.audioOnly) {
    if (lasted(next.weakSince, p.audioOnlyAfterMs)) {
      // A fall back soon after trying video again means the link has not really recovered: wait longer next time.
      const probeFailed = next.resumedAt !== undefined && at - next.resumedAt < p.probeFailedWithinMs;
      next.probeAfterMs = probeFailed ? Math.min(p.maxProbeAfterMs, next.probeAfterMs * 2) : p.probeVideoAfterMs;
      next.audioOnly = true;
      next.audioOnlySince = at;
      next.lastStepAt = at;
    } else if (lasted(next.constrainedSince, p.stepDownAfterMs) && sinceStep >= p.stepDownAfterMs) {
      const lowered = Math.max(p.minVideoBitrate, Math.round(next.maxBitrate * p.stepDownFactor));
      if (lowered < next.maxBitrate) {
        next.maxBitrate = lowered;
        next.lastStepAt = at;
      }
    } else if (
      raised > next.maxBitrate &&
      // Only up to a cap the estimate already carries, or the next sample would step straight back down.
      (bps === undefined || bps >= raised + p.headroomBps) &&
      lasted(next.healthySince, p.stepUpAfterMs) &&
      sinceStep >= p.stepUpAfterMs
    ) {
      next.maxBitrate = raised;
      next.lastStepAt = at;
    }
  } else {
    const strong = lasted(next.strongSince, p.resumeAfterMs);
    const probe = lasted(next.audioOnlySince, next.probeAfterMs) && lasted(next.healthySince, p.resumeAfterMs);
    if (strong || probe) {
      next.audioOnly = false;
      next.audioOnlySince = undefined;
      next.resumedAt = at;
      next.lastStepAt = at;
      // A cap the estimate carries, or the floor when only a probe vouches for the link; step-ups find the rest.
      next.maxBitrate = strong && bps !== undefined ? Math.min(p.maxVideoBitrate, Math.max(p.minVideoBitrate, Math.round((bps - p.headroomBps) * p.stepDownFactor))) : p.minVideoBitrate;
    }
  }
  next.quality = classify({ audioOnly: next.audioOnly, rttMs, loss, bps: warm ? bps : undefined });
  return next;
}

export interface SpeakingState {
  speaking: boolean;
  lastLoudAt: number | undefined;
}

export const SPEAKING_THRESHOLD = 0.02;
/** A pause between words shorter than this does not end "speaking" (no flicker on the screen). */
export const SPEAKING_HOLD_MS = 1_500;

export function nextSpeaking(prev: SpeakingState, level: number | undefined, at: number, threshold = SPEAKING_THRESHOLD, holdMs = SPEAKING_HOLD_MS): SpeakingState {
  if (level !== undefined && level >= threshold) return { speaking: true, lastLoudAt: at };
  return { speaking: prev.lastLoudAt !== undefined && at - prev.lastLoudAt < holdMs, lastLoudAt: prev.lastLoudAt };
}
