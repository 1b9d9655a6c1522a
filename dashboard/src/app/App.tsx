import { useEffect, useState } from 'react';
import { SessionProvider, useSession } from '../auth/session';
import { Loading } from '../components/ResourceGate';
import { ToastProvider } from '../components/toast';
import { createEventStore, type EventStore } from '../live/event-store';
import { LiveProvider } from '../live/live-context';
import { LoginPage } from '../pages/LoginPage';
import { NotFoundPage } from '../pages/NotFoundPage';
import { Layout } from './Layout';
import { matchPath, navigate, useLocation } from './router';
import { ROUTES } from './routes';

export function App() {
  return (
    <SessionProvider>
      <Gate />
    </SessionProvider>
  );
}

/** Signed out → the login page (remembering where the person wanted to go). */
function Gate() {
  const { status } = useSession();
  const { path, query } = useLocation();

  useEffect(() => {
    if (status === 'anonymous' && path !== '/login') navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
    if (status === 'signed-in' && path === '/login') {
      const next = query.get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
    }
  }, [status, path, query]);

  if (status === 'checking') return <Loading label="Starting" />;
  if (status === 'anonymous' || path === '/login') return <LoginPage />;
  return (
    <LiveRoot>
      <ToastProvider>
        <Layout>
          <CurrentPage path={path} />
        </Layout>
      </ToastProvider>
    </LiveRoot>
  );
}

/** One event store per signed-in session; closed on log out. */
function LiveRoot({ children }: { children: React.ReactNode }) {
  const { lost } = useSession();
  const [store, setStore] = useState<EventStore>();
  useEffect(() => {
    const s = createEventStore({ onAuthLost: (code) => lost(code) });
    setStore(s);
    return () => s.close();
  }, [lost]);
  if (!store) return null;
  return <LiveProvider store={store}>{children}</LiveProvider>;
}

function CurrentPage({ path }: { path: string }) {
  for (const route of ROUTES) {
    const params = matchPath(route.path, path);
    if (params) {
      const Page = route.page;
      return <Page key={route.path + JSON.stringify(params)} params={params} />;
    }
  }
  return <NotFoundPage />;
}
