/** Log in, then go to the page that sent us here, or to the role's home screen. */
import '../shared/base.css';
import { api, type LoginBody, type Session } from '../shared/api.js';
import { byId } from '../shared/dom.js';

const HOME: Record<Session['role'], string> = { clerk: '/clerk', bank: '/', investigator: '/evidence', admin: '/' };

/** Only same-site paths: a crafted ?next=https://elsewhere must not turn login into a redirector. */
function safeNext(): string | null {
  const next = new URLSearchParams(location.search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : null;
}

byId<HTMLFormElement>('login').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const error = byId('login-error');
  error.textContent = '';
  const username = byId<HTMLInputElement>('username').value.trim();
  const password = byId<HTMLInputElement>('password').value;
  const body: LoginBody = { username, password };
  api<Session>('/api/login', { body }).then(
    (session) => location.assign(safeNext() ?? HOME[session.role]),
    (err: unknown) => {
      error.textContent = err instanceof Error ? err.message : String(err);
    },
  );
});
