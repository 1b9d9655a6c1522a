import { Button } from 'primereact/button';
import { InputText } from 'primereact/inputtext';
import { Message } from 'primereact/message';
import { Password } from 'primereact/password';
import { useEffect, useState, type FormEvent } from 'react';
import { describeError } from '../api/problem';
import { useSession } from '../auth/session';

export function LoginPage() {
  const { login, notice } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    document.title = 'Log in · Nox';
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await login(username, password);
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  return (
    <main className="nox-login" id="content">
      <form className="nox-login-card" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <h1 id="login-title">
          <i className="pi pi-moon" aria-hidden="true" /> Nox
        </h1>
        <p className="nox-muted">Sign in to the fleet console.</p>
        {notice && <Message severity="warn" text={notice} className="nox-block-message" data-testid="login-notice" />}
        {error && <Message severity="error" text={error} className="nox-block-message" data-testid="login-error" />}
        <label htmlFor="username">User name</label>
        <InputText id="username" name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} autoFocus required />
        <label htmlFor="password">Password</label>
        <Password
          inputId="password"
          name="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          feedback={false}
          toggleMask
          required
        />
        <Button type="submit" label="Log in" icon="pi pi-sign-in" loading={busy} />
      </form>
    </main>
  );
}
