import { describe, expect, it } from 'vitest';
import { checkProviderUrl } from '../../src/http/url-policy';
import { loopback, loopbackLocal, publicUrls, rules } from './url-spellings';

describe('checkProviderUrl', () => {
  for (const [rule, urls] of Object.entries(rules)) {
    describe(rule, () => {
      it('has at least 100 spellings', () => {
        expect(new Set(urls).size).toBeGreaterThanOrEqual(100);
      });

      it('refuses every spelling in production', () => {
        const accepted = urls.filter((u) => checkProviderUrl(u, 'production').ok);
        expect(accepted).toEqual([]);
      });

      if (rule !== 'loopback') {
        it('refuses every spelling in development and test too', () => {
          for (const environment of ['development', 'test']) expect(urls.filter((u) => checkProviderUrl(u, environment).ok)).toEqual([]);
        });
      }
    });
  }

  it('allows plain loopback, over http or https, in development and test only (the demo, the tests, a local artifact server)', () => {
    expect(loopbackLocal.length).toBeGreaterThanOrEqual(100);
    for (const environment of ['development', 'test']) expect(loopbackLocal.filter((u) => !checkProviderUrl(u, environment).ok)).toEqual([]);
    for (const environment of ['production', 'staging', '']) expect(loopbackLocal.filter((u) => checkProviderUrl(u, environment).ok)).toEqual([]);
  });

  it('refuses loopback embedded in translated, compatible, NAT64, 6to4 and Teredo forms even in development', () => {
    const embedded = loopback.filter((u) => !loopbackLocal.includes(u));
    expect(embedded.length).toBeGreaterThan(20);
    expect(embedded.filter((u) => checkProviderUrl(u, 'development').ok)).toEqual([]);
  });

  it.each(publicUrls)('accepts the public https URL %s', (url) => {
    expect(checkProviderUrl(url, 'production')).toMatchObject({ ok: true });
  });

  it('says why, without echoing the URL', () => {
    expect(checkProviderUrl('https://169.254.169.254/', 'production')).toEqual({
      ok: false,
      reason: 'the host is a private, loopback, link-local, metadata or otherwise internal address',
    });
    expect(checkProviderUrl('https://[::ffff:0:a9fe:a9fe]/', 'production').ok).toBe(false);
    expect(checkProviderUrl('http://hooks.example.com/', 'production')).toEqual({ ok: false, reason: 'the URL must use https' });
    expect(checkProviderUrl('https://u:p@hooks.example.com/', 'production')).toEqual({ ok: false, reason: 'the URL must not contain user-info' });
    expect(checkProviderUrl('not a url', 'production')).toEqual({ ok: false, reason: 'not an absolute http(s) URL' });
  });
});
