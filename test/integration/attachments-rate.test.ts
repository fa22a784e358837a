/**
 * The upload rate on the real local stack, with a small configured limit (RATE_LIMIT_UPLOAD=3/600; the default is
 * 20 per 10 minutes): the 4th ticket in the window is 429 RATE_LIMITED and leaves no record; other users are not
 * affected. Its own file: the handlers read their environment once per test file.
 */
import { api, uid } from '../support/clients';
import { useStack } from './session';

const session = useStack({ env: { RATE_LIMIT_UPLOAD: '3/600' } });

it('the 4th upload ticket within the window is RATE_LIMITED (429); another user still gets one', async () => {
  const alice = api(session.stack, uid('alice'));
  for (let i = 0; i < 3; i++) expect((await alice.post('/api/attachments', { contentType: 'image/png', size: 100 })).status).toBe(201);
  const refused = await alice.post('/api/attachments', { contentType: 'image/png', size: 100 });
  expect(refused.status).toBe(429);
  expect(refused.body.error.code).toBe('RATE_LIMITED');
  expect((await api(session.stack, uid('bob')).post('/api/attachments', { contentType: 'image/png', size: 100 })).status).toBe(201);
});
