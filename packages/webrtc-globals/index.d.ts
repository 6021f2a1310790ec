export declare const RTCPeerConnection: typeof globalThis.RTCPeerConnection;
export declare const RTCSessionDescription: typeof globalThis.RTCSessionDescription;
export declare const RTCIceCandidate: typeof globalThis.RTCIceCandidate;
