import { expect } from 'chai';
import { TaskMarkdownError } from '../../shared/errors/registry-errors.js';
import { diffTasks, parseTasksMarkdown, renderTasksMarkdown } from '../../shared/registry/task-markdown.js';
import type { TaskRecord } from '../../shared/registry/task-record.js';

describe('tasks markdown: render and parse', () => {
  const tasks: TaskRecord[] = [
    { id: 't-aa', title: 'Write the report', status: 'pending', priority: 'high', deadline: '2026-12-01' },
    { id: 't-bb', title: 'Review', status: 'in_progress', priority: 'normal', budget_usd: 2.5 },
    { id: 't-cc', title: 'Set up', status: 'done', priority: 'low' },
  ];

  it('parses back exactly what it renders', () => {
    const text = renderTasksMarkdown('a1', tasks);
    expect(text).to.contain('- [ ] Write the report !high due:2026-12-01 {t-aa}');
    expect(text).to.contain('- [x] Set up !low {t-cc}');
    expect(text).to.contain('- [ ] Review budget:$2.5 {t-bb}');
    const parsed = parseTasksMarkdown(text);
    expect(parsed.map(({ line: _l, ...t }) => t)).to.deep.equal([
      { id: 't-aa', title: 'Write the report', status: 'pending', priority: 'high', deadline: '2026-12-01', budget: undefined },
      { id: 't-bb', title: 'Review', status: 'in_progress', priority: 'normal', deadline: undefined, budget: 2.5 },
      { id: 't-cc', title: 'Set up', status: 'done', priority: 'low', deadline: undefined, budget: undefined },
    ]);
    expect(diffTasks(tasks, parsed)).to.deep.equal([]);
  });

  it('maps a person\'s edits: tick, new line, priority, deadline, moved and removed lines', () => {
    const edited = [
      '# Tasks of a1',
      '## Pending',
      '- [x] Write the report !critical due:2027-01-15 budget:$4 {t-aa}',
      '- [ ] Brand new thing !high budget:0.5',
      '## Blocked',
      '- [ ] Review {t-bb}',
    ].join('\n');
    const edits = diffTasks(tasks, parseTasksMarkdown(edited));
    const byId = Object.fromEntries(edits.filter((e) => e.kind !== 'created').map((e) => [e.task.id, e]));
    expect(byId['t-aa']!.changes).to.deep.equal({ status: ['pending', 'done'], priority: ['high', 'critical'], deadline: ['2026-12-01', '2027-01-15'], budget_usd: [null, 4] });
    expect(byId['t-aa']!.task.budget_usd).to.equal(4);
    // the budget's token removed: the budget goes
    expect(byId['t-bb']!.changes).to.deep.equal({ status: ['in_progress', 'blocked'], budget_usd: [2.5, null] });
    expect(byId['t-bb']!.task).not.to.have.property('budget_usd');
    expect(byId['t-cc']!.kind).to.equal('cancelled');
    const created = edits.find((e) => e.kind === 'created')!;
    expect(created.task).to.include({ title: 'Brand new thing', status: 'pending', priority: 'high', budget_usd: 0.5 });
    expect(created.task.id).to.match(/^t-[0-9a-f]{8}$/);
  });

  it('reports malformed edits with the line number', () => {
    const cases: [string, number, RegExp][] = [
      ['## Pending\n- [ ] ok {t-aa}\nrandom prose', 3, /not a task line/],
      ['- [ ] before any section', 1, /before any/],
      ['## Someday\n', 1, /unknown section/],
      ['## Pending\n- [ ] x !urgent', 2, /unknown priority/],
      ['## Pending\n- [ ] x due:tomorrow', 2, /not a date/],
      ['## Pending\n- [ ] x budget:$lots', 2, /not a budget/],
      ['## Pending\n- [ ] x budget:0', 2, /not a budget/],
      ['## Pending\n- [ ] a {t-aa}\n- [ ] b {t-aa}', 3, /twice/],
      ['## Pending\n- [ ] a {../etc}', 2, /not a task id/],
      ['## Pending\n- [ ]  {t-aa}', 2, /no title/],
    ];
    for (const [text, line, re] of cases) {
      let err: unknown;
      try {
        parseTasksMarkdown(text);
      } catch (e) {
        err = e;
      }
      expect(err, text).to.be.instanceOf(TaskMarkdownError);
      expect((err as TaskMarkdownError).line, text).to.equal(line);
      expect((err as Error).message, text).to.match(re);
    }
    expect(() => diffTasks(tasks, parseTasksMarkdown('## Pending\n- [ ] x {t-zz}'))).to.throw(/unknown task id t-zz/);
  });
});
