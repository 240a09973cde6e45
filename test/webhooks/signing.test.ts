import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signMessage, webhookHeaders } from '../../src/webhooks/signing';
import { generateWebhookSecret } from '../../src/webhooks/secrets';

describe('Standard Webhooks signatures', () => {
  it('matches the specification’s test vector', async () => {
    const signature = await signMessage('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('is accepted by the reference implementation', async () => {
    const secret = generateWebhookSecret();
    const body = JSON.stringify({ type: 'migration.requested', data: { migrationId: 'mig_1' } });
    const now = Math.floor(Date.now() / 1000);
    const headers = await webhookHeaders([secret], 'msg_abc', now, body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('signs with every live secret during a rotation, so either verifies', async () => {
    const [current, previous] = [generateWebhookSecret(), generateWebhookSecret()];
    const body = '{"ok":true}';
    const headers = await webhookHeaders([current, previous], 'msg_rot', Math.floor(Date.now() / 1000), body);
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toEqual({ ok: true });
    expect(new Webhook(previous).verify(body, headers)).toEqual({ ok: true });
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(current).verify('{"ok":false}', headers)).toThrow();
  });

  it('generates whsec_ secrets of 32 random bytes', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(atob(secret.slice(6))).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
  });
});
