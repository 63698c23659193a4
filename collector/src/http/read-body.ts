import { gunzip } from 'node:zlib';
import { HTTPException } from 'hono/http-exception';

/**
 * Reads a request body and inflates it when gzip-encoded, refusing anything larger than `limit`
 * bytes either way (413). The inflater stops at the limit, so a gzip bomb costs at most `limit`.
 */
export async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const encoding = (request.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') {
    throw new HTTPException(415, {
      message: `unsupported Content-Encoding ${encoding}: use gzip or none`,
    });
  }
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) throw tooLarge(limit);
  const raw = await readLimited(request, limit);
  if (encoding === 'identity') return raw;
  return new Promise((resolve, reject) => {
    gunzip(raw, { maxOutputLength: limit }, (err, out) => {
      if (!err) return resolve(out);
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
        return reject(tooLarge(limit));
      reject(new HTTPException(400, { message: `invalid gzip body: ${err.message}` }));
    });
  });
}

function tooLarge(limit: number): HTTPException {
  return new HTTPException(413, {
    message: `request body over ${limit} bytes (after decompression)`,
  });
}

async function readLimited(request: Request, limit: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}
