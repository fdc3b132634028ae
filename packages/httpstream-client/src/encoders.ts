// Bodies built from values: JSON, NDJSON and JSON-array streams of items, URL-encoded forms, and
// request gzip. Streams of items are encoded one item at a time as the socket drains.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { BodySourceError, InvalidArgumentError } from './errors.js';
import { toRequestBody, type RequestBody } from './body.js';

type Items<T> = AsyncIterable<T> | Iterable<T>;
/** Items, or a factory of items (replayable). */
export type ItemSource<T> = Items<T> | (() => Items<T>);

export function jsonBody(value: unknown): RequestBody {
  const text = JSON.stringify(value);
  if (text === undefined) throw new InvalidArgumentError('json(value): value is not JSON-serialisable');
  return toRequestBody(Buffer.from(text, 'utf8'), { contentType: 'application/json' });
}

function encodeItem(item: unknown): string {
  const text = JSON.stringify(item);
  if (text === undefined) throw new BodySourceError('an item of the stream is not JSON-serialisable');
  return text;
}

async function* ndjsonChunks<T>(items: Items<T>): AsyncGenerator<string> {
  for await (const item of items as AsyncIterable<T>) yield encodeItem(item) + '\n';
}

async function* jsonArrayChunks<T>(items: Items<T>): AsyncGenerator<string> {
  let first = true;
  for await (const item of items as AsyncIterable<T>) {
    yield (first ? '[' : ',') + encodeItem(item);
    first = false;
  }
  yield first ? '[]' : ']';
}

function itemBody<T>(source: ItemSource<T>, encode: (items: Items<T>) => AsyncGenerator<string>, contentType: string): RequestBody {
  if (typeof source === 'function') return toRequestBody(() => encode((source as () => Items<T>)()), { contentType });
  return toRequestBody(encode(source), { contentType });
}

/** Newline-delimited JSON, one line per item (application/x-ndjson). */
export function ndjsonBody<T>(items: ItemSource<T>): RequestBody {
  return itemBody(items, ndjsonChunks, 'application/x-ndjson');
}

/** One JSON array whose elements are streamed as they come (application/json). */
export function jsonArrayBody<T>(items: ItemSource<T>): RequestBody {
  return itemBody(items, jsonArrayChunks, 'application/json');
}

export type FormFields = URLSearchParams | Record<string, string | number | boolean | ReadonlyArray<string | number | boolean>>;

/** application/x-www-form-urlencoded. */
export function formBody(fields: FormFields): RequestBody {
  let params: URLSearchParams;
  if (fields instanceof URLSearchParams) params = fields;
  else {
    params = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) {
      for (const one of Array.isArray(v) ? v : [v]) params.append(k, String(one));
    }
  }
  return toRequestBody(Buffer.from(params.toString(), 'utf8'), { contentType: 'application/x-www-form-urlencoded' });
}

/**
 * Gzips another body on the fly. A failure of the source destroys the gzip stream, so the request
 * is aborted mid-body (chunked, unterminated) rather than ending with a valid but truncated gzip.
 */
export function gzipBody(inner: RequestBody, level = 6): RequestBody {
  let consumed = false;
  return {
    kind: `gzip(${inner.kind})`,
    contentType: inner.contentType,
    replayable: inner.replayable,
    get consumed() {
      return consumed;
    },
    size: async () => null,
    async open() {
      consumed = true;
      const opened = await inner.open();
      const gz = createGzip({ level });
      const src = opened.data instanceof Readable ? opened.data : Readable.from(opened.data instanceof Uint8Array ? [opened.data] : opened.data);
      const done = pipeline(src, gz);
      done.catch(() => {}); // the error surfaces through gz's iterator
      return { data: gz, length: null };
    },
  };
}
