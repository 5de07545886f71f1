/**
 * The console shell: sign-in with an API key, hash routes (#/edit, #/tasks, #/tasks/<id>,
 * #/admin/<section>), theme (system/light/dark) and language (English/Chinese) switches.
 */
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { admin, connect, describeError, type Client } from './api.js';
import { AppContext, type AppContextValue } from './app-context.js';
import { AdminPage } from './components/admin-page.js';
import { EditPage, type EditSeed } from './components/edit-page.js';
import { TaskDetail } from './components/task-detail.js';
import { TasksPage } from './components/tasks-page.js';
import { defaultLang, STRINGS, type Lang } from './i18n.js';
import './styles.css';

type Theme = 'system' | 'light' | 'dark';
const KEY_STORAGE = 'retouch.apiKey';

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/edit');
  useEffect(() => {
    const onChange = () => setHash(location.hash || '#/edit');
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

function applyTheme(theme: Theme): void {
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

function SignIn(props: { onConnected: (key: string, isAdmin: boolean, remember: boolean) => void; lang: Lang; keyRefused: boolean }) {
  const t = STRINGS[props.lang];
  const [key, setKey] = useState('');
  const [remember, setRemember] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const client = connect(key.trim());
      await client.listTasks({ pageSize: 1 });
      props.onConnected(key.trim(), await admin.isAdmin(client), remember);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card narrow" aria-labelledby="signin-title">
      <h1 id="signin-title">{t.signInTitle}</h1>
      <p class="muted">{t.signInIntro}</p>
      {props.keyRefused && (
        <p class="error" role="alert" data-testid="key-refused">
          {t.keyRefused}
        </p>
      )}
      <form onSubmit={submit}>
        <label for="api-key">{t.apiKey}</label>
        <input id="api-key" type="password" autocomplete="off" required value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        <label class="check">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.currentTarget.checked)} /> {t.remember}
        </label>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t.connecting : t.connect}
        </button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}

function App() {
  const [lang, setLang] = useState<Lang>(defaultLang);
  const [theme, setTheme] = useState<Theme>(() => (localStorage.getItem('retouch.theme') as Theme | null) ?? 'system');
  const [session, setSession] = useState<{ key: string; client: Client; isAdmin: boolean } | undefined>();
  const [keyRefused, setKeyRefused] = useState(false);
  // The key signed in (or being restored): a refusal of any other key is a stale request's.
  const sessionKey = useRef<string | undefined>(undefined);
  const [restoring, setRestoring] = useState(true);
  const [seed, setSeed] = useState<EditSeed | undefined>();
  const hash = useHash();
  const t = STRINGS[lang];

  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = t.appName;
    localStorage.setItem('retouch.lang', lang);
  }, [lang]);
  useEffect(() => {
    applyTheme(theme);
    localStorage.setItem('retouch.theme', theme);
  }, [theme]);
  /** Ends the session of `key`; `refused` when the server no longer accepts it (revoked since sign-in). */
  const endSession = (key: string, refused: boolean) => {
    if (sessionKey.current !== key) return;
    sessionKey.current = undefined;
    localStorage.removeItem(KEY_STORAGE);
    sessionStorage.removeItem(KEY_STORAGE);
    setSession(undefined);
    setKeyRefused(refused);
  };
  // Every call of the session's client watches for a 401, so a revoked key signs out at once.
  const sessionClient = (key: string) => {
    sessionKey.current = key;
    return connect(key, () => endSession(key, true));
  };

  // A remembered key (localStorage) or this tab's key (sessionStorage) reconnects on load.
  useEffect(() => {
    const stored = localStorage.getItem(KEY_STORAGE) ?? sessionStorage.getItem(KEY_STORAGE);
    if (!stored) return setRestoring(false);
    const client = sessionClient(stored);
    admin
      .isAdmin(client)
      .then((isAdmin) => sessionKey.current === stored && setSession({ key: stored, client, isAdmin }))
      // A refused key has ended the session already; on any other failure, the sign-in form.
      .catch(() => {
        if (sessionKey.current === stored) sessionKey.current = undefined;
      })
      .finally(() => setRestoring(false));
  }, []);

  const context = useMemo<AppContextValue | undefined>(
    () =>
      session && {
        client: session.client,
        apiKey: session.key,
        t,
        isAdmin: session.isAdmin,
        navigate: (h) => (location.hash = h),
        editAgain: (file, prompt) => {
          setSeed({ file, prompt, at: Date.now() });
          location.hash = '#/edit';
        },
      },
    [session, t],
  );

  const [, page = 'edit', sub] = hash.split('/');
  const nav = [
    ['#/edit', t.navEdit, page === 'edit'],
    ['#/tasks', t.navTasks, page === 'tasks'],
    ...(session?.isAdmin ? [['#/admin/keys', t.navAdmin, page === 'admin'] as const] : []),
  ] as const;

  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        {t.skip}
      </a>
      <header class="top">
        <span class="brand">{t.appName}</span>
        {session && (
          <nav aria-label={t.mainNav}>
            {nav.map(([href, label, current]) => (
              <a href={href} aria-current={current ? 'page' : undefined}>
                {label}
              </a>
            ))}
          </nav>
        )}
        <div class="prefs">
          <label>
            <span class="sr-only">{t.theme}</span>
            <select aria-label={t.theme} value={theme} onChange={(e) => setTheme(e.currentTarget.value as Theme)}>
              <option value="system">{t.themeSystem}</option>
              <option value="light">{t.themeLight}</option>
              <option value="dark">{t.themeDark}</option>
            </select>
          </label>
          <label>
            <span class="sr-only">{t.language}</span>
            <select aria-label={t.language} value={lang} onChange={(e) => setLang(e.currentTarget.value as Lang)}>
              <option value="en" lang="en">
                English
              </option>
              <option value="zh" lang="zh-CN">
                中文
              </option>
            </select>
          </label>
          {session && (
            <button type="button" onClick={() => endSession(session.key, false)}>
              {t.signOut}
            </button>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {restoring ? (
          <p aria-live="polite">{t.loading}</p>
        ) : !context ? (
          <SignIn
            lang={lang}
            keyRefused={keyRefused}
            onConnected={(key, isAdmin, remember) => {
              (remember ? localStorage : sessionStorage).setItem(KEY_STORAGE, key);
              setKeyRefused(false);
              setSession({ key, client: sessionClient(key), isAdmin });
            }}
          />
        ) : (
          <AppContext.Provider value={context}>
            {page === 'tasks' && sub ? (
              <TaskDetail taskId={decodeURIComponent(sub)} />
            ) : page === 'tasks' ? (
              <TasksPage />
            ) : page === 'admin' ? (
              <AdminPage section={sub ?? 'keys'} />
            ) : (
              <EditPage seed={seed} />
            )}
          </AppContext.Provider>
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
