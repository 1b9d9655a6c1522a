import { PageHeader } from '../components/PageHeader';

export function ApprovalsPage(_props: { params: Record<string, string> }) {
  return <PageHeader title="Approvals" />;
}
