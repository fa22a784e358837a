/** In-memory Pusher (lambdas/core/ports.ts); see test/support/memory-ports.ts for the rules all fakes follow. */
import type { ServerFrame } from '../../../lambdas/contract/frames';
import type { Pusher, PushResult } from '../../../lambdas/core/ports';

/**
 * Records every frame per connection. A connection marked `gone` answers 410 (post -> 'gone', exists -> false), one
 * marked `failing` answers 'failed' (a throttle, a timeout); `close` records the close and makes it gone.
 */
export class MemoryPusher implements Pusher {
  private readonly sent = new Map<string, ServerFrame[]>();
  private readonly goneIds = new Set<string>();
  private readonly failingIds = new Set<string>();
  readonly closed: string[] = [];

  async post(connectionId: string, frame: unknown): Promise<PushResult> {
    if (this.goneIds.has(connectionId)) return 'gone';
    if (this.failingIds.has(connectionId)) return 'failed';
    if (!this.sent.has(connectionId)) this.sent.set(connectionId, []);
    // A copy, as JSON on the wire: a later change to the object can't rewrite what was sent.
    this.sent.get(connectionId)!.push(JSON.parse(JSON.stringify(frame)) as ServerFrame);
    return 'ok';
  }

  async exists(connectionId: string): Promise<boolean> {
    return !this.goneIds.has(connectionId);
  }

  async close(connectionId: string): Promise<void> {
    this.closed.push(connectionId);
    this.goneIds.add(connectionId);
  }

  /** From now on this connection is gone (API Gateway answers 410). */
  gone(...connectionIds: string[]): void {
    for (const id of connectionIds) this.goneIds.add(id);
  }

  /** From now on pushes to this connection fail (not 410). */
  failing(...connectionIds: string[]): void {
    for (const id of connectionIds) this.failingIds.add(id);
  }

  /** Frames delivered to a connection, oldest first; only those of one type if given. */
  framesTo<T extends ServerFrame['type']>(connectionId: string, type?: T): Extract<ServerFrame, { type: T }>[] {
    const all = this.sent.get(connectionId) ?? [];
    return (type === undefined ? all : all.filter((f) => f.type === type)) as Extract<ServerFrame, { type: T }>[];
  }

  /** Every delivered frame as [connectionId, frame], in delivery order per connection. */
  all(): Array<[string, ServerFrame]> {
    return [...this.sent.entries()].flatMap(([id, frames]) => frames.map((f): [string, ServerFrame] => [id, f]));
  }

  /** Forget what was sent so far (gone/failing marks stay). */
  clear(): void {
    this.sent.clear();
  }
}
