// Stub so the CDK stack synthesizes on the infra branch; the real handler (S1) replaces this file at merge.
export const handler = async () => ({ statusCode: 501 });
