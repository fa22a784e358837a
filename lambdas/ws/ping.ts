/** ping -> pong (keeps the connection inside API Gateway's 10-minute idle limit). */
import type { APIGatewayProxyResultV2 } from 'aws-lambda';

export const handler = async (): Promise<APIGatewayProxyResultV2> => ({ statusCode: 200, body: JSON.stringify({ type: 'pong' }) });
