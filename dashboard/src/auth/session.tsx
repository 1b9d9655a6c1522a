import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, onAuthLost } from '../api/client';
import { ERROR_CODE } from '../../../shared/errors/codes.js';
import { ApiError } from '../api/problem';
import { navigate } from '../app/router';

/**
 * Who is signed in. The token itself lives only in the httpOnly `nox_token` cookie; the
 * page keeps the user and the expiry time that the login answer gave, so that it can
 * send the person back to the login page when the session ends — by the clock, by a 401
 * from any request, or by the Socket.IO gateway refusing the handshake.
 */
export interface User {
  name: string;
  role: string;
}

type Status = 'checking' | 'anonymous' | 'signed-in';

export interface Session {
  status: Status;
  user?: User;
  /** why the person is on the login page (session expired, signed out) */
  notice?: string;
  login(username: string, password: string): Promise<void>;
  logout(): Promise<void>;
  /** the session is over for `reason`: back to the login page with a message */
  lost(code: string, message?: string): void;
  canOperate: boolean;
}

const EXPIRY_KEY = 'nox.session.expiresAt';
export const EXPIRED_MESSAGE = 'Your session has expired. Please log in again.';

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

function loginPath(): string {
  const here = location.pathname + location.search;
  return here.startsWith('/login') ? here : `/login?next=${encodeURIComponent(here)}`;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<Status>('checking');
  const [user, setUser] = useState<User>();
  const [notice, setNotice] = useState<string>();

  const lost = useCallback((code: string, message?: string) => {
    const expiresAt = Number(localStorage.getItem(EXPIRY_KEY) ?? 0);
    // the browser drops the cookie at its maxAge, so an expired session may show up as a
    // missing token rather than an expired one: the remembered expiry tells them apart
    const expired = code === ERROR_CODE.tokenExpired || (expiresAt > 0 && expiresAt <= Date.now());
    localStorage.removeItem(EXPIRY_KEY);
    setUser(undefined);
    setStatus('anonymous');
    setNotice(expired ? EXPIRED_MESSAGE : (message ?? 'You are signed out. Please log in.'));
    navigate(loginPath(), { replace: true });
  }, []);

  useEffect(() => {
    onAuthLost((err) => lost(err.code, err.code === ERROR_CODE.unauthenticated ? undefined : err.message));
    return () => onAuthLost(undefined);
  }, [lost]);

  useEffect(() => {
    api
      .get<{ sub: string; role: string }>('/api/auth/me', { anonymousOk: true })
      .then((me) => {
        setUser({ name: me.sub, role: me.role });
        setStatus('signed-in');
      })
      .catch((err: unknown) => {
        setStatus('anonymous');
        const hadSession = localStorage.getItem(EXPIRY_KEY) !== null;
        if (err instanceof ApiError && err.status === 401 && (hadSession || err.code === ERROR_CODE.tokenExpired)) lost(err.code);
        else if (err instanceof ApiError && err.status !== 401) setNotice(err.message);
      });
  }, [lost]);

  // the clock: leave when the token's lifetime is over, even if the page is idle
  useEffect(() => {
    if (status !== 'signed-in') return;
    const expiresAt = Number(localStorage.getItem(EXPIRY_KEY) ?? 0);
    if (!expiresAt) return;
    const timer = setTimeout(() => lost(ERROR_CODE.tokenExpired), Math.max(0, Math.min(expiresAt - Date.now(), 2 ** 31 - 1)));
    return () => clearTimeout(timer);
  }, [status, lost]);

  const login = useCallback(async (username: string, password: string) => {
    const answer = await api.post<{ expiresAt: string; user: User }>('/api/auth/login', { username, password }, { anonymousOk: true });
    localStorage.setItem(EXPIRY_KEY, String(Date.parse(answer.expiresAt)));
    setUser(answer.user);
    setNotice(undefined);
    setStatus('signed-in');
  }, []);

  const logout = useCallback(async () => {
    await api.post('/api/auth/logout', undefined, { anonymousOk: true }).catch(() => undefined);
    localStorage.removeItem(EXPIRY_KEY);
    setUser(undefined);
    setStatus('anonymous');
    setNotice('You have signed out.');
    navigate('/login', { replace: true });
  }, []);

  const value = useMemo<Session>(
    () => ({ status, user, notice, login, logout, lost, canOperate: user?.role === 'admin' || user?.role === 'operator' }),
    [status, user, notice, login, logout, lost],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
