/**
 * processImage with real images made by sharp in the test: what comes out is oriented, stripped of every piece of
 * metadata, in the declared format, with a ≤ 320 px thumbnail; what isn't a sound image of the declared type, or is
 * too big to decode safely, is refused with a stable reason.
 */
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { MAX_PIXELS, processImage } from '../../lambdas/attachments/image';

const solid = (width: number, height: number, r = 200) => sharp({ create: { width, height, channels: 3, background: { r, g: 80, b: 40 } } });

/** A PNG chunk (length, type, data, CRC over type+data). */
function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** Insert a chunk right after IHDR (signature 8 bytes + IHDR 25 bytes). */
const withChunk = (png: Buffer, chunk: Buffer) => Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)]);

/** A real small PNG whose IHDR claims width x height (CRC fixed, so only the size lies). */
function pngClaiming(png: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(png);
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
  return out;
}

/** An animated GIF of `frames` frames of width x height, each a different colour. */
async function animatedGif(width: number, height: number, frames: number): Promise<Buffer> {
  const w = 64;
  const h = 48;
  const raw = Buffer.alloc(w * h * frames * 3);
  for (let f = 0; f < frames; f++) raw.fill(f * 80, f * w * h * 3, (f + 1) * w * h * 3);
  const small = await sharp(raw, { raw: { width: w, height: h * frames, channels: 3, pageHeight: h } }).gif().toBuffer();
  return sharp(small, { animated: true }).resize(width, height, { fit: 'fill', kernel: 'nearest' }).gif({ effort: 1 }).toBuffer();
}

async function expectNoMetadata(bytes: Buffer) {
  const m = await sharp(bytes).metadata();
  expect(m.exif).toBeUndefined();
  expect(m.xmp).toBeUndefined();
  expect(m.icc).toBeUndefined();
  expect(m.iptc).toBeUndefined();
  expect(m.orientation).toBeUndefined();
  expect(m.comments).toBeUndefined();
}

