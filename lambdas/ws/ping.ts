/** ping -> pong (keeps the connection inside API Gateway's 10-minute idle limit); after its token expired, UNAUTHORIZED. */
import { pusher } from '../adapters/management';
import { frameHandler } from '../edge/ws';

export const handler = frameHandler(async () => ({ type: 'pong' }), pusher);
