/**
 * The one declaration of how Parley is wired: tables, functions, WebSocket routes, HTTP routes and event rules.
 *
 * Read by the local gateway (`local/`) and by the CDK stack (`lib/`), so the two homes cannot drift apart.
 * Plain data only: no CDK or SDK imports here, so the local stack and tests can load it cheaply. The names handlers
 * read at run time (ENV, EVENT_DETAIL_TYPES) live with the handlers (lambdas/shared/env.ts, lambdas/contract/) and are
 * re-exported here.
 */
import { ENV, EVENT_DETAIL_TYPES } from './env';

export { ENV, EVENT_DETAIL_TYPES, type EventDetailType } from './env';

export type AttributeType = 'S' | 'N';

export interface KeyDef {
  name: string;
  type: AttributeType;
}

export interface IndexDef {
  indexName: string;
  partitionKey: KeyDef;
  sortKey?: KeyDef;
  /** ALL or KEYS_ONLY. */
  projection: 'ALL' | 'KEYS_ONLY';
}

export interface TableDef {
  /** Logical id (CDK construct id, local table-name suffix). */
  id: string;
  /** Environment variable through which functions receive the physical table name. */
  envVar: string;
  partitionKey: KeyDef;
  sortKey: KeyDef;
  /** Attribute holding the epoch-seconds TTL. */
  ttlAttribute?: string;
  pointInTimeRecovery: boolean;
  globalSecondaryIndexes: IndexDef[];
}

const S = (name: string): KeyDef => ({ name, type: 'S' });

/**
 * Main table (PITR on). Item shapes — see docs/DATA.md for the full list:
 *  - message        pk CONV#<a>#<b> (sorted pair) | SYS#<user>   sk MSG#<ulid>
 *                   system only: gsi1pk UNREAD#<to>#SYSTEM (only while unread), gsi1sk <ulid>
 *  - pair           pk PAIR#<lo>#<hi>  sk PAIR    friend, tag, lastMessage, unreadLo/Hi, readLo/Hi, gLoPk/gLoSk, gHiPk/gHiSk
 *                   (alias of an id made before tags: sk ALIAS#<id>, tag)
 *  - counters       pk USER#<u>  sk COUNTS        system
 *  - profile        pk USER#<u>  sk PROFILE       name, sendTat
 *  - friendship     pk USER#<u>  sk FRIEND#<v>    name
 *  - idempotency    pk CMID#<sender>  sk <clientMessageId>  message (TTL)
 *                   pk EVT#<eventId>  sk <recipient>        messageId (TTL)
 *  - rate state     pk RATE#<u>  sk <kind>   tat (TTL); the send rate is the profile's sendTat
 */
export const MAIN_TABLE: TableDef = {
  id: 'Main',
  envVar: ENV.tableName,
  partitionKey: S('pk'),
  sortKey: S('sk'),
  ttlAttribute: 'expiresAt',
  pointInTimeRecovery: true,
  globalSecondaryIndexes: [
    // Sparse read-state index of system messages: one has gsi1pk only while it is unread.
    { indexName: 'unread', partitionKey: S('gsi1pk'), sortKey: S('gsi1sk'), projection: 'ALL' },
    // Each side's conversation list (pair items): USER#<owner>, U#<lastId> while unread else R#<lastId>.
    { indexName: 'sideLo', partitionKey: S('gLoPk'), sortKey: S('gLoSk'), projection: 'ALL' },
    { indexName: 'sideHi', partitionKey: S('gHiPk'), sortKey: S('gHiSk'), projection: 'ALL' },
    // A chat message id's conversation tag -> its pair (written once per conversation), for delete-by-id.
    { indexName: 'byTag', partitionKey: S('tag'), projection: 'KEYS_ONLY' },
  ],
};

/**
 * Connections table: high churn, no backups. One item per user (connectionId '#SET', an attribute `c:<id>` per
 * connection, docs/DATA.md); the item expires by TTL at its latest connection's expiry, so a lost $disconnect cleans
 * itself up.
 */
