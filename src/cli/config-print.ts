// `streamtap config print`: the effective settings of this process and where each value came from
// (flag, env, file, default), secrets masked; plus the source config as loaded, its secrets named but
// never shown.
import { formatPath } from '../config/errors.js';
import { findSecret, secretEnvNames } from '../config/secrets.js';
import type { ResolvedSource } from '../config/source.js';
import { maskValue, scrub } from '../redact.js';
import { formatTable } from './commands.js';
import type { ResolvedSettings } from './settings.js';

export interface PrintedSetting {
  readonly key: string;
  readonly env: string;
  readonly value: string | null;
  readonly from: string;
}

export interface PrintedConfig {
  readonly precedence: string;
  readonly settingsFile: string | null;
  readonly settings: readonly PrintedSetting[];
  readonly source: {
    readonly name: string;
    readonly baseUrl: string;
    readonly resources: readonly {
      name: string;
      table: string;
      primaryKey: readonly string[];
      writeDisposition: string;
      path: string;
    }[];
    readonly secrets: readonly { name: string; at: string; set: boolean; from: string | null }[];
  } | null;
}

export const PRECEDENCE =
  'command-line flag > environment variable > settings file (--settings / STREAMTAP_SETTINGS) > default';

export function describeConfig(
  resolved: ResolvedSettings,
  source: ResolvedSource | undefined,
  env: NodeJS.ProcessEnv,
): PrintedConfig {
  return {
    precedence: PRECEDENCE,
    settingsFile: resolved.file ?? null,
    settings: resolved.settings.map((s) => ({
      key: s.def.key,
      env: s.def.env,
      value: s.def.secret ? (maskValue(s.value) ?? null) : s.value === undefined ? null : scrub(s.value),
      from: s.from,
    })),
    source: source
      ? {
          name: source.name,
          baseUrl: scrub(source.baseUrl),
          resources: source.resources.map((r) => ({
            name: r.name,
            table: r.tableName,
            primaryKey: r.primaryKey,
            writeDisposition: r.writeDisposition,
            path: r.endpoint.path,
          })),
          secrets: secretRefs(source).map(({ name, at }) => {
            const from =
              secretEnvNames(name).find((n) => env[n]) ??
              (env.STREAMTAP_SECRETS_FILE && findSecret(name, { env }) !== undefined ? 'STREAMTAP_SECRETS_FILE' : null);
            return { name, at, set: from !== null, from };
          }),
        }
      : null,
  };
}

export function formatConfig(config: PrintedConfig): string {
  const lines = [`precedence: ${config.precedence}`, `settings file: ${config.settingsFile ?? '(none)'}`, ''];
  lines.push(
    formatTable(
      ['setting', 'env', 'value', 'from'],
      config.settings.map((s) => [s.key, s.env, s.value ?? '', s.from]),
    ),
  );
  if (config.source) {
    const src = config.source;
    lines.push('', `source ${src.name}  ·  base_url ${src.baseUrl}`, '');
    lines.push(
      formatTable(
        ['resource', 'table', 'primary key', 'write disposition', 'path'],
        src.resources.map((r) => [r.name, r.table, r.primaryKey.join(','), r.writeDisposition, r.path]),
      ),
    );
    for (const s of src.secrets)
      lines.push(
        `secret ${s.name} (${s.at}): ${s.set ? `*** (from ${s.from})` : `NOT SET (export ${secretEnvNames(s.name).join(' or ')})`}`,
      );
  }
  return lines.join('\n');
}

/** Every `{ $secret: name }` reference in the source, with where it sits. */
function secretRefs(source: ResolvedSource): { name: string; at: string }[] {
  const out: { name: string; at: string }[] = [];
  const visit = (value: unknown, path: PropertyKey[]): void => {
    if (Array.isArray(value)) value.forEach((v, i) => visit(v, [...path, i]));
    else if (value && typeof value === 'object') {
      const ref = (value as { $secret?: unknown }).$secret;
      if (typeof ref === 'string') out.push({ name: ref, at: formatPath(path) });
      else for (const [k, v] of Object.entries(value)) visit(v, [...path, k]);
    }
  };
  visit({ client: { auth: source.auth, headers: source.headers } }, []);
  return out;
}
