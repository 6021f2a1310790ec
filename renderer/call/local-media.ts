// The camera and microphone for a consultation, on either side: echo cancellation and noise
// suppression on, a modest resolution the link can carry, more frames per second for sign language —
// and the voice alone when there is no camera (or it is refused).
export async function openLocalMedia(preferFrameRate: boolean): Promise<MediaStream> {
  const audio = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio,
      video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: preferFrameRate ? 30 : 24 } },
    });
  } catch {
    return navigator.mediaDevices.getUserMedia({ audio, video: false });
  }
}