export const CONNECTIONS_TABLE: TableDef = {
  id: 'Connections',
  envVar: ENV.connectionsTable,
  partitionKey: S('userId'),
  sortKey: S('connectionId'),
  ttlAttribute: 'expiresAt',
  pointInTimeRecovery: false,
  globalSecondaryIndexes: [],
};

export const TABLES = { main: MAIN_TABLE, connections: CONNECTIONS_TABLE } as const;
export type TableKey = keyof typeof TABLES;

/** What a function may do to a table (least privilege in CDK). */
export type TableAccess = 'read' | 'write' | 'readWrite';

/** PartiQL statement verbs; IAM authorises each statement by its verb, as `PARTIQL_ACTIONS` names. */
export type PartiQLVerb = 'INSERT' | 'UPDATE' | 'DELETE' | 'SELECT';

/**
 * The IAM action a PartiQL statement needs, by verb (ExecuteStatement / BatchExecuteStatement): CDK's table grants
 * (grantReadWriteData) include none of them.
 */
export const PARTIQL_ACTIONS: Readonly<Record<PartiQLVerb, string>> = {
  INSERT: 'dynamodb:PartiQLInsert',
  UPDATE: 'dynamodb:PartiQLUpdate',
  DELETE: 'dynamodb:PartiQLDelete',
  SELECT: 'dynamodb:PartiQLSelect',
};

/**
 * What a function gets when its FunctionDef names no timeout or memory: read by the CDK functions (lib/functions.ts)
 * and by the local stack's function runner (local/functions.ts), so a handler times out locally exactly when it would
 * on Lambda.
 */
export const DEFAULT_TIMEOUT_SECONDS = 10;
export const DEFAULT_MEMORY_MB = 256;

export interface FunctionDef {
  /** Path of the handler module from the repository root; it exports `handler`. */
  entry: string;
  description: string;
  tables: Partial<Record<TableKey, TableAccess>>;
  /**
   * PartiQL statements the function sends (BatchExecuteStatement), by table and verb: lib/functions.ts grants
   * `PARTIQL_ACTIONS[verb]` of each on that table's ARN only (not its indexes). Separate from `tables`, whose item
   * actions don't cover PartiQL.
   */
  partiql?: Partial<Record<TableKey, readonly PartiQLVerb[]>>;
  /** Needs execute-api:ManageConnections on the WebSocket stage (PostToConnection). */
  manageConnections: boolean;
  /** Verifies JWTs itself (needs the issuer settings): the WebSocket authorizer. REST routes don't: the HTTP API's
   *  JWT authorizer verifies their tokens before they run. */
  verifiesTokens: boolean;
  /** Bounded concurrency (reserved) where it protects the tables; undefined = account pool. */
  reservedConcurrency?: number;
  timeoutSeconds?: number;
  memoryMb?: number;
  /**
   * Grants on the uploads bucket (UPLOADS_BUCKET), each one IAM statement on `arn:…:<bucket>/<prefix>*` for each
   * prefix. A function with any grant also gets the bucket's name in UPLOADS_BUCKET.
   */
  uploads?: UploadsGrant[];
  /** Packages installed into the function's bundle as node modules (not bundled), for linux-arm64: native code (sharp). */
  nodeModules?: string[];
}

/** S3 actions a function may be granted on the uploads bucket (lib/functions.ts makes each grant one statement). */
export type UploadsAction = 'PutObject' | 'GetObject' | 'DeleteObject' | 'PutObjectTagging' | 'DeleteObjectTagging';

/** One grant on the uploads bucket: `actions` on the objects under each of `prefixes` (`<bucket arn>/<prefix>*`). */
export interface UploadsGrant {
  actions: UploadsAction[];
  prefixes: string[];
}

/**
 * The uploads bucket (issue #14): raw uploads under `uploads/<userId>/<attachmentId>` (presigned POST), cleaned
 * images under `files/<attachmentId>/image|thumb`. Private; readers get signed GET URLs. Locally `parley-uploads` on
 * the stack's own S3-compatible endpoint (`/_aws/s3`).
 */
