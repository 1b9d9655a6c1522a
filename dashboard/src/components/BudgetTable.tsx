import { Tag } from 'primereact/tag';
import type { BudgetLine } from '../api/types';
import { Link } from '../app/router';
import { SCOPE_LABEL } from '../lib/budgets';
import { fmtUsd } from '../lib/fields';

const SEVERITY = { ok: 'success', near: 'warning', reached: 'danger' } as const;

/** A budget's use against its limit: a bar (full and red once reached) and the figures. */
export function BudgetMeter({ line }: { line: Pick<BudgetLine, 'usedUsd' | 'limitUsd' | 'state'> }) {
  const fraction = line.limitUsd > 0 ? Math.min(1, line.usedUsd / line.limitUsd) : 1;
  return (
    <span className="nox-budget-meter">
      <span className={`nox-budget-bar nox-budget-${line.state}`} role="meter" aria-valuemin={0} aria-valuemax={line.limitUsd} aria-valuenow={line.usedUsd} aria-label="spent of the budget">
        <span style={{ width: `${(fraction * 100).toFixed(1)}%` }} />
      </span>
      <span data-testid="budget-figures">
        {fmtUsd(line.usedUsd)} of {fmtUsd(line.limitUsd)}
      </span>
    </span>
  );
}

function Subject({ line }: { line: BudgetLine }) {
  if (line.scope === 'agent' || line.scope === 'subtree') return <Link to={`/agents/${encodeURIComponent(line.id)}`}>{line.id}</Link>;
  if (line.scope === 'task')
    return (
      <span>
        {line.name ?? line.id} <span className="nox-muted">{line.id}</span>
        {line.agentId && (
          <>
            {' · '}
            <Link to={`/agents/${encodeURIComponent(line.agentId)}`}>{line.agentId}</Link>
          </>
        )}
      </span>
    );
  return <span>{line.id}</span>;
}

/** Every budget given, reached ones first, each with its use against its limit. */
export function BudgetTable({ budgets, testId = 'budget-table' }: { budgets: BudgetLine[]; testId?: string }) {
  const order = { reached: 0, near: 1, ok: 2 };
  const sorted = [...budgets].sort((a, b) => order[a.state] - order[b.state] || b.usedUsd / b.limitUsd - a.usedUsd / a.limitUsd);
  if (sorted.length === 0) return <p className="nox-muted" data-testid={`${testId}-empty`}>No budget applies.</p>;
  return (
    <table className="nox-table" data-testid={testId}>
      <thead>
        <tr>
          <th>Budget</th>
          <th>Of</th>
          <th>Spent</th>
          <th>State</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((b) => (
          <tr key={`${b.scope}:${b.id}`} data-testid={`budget-${b.scope}-${b.id}`} data-used={b.usedUsd} data-limit={b.limitUsd} data-state={b.state}>
            <td>{SCOPE_LABEL[b.scope] ?? b.scope}</td>
            <td>
              <Subject line={b} />
            </td>
            <td>
              <BudgetMeter line={b} />
            </td>
            <td>
              <Tag value={b.state} severity={SEVERITY[b.state]} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
