/** Admin pages (admin keys only): keys, workspaces, usage, routes, webhooks. */
import { useState } from 'preact/hooks';
import { formatTime, useApp } from '../app-context.js';
import { admin, describeError, listModels } from '../api.js';
import { useLoad } from '../use-load.js';
import { Secret } from './secret.js';
import { WebhooksSection } from './webhooks-section.js';

const SECTIONS = ['keys', 'workspaces', 'usage', 'routes', 'webhooks'] as const;
type Section = (typeof SECTIONS)[number];

function KeysSection() {
  const { client, t } = useApp();
  const keys = useLoad(() => admin.keys(client), [client]);
  const [form, setForm] = useState({ workspace_id: 'default', name: '', admin: false });
  const [secret, setSecret] = useState('');
  const [error, setError] = useState('');
  const act = async (fn: () => Promise<unknown>) => {
    setError('');
    try {
      await fn();
      keys.reload();
    } catch (err) {
      setError(describeError(err));
    }
  };
  return (
    <>
      <h2>{t.keys}</h2>
      <form
        class="filters"
        aria-label={t.createKey}
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => setSecret((await admin.createKey(client, form)).secret));
        }}
      >
        <div>
          <label for="k-ws">{t.workspace}</label>
          <input id="k-ws" required value={form.workspace_id} onInput={(e) => setForm({ ...form, workspace_id: e.currentTarget.value })} />
        </div>
        <div>
          <label for="k-name">{t.name}</label>
          <input id="k-name" value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
        </div>
        <label class="check">
          <input type="checkbox" checked={form.admin} onChange={(e) => setForm({ ...form, admin: e.currentTarget.checked })} /> {t.adminKey}
        </label>
        <button type="submit" class="primary">
          {t.create}
        </button>
      </form>
      {secret && <Secret label={t.secretOnce} value={secret} testId="new-secret" />}
      {(error || keys.error) && (
        <p class="error" role="alert">
          {error || keys.error}
        </p>
      )}
      {keys.data && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                {[t.colId, t.workspace, t.name, t.colHint, t.colRole, t.colCreated, t.colStateKey, t.colActions].map((h) => (
                  <th scope="col">{h}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {keys.data.map((k) => (
                <tr key={k.id} data-key-id={k.id}>
                  <td>
                    <code>{k.id}</code>
                  </td>
                  <td>{k.workspace_id}</td>
                  <td>{k.name}</td>
                  <td>
                    <code>{k.hint}</code>
                  </td>
                  <td>{k.admin ? t.roleAdmin : t.roleUser}</td>
                  <td>{formatTime(k.created_at)}</td>
                  <td data-testid="key-state">{k.revoked_at === null ? t.active : `${t.revoked} ${formatTime(k.revoked_at)}`}</td>
                  <td>
                    {k.revoked_at === null && (
                      <button type="button" class="danger" onClick={() => confirm(t.revokeConfirm(k.id)) && void act(() => admin.revokeKey(client, k.id))}>
                        {t.revoke}
                        <span class="sr-only"> {k.id}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function Table(props: { headers: string[]; rows: (string | number)[][] }) {
  const { t } = useApp();
  if (props.rows.length === 0) return <p class="empty">{t.noRows}</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            {props.headers.map((h) => (
              <th scope="col">{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr>
              {row.map((cell) => (
                <td>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function WorkspacesSection() {
  const { client, t } = useApp();
  const ws = useLoad(() => admin.workspaces(client), [client]);
  return (
    <>
      <h2>{t.workspaces}</h2>
      {ws.error && (
        <p class="error" role="alert">
          {ws.error}
        </p>
      )}
      {ws.data && (
        <Table
          headers={[t.colId, t.colKeys, t.colAdmins, t.colTasks]}
          rows={ws.data.map((w) => [w.id, `${w.keys} (${w.active_keys})`, w.admin_keys, w.stored_tasks])}
        />
      )}
    </>
  );
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function UsageSection() {
  const { client, t } = useApp();
  const [q, setQ] = useState({ start_date: isoDay(Date.now() - 6 * 86_400_000), end_date: isoDay(Date.now()), workspace_id: '' });
  const [applied, setApplied] = useState(q);
  const usage = useLoad(() => admin.usage(client, applied), [client, applied]);
  return (
    <>
      <h2>{t.usage}</h2>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(q);
        }}
      >
        <div>
          <label for="u-start">{t.startDate}</label>
          <input id="u-start" type="date" value={q.start_date} onInput={(e) => setQ({ ...q, start_date: e.currentTarget.value })} />
        </div>
        <div>
          <label for="u-end">{t.endDate}</label>
          <input id="u-end" type="date" value={q.end_date} onInput={(e) => setQ({ ...q, end_date: e.currentTarget.value })} />
        </div>
        <div>
          <label for="u-ws">{t.workspace}</label>
          <input id="u-ws" value={q.workspace_id} onInput={(e) => setQ({ ...q, workspace_id: e.currentTarget.value })} />
        </div>
        <button type="submit">{t.apply}</button>
      </form>
      {usage.error && (
        <p class="error" role="alert">
          {usage.error}
        </p>
      )}
      {usage.data && (
        <Table
          headers={[t.colDate, t.workspace, t.colTasks, t.colSucceeded, t.colFailed, t.colCanceled, t.colImages]}
          rows={usage.data.map((u) => [u.date, u.workspace_id, u.tasks, u.succeeded, u.failed, u.canceled, u.images])}
        />
      )}
    </>
  );
}

function RoutesSection() {
  const { client, t } = useApp();
  const models = useLoad(() => listModels(client), [client]);
  const health = (m: Record<string, unknown>) => String(m.health ?? m.status ?? m.state ?? '—');
  return (
    <>
      <h2>{t.routes}</h2>
      {models.error && (
        <p class="error" role="alert">
          {models.error}
        </p>
      )}
      {models.data && !models.data.listed && <p class="muted">{t.modelsFallback}</p>}
      {models.data && <Table headers={[t.colRoute, t.colEngine, t.colHealth]} rows={models.data.models.map((m) => [m.id, m.engine ?? '—', health(m)])} />}
    </>
  );
}

export function AdminPage(props: { section: string }) {
  const { t, isAdmin } = useApp();
  const section: Section = (SECTIONS as readonly string[]).includes(props.section) ? (props.section as Section) : 'keys';
  if (!isAdmin)
    return (
      <p class="error" role="alert">
        {t.notAdmin}
      </p>
    );
  return (
    <section class="card" aria-labelledby="admin-title">
      <h1 id="admin-title">{t.adminTitle}</h1>
      <nav class="tabs" aria-label={t.adminNav}>
        {SECTIONS.map((s) => (
          <a href={`#/admin/${s}`} aria-current={s === section ? 'page' : undefined}>
            {t[s]}
          </a>
        ))}
      </nav>
      {section === 'keys' && <KeysSection />}
      {section === 'workspaces' && <WorkspacesSection />}
      {section === 'usage' && <UsageSection />}
      {section === 'routes' && <RoutesSection />}
      {section === 'webhooks' && <WebhooksSection />}
    </section>
  );
}
