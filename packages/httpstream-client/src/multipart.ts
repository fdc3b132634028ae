// multipart/form-data (RFC 7578), produced part by part as the socket drains. When every part's
// size is known the total is computed up front and sent as Content-Length; otherwise chunked.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { BodyNotReplayableError, BodySourceError, InvalidArgumentError } from './errors.js';
import { mimeTypeFor, toRequestBody, type BodyFactory, type BodyOptions, type BodySource, type OpenedBody, type RequestBody } from './body.js';

const CRLF = '\r\n';

interface FieldPart {
  kind: 'field';
  head: Buffer;
  value: Buffer;
}
interface FilePart {
  kind: 'file';
  head: Buffer;
  body: RequestBody;
}
type Part = FieldPart | FilePart;

/**
 * Quotes a name or filename for Content-Disposition. RFC 7578 §4.2 (and the HTML form encoder):
 * `"` becomes %22; CR, LF and NUL cannot be represented and are refused.
 */
export function quoteDispositionParam(what: string, value: string): string {
  if (typeof value !== 'string') throw new InvalidArgumentError(`multipart ${what} must be a string`);
  if (/[\r\n\0]/.test(value)) throw new InvalidArgumentError(`multipart ${what} must not contain CR, LF or NUL: ${JSON.stringify(value)}`);
  return `"${value.replace(/"/g, '%22')}"`;
}

function checkContentType(ct: string): string {
  if (/[\r\n\0]/.test(ct)) throw new InvalidArgumentError(`multipart content type must not contain CR, LF or NUL`);
  return ct;
}

export type FilePartOptions = BodyOptions;

export class MultipartBody implements RequestBody {
  readonly kind = 'multipart';
  readonly boundary: string;
  private readonly parts: Part[] = [];
  private opened = false;

