// The preload bridge: exposes exactly the contract's calls and events to the page, nothing of Node
// or of ipcRenderer itself. Runs sandboxed with context isolation.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { eventNames, ipcChannel, isCallName, type CallResult, type EventName } from '../protocol/ipc';

const isEventName = (name: unknown): name is EventName => typeof name === 'string' && (eventNames as string[]).includes(name);

contextBridge.exposeInMainWorld('odekake', {
  call(name: unknown, input: unknown): Promise<CallResult> {
    if (!isCallName(name)) return Promise.resolve({ ok: false, error: { code: 'UNKNOWN_CALL', message: '不明な操作です。' } });
    return ipcRenderer.invoke(ipcChannel.call(name), input) as Promise<CallResult>;
  },
  on(name: unknown, listener: (payload: unknown) => void): () => void {
    if (!isEventName(name) || typeof listener !== 'function') return () => undefined;
    const channel = ipcChannel.event(name);
    const handler = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, handler);
    return () => ipcRenderer.removeListener(channel, handler);
  },
});
