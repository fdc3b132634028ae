import type { Readable } from 'node:stream';
import { NotJsonError } from './errors.js';
import { RESOLVED, type StreamWriter } from './writer.js';

/** Anything a body can be read from: an async iterable (a Node Readable is one) or a WHATWG ReadableStream. */
export type ByteSource =
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array | string>
  | ReadableStream<Uint8Array | string>
  | Readable;

export interface PipeOptions {
  /** Close the writer when the source ends. Default true. */
  close?: boolean;
}

function iterate<T>(source: AsyncIterable<T> | Iterable<T> | ReadableStream<T>): AsyncIterator<T> | Iterator<T> {
  if (typeof (source as AsyncIterable<T>)[Symbol.asyncIterator] === 'function') return (source as AsyncIterable<T>)[Symbol.asyncIterator]();
  if (typeof (source as Iterable<T>)[Symbol.iterator] === 'function') return (source as Iterable<T>)[Symbol.iterator]();
  if (typeof (source as ReadableStream<T>).getReader === 'function') {
    const reader = (source as ReadableStream<T>).getReader();
    return {
      next: () => reader.read() as Promise<IteratorResult<T>>,
      return: async (value?: unknown) => {
        await reader.cancel(value).catch(() => {});
        return { done: true, value: undefined as T };
      },
    };
  }
  throw new TypeError('Expected an async iterable, an iterable or a ReadableStream');
}

/**
 * Feeds `items` through `encode` into the writer with back-pressure. When the peer leaves, the source
 * is stopped (its `return()` runs, a ReadableStream is cancelled); when the source throws, the writer
 * is aborted so the peer sees a cut stream, never a truncated body that looks complete.
 */
async function drive<T>(writer: StreamWriter, source: AsyncIterable<T> | Iterable<T> | ReadableStream<T>, encode: (item: T) => Uint8Array | string, options: PipeOptions, prefix?: string, suffix?: string): Promise<void> {
  const it = iterate(source);
  let sourceDone = false;
  try {
    if (prefix) await writer.write(prefix);
    while (true) {
      if (writer.signal.aborted) throw writer.signal.reason;
      let r: IteratorResult<T>;
      try {
        // A sync iterator's result is used as is: no microtask per item.
        const next = it.next();
        r = typeof (next as Promise<IteratorResult<T>>).then === 'function' ? await next : (next as IteratorResult<T>);
      } catch (err) {
        sourceDone = true;
        writer.abort(err);
        throw err;
      }
      if (r.done) {
        sourceDone = true;
        break;
      }
      let bytes: Uint8Array | string;
      try {
        bytes = encode(r.value);
      } catch (err) {
        writer.abort(err);
        throw err;
      }
      const written = writer.write(bytes);
      if (written !== RESOLVED) await written;
    }
    if (suffix) await writer.write(suffix);
    if (options.close !== false) await writer.close();
  } finally {
    if (!sourceDone && typeof it.return === 'function') await Promise.resolve(it.return()).catch(() => {});
  }
}

const identity = (chunk: Uint8Array | string): Uint8Array | string => chunk;

/** Streams every chunk of `source` into the writer, then closes it (unless `close: false`). */
export function pipeFrom(writer: StreamWriter, source: ByteSource, options: PipeOptions = {}): Promise<void> {
  return drive(writer, source as AsyncIterable<Uint8Array | string>, identity, options);
}

function toJson(item: unknown): string {
  const s = JSON.stringify(item);
  if (s === undefined) throw new NotJsonError(typeof item);
  return s;
}

/** Writes each item as one JSON line (`application/x-ndjson`). */
export function writeNdjson<T>(writer: StreamWriter, items: AsyncIterable<T> | Iterable<T> | ReadableStream<T>, options: PipeOptions = {}): Promise<void> {
  return drive(writer, items, (item) => toJson(item) + '\n', options);
}

/** Writes the items as one JSON array, `[a,b,c]`, without holding more than one item at a time. */
export function writeJsonArray<T>(writer: StreamWriter, items: AsyncIterable<T> | Iterable<T> | ReadableStream<T>, options: PipeOptions = {}): Promise<void> {
  let first = true;
  return drive(
    writer,
    items,
    (item) => {
      const s = toJson(item);
      if (first) {
        first = false;
        return s;
      }
      return ',' + s;
    },
    options,
    '[',
    ']',
  );
}
