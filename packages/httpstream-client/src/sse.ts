// Server-Sent Events parsing per the WHATWG HTML "event stream interpretation": fields data, event,
// id and retry; comments ignored; an event is dispatched at a blank line.
import { splitLines } from './lines.js';

export interface SSEEvent {
  /** The last event ID seen so far (it persists across events, as in EventSource). */
  id: string | undefined;
  /** The event type; "message" when the server named none. */
  event: string;
  data: string;
  /** Reconnection time in ms, when this event carried one. */
  retry: number | undefined;
}

export async function* parseSSE(chunks: AsyncIterable<Uint8Array>, maxLineBytes?: number): AsyncGenerator<SSEEvent> {
  let data: string[] = [];
  let event = '';
  let lastId: string | undefined;
  let retry: number | undefined;
  let first = true;
  for await (let line of splitLines(chunks, maxLineBytes)) {
    if (first) {
      if (line.charCodeAt(0) === 0xfeff) line = line.slice(1); // a leading BOM is ignored
      first = false;
    }
    if (line === '') {
      if (data.length > 0) yield { id: lastId, event: event || 'message', data: data.join('\n'), retry };
      data = [];
      event = '';
      retry = undefined;
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        data.push(value);
        break;
      case 'event':
        event = value;
        break;
      case 'id':
        if (!value.includes('\0')) lastId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) retry = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
  }
}
