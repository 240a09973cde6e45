import { describe, expect, it } from 'vitest';
import { checkWebhookUrl } from '../../src/webhooks/ssrf';

/** Loopback in every spelling the URL parser accepts: refused in production, allowed for local receivers. */
const loopback = [
  'https://127.0.0.1/hook',
  'https://127.1/hook',
  'https://2130706433/hook',
  'https://0x7f000001/hook',
  'https://017700000001/hook',
  'https://0x7f.0.0.1/hook',
  'https://0177.0.0.01/hook',
  'https://%31%32%37.0.0.1/hook',
  'https://１２７.０.０.１/hook',
  'https://127.0.0.1./hook',
  'https://[::1]/hook',
  'https://[0:0:0:0:0:0:0:1]/hook',
  'https://[::ffff:127.0.0.1]/hook',
  'https://[::ffff:7f00:1]/hook',
  'https://localhost/hook',
  'https://LOCALHOST./hook',
  'https://api.localhost/hook',
];

const refusedEverywhere = [
  // unspecified, private, CGNAT, link-local and metadata
  'https://0.0.0.0/hook',
  'https://0/hook',
  'https://[::]/hook',
  'https://10.1.2.3/hook',
  'https://172.16.0.1/hook',
  'https://172.31.255.255/hook',
  'https://192.168.1.1/hook',
  'https://100.64.0.1/hook',
  'https://169.254.169.254/latest/meta-data',
  'https://2852039166/latest/meta-data',
  'https://[::ffff:169.254.169.254]/hook',
  'https://[::ffff:10.0.0.1]/hook',
  'https://[64:ff9b::a9fe:a9fe]/hook',
  'https://[2002:a9fe:a9fe::]/hook',
  'https://[fd00:ec2::254]/hook',
  'https://[fc00::1]/hook',
  'https://[fe80::1]/hook',
  'https://[ff02::1]/hook',
  'https://[::127.0.0.1]/hook',
  'https://224.0.0.1/hook',
  'https://255.255.255.255/hook',
  'https://198.18.0.1/hook',
  // names that only resolve inside a private network
  'https://metadata.google.internal/computeMetadata/v1/',
  'https://printer.local/hook',
  'https://db.corp/hook',
  'https://1.0.0.127.in-addr.arpa/hook',
  'https://metadata/hook',
  'https://intranet/hook',
  // scheme and user-info
  'http://hooks.example.com/hook',
  'ftp://hooks.example.com/hook',
  'file:///etc/passwd',
  'javascript:alert(1)',
  'https://user:pass@hooks.example.com/hook',
  'https://user@hooks.example.com/hook',
  'not a url',
  '/relative/path',
];

describe('checkWebhookUrl', () => {
  it.each([...loopback, ...refusedEverywhere])('refuses %s in production', (url) => {
    expect(checkWebhookUrl(url, 'production').ok).toBe(false);
  });

  it.each(refusedEverywhere)('refuses %s in development too', (url) => {
    expect(checkWebhookUrl(url, 'development').ok).toBe(false);
  });

  it.each(loopback)('allows the loopback spelling %s in development', (url) => {
    expect(checkWebhookUrl(url, 'development').ok).toBe(true);
  });

  it.each(['https://hooks.example.com/inplace', 'https://93.184.215.14:8443/hook', 'https://[2606:4700:4700::1111]/hook', 'https://hooks.example.com./x?y=1'])(
    'accepts the public https URL %s',
    (url) => {
      expect(checkWebhookUrl(url, 'production')).toMatchObject({ ok: true });
    },
  );

  it('allows loopback over http only in development and test', () => {
    for (const url of ['http://127.0.0.1:8840/hook', 'http://localhost:8840/hook', 'http://[::1]:8840/hook', 'http://127.1:8840/hook']) {
      expect(checkWebhookUrl(url, 'development').ok).toBe(true);
      expect(checkWebhookUrl(url, 'test').ok).toBe(true);
      expect(checkWebhookUrl(url, 'production').ok).toBe(false);
      expect(checkWebhookUrl(url, 'staging').ok).toBe(false);
    }
    expect(checkWebhookUrl('http://10.0.0.1/hook', 'development').ok).toBe(false);
    expect(checkWebhookUrl('http://hooks.example.com/hook', 'development').ok).toBe(false);
  });

  it('says why, without echoing the URL', () => {
    expect(checkWebhookUrl('https://169.254.169.254/', 'production')).toEqual({
      ok: false,
      reason: 'the host is a private, loopback, link-local or metadata address',
    });
    expect(checkWebhookUrl('http://hooks.example.com/', 'production')).toEqual({ ok: false, reason: 'the URL must use https' });
    expect(checkWebhookUrl(`https://hooks.example.com/${'a'.repeat(2000)}`, 'production').ok).toBe(false);
  });
});
