// dlt's rule for a path that names one entity (`/users/{id}`): its last segment holds a placeholder, so the
// response body is the record and there is one page (dlt: rest_client/detector.py, single_entity_path).

/** Placeholder names dlt allows in the last segment (OpenAPI's path-parameter alphabet, plus `.` for `resources.x.y`). */
const PLACEHOLDER_IN_LAST_SEGMENT = /\{([a-zA-Z0-9.\-_]+)\}/;

/**
 * True when the last segment of `path` (as a POSIX path: trailing slashes ignored, a query or fragment is part of the
 * segment) holds a `{placeholder}`: `/users/{id}`, `/users/{id}/`, `/p/{id}.json`, `/p/{id}?x=1`, `{resources.users.id}`.
 * `{{`…`}}` (escaped braces) never counts.
 */
export function isSingleEntityPath(path: string): boolean {
  const segments = path.split('/').filter((s) => s !== '');
  const last = segments.at(-1) ?? '';
  return PLACEHOLDER_IN_LAST_SEGMENT.test(last.replace(/\{\{|\}\}/g, ''));
}
