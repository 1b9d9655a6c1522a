import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import { TRACER_NAME, tracingOn } from '../../shared/tracing/tracing.js';
import { routeLabel } from '../metrics/http-metrics.js';

/**
 * The first span of a request's trace (tracing on): a SERVER span for the request, child of
 * the caller's `traceparent` if it sent one, active while the request is handled — so the
 * jobs it adds (bullmq-otel carries the context in each job) and the messages it sends
 * (their `trace`) continue this trace. Named `<method> <route template>` once routed.
 */
export function httpSpan(): RequestHandler {
  return (req, res, next) => {
    if (!tracingOn()) return next();
    const parent = propagation.extract(context.active(), req.headers);
    const span = trace.getTracer(TRACER_NAME).startSpan(`${req.method}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } }, parent);
    res.once('finish', () => {
      const route = routeLabel(req);
      span.updateName(`${req.method} ${route}`);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': res.statusCode, 'nox.correlation_id': String(res.locals.correlationId ?? '') });
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