describe('processImage accepts sound images and cleans them', () => {
  test('a JPEG with EXIF GPS, orientation 6, XMP and an ICC profile comes out upright, with no metadata at all', async () => {
    const input = await solid(400, 200)
      .jpeg()
      .withExif({
        IFD0: { ImageDescription: 'secret-description', Make: 'PhoneCo' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2406/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 17/1 4000/100' },
      })
      .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>secret-xmp-author</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>')
      .withIccProfile('p3')
      .toBuffer();
    // Orientation 6 ("rotate 90° clockwise to display") written into the EXIF as a camera would.
    const oriented = await sharp(input).keepMetadata().withMetadata({ orientation: 6 }).toBuffer();
    const before = await sharp(oriented).metadata();
    expect(before).toMatchObject({ orientation: 6, width: 400, height: 200 });
    expect(before.exif?.toString('latin1')).toContain('secret-description');
    expect(before.xmp).toBeDefined();
    expect(before.icc).toBeDefined();

    const result = await processImage(oriented, 'image/jpeg');

    expect(result).toMatchObject({ ok: true, width: 200, height: 400, contentType: 'image/jpeg' });
    if (!result.ok) return;
    const out = await sharp(result.image).metadata();
    expect(out).toMatchObject({ format: 'jpeg', width: 200, height: 400 });
    await expectNoMetadata(result.image);
    for (const secret of ['secret-description', 'secret-xmp-author', 'PhoneCo', 'Exif', 'GPS']) {
      expect(result.image.toString('latin1')).not.toContain(secret);
      expect(result.thumbnail.toString('latin1')).not.toContain(secret);
    }
    const thumb = await sharp(result.thumbnail).metadata();
    expect(thumb).toMatchObject({ format: 'jpeg', width: 160, height: 320 });
    await expectNoMetadata(result.thumbnail);
  });

  test('a PNG keeps its format, loses its text comments, and gets a thumbnail of longest side 320', async () => {
    const png = await solid(1000, 500).png().toBuffer();
    const commented = withChunk(png, pngChunk('tEXt', Buffer.from('Comment\u0000secret-comment', 'latin1')));
    expect((await sharp(commented).metadata()).comments).toEqual([{ keyword: 'Comment', text: 'secret-comment' }]);

    const result = await processImage(commented, 'image/png');

    expect(result).toMatchObject({ ok: true, width: 1000, height: 500, contentType: 'image/png' });
    if (!result.ok) return;
    await expectNoMetadata(result.image);
    expect(result.image.toString('latin1')).not.toContain('secret-comment');
    expect(await sharp(result.thumbnail).metadata()).toMatchObject({ format: 'png', width: 320, height: 160 });
  });

  test('a small image is not enlarged for its thumbnail', async () => {
    const result = await processImage(await solid(50, 30).webp().toBuffer(), 'image/webp');
    expect(result).toMatchObject({ ok: true, width: 50, height: 30, contentType: 'image/webp' });
    if (!result.ok) return;
    expect(await sharp(result.thumbnail).metadata()).toMatchObject({ format: 'webp', width: 50, height: 30 });
    await expectNoMetadata(result.image);
  });

  test('an animated GIF stays animated, every frame, in the image and the thumbnail', async () => {
    const gif = await animatedGif(640, 480, 3);
    expect(await sharp(gif).metadata()).toMatchObject({ format: 'gif', pages: 3, width: 640, height: 480 });

    const result = await processImage(gif, 'image/gif');

    expect(result).toMatchObject({ ok: true, width: 640, height: 480, contentType: 'image/gif' });
    if (!result.ok) return;
    expect(await sharp(result.image).metadata()).toMatchObject({ format: 'gif', pages: 3, width: 640, height: 480 });
    expect(await sharp(result.thumbnail).metadata()).toMatchObject({ format: 'gif', pages: 3, width: 320, height: 240 });
  });
});

describe('processImage refuses', () => {
  test('a PNG whose header claims 50000 x 50000 pixels: too_many_pixels, before decoding', async () => {
    const bomb = pngClaiming(await solid(8, 8).png().toBuffer(), 50000, 50000);
    expect(await sharp(bomb, { limitInputPixels: false }).metadata()).toMatchObject({ width: 50000, height: 50000 });
    const started = Date.now();
    expect(await processImage(bomb, 'image/png')).toEqual({ ok: false, reason: 'too_many_pixels' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('an animation whose frames together pass 40 megapixels: too_many_pixels', async () => {
    // 3 frames of 3700 x 3700: 13.7 MP each, 41 MP in all.
    const gif = await animatedGif(3700, 3700, 3);
    expect(3700 * 3700 * 3).toBeGreaterThan(MAX_PIXELS);
    expect(await processImage(gif, 'image/gif')).toEqual({ ok: false, reason: 'too_many_pixels' });
  }, 30000);

  test('a text file, and an SVG: not_an_image', async () => {
    expect(await processImage(Buffer.from('hello, this is not an image\n'), 'image/png')).toEqual({ ok: false, reason: 'not_an_image' });
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
    expect(await processImage(svg, 'image/png')).toEqual({ ok: false, reason: 'not_an_image' });
  });

  test('a truncated JPEG: corrupt', async () => {
    const jpeg = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg().toBuffer();
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
    expect(await processImage(truncated, 'image/jpeg')).toEqual({ ok: false, reason: 'corrupt' });
  });

  test('a PNG declared as image/jpeg, and a type outside the four: type_mismatch', async () => {
    const png = await solid(10, 10).png().toBuffer();
    expect(await processImage(png, 'image/jpeg')).toEqual({ ok: false, reason: 'type_mismatch' });
    expect(await processImage(png, 'image/svg+xml')).toEqual({ ok: false, reason: 'type_mismatch' });
  });
});
