/**
 * The object operations on a signed (header or presigned) request: PutObject, CopyObject, GetObject / HeadObject,
 * Get/Put/DeleteObjectTagging and DeleteObjects. DeleteObject is answered by the router (server.ts).
 */
import { S3Error, invalidArgument, malformedXml, methodNotAllowed, noSuchBucket, noSuchKey, xmlEscape } from './errors';
import {
  DEFAULT_CONTENT_TYPE,
  checkDigests,
  checkTags,
  decodeAwsChunked,
  headerEntries,
  parseTagHeader,
  readBody,
  safeDecode,
  userMetadata,
  xmlUnescape,
} from './body';
import { type Call, type Endpoint, XMLNS } from './context';
import { sha256Hex } from './sigv4';
import type { ObjectMeta } from './store';

export async function putObject(ep: Endpoint, call: Call, b: string, k: string, payloadHash: string, accessKeyId: string) {
  const { req: r, send, ids } = call;
  let body = await readBody(r, ep.maxPut);
  if (/^[0-9a-f]{64}$/i.test(payloadHash) && sha256Hex(body) !== payloadHash.toLowerCase()) {
    throw new S3Error(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", {
      ClientComputedContentSHA256: payloadHash,
      S3ComputedContentSHA256: sha256Hex(body),
    });
  }
  let trailers: Record<string, string> = {};
  if (payloadHash.startsWith('STREAMING-') || /aws-chunked/i.test(String(r.headers['content-encoding'] ?? ''))) ({ data: body, trailers } = decodeAwsChunked(body));
  checkDigests(body, { ...Object.fromEntries(headerEntries(r)), ...trailers });
  const writer = ep.store.writer(b, k);
  await writer.write(body);
  const tagHeader = r.headers['x-amz-tagging'];
  const tags = tagHeader === undefined ? {} : parseTagHeader(String(tagHeader));
  const info = await writer.commit({
    contentType: String(r.headers['content-type'] ?? DEFAULT_CONTENT_TYPE),
    metadata: userMetadata(headerEntries(r)),
    ...(Object.keys(tags).length ? { tags } : {}),
  });
  send(200, undefined, { etag: `"${info.etag}"`, 'content-length': 0 });
  ep.notify(r, ids, 'ObjectCreated:Put', b, info, accessKeyId);
}

export async function copyObject(ep: Endpoint, call: Call, b: string, k: string, accessKeyId: string) {
  const { req: r, sendXml, ids } = call;
  const source = String(r.headers['x-amz-copy-source']).split('?')[0].replace(/^\//, '');
  const i = source.indexOf('/');
  const sb = safeDecode(source.slice(0, i)) ?? '';
  const sk = safeDecode(source.slice(i + 1));
  if (i < 0 || !sk) throw invalidArgument('Copy Source must mention the source bucket and key: sourcebucket/sourcekey', { ArgumentName: 'x-amz-copy-source' });
  if (!ep.buckets.has(sb)) throw noSuchBucket(sb);
  const src = await ep.store.get(sb, sk);
  if (!src) throw noSuchKey(sk);
  const replace = String(r.headers['x-amz-metadata-directive'] ?? 'COPY').toUpperCase() === 'REPLACE';
  const meta: ObjectMeta = replace
    ? { contentType: String(r.headers['content-type'] ?? DEFAULT_CONTENT_TYPE), metadata: userMetadata(headerEntries(r)) }
    : { contentType: src.info.contentType, metadata: src.info.metadata };
  const tagDirective = String(r.headers['x-amz-tagging-directive'] ?? 'COPY').toUpperCase();
  const copiedTags = tagDirective === 'REPLACE' ? parseTagHeader(String(r.headers['x-amz-tagging'] ?? '')) : (src.info.tags ?? {});
  if (Object.keys(copiedTags).length) meta.tags = copiedTags;
  r.resume();
  const writer = ep.store.writer(b, k);
  for await (const chunk of src.body()) await writer.write(chunk as Buffer);
  const info = await writer.commit(meta);
  sendXml(200, `<CopyObjectResult xmlns="${XMLNS}"><LastModified>${info.lastModified.toISOString()}</LastModified><ETag>&quot;${info.etag}&quot;</ETag></CopyObjectResult>`);
  ep.notify(r, ids, 'ObjectCreated:Copy', b, info, accessKeyId);
}

export async function getObject(ep: Endpoint, call: Call, b: string, k: string, qs: URLSearchParams, presigned: boolean) {
  const { req, res, method, base } = call;
  const found = await ep.store.get(b, k);
  if (!found) throw noSuchKey(k);
  const { info } = found;
  const headers: Record<string, string | number> = {
    'content-type': info.contentType,
    'content-length': info.size,
    etag: `"${info.etag}"`,
    'last-modified': info.lastModified.toUTCString(),
    'accept-ranges': 'bytes',
  };
  for (const [name, value] of Object.entries(info.metadata)) headers[`x-amz-meta-${name}`] = value;
  const tagCount = Object.keys(info.tags ?? {}).length;
  if (tagCount) headers['x-amz-tagging-count'] = tagCount;
  // response-* overrides are honoured on signed requests only, as S3 does.
  const overrides: Record<string, string> = {
    'response-content-type': 'content-type',
    'response-content-disposition': 'content-disposition',
    'response-cache-control': 'cache-control',
    'response-content-language': 'content-language',
    'response-expires': 'expires',
    'response-content-encoding': 'content-encoding',
  };
  for (const [param, header] of Object.entries(overrides)) {
    const v = qs.get(param);
    if (v !== null) headers[header] = v;
  }
  void presigned;
  // Conditional GET (browsers revalidating a cached image): 304 with no body.
  const inm = req.headers['if-none-match'];
  if (inm && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === `"${info.etag}"` || t.trim() === '*')) {
    res.writeHead(304, { ...base, etag: `"${info.etag}"`, 'last-modified': info.lastModified.toUTCString() });
    res.end();
    return;
  }
  res.writeHead(200, { ...base, ...headers });
  if (method === 'HEAD') {
    res.end();
    return;
  }
  const body = found.body();
  body.on('error', () => res.destroy());
  body.pipe(res);
}

