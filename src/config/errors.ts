import { ErrorCode, StreamtapError } from '../errors.js';
/** One problem in a config, at a path such as `resources[1].endpoint.paginator.cursor_path`. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

export class ConfigError extends StreamtapError {
  readonly code = ErrorCode.CONFIG_INVALID;
  constructor(
    readonly origin: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(`invalid config ${origin}:\n${issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export class SecretMissingError extends StreamtapError {
  readonly code = ErrorCode.SECRET_MISSING;
  constructor(
    readonly secretName: string,
    readonly triedEnv: readonly string[],
  ) {
    super(
      `secret "${secretName}" is not set: export ${triedEnv.join(' or ')}, or put "${secretName}" in the secrets file (STREAMTAP_SECRETS_FILE)`,
    );
    this.name = 'SecretMissingError';
  }
}

/** `['resources', 1, 'endpoint']` → `resources[1].endpoint` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}
