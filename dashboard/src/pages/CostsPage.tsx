import { Column } from 'primereact/column';
import { DataTable } from 'primereact/datatable';
import { InputText } from 'primereact/inputtext';
import { SelectButton } from 'primereact/selectbutton';
import { useState } from 'react';
import { useResource } from '../api/use-resource';
import { BudgetTable } from '../components/BudgetTable';
import { CostChart } from '../components/CostChart';
import { PageHeader } from '../components/PageHeader';
import { ResourceGate } from '../components/ResourceGate';
import { useBudgets } from '../lib/budgets';
import { fmtNumber, fmtUsd } from '../lib/fields';

/** GET /api/costs: one row per day, agent or project, and the range's total. */
interface Usage {
  costUsd: number;
  turns: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
}
interface CostReport {
  from: string;
  to: string;
  by: 'day' | 'agent' | 'project';
  total: Usage;
  rows: (Usage & { key: string })[];
}

const DAY_MS = 86_400_000;
const RANGES = [
  { label: '7 days', value: '7' },
  { label: '30 days', value: '30' },
  { label: '90 days', value: '90' },
  { label: 'From – to', value: 'custom' },
];
const GROUPS = [
  { label: 'By agent', value: 'agent' },
  { label: 'By project', value: 'project' },
];

function utcDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** Cost and tokens over time: per day as a chart, per agent or project as a table (UTC days). */
export function CostsPage() {
  const today = utcDay(Date.now());
  const [range, setRange] = useState('30');
  const [customFrom, setCustomFrom] = useState(utcDay(Date.now() - 29 * DAY_MS));
  const [customTo, setCustomTo] = useState(today);
  const [group, setGroup] = useState<'agent' | 'project'>('agent');

  const from = range === 'custom' ? customFrom : utcDay(Date.now() - (Number(range) - 1) * DAY_MS);
  const to = range === 'custom' ? customTo : today;
  const q = `from=${from}&to=${to}`;
  // a turn ends with a status change, which changes the figures; the throttle in useResource keeps a busy fleet to a few requests
  const refreshOn = ['agent.status'];
  const byDay = useResource<CostReport>(`/api/costs?by=day&${q}`, { refreshOn });
  const byGroup = useResource<CostReport>(`/api/costs?by=${group}&${q}`, { refreshOn });
  const budgets = useBudgets();

  return (
    <section>
      <PageHeader title="Costs" subtitle="What the fleet's turns cost against each budget, per UTC day, per agent and per project." />
      <div className="nox-card" data-testid="budgets-card">
        <h2>
          <span>Budgets</span>
          {budgets.data && (
            <span className="nox-muted" data-testid="budget-counts">
              {budgets.data.counts.reached} reached · {budgets.data.counts.near} near · {budgets.data.counts.ok} ok
            </span>
          )}
        </h2>
        <ResourceGate resource={budgets} feature="Budgets" endpoint="GET /api/budgets">
          {(report) => <BudgetTable budgets={report.budgets} />}
        </ResourceGate>
      </div>
      <div className="nox-toolbar" data-testid="cost-range">
        <SelectButton value={range} options={RANGES} onChange={(e) => e.value && setRange(e.value as string)} aria-label="Range" allowEmpty={false} />
        {range === 'custom' && (
          <>
            <label htmlFor="cost-from" className="nox-muted">
              From
            </label>
            <InputText id="cost-from" type="date" value={customFrom} max={customTo} onChange={(e) => e.target.value && setCustomFrom(e.target.value)} />
            <label htmlFor="cost-to" className="nox-muted">
              to
            </label>
            <InputText id="cost-to" type="date" value={customTo} min={customFrom} onChange={(e) => e.target.value && setCustomTo(e.target.value)} />
          </>
        )}
      </div>
      <ResourceGate resource={byDay} feature="Cost over time" endpoint="GET /api/costs">
        {(report) => (
          <>
            <div className="nox-card nox-totals" data-testid="cost-totals">
              <div>
                <div className="nox-muted">Cost</div>
                <div className="nox-stat" data-testid="total-cost">
                  {fmtUsd(report.total.costUsd)}
                </div>
              </div>
              <div>
                <div className="nox-muted">Turns</div>
                <div className="nox-stat" data-testid="total-turns">
                  {fmtNumber(report.total.turns)}
                </div>
              </div>
              <div>
                <div className="nox-muted">Tokens in / out</div>
                <div className="nox-stat" data-testid="total-tokens">
                  {fmtNumber(report.total.inputTokens)} <small>/</small> {fmtNumber(report.total.outputTokens)}
                </div>
              </div>
              <div>
                <div className="nox-muted">Cache read / written</div>
                <div className="nox-stat">
                  {fmtNumber(report.total.cacheReadTokens)} <small>/</small> {fmtNumber(report.total.cacheCreationTokens)}
                </div>
              </div>
            </div>
            {report.total.turns === 0 && report.total.costUsd === 0 ? (
              <div className="nox-card" data-testid="cost-empty">
                <p className="nox-muted">
                  Nothing was spent from {report.from} to {report.to}: no agent finished a turn in these days.
                </p>
              </div>
            ) : (
              <div className="nox-card">
                <h2>Per day</h2>
                <CostChart days={report.rows.map((r) => ({ day: r.key, costUsd: r.costUsd, turns: r.turns }))} />
                <details>
                  <summary>The figures as a table</summary>
                  <DataTable value={report.rows.filter((r) => r.turns > 0 || r.costUsd > 0)} dataKey="key" size="small" data-testid="cost-days-table" emptyMessage="No day with cost.">
                    <Column field="key" header="Day (UTC)" />
                    <Column header="Cost" body={(r: Usage) => fmtUsd(r.costUsd)} />
                    <Column header="Turns" body={(r: Usage) => fmtNumber(r.turns)} />
                    <Column header="Tokens in" body={(r: Usage) => fmtNumber(r.inputTokens)} />
                    <Column header="Tokens out" body={(r: Usage) => fmtNumber(r.outputTokens)} />
                  </DataTable>
                </details>
              </div>
            )}
          </>
        )}
      </ResourceGate>
      <div className="nox-card">
        <h2>
          <span>{group === 'agent' ? 'Per agent' : 'Per project'}</span>
          <SelectButton value={group} options={GROUPS} onChange={(e) => e.value && setGroup(e.value as 'agent' | 'project')} aria-label="Group by" allowEmpty={false} data-testid="cost-group" />
        </h2>
        <ResourceGate resource={byGroup} feature="Cost over time" endpoint="GET /api/costs">
          {(report) => (
            <DataTable value={report.rows} dataKey="key" size="small" stripedRows data-testid="cost-group-table" emptyMessage={`Nothing was spent from ${report.from} to ${report.to}.`}>
              <Column field="key" header={group === 'agent' ? 'Agent' : 'Project'} />
              <Column header="Cost" body={(r: Usage) => fmtUsd(r.costUsd)} />
              <Column header="Turns" body={(r: Usage) => fmtNumber(r.turns)} />
              <Column header="Tokens in" body={(r: Usage) => fmtNumber(r.inputTokens)} />
              <Column header="Tokens out" body={(r: Usage) => fmtNumber(r.outputTokens)} />
              <Column header="Cache read" body={(r: Usage) => fmtNumber(r.cacheReadTokens)} />
            </DataTable>
          )}
        </ResourceGate>
      </div>
    </section>
  );
}
