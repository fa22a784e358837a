/**
 * lib/route-rules.ts refuses what API Gateway's CreateRoute refuses, before a deploy or a local start: each rule
 * with a table API Gateway accepts and one it refuses.
 */
import { assertHttpRoutes, httpRouteProblems, RouteTableError, wsRouteProblems } from '../../lib/route-rules';
import { HTTP_ROUTES, WS_ROUTES } from '../../lib/wiring';

const r = (key: string) => ({ method: key.split(' ')[0], path: key.split(' ')[1] });

describe('HTTP API routes', () => {
  it("the wiring's own table passes", () => {
    expect(httpRouteProblems(HTTP_ROUTES)).toEqual([]);
    expect(wsRouteProblems(WS_ROUTES)).toEqual([]);
  });

  it('refuses two variable names at one level under one parent, even across methods and depths', () => {
    expect(httpRouteProblems([r('GET /api/messages/{userId}'), r('DELETE /api/messages/{messageId}')])).toEqual([
      expect.stringContaining('"DELETE /api/messages/{messageId}" and "GET /api/messages/{userId}" have conflicting variables'),
    ]);
    expect(httpRouteProblems([r('GET /a/{x}'), r('POST /a/{y}/read')])).toHaveLength(1);
    expect(httpRouteProblems([r('GET /a/{x}/b/{p}'), r('GET /a/{x}/b/{q}/c')])).toHaveLength(1);
  });

  it('accepts one variable name per level, static siblings beside it, and the same name under different parents', () => {
    expect(httpRouteProblems([r('GET /a/{id}'), r('POST /a/{id}/read'), r('DELETE /a/{id}'), r('GET /a/static'), r('GET /b/{other}')])).toEqual([]);
  });

  it('refuses a duplicate route key, an unknown method, a greedy variable that is not last, and half-variable segments', () => {
    expect(httpRouteProblems([r('GET /a'), r('GET /a')])).toEqual([expect.stringContaining('declared twice')]);
    expect(httpRouteProblems([r('FETCH /a')])).toEqual([expect.stringContaining('unknown method FETCH')]);
    expect(httpRouteProblems([r('GET /a/{proxy+}/b')])).toEqual([expect.stringContaining('must be the last segment')]);
    expect(httpRouteProblems([r('GET /a/{proxy+}')])).toEqual([]);
    expect(httpRouteProblems([r('GET /a/x{id}')])).toEqual([expect.stringContaining('neither a literal nor a whole {variable}')]);
    expect(httpRouteProblems([r('GET /a//b')])).toEqual([expect.stringContaining('no empty segment')]);
  });

  it('a greedy and a plain variable at one level conflict', () => {
    expect(httpRouteProblems([r('GET /a/{proxy+}'), r('GET /a/{proxy}')])).toHaveLength(1);
  });

  it('assertHttpRoutes throws one error listing every problem', () => {
    expect(() => assertHttpRoutes([r('GET /a'), r('GET /a'), r('GET /b/{x}'), r('PUT /b/{y}')])).toThrow(RouteTableError);
    try {
      assertHttpRoutes([r('GET /a'), r('GET /a'), r('GET /b/{x}'), r('PUT /b/{y}')]);
    } catch (err) {
      expect((err as RouteTableError).problems).toHaveLength(2);
      expect((err as Error).message).toMatch(/^API Gateway would refuse this route table:/);
    }
  });
});

describe('WebSocket routes', () => {
  it('refuses duplicate route keys and reserved-looking keys', () => {
    expect(wsRouteProblems([{ routeKey: 'ping' }, { routeKey: 'ping' }])).toEqual([expect.stringContaining('declared twice')]);
    expect(wsRouteProblems([{ routeKey: '$ping' }])).toEqual([expect.stringContaining('only $connect, $disconnect and $default')]);
  });
});
