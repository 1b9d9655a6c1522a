import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { expect } from 'chai';
import { setTracing } from '../../shared/tracing/tracing.js';
import { tokenFor, waitUntil } from '../support/harness.js';
import { startCollabStack, type CollabStack } from '../messages/support/collab-stack.js';

describe('tracing: one trace from the request through the queue to the delivery and the turn', function () {
  this.timeout(60_000);
  const exporter = new InMemorySpanExporter();
  let provider: NodeTracerProvider;
  let stack: CollabStack;

  before(async () => {
    provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    provider.register();
    // on before the stack: its queues and workers are made with bullmq's telemetry
    setTracing(true);
    stack = await startCollabStack();
    await stack.createAgent('ta');
  });
  after(async () => {
    await stack.cleanup();
    setTracing(false);
    await provider.shutdown();
    // the rest of the suite runs in this process without a tracer
    trace.disable();
    context.disable();
    propagation.disable();
  });

  const spanId = (s: ReadableSpan): string => s.spanContext().spanId;
  const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;

  it('POST /api/messages → message.route job → message.deliver → agent.turn (tokens and cost), one trace id', async () => {
    exporter.reset();
    const res = await fetch(`${stack.api.url}/api/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenFor('admin')}`, 'content-type': 'application/json', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      body: JSON.stringify({ to: 'ta', content: 'trace me' }),
    });
    expect(res.status).to.equal(202);
    const sent = (await res.json()) as { id: string };
    await stack.waitTurns('ta', 1);
    await waitUntil(async () => exporter.getFinishedSpans().some((s) => s.name === 'agent.turn'), 10_000);
    const spans = exporter.getFinishedSpans();
    const http = spans.find((s) => s.name === 'POST /api/messages');
    expect(http, spans.map((s) => s.name).join(', ')).to.not.equal(undefined);
    // the caller's traceparent is honoured: the request joins its trace
    expect(http!.spanContext().traceId).to.equal('0af7651916cd43dd8448eb211c80319c');
    const inTrace = spans.filter((s) => s.spanContext().traceId === http!.spanContext().traceId);
    const names = inTrace.map((s) => s.name);
    // bullmq-otel: the job added in the request's context, processed by the worker host
    expect(names.some((n) => /message\.route/.test(n) && /add/i.test(n)), names.join(', ')).to.equal(true);
    expect(names.some((n) => /process/i.test(n) && /messages/.test(n)), names.join(', ')).to.equal(true);
    const deliver = inTrace.find((s) => s.name === 'message.deliver')!;
    expect(deliver, names.join(', ')).to.not.equal(undefined);
    expect(deliver.attributes['nox.message.id']).to.equal(sent.id);
    const turn = inTrace.find((s) => s.name === 'agent.turn')!;
    expect(parentOf(turn)).to.equal(spanId(deliver));
    // test/fixtures/fake-claude.mjs: 100 input, 20 output tokens and $0.01 per turn
    expect(turn.attributes).to.deep.include({ 'nox.agent.id': 'ta', 'nox.turn.input_tokens': 100, 'nox.turn.output_tokens': 20, 'nox.correlation_id': sent.id });
    expect(turn.attributes['nox.turn.cost_usd'] as number).to.be.closeTo(0.01, 1e-9);
    // the turn lasted from stdin to the result line: it ends after the delivery began
    expect(turn.endTime[0] * 1e9 + turn.endTime[1]).to.be.greaterThan(deliver.startTime[0] * 1e9 + deliver.startTime[1]);
  });
});
