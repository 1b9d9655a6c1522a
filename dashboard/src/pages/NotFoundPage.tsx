import { Link } from '../app/router';
import { PageHeader } from '../components/PageHeader';

export function NotFoundPage() {
  return (
    <section>
      <PageHeader title="Not found" subtitle="There is no page at this address." />
      <Link to="/">Back to the overview</Link>
    </section>
  );
}
