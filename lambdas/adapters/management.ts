/**
 * The Management API client alone, built once per container: what every frame handler needs to end a connection
 * whose token has expired. Its own module so the smallest handlers (ping, $default) bundle it without the stores.
 */
import * as config from '../shared/config';
import { once } from '../shared/config';
import { ManagementApiPusher } from './pusher';

export const pusher = /* @__PURE__ */ once(() => new ManagementApiPusher(config.wsManagementEndpoint()));
