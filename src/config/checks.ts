// Checks on one value of an endpoint that the zod schema cannot make: a JSONPath that compiles, a paginator that
// can stop and whose body paths need a body (dlt checks the same when it builds its paginators).
import type { DataSelector, PaginatorConfig } from './schema.js';
import { compilePath, compileSelector, JsonPathSyntaxError } from '../expressions/json-path.js';
import { compileStopCondition, StopConditionError } from '../expressions/stop-condition.js';

/** Records one problem at a config path; the caller collects them into one ConfigError. */
export type Report = (path: string, message: string) => void;

/**
 * Reports (at `at`) a JSONPath or field list that does not compile; other errors are thrown. `many`: the path may
 * select several values (a data_selector); other paths must name one value.
 */
export function checkPath(path: DataSelector, at: string, issue: Report, many = false): void {
  try {
    if (many) compileSelector(path);
    else compilePath(path);
  } catch (error) {
    if (error instanceof JsonPathSyntaxError) issue(at, error.message);
    else throw error;
  }
}

/**
 * Reports a paginator that could never stop (offset / page_number without total_path, maximum_*, has_more_path or
 * stop_after_empty_page), a pair given twice (`x_param` and `x_body_path`), paths and stop conditions that do not
 * compile. Body paths on a GET are sent in a JSON body of the GET, as dlt (requests) does; `warn` says so once,
 * since many servers ignore a GET body (reported at `methodAt`).
 */
export function checkPaginator(
  p: PaginatorConfig,
  at: string,
  method: string,
  methodAt: string,
  issue: Report,
  warn: (message: string) => void = () => {},
): void {
  if ('stop_condition' in p && p.stop_condition !== undefined) {
    try {
      compileStopCondition(p.stop_condition);
    } catch (error) {
      if (error instanceof StopConditionError) issue(`${at}.stop_condition`, error.message);
      else throw error;
    }
  }
  const both = (a: string, b: string): void => {
    const record = p as Record<string, unknown>;
    if (record[a] !== undefined && record[b] !== undefined) issue(`${at}.${b}`, `give ${a} or ${b}, not both`);
  };
  const bodyPaths: string[] = [];
  switch (p.type) {
    case 'cursor':
      both('cursor_param', 'cursor_body_path');
      checkPath(p.cursor_path, `${at}.cursor_path`, issue);
      if (p.cursor_body_path !== undefined) bodyPaths.push('cursor_body_path');
      break;
    case 'json_link':
    case 'json_response':
      checkPath(p.next_url_path, `${at}.next_url_path`, issue);
      break;
    case 'offset':
      both('offset_param', 'offset_body_path');
      both('limit_param', 'limit_body_path');
      if (p.offset_body_path !== undefined) bodyPaths.push('offset_body_path');
      if (p.limit_body_path !== undefined) bodyPaths.push('limit_body_path');
      if (
        p.total_path === null &&
        p.maximum_offset === undefined &&
        p.has_more_path === undefined &&
        !p.stop_after_empty_page
      ) {
        issue(
          at,
          'this paginator can never stop: give total_path, maximum_offset or has_more_path, or keep stop_after_empty_page',
        );
      }
      break;
    case 'page_number':
      both('page_param', 'page_body_path');
      if (p.page_body_path !== undefined) bodyPaths.push('page_body_path');
      if (
        p.total_path === null &&
        p.maximum_page === undefined &&
        p.has_more_path === undefined &&
        !p.stop_after_empty_page
      ) {
        issue(
          at,
          'this paginator can never stop: give total_path, maximum_page or has_more_path, or keep stop_after_empty_page',
        );
      }
      break;
    default:
      break;
  }
  if ((p.type === 'offset' || p.type === 'page_number') && p.total_path !== null)
    checkPath(p.total_path, `${at}.total_path`, issue);
  if ((p.type === 'offset' || p.type === 'page_number') && p.has_more_path !== undefined)
    checkPath(p.has_more_path, `${at}.has_more_path`, issue);
  if (bodyPaths.length > 0 && method !== 'POST')
    warn(
      `${methodAt}: ${bodyPaths.join(' and ')} put pagination in a JSON body of a ${method} request (as dlt does); many servers ignore a ${method} body: use method POST if the API reads it there`,
    );
}
