import { useEffect, type ReactNode } from 'react';

export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Nox`;
  }, [title]);
  return (
    <div className="nox-page-header">
      <div>
        <h1 id="page-title">{title}</h1>
        {subtitle && <p className="nox-muted">{subtitle}</p>}
      </div>
      {actions && <div className="nox-actions">{actions}</div>}
    </div>
  );
}