/** GetObjectTagging, PutObjectTagging (XML TagSet) and DeleteObjectTagging on `?tagging`. */
export async function objectTagging(ep: Endpoint, call: Call, b: string, k: string, payloadHash: string) {
  const { req: r, method, send, sendXml } = call;
  if (method === 'GET') {
    const found = await ep.store.head(b, k);
    if (!found) throw noSuchKey(k);
    const tags = Object.entries(found.tags ?? {})
      .map(([tk, tv]) => `<Tag><Key>${xmlEscape(tk)}</Key><Value>${xmlEscape(tv)}</Value></Tag>`)
      .join('');
    sendXml(200, `<Tagging xmlns="${XMLNS}"><TagSet>${tags}</TagSet></Tagging>`);
    return;
  }
  if (method === 'DELETE') {
    r.resume();
    if (!(await ep.store.setTags(b, k, {}))) throw noSuchKey(k);
    send(204);
    return;
  }
  if (method !== 'PUT') throw methodNotAllowed(method);
  const raw = await readBody(r, 64 * 1024);
  checkDigests(raw, Object.fromEntries(headerEntries(r)));
  if (/^[0-9a-f]{64}$/i.test(payloadHash) && sha256Hex(raw) !== payloadHash.toLowerCase()) {
    throw new S3Error(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  const xml = raw.toString('utf8');
  if (!/<Tagging[\s>]/.test(xml) || !/<TagSet[\s>/]/.test(xml)) throw malformedXml();
  const pairs = [...xml.matchAll(/<Tag>\s*<Key>([\s\S]*?)<\/Key>\s*<Value>([\s\S]*?)<\/Value>\s*<\/Tag>/g)].map(
    (m) => [xmlUnescape(m[1]), xmlUnescape(m[2])] as [string, string],
  );
  const tags = checkTags(pairs);
  if (!(await ep.store.setTags(b, k, tags))) throw noSuchKey(k);
  send(200, undefined, { 'content-length': 0 });
}

export async function deleteObjects(ep: Endpoint, call: Call, b: string, payloadHash: string) {
  const { req: r, sendXml } = call;
  const raw = await readBody(r, 2 * 1024 * 1024);
  checkDigests(raw, Object.fromEntries(headerEntries(r)));
  const xml = raw.toString('utf8');
  if (/^[0-9a-f]{64}$/i.test(payloadHash) && sha256Hex(xml) !== payloadHash.toLowerCase()) {
    throw new S3Error(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  if (!/<Delete[\s>]/.test(xml)) throw malformedXml();
  const keys = [...xml.matchAll(/<Object>[\s\S]*?<Key>([\s\S]*?)<\/Key>[\s\S]*?<\/Object>/g)].map((m) => xmlUnescape(m[1]));
  if (keys.length === 0 || keys.length > 1000) throw malformedXml();
  const quiet = /<Quiet>\s*true\s*<\/Quiet>/i.test(xml);
  for (const k of keys) await ep.store.delete(b, k);
  const deleted = quiet ? '' : keys.map((k) => `<Deleted><Key>${xmlEscape(k)}</Key></Deleted>`).join('');
  sendXml(200, `<DeleteResult xmlns="${XMLNS}">${deleted}</DeleteResult>`);
}
