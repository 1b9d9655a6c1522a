import { PageHeader } from '../components/PageHeader';

export function AgentsPage(_props: { params: Record<string, string> }) {
  return <PageHeader title="Agents" />;
}
