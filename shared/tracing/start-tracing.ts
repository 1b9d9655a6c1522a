import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { setTracing } from './tracing.js';

/**
 * Turns tracing on for this process when the standard OpenTelemetry variables ask for it:
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set and
 * `OTEL_TRACES_EXPORTER` not `none`. Spans go by OTLP over HTTP (the exporter reads the
 * other `OTEL_EXPORTER_OTLP_*` variables: headers, timeout); `OTEL_SERVICE_NAME` names the
 * service (default `nox-api` / `nox-worker`). Returns the flush-and-stop for shutdown, or
 * undefined when tracing stays off.
 */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): (() => Promise<void>) | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || env.OTEL_TRACES_EXPORTER === 'none' || env.OTEL_SDK_DISABLED === 'true') return undefined;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  setTracing(true);
  return async () => {
    setTracing(false);
    await provider.shutdown();
  };
}
