import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { BullMQOtel } from 'bullmq-otel';

/**
 * Tracing (OpenTelemetry), off unless a process turns it on (shared/tracing/start-tracing.ts,
 * from the standard `OTEL_*` variables; or a test with its in-memory exporter). One trace
 * follows a request: the HTTP span (api/tracing/http-span.ts) → the BullMQ job, its context
 * carried in the job (bullmq-otel) → the handler → the delivery → the agent's turn (a span
 * per turn with its tokens and cost). Messages carry their trace context (`traceparent`) to
 * the delivery, which may run later, elsewhere, for a batch.
 *
 * OpenTelemetry's API is process-wide by design (one tracer provider per process), so the
 * switch is too: `tracingOn()` is what the queue factory and the span helpers ask.
 */
let on = false;
let bull: BullMQOtel | undefined;

export const TRACER_NAME = 'nox';

export function setTracing(enabled: boolean): void {
  on = enabled;
  bull = enabled ? new BullMQOtel(TRACER_NAME) : undefined;
}

export function tracingOn(): boolean {
  return on;
}

/** bullmq's telemetry option for Queues and Workers: context travels in each job */
export function bullTelemetry(): BullMQOtel | undefined {
  return bull;
}

/** The active context as a W3C carrier (`traceparent`, `tracestate`), to store beside a message; undefined when off. */
export function traceCarrier(ctx: Context = context.active()): Record<string, string> | undefined {
  if (!on) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent ? carrier : undefined;
}

/**
 * Runs `fn` in a new span (the active one while it runs), child of `parent` (a carrier) or of
 * the active context; ends it when `fn` settles, with an error status if it threw. When
 * tracing is off, just runs `fn`.
 */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span | undefined) => Promise<T>, parent?: Record<string, string>, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
  if (!on) return fn(undefined);
  const base = parent ? propagation.extract(context.active(), parent) : context.active();
  const span = trace.getTracer(TRACER_NAME).startSpan(name, { kind, attributes }, base);
  try {
    return await context.with(trace.setSpan(base, span), () => fn(span));
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
    throw err;
  } finally {
    span.end();
  }
}

/** Starts a span to be ended later by its owner (an agent's turn ends when its result line comes). */
export function startSpan(name: string, attributes: Attributes, parent?: Record<string, string>): Span | undefined {
  if (!on) return undefined;
  const base = parent ? propagation.extract(context.active(), parent) : context.active();
  return trace.getTracer(TRACER_NAME).startSpan(name, { attributes }, base);
}

/** The carrier of a context whose active span is `span` (to hand a child's parent to later work). */
export function carrierOfSpan(span: Span | undefined): Record<string, string> | undefined {
  if (!span) return undefined;
  return traceCarrier(trace.setSpan(context.active(), span));
}
