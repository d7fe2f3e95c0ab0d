import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IceConfig } from '../shared/ice.js';
import { iceConfigFor, turnCredentials } from './turn.js';

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
});
