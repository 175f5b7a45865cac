import { useState } from 'react';
import { client } from '../client/client';
import { useT } from '../i18n';

/** Shown in a browser when the studio's API gate is on and this panel has no valid token. */
export function Login() {
  const t = useT();
  const [token, setToken] = useState('');
  const [user, setUser] = useState('admin');
  const [pass, setPass] = useState('');
  const [failed, setFailed] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <main className="login-wrap">
      <form
        className="card login"
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          const cred = token.trim() ? { token: token.trim() } : { user, pass };
          void client()
            .login(cred)
            .then((r) => setFailed(!r.ok))
            .finally(() => setBusy(false));
        }}
      >
        <h1 className="login-title">{t('login.title')}</h1>
        <p className="muted">{t('login.lead')}</p>
        <label className="field-label" htmlFor="login-token">
          {t('login.token')}
        </label>
        <input id="login-token" className="input" type="password" value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" />
        <p className="login-or">{t('login.or')}</p>
        <label className="field-label" htmlFor="login-user">
          {t('login.user')}
        </label>
        <input id="login-user" className="input" value={user} onChange={(e) => setUser(e.target.value)} autoComplete="username" />
        <label className="field-label" htmlFor="login-pass">
          {t('login.pass')}
        </label>
        <input id="login-pass" className="input" type="password" value={pass} onChange={(e) => setPass(e.target.value)} autoComplete="current-password" />
        {failed && (
          <p className="field-error" role="alert">
            {t('login.failed')}
          </p>
        )}
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {t('login.submit')}
        </button>
      </form>
    </main>
  );
}
