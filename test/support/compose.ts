// Reading Compose files, the Dockerfile's context and the CLI's surface without a Docker engine: shared by
// the structural tests of docker-compose.yml and docker-compose.cluster.yml (test/unit/compose*.test.ts).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { secretEnvNames } from '../../src/config/secrets.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

export interface Healthcheck {
  readonly test?: unknown;
  readonly disable?: boolean;
}
export interface Dependency {
  readonly condition?: string;
  readonly required?: boolean;
}
export interface Service {
  readonly image?: string;
  readonly hostname?: string;
  readonly build?: string | { readonly context?: string; readonly dockerfile?: string };
  readonly environment?: readonly string[] | Readonly<Record<string, string | number | boolean | null>>;
  readonly depends_on?: readonly string[] | Readonly<Record<string, Dependency>>;
  readonly healthcheck?: Healthcheck;
  readonly command?: string | readonly string[];
  readonly entrypoint?: string | readonly string[];
  readonly ports?: readonly (
    string | { readonly host_ip?: string; readonly published?: string | number; readonly target?: number }
  )[];
  readonly volumes?: readonly (
    string | { readonly type?: string; readonly source?: string; readonly target?: string }
  )[];
  readonly ulimits?: Readonly<Record<string, number | { readonly soft: number; readonly hard: number }>>;
  readonly profiles?: readonly string[];
  readonly restart?: string;
  readonly init?: boolean;
}
export interface Compose {
  readonly services: Readonly<Record<string, Service>>;
  readonly volumes?: Readonly<Record<string, unknown>>;
}

/** A compose file of the repository, parsed with YAML merge keys (`<<: *anchor`) as Compose does. */
export function loadCompose(file: string): {
  compose: Compose;
  services: Readonly<Record<string, Service>>;
  service: (name: string) => Service;
} {
  const compose = parse(read(file), { merge: true }) as Compose;
  const services = compose.services;
  const service = (name: string): Service => {
    const s = services[name];
    assert.ok(s, `${file} has no service ${name}`);
    return s;
  };
  return { compose, services, service };
}

// ---- Compose interpolation (the subset Compose documents: $VAR, ${VAR}, ${VAR:-d}, ${VAR-d}, ${VAR:?e}, ${VAR?e}, $$) ----

export interface Reference {
  readonly name: string;
  /** '', ':-', '-', ':?', '?' */
  readonly op: string;
}
const VARIABLE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

export function references(text: string): Reference[] {
  const found: Reference[] = [];
  for (const m of text.matchAll(VARIABLE)) {
    if (m[0] === '$$') continue;
    found.push({ name: (m[1] ?? m[4]) as string, op: m[2] ?? '' });
  }
  return found;
}

export function interpolate(text: string, env: Readonly<Record<string, string>> = {}): string {
  return text.replace(
    VARIABLE,
    (whole, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
      if (whole === '$$') return '$';
      const name = (braced ?? bare) as string;
      const value = env[name];
      if (op === ':-') return value ? value : (arg ?? '');
      if (op === '-') return value ?? arg ?? '';
      if ((op === ':?' && !value) || (op === '?' && value === undefined))
        throw new Error(`${name} is required: ${arg}`);
      return value ?? '';
    },
  );
}

/** Every string value of the file (keys are not interpolated by Compose). */
export function strings(node: unknown, out: string[] = []): string[] {
  if (typeof node === 'string') out.push(node);
  else if (Array.isArray(node)) for (const item of node) strings(item, out);
  else if (node && typeof node === 'object') for (const value of Object.values(node)) strings(value, out);
  return out;
}

/** environment as name → raw value; null means "passed through from the host, unset if the host has none". */
export function environment(s: Service): Map<string, string | null> {
  const env = new Map<string, string | null>();
  if (Array.isArray(s.environment)) {
    for (const entry of s.environment as readonly string[]) {
      const eq = entry.indexOf('=');
      if (eq < 0) env.set(entry, null);
      else env.set(entry.slice(0, eq), entry.slice(eq + 1));
    }
  } else if (s.environment) {
    for (const [name, value] of Object.entries(s.environment)) env.set(name, value === null ? null : String(value));
  }
  return env;
}

