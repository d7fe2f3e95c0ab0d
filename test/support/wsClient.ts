import WebSocket from 'ws';

/** A raw WebSocket client for the server's /ws API: sends anything, collects every frame. */
export async function rawClient(serverUrl: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(serverUrl.replace(/^http/, 'ws') + '/ws', { headers });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const frames: Record<string, unknown>[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(d.toString()) as Record<string, unknown>));
  return {
    ws,
    frames,
    send(data: string | Buffer | object) {
      ws.send(typeof data === 'string' || Buffer.isBuffer(data) ? data : JSON.stringify(data));
    },
    /** Sends one request and waits for the reply or error carrying its id. */
    async request(id: string, type: string, params?: unknown): Promise<Record<string, unknown>> {
      ws.send(JSON.stringify({ id, type, params }));
      for (let i = 0; i < 200; i++) {
        const f = frames.find((x) => x.id === id);
        if (f) return f;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`no answer to ${type}`);
    },
    async nextUntagged(): Promise<Record<string, unknown>> {
      const start = frames.length;
      for (let i = 0; i < 200; i++) {
        const f = frames.slice(start).find((x) => x.type === 'error' && x.id === null);
        if (f) return f;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('no error frame');
    },
    close: () => ws.close(),
  };
}
