/**
 * What API Gateway refuses in a route table, refused before anything is deployed or served: `npx cdk synth`
 * (lib/http-api.ts, lib/realtime.ts) and `npm start` (local/gateway-http.ts, local/gateway-ws.ts) run these checks on
 * the wiring's routes and fail with a message naming the routes. Plain code, no CDK: the local stack loads it too.
 *
 * HTTP API rules (CreateRoute answers ConflictException / BadRequestException otherwise):
 *  - a route key is `$default` or `<METHOD> <path>`, METHOD one of ANY GET POST PUT DELETE PATCH HEAD OPTIONS;
 *  - the same route key twice is a conflict;
 *  - path variables are `{name}` (a whole segment); a greedy `{name+}` must be the last segment;
 *  - at one hierarchical level under one parent, variables must have one name: `/a/{x}` and `/a/{y}/b` make API
 *    Gateway answer "… has a conflicting variable on the same hierarchical level" (it keeps one resource tree for all
 *    methods, as REST APIs do, whose resources can't have two variable children either).
 * WebSocket APIs: route keys are unique, `$connect` / `$disconnect` / `$default` or a custom key.
 */

export class RouteTableError extends Error {
  constructor(readonly problems: string[]) {
    super(`API Gateway would refuse this route table:\n  - ${problems.join('\n  - ')}`);
    this.name = 'RouteTableError';
  }
}

export const HTTP_METHODS = ['ANY', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;

const VARIABLE = /^\{([A-Za-z0-9._-]+)(\+?)\}$/;
const LITERAL = /^[A-Za-z0-9._~:@!$&'()*,;=-]+$/;

interface Node {
  literals: Map<string, Node>;
  variable?: { name: string; greedy: boolean; node: Node; firstRoute: string };
}

const newNode = (): Node => ({ literals: new Map() });

/** Problems API Gateway would find in these HTTP API routes (empty when it would accept them all). */
export function httpRouteProblems(routes: readonly { method: string; path: string }[]): string[] {
  const problems: string[] = [];
  const keys = new Set<string>();
  const root = newNode();
  for (const { method, path } of routes) {
    const key = `${method} ${path}`;
    if (!(HTTP_METHODS as readonly string[]).includes(method)) problems.push(`"${key}": unknown method ${method}`);
    if (keys.has(key)) problems.push(`"${key}" is declared twice`);
    keys.add(key);
    if (!path.startsWith('/') || (path.length > 1 && path.endsWith('/')) || path.includes('//')) {
      problems.push(`"${key}": a path starts with / and has no empty segment`);
      continue;
    }
    const segments = path === '/' ? [] : path.slice(1).split('/');
    let node = root;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i];
      const variable = VARIABLE.exec(segment);
      if (!variable) {
        if (!LITERAL.test(segment)) {
          problems.push(`"${key}": segment "${segment}" is neither a literal nor a whole {variable}`);
          break;
        }
        let next = node.literals.get(segment);
        if (!next) node.literals.set(segment, (next = newNode()));
        node = next;
        continue;
      }
      const [, name, plus] = variable;
      const greedy = plus === '+';
      if (greedy && i !== segments.length - 1) {
        problems.push(`"${key}": the greedy variable {${name}+} must be the last segment`);
        break;
      }
      const existing = node.variable;
      if (existing && (existing.name !== name || existing.greedy !== greedy)) {
        const where = `/${segments.slice(0, i).join('/')}`;
        problems.push(
          `"${key}" and "${existing.firstRoute}" have conflicting variables {${name}${plus}} and {${existing.name}${existing.greedy ? '+' : ''}} ` +
            `at the same level under ${where} (API Gateway: "conflicting variable on the same hierarchical level"; use one name)`,
        );
        break;
      }
      if (!existing) node.variable = { name, greedy, node: newNode(), firstRoute: key };
      node = (node.variable as NonNullable<Node['variable']>).node;
    }
  }
  return problems;
}

/** Problems API Gateway would find in these WebSocket route keys. */
export function wsRouteProblems(routes: readonly { routeKey: string }[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { routeKey } of routes) {
    if (seen.has(routeKey)) problems.push(`WebSocket route "${routeKey}" is declared twice`);
    seen.add(routeKey);
    if (routeKey.startsWith('$') && !['$connect', '$disconnect', '$default'].includes(routeKey)) {
      problems.push(`WebSocket route "${routeKey}": only $connect, $disconnect and $default may start with $`);
    }
    if (!routeKey.trim()) problems.push('a WebSocket route key is empty');
  }
  return problems;
}

/** Throws RouteTableError listing every problem, or returns the routes unchanged. */
export function assertHttpRoutes<T extends { method: string; path: string }>(routes: readonly T[]): readonly T[] {
  const problems = httpRouteProblems(routes);
  if (problems.length) throw new RouteTableError(problems);
  return routes;
}

export function assertWsRoutes<T extends { routeKey: string }>(routes: readonly T[]): readonly T[] {
  const problems = wsRouteProblems(routes);
  if (problems.length) throw new RouteTableError(problems);
  return routes;
}
