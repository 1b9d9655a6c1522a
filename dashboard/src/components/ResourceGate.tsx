import { Message } from 'primereact/message';
import { ProgressSpinner } from 'primereact/progressspinner';
import type { ReactNode } from 'react';
import { ERROR_CODE } from '../../../shared/errors/codes.js';
import type { Resource } from '../api/use-resource';

/**
 * The three states every data view shares: loading, the feature is not in this API
 * version (404 `nox:route-not-found`), and an error with the API's own message.
 */
export function Unavailable({ feature, endpoint }: { feature: string; endpoint: string }) {
  return (
    <div className="nox-unavailable" role="status" data-testid="unavailable">
      <i className="pi pi-info-circle" aria-hidden="true" />
      <div>
        <strong>{feature}: not available in this version.</strong>
        <div className="nox-muted">
          The API has no <code>{endpoint}</code> yet (404 <code>{ERROR_CODE.routeNotFound}</code>).
        </div>
      </div>
    </div>
  );
}

export function ErrorNote({ message }: { message: string }) {
  return <Message severity="error" text={message} className="nox-block-message" data-testid="error-note" />;
}

/** The thing asked for does not exist (a 404 with its own code, e.g. `nox:agent-not-found`). */
export function NotFoundNote({ message }: { message: string }) {
  return <Message severity="info" text={message} className="nox-block-message" data-testid="not-found" />;
}

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <div className="nox-loading" role="status" aria-live="polite">
      <ProgressSpinner style={{ width: '1.5rem', height: '1.5rem' }} strokeWidth="6" aria-hidden="true" />
      <span>{label}…</span>
    </div>
  );
}

export function ResourceGate<T>({
  resource,
  feature,
  endpoint,
  children,
}: {
  resource: Resource<T>;
  feature: string;
  endpoint: string;
  children: (data: T) => ReactNode;
}) {
  if (resource.unavailable) return <Unavailable feature={feature} endpoint={endpoint} />;
  if (resource.data === undefined) {
    if (resource.error?.status === 404) return <NotFoundNote message={resource.error.message} />;
    if (resource.error) return <ErrorNote message={resource.error.message} />;
    return <Loading />;
  }
  return (
    <>
      {resource.error && <ErrorNote message={`Could not refresh: ${resource.error.message}`} />}
      {children(resource.data)}
    </>
  );
}
