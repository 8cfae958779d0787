import type { RouteSpec } from './routes';

/** The route a request is for, and its raw path parameters. */
export interface RouteMatch<K extends string> {
  id: K;
  /** Path parameters, URL-decoded, not yet validated. */
  params: Record<string, string>;
}

/**
 * The route a request is for. Literal segments beat parameters (`/admin/flows/validate` is not the
 * flow `validate`), and a path that does not decode is no route. `undefined` when none matches.
 */
export function matchRoute<K extends string>(
  routes: Record<K, Pick<RouteSpec, 'method' | 'path'>>,
  method: string,
  path: string,
): RouteMatch<K> | undefined {
  const got = splitPath(path);
  if (!got) return undefined;
  let best: (RouteMatch<K> & { literals: number }) | undefined;
  for (const id of Object.keys(routes).filter((key): key is K => Object.hasOwn(routes, key))) {
    const route = routes[id];
    if (route.method !== method) continue;
    const want = route.path.split('/').filter(Boolean);
    if (want.length !== got.length) continue;
    const params: Record<string, string> = {};
    let literals = 0;
    const matches = want.every((segment, i) => {
      const value = got[i] ?? '';
      const param = /^\{(\w+)\}$/.exec(segment)?.[1];
      if (param) {
        params[param] = value;
        return true;
      }
      literals += 1;
      return segment === value;
    });
    if (matches && (!best || literals > best.literals)) best = { id, params, literals };
  }
  return best ? { id: best.id, params: best.params } : undefined;
}

function splitPath(path: string): string[] | undefined {
  try {
    return path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}
