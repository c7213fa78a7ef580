// dlt's own rest_api test cases, translated to data (test/conformance/dlt/*.json, written by translate.py from
// dlt-hub/dlt at the commit each file names), asserted against streamtap. One test per dlt test file; each
// prints passed / failed / not applicable. A case that fails must be listed in known-failures.json with its
// reason ("deviation: ..." for deliberate ones); a listed case that passes fails the test too, so the list
// stays true. Figures for docs/rest-features.md: `node scripts/test.mjs test/conformance`.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, SecretMissingError } from '../../src/config/errors.js';
import { parseSourceConfig } from '../../src/config/load.js';
import { isSingleEntityPath } from '../../src/config/single-entity.js';
import { createAuth } from '../../src/rest/auth.js';
import { detectPaginator, detectRecordsPath } from '../../src/rest/detector.js';
import { formatSegments } from '../../src/expressions/json-path.js';
import { SecretRedactor } from '../../src/rest/errors.js';

const DIR = join(import.meta.dirname, 'dlt');

interface Case {
  readonly id: string;
  readonly test: string;
  readonly kind: string;
  readonly config?: unknown;
  readonly response?: unknown;
  readonly links?: Record<string, { url: string }> | null;
  readonly path?: string;
  readonly expect?: Record<string, unknown>;
  readonly not_applicable?: string;
}
interface CaseFile {
  readonly source: { readonly repo: string; readonly commit: string; readonly file: string };
  readonly cases: readonly Case[];
}

/** JS stand-ins for Python callables in dlt's configs (a TS config holds a function where dlt holds a lambda). */
const STAND_INS: Record<string, unknown> = {
  table_name_from_type: (record: Record<string, unknown>) => record.type,
};

function materialize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(materialize);
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.$js === 'string') {
      const fn = STAND_INS[record.$js];
      if (!fn) throw new Error(`no stand-in named ${record.$js}`);
      return fn;
    }
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, materialize(v)]));
  }
  // dlt's test_paginator_overrides marks distinct paginator instances with these strings
  if (typeof value === 'string' && /^__\w+_paginator__$/.test(value))
    return { type: 'json_link', next_url_path: value };
  return value;
}

const parse = (config: unknown, env: NodeJS.ProcessEnv = {}) =>
  parseSourceConfig(materialize(config), { name: 'conformance', origin: 'dlt-case', env });

function subset(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== 'object') return actual === expected;
  if (actual === null || typeof actual !== 'object') return false;
  return Object.entries(expected).every(([k, v]) => subset((actual as Record<string, unknown>)[k], v));
}

