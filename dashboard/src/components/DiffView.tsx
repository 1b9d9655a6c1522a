/** A unified diff with added, removed and hunk lines coloured (and marked for screen readers by their +/-). */
export function DiffView({ diff }: { diff: string }) {
  if (!diff.trim()) return <p className="nox-muted">No textual changes.</p>;
  return (
    <pre className="nox-diff" tabIndex={0} aria-label="Diff" data-testid="diff">
      {diff.split('\n').map((line, i) => {
        const cls = line.startsWith('+++') || line.startsWith('---') ? 'file' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : line.startsWith('@@') ? 'hunk' : '';
        return (
          <div key={i} className={cls}>
            {line || ' '}
          </div>
        );
      })}
    </pre>
  );
}
