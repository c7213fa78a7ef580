// Helpers of the operations tests (ops-*.test.ts): the CLI as a child process — to completion, on a
// pseudo-terminal, or running in the background with its log lines awaited — and a guard that no known
// secret ever shows up in what it printed.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { brokers, uniqueSource, withEveryEvent } from '../support/pipeline.js';

/** Values the tests hand the CLI as secrets; none may ever be printed. */
export const SECRETS = {
  apiKey: 'api-key-7c1d5e9f0a',
  kafkaPassword: 'kafka-pw-3b8e2d4c',
  clickhousePassword: 'ch-pw-51f0aa2e9d',
} as const;

export interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function baseEnv(env: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    KAFKA_BROKERS: brokers,
    STREAMTAP_LOG_LEVEL: 'warn',
    ...env,
  };
}

export function assertNoSecrets(...texts: string[]): void {
  for (const text of texts)
    for (const secret of Object.values(SECRETS)) assert.ok(!text.includes(secret), `a secret was printed: ${secret}`);
}

export function streamtap(args: string[], env: Record<string, string> = {}): Result {
  const result = spawnSync(process.execPath, ['bin/streamtap.js', ...args], {
    encoding: 'utf8',
    env: baseEnv(env),
    timeout: 180_000,
    maxBuffer: 64 * 1024 * 1024, // `sql` may print thousands of rows; the 1 MiB default would kill it
  });
  assertNoSecrets(result.stdout, result.stderr);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** As streamtap(), without blocking this process's event loop (for servers running in the test process). */
export async function streamtapAsync(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const child = spawn(process.execPath, ['bin/streamtap.js', ...args], {
    env: baseEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assertNoSecrets(stdout, stderr);
  return { code, stdout, stderr };
}

/** The CLI on a pseudo-terminal (util-linux `script`): stdout and stderr arrive together, as a user sees them. */
export function streamtapOnTty(args: string[], env: Record<string, string> = {}): Result {
  const command = [process.execPath, 'bin/streamtap.js', ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const result = spawnSync('script', ['-qfec', command, '/dev/null'], {
    encoding: 'utf8',
    env: { ...baseEnv(env), TERM: 'xterm-256color', COLUMNS: '160', LINES: '40' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 180_000,
  });
  assertNoSecrets(result.stdout, result.stderr);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A long-running CLI process whose JSON log lines (stderr) can be awaited. */
export class Background {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[] = [];
  stdout = '';
  stderr = '';
  private waiters: { predicate: (lines: Record<string, unknown>[]) => boolean; resolve: () => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, ['bin/streamtap.js', ...args], {
      env: baseEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    createInterface({ input: this.child.stderr! }).on('line', (line) => {
      this.stderr += `${line}\n`;
      try {
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // a plain line (signal notice); kept in stderr
      }
      this.waiters = this.waiters.filter((w) => (w.predicate(this.lines) ? (w.resolve(), false) : true));
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Resolves once the log lines satisfy `predicate`; fails when the process exits first or after `ms`. */
  waitFor(predicate: (lines: Record<string, unknown>[]) => boolean, what: string, ms = 120_000): Promise<void> {
    if (predicate(this.lines)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${what}; stderr:\n${this.stderr.slice(-3000)}`)),
        ms,
      );
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ predicate, resolve: done });
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`exited (${code}) before ${what}; stderr:\n${this.stderr.slice(-3000)}`));
      });
    });
  }

  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    const code = await this.exited;
    assertNoSecrets(this.stdout, this.stderr);
    return code;
  }

  metricsUrl(): string {
    const line = this.lines.find((l) => l.msg === 'serving metrics, /healthz and /readyz');
    assert.ok(line, 'the process logged its metrics URL');
    return String(line.url).replace(/\/metrics$/, '');
  }
}

/**
 * The seed JSON config under a unique source name, reading every event of the stand-in (`state=all`,
 * `period=all`); `mutate` may change it (e.g. break one resource).
 */
export function uniqueConfig(
  mutate: (config: { resources: { name: string; endpoint: { path: string } }[] }) => void = () => {},
): {
  file: string;
  name: string;
  schemasDir: string;
  dataDir: string;
} {
  const { name, schemasDir } = uniqueSource();
  const config = withEveryEvent(
    JSON.parse(readFileSync('pipelines/savvycal.json', 'utf8')) as {
      resources: { name: string; endpoint: { path: string; params?: Record<string, unknown> } }[];
    },
  );
  mutate(config);
  const dir = mkdtempSync(join(tmpdir(), 'streamtap-ops-'));
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, ...config }));
  return { file, name, schemasDir, dataDir: join(dir, 'data') };
}

/** One sample of a Prometheus text exposition: the value of `name{labels…}` (labels matched as a subset). */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total = (total ?? 0) + Number(m[3]);
  }
  return total;
}
