/** DynamoDB tables, one per wiring `TABLES` entry (keys, GSIs, TTL, PITR exactly as declared there). */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLES, type KeyDef, type TableDef, type TableKey } from './wiring';

const attr = (k: KeyDef): dynamodb.Attribute => ({
  name: k.name,
  type: k.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
});

export interface DataProps {
  /** Applies to tables with point-in-time recovery (the durable main table). */
  durableRemovalPolicy: RemovalPolicy;
}

export class Data extends Construct {
  readonly tables: Record<TableKey, dynamodb.Table>;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);
    const make = (def: TableDef) => {
      const table = new dynamodb.Table(this, def.id, {
        partitionKey: attr(def.partitionKey),
        sortKey: attr(def.sortKey),
        // On-demand: Parley's cost is O(what users touch), so pay per request; no capacity to plan.
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        timeToLiveAttribute: def.ttlAttribute,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: def.pointInTimeRecovery },
        deletionProtection: def.pointInTimeRecovery && props.durableRemovalPolicy === RemovalPolicy.RETAIN,
        // Tables without backups hold only ephemeral state (connections): they go with the stack.
        removalPolicy: def.pointInTimeRecovery ? props.durableRemovalPolicy : RemovalPolicy.DESTROY,
      });
      for (const gsi of def.globalSecondaryIndexes) {
        table.addGlobalSecondaryIndex({
          indexName: gsi.indexName,
          partitionKey: attr(gsi.partitionKey),
          sortKey: gsi.sortKey ? attr(gsi.sortKey) : undefined,
          projectionType: gsi.projection === 'ALL' ? dynamodb.ProjectionType.ALL : dynamodb.ProjectionType.KEYS_ONLY,
        });
      }
      if (!def.pointInTimeRecovery) {
        Validations.of(table).acknowledge({
          id: 'AwsSolutions-DDB3',
          reason:
            `wiring declares ${def.id} without backups: it holds only live WebSocket connections, rebuilt as clients ` +
            'reconnect and expired by TTL within hours; a restore would only bring back dead connection ids.',
        });
      }
      return table;
    };
    this.tables = Object.fromEntries(
      (Object.keys(TABLES) as TableKey[]).map((key) => [key, make(TABLES[key])]),
    ) as Record<TableKey, dynamodb.Table>;
  }
}
