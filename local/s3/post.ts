/**
 * POST Object: a browser form upload (parsed with busboy) authorised by a signed policy. The policy's signature,
 * expiration and every condition are checked when the file part starts; the file then streams into the store and
 * content-length-range is counted as it goes, so an oversize file is never kept whole.
 */
import busboy from 'busboy';
import { S3Error, accessDenied, entityTooLarge, invalidArgument, xmlEscape } from './errors';
import { DEFAULT_CONTENT_TYPE, userMetadata } from './body';
import type { Call, Endpoint } from './context';
import { checkPolicy, checkSize, parsePolicy } from './post-policy';
import { verifyPolicySignature } from './sigv4';
import type { ObjectInfo } from './store';

/** POST Object: a browser form upload authorised by a signed policy. */
export function postObject(ep: Endpoint, call: Call, b: string): Promise<void> {
  const r = call.req;
  return new Promise<void>((resolve, reject) => {
    const fields = new Map<string, string>();
    let failure: S3Error | undefined;
    let fileSeen = false;
    let upload: Promise<{ info: ObjectInfo; key: string; accessKeyId: string } | undefined> | undefined;
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: r.headers, limits: { fields: 100, fieldSize: 64 * 1024, files: 1, parts: 102 } });
    } catch {
      reject(new S3Error(400, 'MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.'));
      return;
    }
    parser.on('field', (name, value) => {
      // S3 ignores every field after the file.
      if (!fileSeen && !fields.has(name.toLowerCase())) fields.set(name.toLowerCase(), value);
    });
    parser.on('file', (name, stream, info) => {
      if (name.toLowerCase() !== 'file' || fileSeen) {
        stream.resume();
        if (!fileSeen) fields.set(name.toLowerCase(), '');
        return;
      }
      fileSeen = true;
      upload = receiveFile(ep, b, fields, stream, info.filename).catch((e: unknown) => {
        if (!(e instanceof S3Error)) console.error('local s3:', e);
        failure ??= e instanceof S3Error ? e : new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.');
        stream.resume();
        return undefined;
      });
    });
    parser.on('filesLimit', () => undefined);
    parser.on('error', () => {
      r.unpipe(parser);
      r.resume();
      reject(new S3Error(400, 'MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.'));
    });
    parser.on('close', () => {
      void (async () => {
        const done = await upload;
        if (failure) throw failure;
        if (!fileSeen || !done) throw invalidArgument('POST requires exactly one file upload per request.', { ArgumentName: 'file', ArgumentValue: '0' });
        respondToPost(ep, call, b, fields, done.info);
        ep.notify(r, call.ids, 'ObjectCreated:Post', b, done.info, done.accessKeyId);
      })().then(resolve, reject);
    });
    r.pipe(parser);
  });
}

/** Check the form's fields when the file starts, then stream the file into the store within the size range. */
async function receiveFile(
  ep: Endpoint,
  b: string,
  fields: Map<string, string>,
  stream: NodeJS.ReadableStream,
  filename: string | undefined,
): Promise<{ info: ObjectInfo; key: string; accessKeyId: string }> {
  const need = (name: string) => {
    const v = fields.get(name);
    if (v === undefined || v === '') {
      throw invalidArgument(`Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`, {
        ArgumentName: name,
        ArgumentValue: '',
      });
    }
    return v;
  };
  const rawKey = need('key');
  const policyText = fields.get('policy');
  if (!policyText) throw accessDenied();
  const algorithm = need('x-amz-algorithm');
  if (algorithm !== 'AWS4-HMAC-SHA256') throw invalidArgument(`Invalid algorithm: ${algorithm}`, { ArgumentName: 'x-amz-algorithm', ArgumentValue: algorithm });
  const credential = need('x-amz-credential');
  need('x-amz-date');
  const signature = need('x-amz-signature');
  const accessKeyId = verifyPolicySignature(policyText, credential, signature, ep.sig);
  const range = checkPolicy(parsePolicy(policyText), fields, b, ep.now());
  const key = rawKey.replace('${filename}', filename ?? '');
  if (Buffer.byteLength(key) > 1024) throw new S3Error(400, 'KeyTooLongError', 'Your key is too long');

  // Without a content-length-range, the endpoint's own cap (S3's is 5 GiB) still holds.
  const max = Math.min(range?.max ?? Infinity, ep.maxPut);
  const writer = ep.store.writer(b, key);
  let size = 0;
  let tooLarge = false;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (tooLarge) continue; // keep reading so the client gets the answer, but keep nothing
      if (size > max) {
        tooLarge = true;
        await writer.abort();
        continue;
      }
      await writer.write(chunk);
    }
    if (size > max) throw entityTooLarge(size, max);
    checkSize(range, size);
    const info = await writer.commit({ contentType: fields.get('content-type') ?? DEFAULT_CONTENT_TYPE, metadata: userMetadata(fields) });
    return { info, key, accessKeyId };
  } catch (e) {
    await writer.abort();
    throw e;
  }
}

function respondToPost(ep: Endpoint, call: Call, b: string, fields: Map<string, string>, info: ObjectInfo) {
  const { req, send, sendXml } = call;
  const host = req.headers.host ?? '127.0.0.1';
  const location = `http://${host}${ep.prefix}/${encodeURIComponent(b)}/${info.key.split('/').map(encodeURIComponent).join('/')}`;
  const headers = { etag: `"${info.etag}"`, location };
  const redirect = fields.get('success_action_redirect') ?? fields.get('redirect');
  if (redirect) {
    let target: URL | undefined;
    try {
      target = new URL(redirect);
    } catch {
      target = undefined;
    }
    if (target) {
      target.searchParams.set('bucket', b);
      target.searchParams.set('key', info.key);
      target.searchParams.set('etag', `"${info.etag}"`);
      send(303, undefined, { ...headers, location: target.toString(), 'content-length': 0 });
      return;
    }
  }
  const status = fields.get('success_action_status');
  if (status === '201') {
    sendXml(
      201,
      `<PostResponse><Location>${xmlEscape(location)}</Location><Bucket>${xmlEscape(b)}</Bucket><Key>${xmlEscape(info.key)}</Key><ETag>&quot;${info.etag}&quot;</ETag></PostResponse>`,
      headers,
    );
  } else send(status === '200' ? 200 : 204, undefined, { ...headers, 'content-length': 0 });
}
