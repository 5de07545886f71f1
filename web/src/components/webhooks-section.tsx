/**
 * Webhook endpoints of the caller's workspace and their delivery log, over `/api/v1/webhooks…`
 * (the webhooks API). A server without it answers 404, shown as "not available on this server".
 */
import { useState } from 'preact/hooks';
import { useApp } from '../app-context.js';
import { describeError, webhooks } from '../api.js';
import { useLoad } from '../use-load.js';
import { Secret } from './secret.js';

const cell = (v: unknown) => (v === undefined || v === null ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));

function Deliveries(props: { id: string }) {
  const { client, t } = useApp();
  const log = useLoad(() => webhooks.deliveries(client, props.id), [client, props.id]);
  if (log.loading) return <p>{t.loading}</p>;
  if (log.error) return <p class="error">{log.error}</p>;
  const rows = log.data ?? [];
  if (rows.length === 0) return <p class="empty">{t.noRows}</p>;
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((c) => !['payload', 'body', 'request_body'].includes(c)).slice(0, 8);
  return (
    <div class="table-wrap">
      <table>
        <caption class="sr-only">{t.deliveries}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col">{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              {columns.map((c) => (
                <td>{cell(r[c])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function WebhooksSection() {
  const { client, t } = useApp();
  const list = useLoad(() => webhooks.list(client), [client]);
  const [form, setForm] = useState({ url: '', events: '', description: '' });
  const [secret, setSecret] = useState('');
  const [open, setOpen] = useState<string | undefined>();
  const [error, setError] = useState('');
  const act = async (fn: () => Promise<unknown>) => {
    setError('');
    try {
      await fn();
      list.reload();
    } catch (err) {
      setError(describeError(err));
    }
  };
  if (list.notFound) {
    return (
      <>
        <h2>{t.webhooks}</h2>
        <p class="notice" data-testid="webhooks-unavailable">
          {t.notAvailable}
        </p>
      </>
    );
  }
  return (
    <>
      <h2>{t.webhooks}</h2>
      <form
        class="filters"
        aria-label={t.addEndpoint}
        onSubmit={(e) => {
          e.preventDefault();
          const events = form.events
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
          void act(async () => {
            const created = await webhooks.create(client, {
              url: form.url,
              ...(events.length ? { events } : {}),
              ...(form.description ? { description: form.description } : {}),
            });
            setSecret(typeof created.secret === 'string' ? created.secret : '');
          });
        }}
      >
        <div>
          <label for="w-url">{t.webhookUrl}</label>
          <input id="w-url" type="url" required value={form.url} onInput={(e) => setForm({ ...form, url: e.currentTarget.value })} />
        </div>
        <div>
          <label for="w-events">{t.webhookEvents}</label>
          <input id="w-events" value={form.events} onInput={(e) => setForm({ ...form, events: e.currentTarget.value })} />
        </div>
        <div>
          <label for="w-desc">{t.description}</label>
          <input id="w-desc" value={form.description} onInput={(e) => setForm({ ...form, description: e.currentTarget.value })} />
        </div>
        <button type="submit" class="primary">
          {t.addEndpoint}
        </button>
      </form>
      {secret && <Secret label={t.signingSecret} value={secret} testId="webhook-secret" />}
      {(error || list.error) && (
        <p class="error" role="alert">
          {error || list.error}
        </p>
      )}
      {list.data && list.data.length === 0 && <p class="empty">{t.noRows}</p>}
      {list.data?.map((w) => (
        <article class="endpoint" key={w.id}>
          <h3>
            <code>{w.url}</code>
          </h3>
          <p class="muted">
            {w.id} · {(w.events ?? []).join(', ') || '*'} {w.description ? `· ${w.description}` : ''}
          </p>
          <div class="row-actions">
            <button type="button" onClick={() => void act(() => webhooks.test(client, w.id))}>
              {t.sendTest}
            </button>
            <button type="button" aria-expanded={open === w.id} onClick={() => setOpen(open === w.id ? undefined : w.id)}>
              {t.deliveries}
            </button>
            <button type="button" class="danger" onClick={() => confirm(t.deleteConfirm(w.url)) && void act(() => webhooks.remove(client, w.id))}>
              {t.delete}
            </button>
          </div>
          {open === w.id && <Deliveries id={w.id} />}
        </article>
      ))}
    </>
  );
}
