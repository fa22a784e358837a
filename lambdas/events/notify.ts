/**
 * EventBridge target for the app's events (CONTRACT.md "Events"). Validates the detail, then stores and pushes
 * system messages / updates the friend graph. A detail that does not fit throws InvalidEventError with the reason:
 * it is retried a bounded number of times and then kept in the dead-letter queue.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import type * as v from 'valibot';
import { EVENT_DETAIL_TYPES, type EventDetailType } from '../shared/env';
import { notifyDeps } from '../adapters/container';
import { InvalidEventError, handleEvent, type Details, type NotifyResult } from '../core/notifications';
import { logger } from '../shared/logger';
import { eventDetailSchemas } from '../shared/event-schemas';
import { check } from '../shared/schemas';

const isKnown = (t: string): t is EventDetailType => (EVENT_DETAIL_TYPES as readonly string[]).includes(t);

export const handler = async (event: EventBridgeEvent<string, unknown>): Promise<NotifyResult> => {
  const detailType = event['detail-type'];
  const log = { eventId: event.id, detailType, source: event.source };
  if (!isKnown(detailType)) {
    logger.error('event rejected', { ...log, reason: 'unknown detail-type' });
    throw new InvalidEventError(`unknown detail-type "${String(detailType).slice(0, 64)}"`);
  }
  const parsed = check(eventDetailSchemas[detailType] as v.GenericSchema<unknown, Details[typeof detailType]>, event.detail);
  if (!parsed.success) {
    const reason = `${detailType}: ${parsed.reason}`;
    logger.error('event rejected', { ...log, reason });
    throw new InvalidEventError(reason);
  }
  const result = await handleEvent(
    notifyDeps(),
    { id: event.id, detailType, time: event.time, detail: parsed.data },
    parsed.data as Details[typeof detailType],
  );
  logger.info('event handled', { ...log, ...result });
  return result;
};
