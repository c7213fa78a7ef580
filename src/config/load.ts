// Loads a source config from a TS/JS module, JSON or YAML file, validates it and applies env overrides.
import { readFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { ConfigError, formatPath, type ConfigIssue } from './errors.js';
import { sourceSchema } from './schema.js';
import { resolveSource, type ResolvedSource } from './source.js';

/** How `loadSourceFile()` reads a config file. */
export interface LoadOptions {
  /**
   * environment read for $STREAMTAP_BASE_URL
   * @default process.env
   */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * overrides client.base_url, e.g. to point at a local stand-in
   * @default $STREAMTAP_BASE_URL, else the config's own base_url
   */
  readonly baseUrl?: string | undefined;
}

export async function loadSourceFile(file: string, options: LoadOptions = {}): Promise<ResolvedSource> {
  const path = resolve(file);
  const raw = await readConfigValue(path);
  return parseSourceConfig(raw, { ...options, name: basename(path, extname(path)), origin: file });
}

export function parseSourceConfig(
  raw: unknown,
  options: LoadOptions & { name: string; origin: string },
): ResolvedSource {
  const env = options.env ?? process.env;
  const baseUrl = options.baseUrl ?? env.STREAMTAP_BASE_URL;
  const input =
    baseUrl && isObject(raw) && isObject(raw.client) ? { ...raw, client: { ...raw.client, base_url: baseUrl } } : raw;
  // reportInput: an enum's error can then echo the value it refused (zod 4 leaves it out by default).
  const result = sourceSchema.safeParse(input, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(options.origin, flattenIssues(result.error.issues as readonly RawIssue[], []));
  }
  return resolveSource(result.data, options.name, options.origin);
}

interface RawIssue {
  readonly code: string;
  readonly expected?: string;
  readonly values?: readonly unknown[];
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly input?: unknown;
  readonly keys?: readonly string[];
  readonly errors?: readonly (readonly RawIssue[])[];
}

/**
 * Zod reports a failed union as one issue at the union's path; the useful message is inside the branch
 * the value was meant for (the one whose type matched), so descend into it to name the exact key.
 */
function flattenIssues(issues: readonly RawIssue[], prefix: readonly PropertyKey[]): ConfigIssue[] {
  return issues.flatMap((issue): ConfigIssue[] => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return (issue.keys ?? []).map((key) => ({ path: formatPath([...path, key]), message: 'unknown key' }));
    }
    if (issue.code === 'invalid_union' && issue.errors && issue.errors.length > 0) {
      // A branch that fails at its own root did not take the value's type (a custom check at the root is a type check too).
      const matching = issue.errors.filter(
        (branch) =>
          !branch.some(
            (i) =>
              i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value' || i.code === 'custom'),
          ),
      );
      const depth = (branch: readonly RawIssue[]): number =>
        Math.max(...branch.map((i) => i.path.length + (i.errors ? 1 : 0)));
      const best = [...matching].sort((a, b) => depth(b) - depth(a))[0];
      if (best) return flattenIssues(best, path);
      // No branch took the value's type: say which types would do.
      const roots = issue.errors.flatMap((branch) => branch.filter((i) => i.path.length === 0));
      const expected = [...new Set(roots.map(describeExpected))];
      // A word an enum branch refused is named itself ("freez"), any other value by its type.
      const refused = mayEcho(path)
        ? (roots.find((i) => i.code === 'invalid_value' && typeof i.input === 'string')?.input as string | undefined)
        : undefined;
      const received =
        refused !== undefined
          ? JSON.stringify(clip(refused))
          : roots.map((i) => /received (\w+)/.exec(i.message)?.[1]).find(Boolean);
      // zod's own wording ("expected string, received number"), listing every type the union accepts
      if (expected.length > 0)
        return [
          {
            path: formatPath(path),
            message: `expected ${expected.join(' or ')}${received ? `, received ${received}` : ''}`,
          },
        ];
    }
    if (issue.code === 'invalid_type' && issue.expected && /received undefined$/.test(issue.message)) {
      return [{ path: formatPath(path), message: `required: expected ${issue.expected}` }];
    }
    if (issue.code === 'invalid_value' && typeof issue.input === 'string' && mayEcho(path))
      // Only the refused word of an enum or literal: short, and never a whole object that may hold a secret.
      return [{ path: formatPath(path), message: `${issue.message}, received ${JSON.stringify(clip(issue.input))}` }];
    return [{ path: formatPath(path), message: issue.message }];
  });
}

/** A value under a key that may hold a credential is never echoed, even where only a word was expected. */
function mayEcho(path: readonly PropertyKey[]): boolean {
  return !path.some((key) => typeof key === 'string' && /secret|password|token|key|auth/i.test(key));
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function describeExpected(issue: RawIssue): string {
  if (issue.code === 'invalid_value' && issue.values)
    return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (issue.code === 'invalid_type' && issue.expected) return issue.expected;
  return issue.message;
}

async function readConfigValue(path: string): Promise<unknown> {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return parseText(path, JSON.parse);
  if (ext === '.yaml' || ext === '.yml') return parseText(path, parseYaml);
  if (['.ts', '.mts', '.js', '.mjs'].includes(ext)) {
    const mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
    if (mod.default === undefined)
      throw new ConfigError(path, [
        { path: '', message: 'the module has no default export (export default defineSource({...}))' },
      ]);
    return mod.default;
  }
  throw new ConfigError(path, [
    { path: '', message: `unsupported config file type "${ext}" (use .ts, .js, .json or .yaml)` },
  ]);
}

async function parseText(path: string, parse: (text: string) => unknown): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return parse(text);
  } catch (error) {
    throw new ConfigError(path, [{ path: '', message: `cannot parse: ${(error as Error).message}` }]);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
