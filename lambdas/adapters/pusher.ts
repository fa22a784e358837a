/** Pushes frames with the API Gateway Management API (PostToConnection). 410 Gone -> 'gone'. */
import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
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
}
