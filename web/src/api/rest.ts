/** The REST client: the contract's routes, a Bearer token, JSON in and out, errors as ApiError. */
import type { AttachmentState, CreatedAttachment, ConversationSummary, Friend, Message, Page, UnreadCounts } from '../types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface RestClientOptions {
  apiUrl: string;
  /** The current bearer token (refreshed by the auth layer when needed). */
  token: () => Promise<string>;
  /** Called once on a 401 before the request is retried with a fresh token. */
  onUnauthorized?: () => Promise<void>;
  fetch?: typeof fetch;
}

/** The contract's error codes for API Gateway's own answers, which carry no code. */
const GATEWAY_CODES: Partial<Record<number, string>> = { 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 413: 'TOO_LARGE', 429: 'RATE_LIMITED' };

type Query = Record<string, string | number | boolean | undefined>;

function qs(query: Query): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export class RestClient {
  private readonly base: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly opts: RestClientOptions) {
    this.base = opts.apiUrl.replace(/\/+$/, '');
    this.doFetch = opts.fetch ?? ((...args) => globalThis.fetch(...args));
  }

  friends(): Promise<{ items: Friend[] }> {
    return this.call('GET', '/api/friends');
  }

  history(userId: string, q: { limit?: number; before?: string; after?: string } = {}): Promise<Page<Message>> {
    return this.call('GET', `/api/messages/${encodeURIComponent(userId)}${qs(q)}`);
  }

  conversations(q: { limit?: number; before?: string } = {}): Promise<Page<ConversationSummary>> {
    return this.call('GET', `/api/messages/conversations/list${qs(q)}`);
  }

  unreadCount(): Promise<UnreadCounts> {
    return this.call('GET', '/api/messages/unread/count');
  }

  systemList(q: { limit?: number; before?: string; unreadOnly?: boolean } = {}): Promise<Page<Message>> {
    return this.call('GET', `/api/messages/system/list${qs({ ...q, unreadOnly: q.unreadOnly ? true : undefined })}`);
  }

  markSystemRead(body: { messageIds: string[] } | { all: true }): Promise<{ updated: number }> {
    return this.call('POST', '/api/messages/system/mark-read', body);
  }

  markConversationRead(userId: string): Promise<{ updated: number }> {
    return this.call('POST', `/api/messages/${encodeURIComponent(userId)}/read`);
  }

  deleteMessage(messageId: string): Promise<void> {
    return this.call('DELETE', `/api/messages/${encodeURIComponent(messageId)}`);
  }

  /** A ticket for one image upload (CONTRACT.md "Attachments (images)"). */
  createAttachment(body: { contentType: string; size: number }): Promise<CreatedAttachment> {
    return this.call('POST', '/api/attachments', body);
  }

  /** An upload's check: pending, ready (with the attachment) or rejected (with a reason). Its uploader only. */
  getAttachment(attachmentId: string): Promise<AttachmentState> {
    return this.call('GET', `/api/attachments/${encodeURIComponent(attachmentId)}`);
  }

  private async call<T>(method: string, path: string, body?: unknown, retried = false): Promise<T> {
    const token = await this.opts.token();
    let res: Response;
    try {
      res = await this.doFetch(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'NETWORK', 'The server cannot be reached.');
    }
    if (res.status === 401 && !retried && this.opts.onUnauthorized) {
      await this.opts.onUnauthorized();
      return this.call<T>(method, path, body, true);
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      // Our functions answer {"error":{code,message}}; API Gateway itself (its JWT authorizer, throttling) answers
      // {"message":"Unauthorized"} and the like: the status says which contract code it is.
      const body = parsed as { error?: { code?: string; message?: string }; message?: unknown } | undefined;
      const err = body?.error;
      const gatewayMessage = typeof body?.message === 'string' ? body.message : undefined;
      throw new ApiError(res.status, err?.code ?? GATEWAY_CODES[res.status] ?? 'INTERNAL', err?.message ?? gatewayMessage ?? `HTTP ${res.status}`);
    }
    return parsed as T;
  }
}
