import { PageHeader } from '../components/PageHeader';

export function MessagesPage(_props: { params: Record<string, string> }) {
  return <PageHeader title="Messages" />;
}
