/**
 * @module
 * One SDK span that exercises every part of the decoded shape: every AnyValue type, a remote
 * parent with a trace state, links with attributes, events, an error status. Shared by the
 * protobuf and JSON decoder tests, so both are held to the same expectations.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Attributes, DecodedSpan } from '../../../src/otlp/types.ts';
import {
  expectedDecodedSpan,
  hrTime,
  recordSpans,
  spanContext,
  withAttributes,
} from './sdk-spans.ts';

// Ids of the rich span's remote parent and of its first link.
const RICH_TRACE_ID = '5b8efff798038103d269b633813fc60c';
const RICH_PARENT_ID = 'eee19b7ec3c1b174';
const RICH_LINK_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const RICH_LINK_SPAN_ID = 'b7ad6b7169203331';

/**
 * Attribute values of every OTLP type, as handed to the serializers. The SDK's `setAttribute`
 * would refuse several of them; the OTLP data model and the serializers accept them.
 */
const RICH_ATTRIBUTES: Attributes = {
  'gen_ai.request.model': 'gpt-4o-mini',
  'empty.string': '',
  'unicode.ключ': '値 🚀',
  'bool.true': true,
  'bool.false': false,
  'int.zero': 0,
  'int.negative': -5,
  'int.max_safe': Number.MAX_SAFE_INTEGER,
  'int.min_safe': Number.MIN_SAFE_INTEGER,
  'int.two_pow_60': 2 ** 60,
  'int.minus_two_pow_60': -(2 ** 60),
  'double.half': 0.5,
  'double.negative': -1234.5678,
  'double.tiny': 5e-324,
  'double.nan': Number.NaN,
  'double.infinity': Number.POSITIVE_INFINITY,
  'bytes.value': Uint8Array.of(0, 1, 2, 253, 254, 255),
  'bytes.empty': new Uint8Array(0),
  'array.strings': ['stop', 'length'],
  'array.mixed': [1, 'a', true, null, 2.5, [2, [3]], { k: 'v' }],
  'array.empty': [],
  'kvlist.nested': { provider: 'openai', usage: { input: 10, output: 2.5, tags: ['x'] } },
  'kvlist.empty': {},
  'null.value': null,
};

/**
 * The decoded form of {@link RICH_ATTRIBUTES} from binary protobuf: int64 values past 2^53
 * become bigints, everything else is unchanged.
 */
const RICH_ATTRIBUTES_DECODED: Attributes = {
  ...RICH_ATTRIBUTES,
  'int.two_pow_60': 2n ** 60n,
  'int.minus_two_pow_60': -(2n ** 60n),
};

/** Records the rich span, a child of a remote parent, and returns it with its expectation. */
export function recordRichSpan(): { span: ReadableSpan; expected: DecodedSpan } {
  const [recorded] = recordSpans(99, (tracer) => {
    const parent = trace.setSpanContext(
      ROOT_CONTEXT,
      spanContext(RICH_TRACE_ID, RICH_PARENT_ID, 'vendor=a1,other=b2'),
    );
    const span = tracer.startSpan(
      'execute_tool get_weather',
      {
        kind: SpanKind.PRODUCER,
        startTime: hrTime(1_760_000_000_000_000_001n),
        links: [
          {
            context: spanContext(RICH_LINK_TRACE_ID, RICH_LINK_SPAN_ID, 'congo=t61rcWkgMzE'),
            attributes: { 'link.reason': 'retry', 'link.attempt': 2 },
          },
          { context: spanContext(RICH_TRACE_ID, RICH_PARENT_ID) },
        ],
      },
      parent,
    );
    span.addEvent(
      'gen_ai.tool.message',
      { id: 'call_1', 'gen_ai.system': 'openai' },
      hrTime(1_760_000_000_000_000_500n),
    );
    span.addEvent(
      'exception',
      { 'exception.type': 'TimeoutError' },
      hrTime(1_760_000_000_999_999_999n),
    );
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'tool timed out: ⏱' });
    span.end(hrTime(1_760_000_001_000_000_000n));
  });
  if (recorded === undefined) throw new Error('the SDK recorded no span');
  const span = withAttributes(recorded, RICH_ATTRIBUTES);
  return {
    span,
    expected: { ...expectedDecodedSpan(recorded), attributes: RICH_ATTRIBUTES_DECODED },
  };
}