export const UPLOADS_BUCKET = { id: 'Uploads', envVar: ENV.uploadsBucket } as const;
/** The physical bucket name the local stack uses. */
export const LOCAL_UPLOADS_BUCKET_NAME = 'parley-uploads';

export interface LifecycleRuleDef {
  id: string;
  /** Objects under this key prefix... */
  prefix?: string;
  /** ...or carrying this tag. */
  tag?: { key: string; value: string };
  expireAfterDays: number;
}

/**
 * The uploads bucket's lifecycle (design-14): raw uploads and files never sent expire after a day (CDK: lifecycle
 * rules, plus aborting incomplete multipart uploads after a day; local: local/s3/lifecycle.ts sweeps its own store
 * at start and hourly with the same rules).
 */
export const UPLOADS_LIFECYCLE: LifecycleRuleDef[] = [
  { id: 'RawUploads', prefix: 'uploads/', expireAfterDays: 1 },
  { id: 'UnsentFiles', tag: { key: 'parley-unsent', value: 'true' }, expireAfterDays: 1 },
];
/** CDK only (multipart uploads don't exist locally). */
export const UPLOADS_ABORT_INCOMPLETE_MULTIPART_DAYS = 1;

/** Signing GET URLs of cleaned files (history, conversations, attachment state, sendMessage's ack and pushes). */
const readFiles: UploadsGrant = { actions: ['GetObject'], prefixes: ['files/'] };

const fn = (entry: string, description: string, more: Partial<FunctionDef> = {}): FunctionDef => ({
  entry,
  description,
  tables: {},
  manageConnections: false,
  verifiesTokens: false,
  ...more,
});

/** Read and write messages, read and write connections (a push to a gone connection deletes its row). */
const chatRW = { main: 'readWrite', connections: 'readWrite' } as const;

