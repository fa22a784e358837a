/**
 * The local stack's uploads bucket: the S3-compatible endpoint mounted at `/_aws/s3` on the stack's one port, its
 * ObjectCreated notifications wired to the functions of lib/wiring.ts S3_TRIGGERS, and the lifecycle sweep.
 */
import * as path from 'node:path';
import type { S3Event } from 'aws-lambda';
import { LOCAL_UPLOADS_BUCKET_NAME, S3_TRIGGERS, UPLOADS_LIFECYCLE } from '../lib/wiring';
import { createS3Handler, type S3RequestHandler } from './s3/server';
import { startLifecycle, type LifecycleRunner } from './s3/lifecycle';
import { fileStore, memoryStore, type ObjectStore } from './s3/store';
import { REPO_ROOT, type FunctionRegistry } from './functions';
import { errorMessage, type Log } from './log';

/** Where the local S3 endpoint keeps its objects (kept across restarts like the tables). */
export const DEFAULT_S3_DIR = path.join(REPO_ROOT, '.parley', 's3');
/** The local S3 endpoint's path on the stack's one port: the browser uploads to the page's own origin. */
export const S3_PATH = '/_aws/s3';

export interface LocalUploads {
  store: ObjectStore;
  handle: S3RequestHandler;
  lifecycle: LifecycleRunner;
  /** Resolves when every S3 notification so far has been handled by its function. */
  drain(): Promise<void>;
}

export function createUploads(opts: {
  region: string;
  /** The handlers' environment: its AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY is the one key the endpoint accepts. */
  env: Record<string, string>;
  origins: string[];
  functions: FunctionRegistry;
  log: Log;
  inMemory?: boolean;
  s3Dir?: string;
  lifecycleNow?: () => Date;
}): LocalUploads {
  const { region, env, origins, functions, log } = opts;
  // The uploads bucket: S3's ObjectCreated notifications invoke the wiring's S3_TRIGGERS functions through the
  // function runner with the event S3 sends (asynchronously, after the upload was answered, as S3 does).
  const s3Store = opts.inMemory ? memoryStore() : fileStore(path.resolve(opts.s3Dir ?? DEFAULT_S3_DIR));
  const uploadsInFlight = new Set<Promise<unknown>>();
  const handleS3 = createS3Handler({
    region,
    // The one key the endpoint accepts: the handlers' (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of their env).
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
    buckets: [LOCAL_UPLOADS_BUCKET_NAME],
    store: s3Store,
    prefix: S3_PATH,
    corsOrigins: origins,
    configurationId: 'parley-uploads-object-created',
    onObjectCreated: (event: S3Event) => {
      const key = event.Records[0]?.s3.object.key ?? '';
      const runs = S3_TRIGGERS.filter((t) => t.bucket === 'uploads' && key.startsWith(t.prefix)).map((t) => {
        const run = functions.invoke(t.function, event).catch((err) => log.error(`function ${t.function} failed on S3 object ${key}`, err));
        uploadsInFlight.add(run);
        void run.finally(() => uploadsInFlight.delete(run));
        return run;
      });
      return Promise.all(runs).then(() => undefined);
    },
    onNotifyError: (err) => log.error('S3 notification failed', err),
  });
  // Raw uploads and unsent files expire after a day, as the bucket's lifecycle rules do in the cloud.
  const lifecycle = startLifecycle({
    store: s3Store,
    bucket: LOCAL_UPLOADS_BUCKET_NAME,
    rules: UPLOADS_LIFECYCLE,
    now: opts.lifecycleNow,
    onSwept: (deleted) => deleted.length && log.info(`uploads lifecycle: ${deleted.length} expired object(s) deleted`),
    onError: (err) => log.warn(`uploads lifecycle sweep failed: ${errorMessage(err)}`),
  });
  const drain = async () => {
    while (uploadsInFlight.size) await Promise.all([...uploadsInFlight]);
  };
  return { store: s3Store, handle: handleS3, lifecycle, drain };
}
