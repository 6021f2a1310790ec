// The part of @thaunknown/simple-peer 10.x (which ships no types) that the consultation peer uses,
// including the internals it must reach for ICE restarts: the RTCPeerConnection, the negotiation
// flags, and the handlers it overrides so that a failure an ICE restart can fix does not end the call.
declare module '@thaunknown/simple-peer' {
  /** What simple-peer emits and accepts on its `signal` channel. */
  export interface PeerSignal {
    type?: string;
    sdp?: string;
    candidate?: RTCIceCandidateInit;
    renegotiate?: boolean;
    transceiverRequest?: { kind: 'audio' | 'video'; init?: RTCRtpTransceiverInit };
  }

  export interface PeerOptions {
    initiator?: boolean;
    config?: RTCConfiguration;
    streams?: MediaStream[];
    trickle?: boolean;
    offerOptions?: RTCOfferOptions;
    answerOptions?: RTCAnswerOptions;
  }

  export default class Peer {
    constructor(options?: PeerOptions);
    readonly initiator: boolean;
    readonly destroyed: boolean;
    /** The connection itself; null once the peer is destroyed. */
    _pc: RTCPeerConnection | null;
    /** True from negotiate() until the signaling state is stable again (an unanswered offer leaves it set). */
    _isNegotiating: boolean;
    _queuedNegotiation: boolean;
    /** The data channel simple-peer always opens (unused by consultations). */
    _channel: RTCDataChannel | null;

    signal(data: PeerSignal | string): void;
    negotiate(): void;
    destroy(err?: Error): void;

    on(event: 'signal', listener: (data: PeerSignal) => void): this;
    on(event: 'stream', listener: (stream: MediaStream) => void): this;
    on(event: 'error', listener: (err: Error & { code?: string }) => void): this;
    on(event: 'close', listener: () => void): this;
    removeAllListeners(event?: string): this;

    protected _onIceStateChange(): void;
    protected _onConnectionStateChange(): void;
    protected _addIceCandidate(candidate: RTCIceCandidateInit): void;
    protected _setupData(event: { channel: RTCDataChannel }): void;
    protected _onChannelClose(): void;
  }
}
