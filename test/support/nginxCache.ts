import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface NginxCache {
  url: string;
  /** nginx's own log of each request: path, cache status, and whether it went to the origin. */
  log(): { path: string; cache: string; upstream: boolean; status: number }[];
  stop(): Promise<void>;
}

/**
 * Debian's nginx as an HTTP cache in front of the Space server, as a CDN edge would be: it obeys
 * the origin's Cache-Control, and `proxy_cache_lock` lets one request per object through while
 * the others wait for it. Listens on loopback only; config, cache and logs live in `dir`.
 */
export async function startNginxCache(opts: { dir: string; port: number; origin: string }): Promise<NginxCache> {
  mkdirSync(join(opts.dir, 'cache'), { recursive: true });
  const conf = join(opts.dir, 'nginx.conf');
  writeFileSync(
    conf,
    `user root;
worker_processes 1;
daemon off;
pid ${join(opts.dir, 'nginx.pid')};
error_log ${join(opts.dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  log_format cache '$uri $upstream_cache_status $upstream_addr $status';
  access_log ${join(opts.dir, 'access.log')} cache;
  client_body_temp_path ${join(opts.dir, 'body')};
  proxy_temp_path ${join(opts.dir, 'proxy')};
  fastcgi_temp_path ${join(opts.dir, 'fastcgi')};
  uwsgi_temp_path ${join(opts.dir, 'uwsgi')};
  scgi_temp_path ${join(opts.dir, 'scgi')};
  proxy_cache_path ${join(opts.dir, 'cache')} levels=1:2 keys_zone=hls:10m max_size=200m inactive=10m use_temp_path=off;
  server {
    listen 127.0.0.1:${opts.port};
    # The page's WebSocket goes through too (the origin checks that Origin and Host agree).
    location /ws {
      proxy_pass ${opts.origin};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_set_header Host $http_host;
      proxy_read_timeout 1h;
    }
    location / {
      proxy_pass ${opts.origin};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache hls;
      proxy_cache_lock on;
      proxy_cache_lock_timeout 10s;
      proxy_cache_lock_age 10s;
      proxy_cache_use_stale updating;
    }
  }
}
`,
  );
  const child: ChildProcess = spawn('/usr/sbin/nginx', ['-p', opts.dir, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const url = `http://127.0.0.1:${opts.port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${err}`);
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    log: () =>
      readFileSync(join(opts.dir, 'access.log'), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [path = '', cache = '-', upstream = '-', status = '0'] = line.split(' ');
          return { path, cache, upstream: upstream !== '-', status: Number(status) };
        }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGQUIT');
      }),
  };
}

/**
 * One HLS player without audio: polls the live playlist every `pollMs` and fetches each new
 * segment once, as hls.js does. Returns the segments it got (name -> bytes).
 */
export async function hlsClient(playlistUrl: string, untilMs: number, pollMs = 1000): Promise<{ segments: Map<string, number>; errors: number }> {
  const segments = new Map<string, number>();
  let errors = 0;
  await new Promise((r) => setTimeout(r, Math.random() * pollMs));
  while (Date.now() < untilMs) {
    const started = Date.now();
    try {
      const res = await fetch(playlistUrl);
      if (!res.ok) errors++;
      else {
        const text = await res.text();
        for (const name of text.split('\n').filter((l) => l.endsWith('.ts'))) {
          if (segments.has(name)) continue;
          const seg = await fetch(new URL(name, playlistUrl));
          if (!seg.ok) errors++;
          else segments.set(name, (await seg.arrayBuffer()).byteLength);
        }
      }
    } catch {
      errors++;
    }
    await new Promise((r) => setTimeout(r, Math.max(0, pollMs - (Date.now() - started))));
  }
  return { segments, errors };
}
