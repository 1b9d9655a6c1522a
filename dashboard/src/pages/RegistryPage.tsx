import { PageHeader } from '../components/PageHeader';

export function RegistryPage(_props: { params: Record<string, string> }) {
  return <PageHeader title="Registry" />;
}
