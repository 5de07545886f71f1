/** `#/tasks/<id>`: one task's page, linked from the list. */
import { useApp } from '../app-context.js';
import { TaskView } from './task-view.js';

export function TaskDetail(props: { taskId: string }) {
  const { t } = useApp();
  return (
    <>
      <p>
        <a href="#/tasks">← {t.backToTasks}</a>
      </p>
      <h1 class="sr-only">
        {t.task} {props.taskId}
      </h1>
      <TaskView taskId={props.taskId} headingLevel={2} />
    </>
  );
}