export const FUNCTIONS = {
  wsAuthorizer: fn('lambdas/ws/authorizer.ts', 'WebSocket $connect REQUEST authorizer (JWT + Origin)', { verifiesTokens: true }),
  wsConnect: fn('lambdas/ws/connect.ts', 'WebSocket $connect: store connection, presence online', {
    tables: { main: 'readWrite', connections: 'readWrite' },
    manageConnections: true,
  }),
  wsDisconnect: fn('lambdas/ws/disconnect.ts', 'WebSocket $disconnect: drop connection, presence offline', {
    tables: { main: 'read', connections: 'readWrite' },
    manageConnections: true,
  }),
  wsSendMessage: fn('lambdas/ws/send-message.ts', 'WebSocket sendMessage', {
    tables: chatRW,
    // The clientMessageId claim (INSERT) and the sender's rate state (UPDATE) go in one BatchExecuteStatement; a
    // refused message releases the claim (DELETE) and gives the hit back (UPDATE) in another
    // (lambdas/adapters/dynamo/messages/claim.ts).
    partiql: { main: ['INSERT', 'UPDATE', 'DELETE'] },
    manageConnections: true,
    // Signs its messages' file URLs; takes the unsent tag off the files it sends (puts it back if the send fails).
    uploads: [readFiles, { actions: ['DeleteObjectTagging', 'PutObjectTagging'], prefixes: ['files/'] }],
  }),
  wsMarkRead: fn('lambdas/ws/mark-read.ts', 'WebSocket markRead', { tables: chatRW, manageConnections: true }),
  // typing reads nothing from the main table: its friendship check and rate window are one transaction (writes).
  wsTyping: fn('lambdas/ws/typing.ts', 'WebSocket typing', { tables: { main: 'write', connections: 'readWrite' }, manageConnections: true }),
  // Every frame route may end a connection whose token has expired (DeleteConnection), ping and $default too.
  wsPing: fn('lambdas/ws/ping.ts', 'WebSocket ping -> pong', { manageConnections: true }),
  wsDefault: fn('lambdas/ws/default.ts', 'WebSocket $default: unknown action -> BAD_REQUEST', { manageConnections: true }),

  httpHistory: fn('lambdas/http/get-history.ts', 'GET chat history with a user', { tables: { main: 'read' }, uploads: [readFiles] }),
  httpConversations: fn('lambdas/http/list-conversations.ts', 'GET conversation list', { tables: { main: 'read' }, uploads: [readFiles] }),
  httpUnreadCount: fn('lambdas/http/unread-count.ts', 'GET unread counts', { tables: { main: 'read' } }),
  httpSystemList: fn('lambdas/http/list-system.ts', 'GET system messages', { tables: { main: 'read' } }),
  httpSystemMarkRead: fn('lambdas/http/mark-system-read.ts', 'POST mark system messages read', {
    tables: { main: 'readWrite' },
  }),
  httpMarkConversationRead: fn('lambdas/http/mark-conversation-read.ts', 'POST mark a conversation read', {
    tables: chatRW,
    manageConnections: true,
  }),
  httpDeleteMessage: fn('lambdas/http/delete-message.ts', 'DELETE a message (soft)', {
    tables: chatRW,
    manageConnections: true,
    // Deletes the message's files.
    uploads: [{ actions: ['DeleteObject'], prefixes: ['files/'] }],
  }),
  httpFriends: fn('lambdas/http/list-friends.ts', 'GET friends with presence and unread', {
    tables: { main: 'read', connections: 'read' },
  }),

  httpCreateAttachment: fn('lambdas/http/create-attachment.ts', 'POST an upload ticket (presigned POST) for an image', {
    // The rate window (RATE#, a conditional UpdateItem) and the pending record (ATT#, a conditional PutItem): writes only.
    tables: { main: 'write' },
    // The presigned POST is signed with this function's role: its PutObject on uploads/ is what S3 checks.
    uploads: [{ actions: ['PutObject'], prefixes: ['uploads/'] }],
  }),
  httpGetAttachment: fn('lambdas/http/get-attachment.ts', "GET an upload's state (its uploader only)", {
    tables: { main: 'read' },
    uploads: [readFiles],
  }),
  s3ProcessAttachment: fn('lambdas/attachments/process.ts', 'S3 ObjectCreated on uploads/: check and clean the image, tell the uploader', {
    tables: { main: 'readWrite', connections: 'readWrite' },
    manageConnections: true,
    uploads: [
      { actions: ['GetObject', 'DeleteObject'], prefixes: ['uploads/'] },
      { actions: ['PutObject', 'PutObjectTagging'], prefixes: ['files/'] },
    ],
    nodeModules: ['sharp'],
    timeoutSeconds: 30,
    memoryMb: 1536,
  }),

  eventsNotify: fn('lambdas/events/notify.ts', 'EventBridge target: system messages and the friend graph', {
    tables: { main: 'readWrite', connections: 'readWrite' },
    manageConnections: true,
    reservedConcurrency: 10,
    timeoutSeconds: 60,
    memoryMb: 512,
  }),

} as const satisfies Record<string, FunctionDef>;

export type FunctionKey = keyof typeof FUNCTIONS;

export interface WsRouteDef {
  routeKey: string;
  function: FunctionKey;
  /** Two-way route: the handler's returned `body` is sent back to the caller (API Gateway route response). */
  returnResponse: boolean;
}

/** API Gateway route selection expression: frames route by their `action` field. */
export const WS_ROUTE_SELECTION_EXPRESSION = '$request.body.action';

export const WS_AUTHORIZER = {
  function: 'wsAuthorizer' as FunctionKey,
  /** API Gateway answers 401 itself when this is missing; the authorizer answers 403 for a bad token. */
  identitySource: 'route.request.querystring.token',
};

export const WS_ROUTES: WsRouteDef[] = [
  { routeKey: '$connect', function: 'wsConnect', returnResponse: false },
  { routeKey: '$disconnect', function: 'wsDisconnect', returnResponse: false },
  { routeKey: 'sendMessage', function: 'wsSendMessage', returnResponse: true },
  { routeKey: 'markRead', function: 'wsMarkRead', returnResponse: true },
  { routeKey: 'typing', function: 'wsTyping', returnResponse: true },
  { routeKey: 'ping', function: 'wsPing', returnResponse: true },
  { routeKey: '$default', function: 'wsDefault', returnResponse: true },
];