  constructor(boundary?: string) {
    // RFC 2046 §5.1.1: 1–70 characters from a safe set; 32 random hex digits make collisions moot
    this.boundary = boundary ?? `----sluice${randomBytes(16).toString('hex')}`;
    if (!/^[0-9A-Za-z'()+_,\-./:=?]{1,70}$/.test(this.boundary)) throw new InvalidArgumentError(`invalid multipart boundary ${JSON.stringify(this.boundary)}`);
  }

  get contentType(): string {
    return `multipart/form-data; boundary=${this.boundary}`;
  }

  get replayable(): boolean {
    return this.parts.every((p) => p.kind === 'field' || p.body.replayable);
  }

  get consumed(): boolean {
    return this.opened;
  }

  /** A text field. */
  field(name: string, value: string | number | boolean): this {
    const head = `--${this.boundary}${CRLF}Content-Disposition: form-data; name=${quoteDispositionParam('field name', name)}${CRLF}${CRLF}`;
    this.parts.push({ kind: 'field', head: Buffer.from(head, 'utf8'), value: Buffer.from(String(value), 'utf8') });
    return this;
  }

  /** A file part; its Content-Type comes from `options.contentType`, else from the filename. */
  file(name: string, filename: string, source: BodySource | BodyFactory, options: FilePartOptions = {}): this {
    const body = toRequestBody(source, options);
    const type = checkContentType(options.contentType ?? mimeTypeFor(filename));
    const head =
      `--${this.boundary}${CRLF}Content-Disposition: form-data; name=${quoteDispositionParam('field name', name)}; ` +
      `filename=${quoteDispositionParam('filename', filename)}${CRLF}Content-Type: ${type}${CRLF}${CRLF}`;
    this.parts.push({ kind: 'file', head: Buffer.from(head, 'utf8'), body });
    return this;
  }

  private get tail(): Buffer {
    return Buffer.from(`--${this.boundary}--${CRLF}`, 'latin1');
  }

  async size(): Promise<number | null> {
    let total = this.tail.length;
    const sizes = await Promise.all(this.parts.map((p) => (p.kind === 'field' ? p.value.length : p.body.size())));
    for (let i = 0; i < this.parts.length; i++) {
      const s = sizes[i];
      if (s === null) return null;
      total += this.parts[i]!.head.length + s + 2;
    }
    return total;
  }

  async open(): Promise<OpenedBody> {
    if (this.opened && !this.replayable) throw new BodyNotReplayableError('cannot send the multipart body twice');
    this.opened = true;
    const length = await this.size();
    const sizes = await Promise.all(this.parts.map((p) => (p.kind === 'file' ? p.body.size() : null)));
    return { data: new MultipartStream(this.parts, sizes, this.tail), length };
  }
}

/** Big in-memory parts are pushed in slices of this size, so progress and back-pressure stay fine-grained. */
const SLICE = 64 * 1024;
const CRLF_BYTES = Buffer.from(CRLF, 'latin1');

/**
 * The multipart body as one push-based Readable: framing is pushed directly and each file part's
 * source (a Readable, or an iterable wrapped once by Readable.from) is relayed by its 'data' events,
 * paused when this stream's buffer is full and resumed by _read(). No promise per chunk.
 */
class MultipartStream extends Readable {
  private index = -1;
  /** The file part being relayed, when it is a stream. */
  private source: Readable | null = null;
  /** The file part being relayed, when it is in memory, and how far it was pushed. */
  private bytes: Uint8Array | null = null;
  private offset = 0;
  /** Bytes produced by the current file part (checked against its declared size). */
  private produced = 0;
  /** A part is being opened (async); _read() must not advance meanwhile. */
  private opening = false;

  constructor(
    private readonly parts: Part[],
    private readonly sizes: Array<number | null>,
    private readonly tail: Buffer,
  ) {
    super({ highWaterMark: SLICE });
  }

  override _read(): void {
    if (this.source) {
      if (this.source.isPaused()) this.source.resume();
      return;
    }
    if (this.opening) return;
    this.pump();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const src = this.source;
    this.source = null;
    this.bytes = null;
    if (src && !src.destroyed) src.destroy();
    cb(err);
  }

  /** Pushes synchronously until the buffer is full, a stream part takes over, or a part must be opened. */
  private pump(): void {
    while (!this.destroyed) {
      if (this.bytes) {
        const end = Math.min(this.offset + SLICE, this.bytes.byteLength);
        const slice = this.bytes.subarray(this.offset, end);
        this.offset = end;
        const last = end === this.bytes.byteLength;
        if (last) this.bytes = null;
        const more = this.push(slice);
        if (last && !this.partDone()) return;
        if (!more) return;
        continue;
      }
      this.index++;
      if (this.index === this.parts.length) {
        this.push(this.tail);
        this.push(null);
        return;
      }
      if (this.index > this.parts.length) return;
      const part = this.parts[this.index]!;
      if (part.kind === 'field') {
        // small parts go out as one write
        if (!this.push(Buffer.concat([part.head, part.value, CRLF_BYTES]))) return;
        continue;
      }
      this.push(part.head);
      this.opening = true;
      part.body.open().then(
        (opened) => this.attach(opened),
        (err) => this.destroy(err as Error),
      );
      return;
    }
  }

  private attach(opened: OpenedBody): void {
    this.opening = false;
    this.produced = 0;
    if (this.destroyed) {
      if (opened.data instanceof Readable) opened.data.destroy();
      return;
    }
    if (opened.data instanceof Uint8Array) {
      this.produced = opened.data.byteLength;
      this.bytes = opened.data;
      this.offset = 0;
      if (this.bytes.byteLength === 0) {
        this.bytes = null;
        if (!this.partDone()) return;
      }
      this.pump();
      return;
    }
    const src = opened.data instanceof Readable ? opened.data : Readable.from(opened.data, { objectMode: false });
    this.source = src;
    src.on('data', (c: Buffer | string) => {
      const chunk = typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
      if (chunk.byteLength === 0) return;
      this.produced += chunk.byteLength;
      if (!this.push(chunk)) src.pause();
    });
    src.once('end', () => {
      if (this.source !== src) return;
      this.source = null;
      if (this.partDone()) this.pump();
    });
    src.once('error', (err) => {
      if (this.source === src) this.destroy(err);
    });
  }

  /** Closes the current file part: checks its size and pushes its CRLF. False when the stream failed. */
  private partDone(): boolean {
    const declared = this.sizes[this.index];
    if (declared !== null && declared !== undefined && this.produced !== declared) {
      this.destroy(new BodySourceError(`multipart file part ${this.index + 1} produced ${this.produced} bytes but its declared size is ${declared}`));
      return false;
    }
    this.push(CRLF_BYTES);
    return true;
  }
}
