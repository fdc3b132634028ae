// multipart/form-data (RFC 7578), produced part by part as the socket drains. When every part's
// size is known the total is computed up front and sent as Content-Length; otherwise chunked.
import { randomBytes } from 'node:crypto';
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
    return { data: this.produce(sizes), length };
  }

  private async *produce(sizes: Array<number | null>): AsyncGenerator<Uint8Array> {
    const crlf = Buffer.from(CRLF, 'latin1');
    for (let i = 0; i < this.parts.length; i++) {
      const part = this.parts[i]!;
      if (part.kind === 'field') {
        // small parts go out as one write
        yield Buffer.concat([part.head, part.value, crlf]);
        continue;
      }
      yield part.head;
      const opened = await part.body.open();
      let n = 0;
      if (opened.data instanceof Uint8Array) {
        n = opened.data.byteLength;
        yield opened.data;
      } else {
        for await (const c of opened.data) {
          const chunk = typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
          n += chunk.byteLength;
          yield chunk;
        }
      }
      const declared = sizes[i];
      if (declared !== null && declared !== undefined && n !== declared) {
        throw new BodySourceError(`multipart file part ${i + 1} produced ${n} bytes but its declared size is ${declared}`);
      }
      yield crlf;
    }
    yield this.tail;
  }
}
