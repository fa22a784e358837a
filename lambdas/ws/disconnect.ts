// Placeholder while the backend slice lands; replaced by the real handler.
export const handler = async (): Promise<{ statusCode: number; body: string }> => ({
  statusCode: 501,
  body: JSON.stringify({ type: 'error', code: 'INTERNAL', message: 'not implemented yet' }),
});