/** Throws (with a message saying how) when streamtap does not give dlt's outcome. */
function check(c: Case): void {
  const expect = c.expect ?? {};
  switch (c.kind) {
    case 'config_valid': {
      const source = parse(c.config);
      for (const [child, parent] of Object.entries((expect.parents ?? {}) as Record<string, string>)) {
        const r = source.resources.find((x) => x.name === child);
        assert.equal(r?.parent?.resource, parent, `parent of ${child}`);
      }
      return;
    }
    case 'config_invalid': {
      // dlt refuses these when the source is built; streamtap refuses them before the first request: at load
      // (ConfigError) or, for a credential neither given nor set, when auth resolves its secrets at start-up.
      let source;
      try {
        source = parse(c.config);
      } catch (error) {
        assert.ok(error instanceof ConfigError, `not a config error: ${String(error)}`);
        return;
      }
      const options = {
        secrets: { env: {} },
        redactor: new SecretRedactor(),
        fetchToken: () => Promise.reject(new Error('no token request in a config case')),
      };
      assert.throws(
        () => [source.auth, ...source.resources.map((r) => r.endpoint.auth)].forEach((a) => createAuth(a, options)),
        SecretMissingError,
        `dlt refuses it: ${String(expect.dlt_message)}`,
      );
      return;
    }
    case 'config_not_mutated': {
      const config = materialize(c.config);
      const before = JSON.stringify(config);
      parseSourceConfig(config, { name: 'conformance', origin: 'dlt-case', env: {} });
      assert.equal(JSON.stringify(config), before);
      return;
    }
    case 'effective_paginator': {
      const source = parse(c.config);
      const index = expect.resource as number;
      const resource = source.resources.at(index);
      const wanted = materialize(expect.paginator);
      const actual = resource?.endpoint.paginator;
      if (wanted === null) assert.equal(actual, undefined, `no paginator (auto), got ${JSON.stringify(actual)}`);
      else
        assert.ok(
          subset(actual, typeof wanted === 'string' ? { type: wanted } : wanted),
          `paginator ${JSON.stringify(actual)}, dlt: ${JSON.stringify(wanted)}`,
        );
      return;
    }
    case 'auth_resolved': {
      const env = Object.fromEntries(
        Object.entries((expect.env ?? {}) as Record<string, string>).map(([k, v]) => [
          `CREDENTIALS__${k.toUpperCase()}`,
          v,
        ]),
      );
      const secretEnv = { ...env, STREAMTAP_SECRET_CONFORMANCE_TOKEN: 'token' };
      const source = parse(c.config, secretEnv);
      assert.ok(subset(source.auth, expect.auth), `auth ${JSON.stringify(source.auth)}`);
      const auth = createAuth(source.auth, {
        secrets: { env: secretEnv },
        redactor: new SecretRedactor(),
        fetchToken: () => Promise.reject(new Error('no token request in a config case')),
      });
      assert.equal(auth.type === 'none' ? 'none' : source.auth?.type, (expect.auth as { type: string }).type);
      return;
    }
    case 'detect_records':
      assert.equal(
        formatSegments(detectRecordsPath(c.response)),
        expect.records_path === '' ? '$' : expect.records_path,
      );
      return;
    case 'detect_next_path': {
      const found = detectPaginator({ status: 200, headers: {}, body: c.response });
      const path =
        found.type === 'json_link' ? found.next_url_path : found.type === 'cursor' ? found.cursor_path : null;
      assert.equal(path, expect.next_path, `detected ${JSON.stringify(found)}`);
      return;
    }
    case 'detect_paginator': {
      const headers: Record<string, string> = {};
      if (c.links)
        headers.link = Object.entries(c.links)
          .map(([rel, l]) => `<${l.url}>; rel="${rel}"`)
          .join(', ');
      const found = detectPaginator({ status: 200, headers, body: c.response });
      assert.ok(
        subset(found, expect.paginator),
        `detected ${JSON.stringify(found)}, dlt: ${JSON.stringify(expect.paginator)}`,
      );
      return;
    }
    case 'single_entity_path':
      assert.equal(isSingleEntityPath(c.path as string), expect.single_entity);
      return;
    default:
      throw new Error(`unknown case kind ${c.kind}`);
  }
}

const known = JSON.parse(readFileSync(join(DIR, 'known-failures.json'), 'utf8')) as Record<string, string>;
const totals = { passed: 0, failed: 0, deviations: 0, notApplicable: 0 };

for (const file of readdirSync(DIR)
  .filter((f) => f.endsWith('.json') && f !== 'known-failures.json')
  .sort()) {
  const data = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as CaseFile;
  test(`dlt ${data.source.file}`, () => {
    const counts = { passed: 0, failed: 0, deviations: 0, notApplicable: 0 };
    const surprises: string[] = [];
    for (const c of data.cases) {
      if (c.not_applicable) {
        counts.notApplicable++;
        continue;
      }
      const key = `${file}#${c.id}`;
      let error: unknown;
      try {
        check(c);
      } catch (e) {
        error = e;
      }
      if (error === undefined) {
        counts.passed++;
        if (known[key]) surprises.push(`${key} passes now: remove it from known-failures.json`);
      } else {
        counts.failed++;
        if (known[key]?.startsWith('deviation:')) counts.deviations++;
        if (!known[key]) surprises.push(`${key} fails: ${(error as Error).message.replace(/\s*\n\s*/g, ' | ')}`);
      }
    }
    for (const k of Object.keys(counts) as (keyof typeof counts)[]) totals[k] += counts[k];
    console.log(
      `${data.source.file}: ${counts.passed} passed, ${counts.failed} failed (${counts.deviations} deliberate deviations), ${counts.notApplicable} not applicable`,
    );
    assert.deepEqual(surprises, []);
  });
}

test('dlt conformance total', () => {
  const applicable = totals.passed + totals.failed;
  console.log(
    `dlt conformance: ${totals.passed}/${applicable} applicable cases pass (${((100 * totals.passed) / applicable).toFixed(1)} %), ` +
      `${totals.deviations} deliberate deviations, ${totals.notApplicable} not applicable`,
  );
});
