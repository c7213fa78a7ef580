// Which resources a command works on: the ones named on the command line, else every `selected` one.
import type { ResolvedResource, ResolvedSource } from './source.js';

/**
 * The resources named in `names`, in that order; with no names, every resource whose `selected` is true
 * (dlt's `selected` flag, default true). Throws an Error naming the source's resources for an unknown name.
 */
export function selectResources(source: ResolvedSource, names: readonly string[] | undefined): ResolvedResource[] {
  if (!names || names.length === 0) return source.resources.filter((r) => r.selected);
  return names.map((name) => {
    const found = source.resources.find((r) => r.name === name);
    if (!found)
      throw new Error(`unknown resource "${name}"; the source has: ${source.resources.map((r) => r.name).join(', ')}`);
    return found;
  });
}
