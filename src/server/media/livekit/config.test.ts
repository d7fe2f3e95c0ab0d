import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newLiveKitKeys, writeLiveKitConfig } from './config.js';

describe('the generated livekit.yaml', () => {
  it('binds and announces the media address, limits interfaces, refuses unknown rooms, posts webhooks, and is private', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lk-config-'));
    const keys = newLiveKitKeys();
    expect(keys.apiSecret.length).toBeGreaterThanOrEqual(32);
    const file = writeLiveKitConfig({ dir, nodeIp: '10.99.0.1', port: 7880, rtcPort: 7882, interfaces: 'd0', ...keys, webhookUrl: 'http://10.99.0.1:5000/', redis: '10.99.0.1:6379' });
    const c = JSON.parse(readFileSync(file, 'utf8'));
    expect(c.bind_addresses).toEqual(['10.99.0.1', '127.0.0.1']);
    expect(c.rtc).toMatchObject({ udp_port: 7882, tcp_port: 7883, node_ip: '10.99.0.1', use_external_ip: false, interfaces: { includes: ['d0'] } });
    expect(c.keys).toEqual({ [keys.apiKey]: keys.apiSecret });
    expect(c.room.auto_create).toBe(false);
    expect(c.webhook).toEqual({ api_key: keys.apiKey, urls: ['http://10.99.0.1:5000/'] });
    expect(c.redis).toEqual({ address: '10.99.0.1:6379' });
    expect(statSync(file).mode & 0o077).toBe(0); // the secret is in it
  });

  it('a single node has no Redis and no interface filter when none is given', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lk-config-'));
    const c = JSON.parse(readFileSync(writeLiveKitConfig({ dir, nodeIp: '127.0.0.1', port: 7880, rtcPort: 7882, interfaces: '', ...newLiveKitKeys() }), 'utf8'));
    expect(c.redis).toBeUndefined();
    expect(c.rtc.interfaces).toBeUndefined();
    expect(c.bind_addresses).toEqual(['127.0.0.1']);
  });
});
