/**
 * @module
 * The in-process provider of the pure-overhead measurement: a `fetch` for the SDKs' `fetch`
 * option that answers every request with a response recorded once from the fake provider over
 * real HTTP. The SDKs parse real bytes (status, headers, JSON or server-sent events delivered
 * event by event), but no socket is involved, so microseconds of instrumentation are not
 * drowned in loopback noise.
 */

/** A response as the fake provider sent it. */
export type RecordedResponse = {
  status: number;
  headers: [string, string][];
  /** The body, one piece per server-sent event for streams, one piece otherwise. */
  pieces: string[];
};

/** Hop-by-hop and per-request headers that a replay must not repeat. */
const DROPPED_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date']);

type Fetch = typeof globalThis.fetch;

/**
 * A `fetch` that forwards to the real one and keeps the last response it saw, so one SDK call
 * through it records exactly what the fake provider answers to that SDK's request.
 */
export function recordingFetch(): { fetch: Fetch; last(): Promise<RecordedResponse> } {
  let recorded: Promise<RecordedResponse> | undefined;
  const fetch: Fetch = async (input, init) => {
    const response = await globalThis.fetch(input, init);
    const copy = response.clone();
    recorded = copy.text().then((text) => ({
      status: copy.status,
      headers: [...copy.headers].filter(([name]) => !DROPPED_HEADERS.has(name)),
      pieces: isEventStream(copy.headers) ? splitEvents(text) : [text],
    }));
    return response;
  };
  return {
    fetch,
    last() {
      if (!recorded) throw new Error('no response was recorded');
      return recorded;
    },
  };
}

function isEventStream(headers: Headers): boolean {
  return headers.get('content-type')?.includes('text/event-stream') === true;
}

/** Server-sent events, each with its blank-line terminator, as the network would deliver them. */
function splitEvents(text: string): string[] {
  const pieces = text.split(/(?<=\n\n)/);
  return pieces.filter((piece) => piece.length > 0);
}

/** A `fetch` answering every request with `recorded`, built fresh each time as a network would. */
export function replayFetch(recorded: RecordedResponse): Fetch {
  const encoder = new TextEncoder();
  const pieces = recorded.pieces.map((piece) => encoder.encode(piece));
  const { status, headers } = recorded;
  const single = pieces.length === 1 ? pieces[0] : undefined;
  return async () => {
    const body: ConstructorParameters<typeof Response>[0] = single
      ? single.slice()
      : new ReadableStream<Uint8Array>({
          start(controller) {
            for (const piece of pieces) controller.enqueue(piece.slice());
            controller.close();
          },
        });
    return new Response(body, { status, headers });
  };
}
