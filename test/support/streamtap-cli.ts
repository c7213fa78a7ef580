// The `streamtap` command as a child process that does not block this process's event loop, so a
// fixture API served by the test itself can answer it; and a fixture API serving canned JSON.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokers } from './pipeline.js';
import { sendJson, startServer, type TestServer } from './http-server.js';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function streamtapAsync(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/streamtap.js', ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        KAFKA_BROKERS: brokers,
        STREAMTAP_LOG_LEVEL: 'warn',
        API_KEY: 'fixture-token',
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `streamtap sql … --format json` rows, in the order the query gives them. */
export async function sqlRows<T>(query: string, dataDir: string): Promise<T[]> {
  const result = await streamtapAsync(['sql', query, '--data-dir', dataDir, '--format', 'json']);
  if (result.code !== 0) throw new Error(`streamtap sql failed (${result.code}): ${result.stderr}`);
  return result.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

/**
 * A fixture API: `responses` (a file, or its content) is `{"routes": [{"path": "/x", "json": <body>}]}`, one page per path
 * (the fixtures' paginators stop on the first page). Anything else is a 404.
 */
export async function startFixtureApi(
  responses: string | { routes: { path: string; json: unknown }[] },
): Promise<TestServer> {
  const { routes } = (typeof responses === 'string' ? JSON.parse(readFileSync(responses, 'utf8')) : responses) as {
    routes: { path: string; json: unknown }[];
  };
  return startServer((_req, res, url) => {
    const route = routes.find((r) => r.path === url.pathname);
    if (route) sendJson(res, 200, route.json);
    else sendJson(res, 404, { error: `no fixture for ${url.pathname}` });
  });
}

/** A fixture config under a unique source name (so topics, tables and the group are the test's own). */
export function fixtureConfig(configFile: string, name: string): string {
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  const file = join(mkdtempSync(join(tmpdir(), 'streamtap-fixture-')), `${name}.json`);
  writeFileSync(file, JSON.stringify({ ...config, name }));
  return file;
}