export function envValue(s: Service, name: string, host: Readonly<Record<string, string>> = {}): string {
  const raw = environment(s).get(name);
  assert.ok(typeof raw === 'string', `${name} is not set in the service`);
  return interpolate(raw, host);
}

export function dependencies(s: Service): Map<string, Dependency> {
  if (!s.depends_on) return new Map();
  if (Array.isArray(s.depends_on))
    return new Map((s.depends_on as readonly string[]).map((name) => [name, { condition: 'service_started' }]));
  return new Map(Object.entries(s.depends_on as Readonly<Record<string, Dependency>>));
}

export const hasHealthcheck = (s: Service): boolean =>
  Boolean(s.healthcheck && !s.healthcheck.disable && s.healthcheck.test);

export function splitImage(image: string): { name: string; tag: string | undefined } {
  const at = image.indexOf('@');
  const ref = at >= 0 ? image.slice(0, at) : image;
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/')
    ? { name: ref.slice(0, colon), tag: ref.slice(colon + 1) }
    : { name: ref, tag: undefined };
}

/** A specific release (4.1.2, 26.8.20.9, 20.20.2-bookworm-slim), not a moving tag such as latest, 4 or 26.8. */
export const FULL_VERSION = /^v?\d+\.\d+\.\d+/;

export function buildContext(s: Service): string | undefined {
  if (typeof s.build === 'string') return s.build;
  return s.build?.context;
}

/** Kafka listener lists (`NAME://host:port,…`) as name → host and port. */
export function parseListeners(list: string): Map<string, { host: string; port: string }> {
  return new Map(
    list.split(',').map((l) => {
      const m = /^([A-Z_]+):\/\/([^:]*):(\d+)$/.exec(l.trim());
      assert.ok(m, `listener ${l}`);
      return [m[1] as string, { host: m[2] as string, port: m[3] as string }];
    }),
  );
}

// ---- the source tree ----

export function walk(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const rel = join(dir, name);
    return statSync(join(ROOT, rel)).isDirectory() ? walk(rel) : [rel];
  });
}
const sourceText = walk('src')
  .filter((f) => f.endsWith('.ts'))
  .map(read)
  .join('\n');
const cliText = walk('src/cli')
  .filter((f) => f.endsWith('.ts'))
  .map(read)
  .join('\n');

/** Read by the app: `env.NAME`, `env['NAME']`, or spelled as a literal key. */
export function readBySource(name: string): boolean {
  return new RegExp(`(?:\\.|\\[['"\`]|['"\`{,]\\s*)${name}\\b`).test(sourceText);
}

/** Env names under which the secrets of the shipped pipelines are looked up (STREAMTAP_SECRET_API_KEY, API_KEY). */
export function secretEnvironmentNames(): Set<string> {
  const names = new Set<string>();
  for (const file of walk('pipelines')) {
    for (const m of read(file).matchAll(/secret\(\s*['"]([\w.-]+)['"]\s*\)|"\$secret"\s*:\s*"([\w.-]+)"/g)) {
      for (const env of secretEnvNames((m[1] ?? m[2]) as string)) names.add(env);
    }
  }
  return names;
}

/** The commands and long options the streamtap CLI defines (src/cli/*.ts). */
export function cliSurface(): { commands: Set<string>; flags: Set<string> } {
  const commands = new Set([...cliText.matchAll(/\.command\(\s*'([\w-]+)'\)/g)].map((m) => m[1] as string));
  const flags = new Set([
    '--help',
    ...[...cliText.matchAll(/(?:\.option|new Option)\(\s*'(?:-\w, )?(--[\w-]+)/g)].map((m) => m[1] as string),
  ]);
  return { commands, flags };
}

/** The streamtap argv lists a service runs: its command, or every `bin/streamtap.js …` in a shell entrypoint. */
export function streamtapInvocations(s: Service): string[][] {
  const cmd = typeof s.command === 'string' ? [s.command] : [...(s.command ?? [])];
  if (s.entrypoint === undefined) return [cmd.map((t) => interpolate(t))];
  const script = cmd.map((t) => interpolate(t)).join('\n');
  return [...script.matchAll(/bin\/streamtap\.js((?:[ \t]+[^\s&|;]+)+)/g)].map((m) =>
    (m[1] as string).trim().split(/\s+/),
  );
}
