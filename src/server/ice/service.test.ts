import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IceConfig } from '../../shared/ice.js';
import { iceConfigFor, turnCredentials, turnUser } from './service.js';
import { configFromEnv, turnOptions } from '../config.js';
import { janusNatLines } from '../janus/config.js';

describe('TURN REST credentials', () => {
  it('are expiry:user and the base64 HMAC-SHA1 of that with the shared secret', () => {
    const c = turnCredentials('s3cret', 'alice', 600, 1_700_000_000_000);
    expect(c.username).toBe('1700000600:alice');
    expect(c.credential).toBe(createHmac('sha1', 's3cret').update('1700000600:alice').digest('base64'));
  });

  it('a colon in the user cannot move the expiry', () => {
    expect(turnCredentials('s', '9999999999:x', 60, 0).username).toBe('60:9999999999_x');
  });

  it('the ice.servers reply matches the shared contract, and is empty without TURN', () => {
    const config = iceConfigFor({ secret: 's', urls: ['turn:10.0.0.1:3478?transport=udp', 'turns:turn.example.com:443?transport=tcp'], ttlSeconds: 300 }, 'guest', 0);
    expect(IceConfig.parse(config)).toEqual(config);
    expect(config.iceServers).toHaveLength(1);
    expect(config.iceServers[0]!.username).toBe('300:guest');
    expect(config.ttlSeconds).toBe(300);
    expect(iceConfigFor(undefined, 'x')).toEqual({ iceServers: [], ttlSeconds: 0 });
  });

  it('guests get a TURN user of their own (coturn counts its quota per user), accounts their handle', () => {
    expect(turnUser({ id: 'ab12', identity: { handle: null } })).toBe('guest-ab12');
    expect(turnUser({ id: 'cd34', identity: { handle: null } })).not.toBe(turnUser({ id: 'ab12', identity: { handle: null } }));
    expect(turnUser({ id: 'ab12', identity: { handle: 'alice' } })).toBe('alice');
  });

  it('comes from the environment: both the secret and URLs, or no TURN at all; a weak secret is refused', () => {
    const env = { SPACES_TURN_SECRET: 'a-long-enough-secret', SPACES_TURN_URLS: 'turn:t.example.com:3478?transport=udp, turns:t.example.com:443?transport=tcp', SPACES_TURN_TTL_S: '900' };
    expect(turnOptions(configFromEnv(env))).toEqual({ secret: 'a-long-enough-secret', urls: ['turn:t.example.com:3478?transport=udp', 'turns:t.example.com:443?transport=tcp'], ttlSeconds: 900, stunUrls: [] });
    expect(turnOptions(configFromEnv({ SPACES_TURN_SECRET: 'a-long-enough-secret' }))).toBeUndefined();
    expect(() => configFromEnv({ SPACES_TURN_SECRET: 'short' })).toThrow('at least 16 characters');
    expect(() => configFromEnv({ JANUS_TURN_SERVER: 'turn.example.com' })).toThrow('host:port:udp|tcp|tls');
  });

  it("Janus' NAT settings become its nat: lines", () => {
    expect(janusNatLines({})).toEqual([]);
    expect(janusNatLines({ publicIp: '203.0.113.10', stunServer: 'stun.example.com:3478', iceTcp: true })).toEqual([
      'nat_1_1_mapping = "203.0.113.10"',
      'keep_private_host = false',
      'stun_server = "stun.example.com"',
      'stun_port = 3478',
      'ice_lite = true',
      'ice_tcp = true',
    ]);
    expect(janusNatLines({ turn: { host: 't.example.com', port: 3478, type: 'udp', user: '1:janus', pwd: 'p"w' } })).toContain('turn_pwd = "p\\"w"');
  });
});
