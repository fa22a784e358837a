/**
 * The check and clean-up every uploaded image goes through before anyone else sees it (CONTRACT "Attachments
 * (images)", 2): a decodable JPEG, PNG, WebP or GIF whose real format is the declared one, at most 40 megapixels;
 * EXIF orientation applied, then every piece of metadata dropped (EXIF incl. GPS, XMP, ICC, comments — sharp writes
 * none unless asked to with keepMetadata/withMetadata, which this never calls); re-encoded in the same format;
 * plus a thumbnail whose longest side is at most 320 px. Pure: bytes in, bytes out, no AWS.
 *
 * Decompression bombs: the pixel count comes from the header (sharp's metadata() reads no pixel data) and is refused
 * before any decoding; the decoder itself also gets `limitInputPixels` in case a header lies. Truncated or damaged
 * files fail decoding (`failOn: 'warning'`, sharp's advice for untrusted input) and are 'corrupt'.
 *
 * Animated GIF and WebP stay animated, image and thumbnail (what people expect of a GIF in a chat); the 40 MP limit
 * counts every frame, so an animation can't be a bomb either.
 */
import sharp, { type Metadata, type Sharp } from 'sharp';

export const MAX_PIXELS = 40_000_000;
export const THUMBNAIL_MAX_SIDE = 320;

const FORMATS = { 'image/jpeg': 'jpeg', 'image/png': 'png', 'image/webp': 'webp', 'image/gif': 'gif' } as const;
export type ImageContentType = keyof typeof FORMATS;
type Format = (typeof FORMATS)[ImageContentType];

export type RejectReason = 'not_an_image' | 'type_mismatch' | 'too_many_pixels' | 'corrupt';

export type ProcessedImage =
  | { ok: true; image: Buffer; thumbnail: Buffer; width: number; height: number; contentType: ImageContentType }
  | { ok: false; reason: RejectReason };

export const isImageContentType = (t: string): t is ImageContentType => Object.hasOwn(FORMATS, t);

const reject = (reason: RejectReason): ProcessedImage => ({ ok: false, reason });

const isPixelLimitError = (e: unknown) => e instanceof Error && /pixel limit/i.test(e.message);

export async function processImage(bytes: Buffer, declaredType: string): Promise<ProcessedImage> {
  let meta: Metadata;
  try {
    // Header only: no pixel is decoded here.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    return reject('not_an_image');
  }
  const format = meta.format as string | undefined;
  if (format !== 'jpeg' && format !== 'png' && format !== 'webp' && format !== 'gif') return reject('not_an_image');
  if (!isImageContentType(declaredType) || FORMATS[declaredType] !== format) return reject('type_mismatch');
  if (!meta.width || !meta.height) return reject('corrupt');
  // For an animation, height is one frame's unless pages are asked for: count every frame.
  const frames = meta.pages ?? 1;
  const frameHeight = meta.pageHeight ?? meta.height;
  if (meta.width * frameHeight * frames > MAX_PIXELS) return reject('too_many_pixels');

  const animated = (format === 'gif' || format === 'webp') && frames > 1;
  const input = { limitInputPixels: MAX_PIXELS, failOn: 'warning' as const, animated };
  try {
    const image = await encode(sharp(bytes, input).rotate(), format);
    const out = await sharp(image, { animated }).metadata();
    const thumbnail = await encode(
      sharp(image, input).resize({ width: THUMBNAIL_MAX_SIDE, height: THUMBNAIL_MAX_SIDE, fit: 'inside', withoutEnlargement: true }),
      format,
    );
    return { ok: true, image, thumbnail, width: out.width!, height: out.pageHeight ?? out.height!, contentType: declaredType };
  } catch (e) {
    return reject(isPixelLimitError(e) ? 'too_many_pixels' : 'corrupt');
  }
}

/** Re-encode in the same format; no metadata is written (no keepMetadata / withMetadata anywhere). */
function encode(pipeline: Sharp, format: Format): Promise<Buffer> {
  switch (format) {
    case 'jpeg':
      return pipeline.jpeg({ quality: 85, mozjpeg: true }).toBuffer();
    case 'png':
      return pipeline.png({ compressionLevel: 9 }).toBuffer();
    case 'webp':
      return pipeline.webp({ quality: 85 }).toBuffer();
    case 'gif':
      return pipeline.gif().toBuffer();
  }
}
