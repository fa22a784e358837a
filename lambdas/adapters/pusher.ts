/** Pushes frames with the API Gateway Management API (PostToConnection; GetConnection to probe). 410 Gone -> 'gone'. */
import { ApiGatewayManagementApiClient, DeleteConnectionCommand, GetConnectionCommand, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { Pusher, PushResult } from '../core/ports';
import { logger } from '../shared/logger';

export class ManagementApiPusher implements Pusher {
  private readonly client: ApiGatewayManagementApiClient;

  constructor(endpoint: string) {
    this.client = new ApiGatewayManagementApiClient({ endpoint, maxAttempts: 3 });
  }

  async post(connectionId: string, frame: unknown): Promise<PushResult> {
    try {
      await this.client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(JSON.stringify(frame)) }));
      return 'ok';
    } catch (err) {
      if (err instanceof GoneException || (err as Error).name === 'GoneException') return 'gone';
      logger.warn('push failed', { connectionId, error: (err as Error).name });
      return 'failed';
    }
  }

  async exists(connectionId: string): Promise<boolean> {
    try {
      await this.client.send(new GetConnectionCommand({ ConnectionId: connectionId }));
      return true;
    } catch (err) {
      // Anything but Gone leaves the connection counted: never free a slot on a guess.
      return !(err instanceof GoneException || (err as Error).name === 'GoneException');
    }
  }

  async close(connectionId: string): Promise<void> {
    try {
      await this.client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    } catch (err) {
      if (!(err instanceof GoneException || (err as Error).name === 'GoneException')) throw err;
    }
  }
}
