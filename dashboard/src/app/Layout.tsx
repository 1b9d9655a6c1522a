import { Badge } from 'primereact/badge';
import { Button } from 'primereact/button';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useSession } from '../auth/session';
import { useLive } from '../live/live-context';
import { listFrom, num } from '../lib/fields';
import { useResource } from '../api/use-resource';
import { SandboxWarning } from '../components/SandboxWarning';
import { Link, useLocation } from './router';
import { ROUTES } from './routes';
import { setTheme, useTheme } from './theme';

/**
 * The frame of every signed-in page: a header (who, the "needs you" count, the stream's
 * state, a warning while agents run unsandboxed, light/dark, log out), the menu, and the page. A skip link and a focus move to
 * the page's main region on navigation keep it usable from the keyboard.
 */
export function Layout({ children }: { children: ReactNode }) {
  const { path } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  const needsYou = usePendingApprovals();
  const { user } = useSession();

  useEffect(() => {
    setMenuOpen(false);
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: false });
  }, [path]);

  return (
    <div className={`nox-shell ${menuOpen ? 'menu-open' : ''}`}>
      <a className="nox-skip" href="#content">
        Skip to content
      </a>
      <Header onMenu={() => setMenuOpen((o) => !o)} menuOpen={menuOpen} needsYou={needsYou} />
      <nav className="nox-nav" id="nox-nav" aria-label="Main">
        <ul>
          {ROUTES.filter((r) => r.icon && (!r.roles || r.roles.includes(user?.role ?? ''))).map((r) => {
            const active = r.path === '/' ? path === '/' : path === r.path || path.startsWith(`${r.path}/`);
            return (
              <li key={r.path}>
                <Link to={r.path} className={active ? 'active' : ''} aria-current={active ? 'page' : undefined}>
                  <i className={r.icon} aria-hidden="true" />
                  <span>{r.title}</span>
                  {r.path === '/approvals' && needsYou ? <Badge value={needsYou} severity="danger" aria-label={`${needsYou} pending`} /> : null}
                </Link>
              </li>
            );
          })}
          <li>
            <a href="/admin/queues" target="_blank" rel="noopener">
              <i className="pi pi-external-link" aria-hidden="true" />
              <span>bull-board</span>
            </a>
          </li>
        </ul>
      </nav>
      <main id="content" ref={main} tabIndex={-1} aria-labelledby="page-title">
        {children}
      </main>
    </div>
  );
}

/** The "needs you" count: pending approvals, refreshed by approval events; undefined while approvals are not in this API. */
function usePendingApprovals(): number | undefined {
  const pending = useResource<unknown>('/api/approvals?status=pending', { refreshOn: ['approval.'] });
  if (pending.unavailable || pending.data === undefined) return undefined;
  // the list is paged; `total` counts them all
  return num(pending.data, 'total') ?? listFrom(pending.data, 'approvals').filter((a) => !a.status || a.status === 'pending').length;
}

function Header({ onMenu, menuOpen, needsYou }: { onMenu(): void; menuOpen: boolean; needsYou: number | undefined }) {
  const { user, logout } = useSession();
  const theme = useTheme();
  const live = useLive();
  const statusText = { live: 'Live', connecting: 'Connecting', reconnecting: 'Reconnecting', offline: 'Offline' }[live.status];
  return (
    <header className="nox-header">
      <Button
        icon="pi pi-bars"
        text
        rounded
        className="nox-menu-button"
        aria-label="Menu"
        aria-controls="nox-nav"
        aria-expanded={menuOpen}
        onClick={onMenu}
      />
      <Link to="/" className="nox-brand">
        <i className="pi pi-moon" aria-hidden="true" /> Nox
      </Link>
      <span className={`nox-conn nox-conn-${live.status}`} role="status" data-testid="connection" title="Event stream">
        <span className="dot" aria-hidden="true" /> {statusText}
      </span>
      <SandboxWarning />
      <span className="nox-spacer" />
      {needsYou !== undefined && (
        <Link
          to="/approvals"
          className={`nox-needs-you ${needsYou > 0 ? 'has' : ''}`}
          data-testid="needs-you"
          aria-label={`${needsYou} approvals need you`}
        >
          <i className="pi pi-bell" aria-hidden="true" />
          <span>{needsYou}</span> <span className="nox-hide-sm">need you</span>
        </Link>
      )}
      <Button
        icon={theme === 'dark' ? 'pi pi-sun' : 'pi pi-moon'}
        text
        rounded
        aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
        aria-pressed={theme === 'dark'}
        data-testid="theme-toggle"
        onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
      />
      <span className="nox-user" data-testid="user">
        <i className="pi pi-user" aria-hidden="true" /> <span>{user?.name}</span> <span className="nox-role">{user?.role}</span>
      </span>
      <Button label="Log out" icon="pi pi-sign-out" size="small" outlined className="nox-logout" aria-label="Log out" onClick={() => void logout()} />
    </header>
  );
}
