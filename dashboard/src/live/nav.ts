/**
 * The top bar of the live, zones and health screens: who is logged in, the screens their role
 * may use, and logging out. Links a role cannot use are not shown (the API refuses them anyway).
 */
import { api, type Session } from '../shared/api.js';
import { byId, el } from '../shared/dom.js';
import type { Role } from './types.js';

const SCREENS: { path: string; label: string; roles: Role[] }[] = [
  { path: '/', label: 'ライブ・イベント / Live & events', roles: ['clerk', 'bank', 'investigator', 'admin'] },
  { path: '/clerk', label: '店員 / Clerk', roles: ['clerk', 'admin'] },
  { path: '/zones', label: 'ゾーン / Zones', roles: ['admin'] },
  { path: '/evidence', label: '証拠 / Evidence', roles: ['investigator', 'admin'] },
  { path: '/health', label: '状態 / Health', roles: ['clerk', 'bank', 'investigator', 'admin'] },
];

/** Loads the session (a 401 goes to the login page) and fills `#topbar`. */
export async function topbar(): Promise<Session> {
  const session = await api<Session>('/api/session');
  const nav = el('nav', { 'aria-label': '画面 / Screens' });
  for (const screen of SCREENS.filter((s) => s.roles.includes(session.role))) {
    const link = el('a', { href: screen.path }, screen.label);
    if (screen.path === location.pathname) link.setAttribute('aria-current', 'page');
    nav.append(link);
  }
  const logout = el('button', { type: 'button', class: 'secondary' }, 'ログアウト / Log out');
  logout.addEventListener('click', () => {
    void api('/api/logout', { method: 'POST', body: {} }).finally(() => location.assign('/login'));
  });
  byId('topbar').replaceChildren(
    el('span', { class: 'brand' }, '見守り Mimamori'),
    nav,
    el('span', { class: 'who' }, `${session.username} (${session.role})`),
    logout,
  );
  return session;
}
