/**
 * Child process of `npm run bench -- signaling --listeners N`: holds thousands of anonymous
 * listener sockets (the open-file limit is per process, so they cannot live in the server's
 * process). Each is a plain `ws` socket that sends `space.join` with a display name and then
 * reads every message the server pushes (counted, not parsed: parsing 10,000 copies of each
 * update would make this process the bottleneck). Driven by the parent over IPC.
 */
import WebSocket from 'ws';
import type { RequestParams } from '../../src/shared/signaling.js';

type Command =
  | { cmd: 'join'; url: string; spaceId: string; count: number; burst: number; deadlineMs: number }
  | { cmd: 'stats' }
  | { cmd: 'close' };

export interface JoinReport {
  joined: number;
  failed: number;
  errors: Record<string, number>;
  elapsedMs: number;
  /** True when the deadline ended the step before every join was answered. */
  timedOut: boolean;
}

export interface SocketStats {
  open: number;
  closedByServer: number;
  messages: number;
  bytes: number;
}

const sockets: WebSocket[] = [];
const stats: SocketStats = { open: 0, closedByServer: 0, messages: 0, bytes: 0 };
let nextName = 0;
let closing = false;

const JOIN_ID = 'join';

/** Opens one socket and joins; resolves with null on success or an error code. */
function joinOne(url: string, spaceId: string, deadline: number): Promise<string | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    sockets.push(ws);
    let settled = false;
    const settle = (err: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(err);
    };
    const timer = setTimeout(() => settle('timeout'), Math.max(0, deadline - performance.now()));
    ws.on('open', () => {
      stats.open++;
      const params: RequestParams<'space.join'> = { spaceId, displayName: `Listener ${nextName++}` };
      ws.send(JSON.stringify({ id: JOIN_ID, type: 'space.join', params }));
    });
    ws.on('message', (data: Buffer) => {
      stats.messages++;
      stats.bytes += data.length;
      if (settled) return;
      // Only the head is looked at: {"type":"reply","id":"join",...} or {"type":"error","id":"join",...}
      const head = data.subarray(0, 80).toString('utf8');
      if (!head.includes(`"id":"${JOIN_ID}"`)) return;
      if (head.includes('"type":"reply"')) return settle(null);
      let code = 'error';
      try {
        code = (JSON.parse(data.toString('utf8')) as { error?: { code?: string } }).error?.code ?? 'error';
      } catch {
        /* keep 'error' */
      }
      settle(code);
    });
    ws.on('error', () => settle('socket_error'));
    ws.on('close', () => {
      if (!closing) stats.closedByServer++;
      stats.open = Math.max(0, stats.open - 1);
      settle('closed');
    });
  });
}

async function join(c: Extract<Command, { cmd: 'join' }>): Promise<JoinReport> {
  const t0 = performance.now();
  const deadline = t0 + c.deadlineMs;
  const report: JoinReport = { joined: 0, failed: 0, errors: {}, elapsedMs: 0, timedOut: false };
  for (let done = 0; done < c.count; ) {
    if (performance.now() >= deadline) {
      report.timedOut = true;
      break;
    }
    const n = Math.min(c.burst, c.count - done);
    const results = await Promise.all(Array.from({ length: n }, () => joinOne(c.url, c.spaceId, deadline)));
    for (const r of results) {
      if (r === null) report.joined++;
      else {
        report.failed++;
        report.errors[r] = (report.errors[r] ?? 0) + 1;
        if (r === 'timeout') report.timedOut = true;
      }
    }
    done += n;
  }
  report.elapsedMs = performance.now() - t0;
  return report;
}

process.on('message', (m: Command) => {
  const reply = (x: unknown): void => void process.send?.(x);
  if (m.cmd === 'join') void join(m).then(reply);
  else if (m.cmd === 'stats') reply({ ...stats });
  else if (m.cmd === 'close') {
    closing = true;
    for (const ws of sockets) ws.terminate();
    reply({ closed: sockets.length });
    setTimeout(() => process.exit(0), 100);
  }
});
process.on('disconnect', () => process.exit(0));