/** Cloud limits mirrored by the local gateway. */
export const WS_LIMITS = {
  maxFrameBytes: 32 * 1024,
  maxMessageBytes: 128 * 1024,
  /** API Gateway's idle timeout and connection lifetime. */
  idleTimeoutSeconds: 600,
  maxConnectionSeconds: 7200,
};

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface HttpRouteDef {
  method: HttpMethod;
  /** API Gateway HTTP API path with {param} placeholders. */
  path: string;
  function: FunctionKey;
}

/**
 * HTTP API routes (payload format 2.0), every one behind the HTTP API's JWT authorizer (HTTP_AUTHORIZER): a request
 * without a valid bearer token is answered 401 by the gateway and never reaches a function.
 * API Gateway prefers static path segments over {params}; the local router does the same. Under /api/messages the
 * variable is `{id}` at every level — a user id or a message id, by route — because API Gateway refuses two routes
 * whose variables have different names at one level (lib/route-rules.ts checks the table at synth and at start).
 */
/**
 * The HTTP API's JWT authorizer, on every route: API Gateway reads the token from this header ("Bearer " optional),
 * checks its RSA signature against the issuer's JWKS (found through the issuer's discovery document), `iss` exactly,
 * `aud` (or `client_id` when there is no `aud`) against the audiences, and `exp`/`nbf`/`iat`; anything else is 401
 * `{"message":"Unauthorized"}`. The local HTTP gateway plays the same authorizer (local/jwt-authorizer.ts).
 */
export const HTTP_AUTHORIZER = {
  identitySource: '$request.header.Authorization',
} as const;

export const HTTP_ROUTES: HttpRouteDef[] = [
  { method: 'GET', path: '/api/messages/conversations/list', function: 'httpConversations' },
  { method: 'GET', path: '/api/messages/unread/count', function: 'httpUnreadCount' },
  { method: 'GET', path: '/api/messages/system/list', function: 'httpSystemList' },
  { method: 'POST', path: '/api/messages/system/mark-read', function: 'httpSystemMarkRead' },
  { method: 'GET', path: '/api/messages/{id}', function: 'httpHistory' },
  { method: 'POST', path: '/api/messages/{id}/read', function: 'httpMarkConversationRead' },
  { method: 'DELETE', path: '/api/messages/{id}', function: 'httpDeleteMessage' },
  { method: 'GET', path: '/api/friends', function: 'httpFriends' },
  { method: 'POST', path: '/api/attachments', function: 'httpCreateAttachment' },
  { method: 'GET', path: '/api/attachments/{id}', function: 'httpGetAttachment' },
];

export interface S3TriggerDef {
  /** Which bucket: 'uploads' = UPLOADS_BUCKET. */
  bucket: 'uploads';
  /** Object key prefix of the ObjectCreated notification. */
  prefix: string;
  function: FunctionKey;
}

/** S3 ObjectCreated notifications (CDK: bucket.addEventNotification; local: the S3 endpoint's onObjectCreated). */
export const S3_TRIGGERS: S3TriggerDef[] = [{ bucket: 'uploads', prefix: 'uploads/', function: 's3ProcessAttachment' }];

export const DEFAULT_EVENT_BUS_NAME = 'parley';

export interface EventRuleDef {
  id: string;
  description: string;
  /** EventBridge event pattern (matched locally by the same fields). */
  pattern: { 'detail-type': readonly string[]; source?: readonly string[] };
  function: FunctionKey;
  /** Target retry policy; undeliverable events go to the dead-letter queue. */
  maxRetryAttempts: number;
  maxEventAgeSeconds: number;
}

export const EVENT_RULES: EventRuleDef[] = [
  {
    id: 'SystemEvents',
    description: 'System notifications and friend-graph changes from the app',
    pattern: { 'detail-type': EVENT_DETAIL_TYPES },
    function: 'eventsNotify',
    maxRetryAttempts: 8,
    maxEventAgeSeconds: 3600,
  },
];
