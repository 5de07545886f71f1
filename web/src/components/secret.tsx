/** A secret shown once (a new API key, a webhook signing secret), with a copy button. */
import { useApp } from '../app-context.js';

export function Secret(props: { label: string; value: string; testId: string }) {
  const { t } = useApp();
  return (
    <div class="secret" role="status">
      <p>{props.label}</p>
      <code data-testid={props.testId}>{props.value}</code>{' '}
      <button type="button" onClick={() => navigator.clipboard.writeText(props.value)}>
        {t.copy}
      </button>
    </div>
  );
}
