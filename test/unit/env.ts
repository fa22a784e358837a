// Unit tests run the real handlers and adapters with every AWS call mocked (aws-sdk-client-mock).
process.env.TABLE_NAME = 'parley-Main-test';
process.env.CONNECTIONS_TABLE = 'parley-Connections-test';
process.env.WS_MANAGEMENT_ENDPOINT = 'https://example.execute-api.us-east-1.amazonaws.com/test';
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'test';
process.env.AWS_SECRET_ACCESS_KEY = 'test';
process.env.JWT_ISSUER = 'https://issuer.example';
process.env.UPLOADS_BUCKET = 'parley-uploads-test';
process.env.JWT_AUDIENCE = 'parley-test';
process.env.JWKS_URI = 'https://issuer.example/.well-known/jwks.json';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
