import { PageHeader } from '../components/PageHeader';

export function TasksPage(_props: { params: Record<string, string> }) {
  return <PageHeader title="Tasks" />;
}
