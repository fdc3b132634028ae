// Splits a byte stream into text lines (LF, CRLF or a lone CR end a line, as SSE requires), decoding
// UTF-8 across chunk boundaries. A line longer than the cap fails instead of growing without bound.
import { ResponseTooLargeError } from './errors.js';

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

export async function* splitLines(chunks: AsyncIterable<Uint8Array>, maxLineBytes = DEFAULT_MAX_LINE_BYTES): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  let pendingCR = false; // a CR ended the previous chunk: swallow an LF that starts this one
  for await (const chunk of chunks) {
    let text = decoder.decode(chunk, { stream: true });
    if (pendingCR && text.startsWith('\n')) text = text.slice(1);
    pendingCR = false;
    rest += text;
    let start = 0;
    for (let i = 0; i < rest.length; i++) {
      const ch = rest.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      yield rest.slice(start, i);
      if (ch === 13) {
        if (i + 1 < rest.length) {
          if (rest.charCodeAt(i + 1) === 10) i++;
        } else pendingCR = true;
      }
      start = i + 1;
    }
    rest = rest.slice(start);
    if (rest.length > maxLineBytes) throw new ResponseTooLargeError('a line of the response', maxLineBytes);
  }
  rest += decoder.decode();
  if (rest.length > 0) yield rest;
}
