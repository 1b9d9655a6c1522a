import { PageHeader } from '../components/PageHeader';

export function AgentDetailPage(_props: { params: Record<string, string> }) {
  return <PageHeader title="AgentDetail" />;
}
