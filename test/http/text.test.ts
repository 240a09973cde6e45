import { describe, expect, it } from 'vitest';
import { text } from '../../src/http/text';
import { createPlatform, dataCenter, platformBody, putInventory, registerCustomer, registerProvider } from '../factories';
import { call, expectProblem, OPERATOR, raw } from '../http';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String.fromCharCode(from + i));
const C0 = range(0x00, 0x1f);
const DEL_C1 = range(0x7f, 0x9f);
const BIDI = ['\u061c', '\u200e', '\u200f', ...range(0x202a, 0x202e), ...range(0x2066, 0x2069)];
const LONE_SURROGATES = ['\ud800', '\udbff', '\udc00', '\udfff', '\ud83d'];
const hex = (s: string) => `U+${s.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

describe('text()', () => {
  const line = text({ max: 100 });
  const block = text({ max: 100, min: 0, multiline: true });

  it.each([...C0, ...DEL_C1, ...BIDI, ...LONE_SURROGATES].map((c) => [hex(c), c]))('a single line refuses %s anywhere inside', (code, c) => {
    const r = line.safeParse(`ab${c}cd`);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toContain(code);
  });

  it.each([...range(0x00, 0x08), ...range(0x0b, 0x1f), ...DEL_C1, ...BIDI, ...LONE_SURROGATES].map((c) => [hex(c), c]))(
    'multi-line text refuses %s too',
    (_code, c) => {
      expect(block.safeParse(`ab${c}cd`).success).toBe(false);
    },
  );

  it('multi-line text keeps tab and newline, and stores CRLF as LF', () => {
    expect(block.parse('first\tline\r\nsecond line\n')).toBe('first\tline\nsecond line');
    expect(line.safeParse('first\nsecond').success).toBe(false);
    expect(line.safeParse('a\tb').success).toBe(false);
  });

  it('accepts what people really write: accents, scripts, emoji (paired surrogates), zero-width joiners', () => {
    for (const ok of ['Zürich Süd', 'Ørsted – København', '東京 第一', 'مركز البيانات', 'Rack 🚀', '👩‍💻 team', 'naïve “quotes”']) {
      expect(line.parse(`  ${ok} `)).toBe(ok);
    }
  });

  it('bounds length after trimming and refuses blank text unless min is 0', () => {
    expect(line.safeParse('   ').success).toBe(false);
    expect(line.safeParse('x'.repeat(101)).success).toBe(false);
    expect(block.parse('  ')).toBe('');
  });
});

describe('every name, label and description refuses control, bidi and unpaired surrogate characters', () => {
  const BAD = ['\u0000', '\u202e', '\u2067', '\ud800', '\u0085', '\u007f', '\u001b[31m'];

  async function fields() {
    const provider = await registerProvider();
    const customer = await registerCustomer();
    const platform = await createPlatform(provider.key);
    const dc = dataCenter();
    await putInventory(dc);
    const serverId = dc.serverIds[0]!;
    const srv = dc.servers![0]!;
    type Case = { label: string; method: string; path: string; key: string; field: string; body: (bad: string) => unknown };
    const cases: Case[] = [
      { label: 'customer name', method: 'POST', path: '/v1/customers', key: OPERATOR, field: 'json.name', body: (b) => ({ name: `n${b}`, organisation: 'o' }) },
      { label: 'customer organisation', method: 'POST', path: '/v1/customers', key: OPERATOR, field: 'json.organisation', body: (b) => ({ name: 'n', organisation: `o${b}` }) },
      { label: 'provider name', method: 'POST', path: '/v1/providers', key: OPERATOR, field: 'json.name', body: (b) => ({ name: `n${b}`, organisation: 'o' }) },
      { label: 'provider organisation', method: 'POST', path: '/v1/providers', key: OPERATOR, field: 'json.organisation', body: (b) => ({ name: 'n', organisation: `o${b}` }) },
      { label: 'api key name', method: 'POST', path: '/v1/api-keys', key: customer.key, field: 'json.name', body: (b) => ({ name: `k${b}` }) },
      { label: 'platform name', method: 'POST', path: '/v1/platforms', key: provider.key, field: 'json.name', body: (b) => platformBody({ name: `p${b}` }) },
      { label: 'platform description', method: 'POST', path: '/v1/platforms', key: provider.key, field: 'json.description', body: (b) => platformBody({ description: `d${b}` }) },
      {
        label: 'module version',
        method: 'POST',
        path: '/v1/platforms',
        key: provider.key,
        field: 'json.modules.0.version',
        body: (b) => platformBody({ modules: [{ name: 'runtime', version: `1${b}`, artifactUrl: 'https://artifacts.example/r.tar.gz', sha256: 'a'.repeat(64) }] }),
      },
      {
        label: 'requirement value',
        method: 'POST',
        path: '/v1/platforms',
        key: provider.key,
        field: 'json.requirements.properties.0.value',
        body: (b) => platformBody({ requirements: { properties: [{ op: 'eq', property: 'cpuVendor', value: `AMD${b}` }] } }),
      },
      { label: 'platform name (patch)', method: 'PATCH', path: `/v1/platforms/${platform.id}`, key: provider.key, field: 'json.name', body: (b) => ({ name: `renamed${b}` }) },
      { label: 'platform description (patch)', method: 'PATCH', path: `/v1/platforms/${platform.id}`, key: provider.key, field: 'json.description', body: (b) => ({ description: `d${b}` }) },
      { label: 'site name', method: 'PUT', path: '/v1/inventory', key: OPERATOR, field: 'json.sites.0.name', body: (b) => ({ sites: [{ id: 'txt-s', name: `s${b}`, region: 'eu' }] }) },
      { label: 'site region', method: 'PUT', path: '/v1/inventory', key: OPERATOR, field: 'json.sites.0.region', body: (b) => ({ sites: [{ id: 'txt-s', name: 's', region: `eu${b}` }] }) },
      { label: 'row name', method: 'PUT', path: '/v1/inventory', key: OPERATOR, field: 'json.rows.0.name', body: (b) => ({ rows: [{ id: 'txt-r', siteId: dc.sites![0]!.id, name: `r${b}` }] }) },
      { label: 'rack name', method: 'PUT', path: '/v1/inventory', key: OPERATOR, field: 'json.racks.0.name', body: (b) => ({ racks: [{ id: 'txt-k', rowId: dc.rows![0]!.id, name: `k${b}` }] }) },
      ...(['cpuVendor', 'cpuModel', 'hypervisor', 'privateNetworkId'] as const).map((p) => ({
        label: `server ${p}`,
        method: 'PUT',
        path: '/v1/inventory',
        key: OPERATOR,
        field: `json.servers.0.properties.${p}`,
        body: (b: string) => ({ servers: [{ ...srv, properties: { ...srv.properties, [p]: `v${b}` } }] }),
      })),
      { label: 'server serial', method: 'PUT', path: '/v1/inventory', key: OPERATOR, field: 'json.servers.0.identity.serial', body: (b) => ({ servers: [{ ...srv, identity: { ...srv.identity, serial: `SN${b}` } }] }) },
      {
        label: 'storage address',
        method: 'PUT',
        path: '/v1/placements',
        key: OPERATOR,
        field: 'json.placements.0.storageAddress',
        body: (b) => ({ placements: [{ customerId: customer.id, serverId, platformId: platform.id, storageAddress: `iscsi://x${b}` }] }),
      },
    ];
    return cases;
  }

  it('answers 400 naming the field, for each field and each kind of character, and stores nothing', async () => {
    const cases = await fields();
    const before = await call('GET', '/v1/platforms?limit=500', { key: OPERATOR });
    for (const c of cases) {
      for (const bad of BAD) {
        // One table across several routes' bodies: the method and path are data here.
        const r = await raw(c.method, c.path, { key: c.key, body: c.body(bad) });
        expectProblem(r, 400, 'validation');
        expect(r.body.errors?.map((e) => e.field), `${c.label} ${hex(bad)}`).toContain(c.field);
      }
    }
    const after = await call('GET', '/v1/platforms?limit=500', { key: OPERATOR });
    expect(after.body).toEqual(before.body);
  });

  it('the same fields accept ordinary international text', async () => {
    const cases = await fields();
    for (const c of cases) {
      const r = await raw(c.method, c.path, { key: c.key, body: c.body(' Zürich 東京 ✓') });
      expect(r.status, `${c.label}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
    }
  });
});
