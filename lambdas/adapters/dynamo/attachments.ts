/**
 * Attachment records on the main table: pk `ATT#<attachmentId>`, sk `ATT` (docs/DATA.md). Created pending by
 * POST /api/attachments, finished (ready / rejected) once by the processor — the condition `status = pending` makes
 * a redelivered S3 event a no-op —, claimed by a message inside sendMessage's transaction (append-chat.ts).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AttachmentRecord, AttachmentStore } from '../../core/ports';
import { documentClient } from './client';
import { ATT_SK, attPk } from './keys';

const keyOf = (attachmentId: string) => ({ pk: attPk(attachmentId), sk: ATT_SK });

const isConditionFailure = (err: unknown) => err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException';

export function toAttachmentRecord(item: Record<string, unknown>): AttachmentRecord {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as unknown as AttachmentRecord;
}

/** One record, strongly consistent; null when there is none. Apart from the store, for sendMessage (which only reads). */
export async function getAttachmentRecord(table: string, attachmentId: string): Promise<AttachmentRecord | null> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: keyOf(attachmentId), ConsistentRead: true }));
  return out.Item ? toAttachmentRecord(out.Item) : null;
}

export function dynamoAttachmentStore(table: string): AttachmentStore {
  return {
    async create(record) {
      await documentClient().send(
        new PutCommand({ TableName: table, Item: { ...keyOf(record.attachmentId), ...record }, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
    },
    get: (attachmentId) => getAttachmentRecord(table, attachmentId),
    async finish(attachmentId, outcome) {
      const values: Record<string, unknown> = { ':pending': 'pending', ':status': outcome.status };
      let set = '#status = :status';
      if (outcome.status === 'ready') {
        set += ', #size = :size, width = :w, height = :h, contentType = :type';
        Object.assign(values, { ':size': outcome.size, ':w': outcome.width, ':h': outcome.height, ':type': outcome.contentType });
      } else {
        set += ', reason = :reason';
        values[':reason'] = outcome.reason;
      }
      try {
        await documentClient().send(
          new UpdateCommand({
            TableName: table,
            Key: keyOf(attachmentId),
            UpdateExpression: `SET ${set}`,
            ConditionExpression: '#status = :pending',
            ExpressionAttributeNames: { '#status': 'status', ...(outcome.status === 'ready' ? { '#size': 'size' } : {}) },
            ExpressionAttributeValues: values,
          }),
        );
        return true;
      } catch (err) {
        if (isConditionFailure(err)) return false;
        throw err;
      }
    },
  };
}
