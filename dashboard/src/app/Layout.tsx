import { Badge } from 'primereact/badge';
import { Button } from 'primereact/button';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useSession } from '../auth/session';
import { useLive } from '../live/live-context';
import { useAttention, type AttentionAnswer } from '../lib/attention';
import { useAttentionNotifications } from '../lib/browser-notifications';
import { SandboxWarning } from '../components/SandboxWarning';
import { Link, useLocation } from './router';
import { ROUTES } from './routes';
import { setTheme, useTheme } from './theme';

/**
 * The frame of every signed-in page: a header (who, the "needs you" count — approvals
 * waiting and agents that need a person, GET /api/attention — the stream's state, a warning while agents run unsandboxed, light/dark, log out), the menu, and the page. A skip link and a focus move to
 * the page's main region on navigation keep it usable from the keyboard.
 */
export function Layout({ children }: { children: ReactNode }) {
  const { path } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  const attention = useAttention();
  useAttentionNotifications(attention.data?.items);
  const needsYou = attention.unavailable ? undefined : attention.data;
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
                  <MenuBadge path={r.path} needsYou={needsYou} />
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

/** The menu's counts: everything on "Needs you", the approvals among them on "Approvals". */
function MenuBadge({ path, needsYou }: { path: string; needsYou: AttentionAnswer | undefined }) {
  const n = path === '/attention' ? needsYou?.total : path === '/approvals' ? needsYou?.counts.approvals : undefined;
  return n ? <Badge value={n} severity="danger" aria-label={`${n} pending`} /> : null;
}

function Header({ onMenu, menuOpen, needsYou }: { onMenu(): void; menuOpen: boolean; needsYou: AttentionAnswer | undefined }) {
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
          to="/attention"
          className={`nox-needs-you ${needsYou.total > 0 ? 'has' : ''}`}
          data-testid="needs-you"
          aria-label={`${needsYou.total} ${needsYou.total === 1 ? 'thing needs' : 'things need'} you`}
          title={needsYou.items.slice(0, 5).map((i) => i.title).join('\n')}
        >
          <i className="pi pi-bell" aria-hidden="true" />
          <span>{needsYou.total}</span> <span className="nox-hide-sm">need you</span>
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
