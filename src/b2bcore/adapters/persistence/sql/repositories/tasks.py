"""Manager tasks: one ``manager_tasks`` row each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from b2bcore.adapters.persistence.sql import codec
from b2bcore.adapters.persistence.sql.prepared import RowData
from b2bcore.adapters.persistence.sql.repositories.aggregates import AggregateRepository
from b2bcore.adapters.persistence.sql.tables import manager_tasks
from b2bcore.domain.tasks import ManagerTask, TaskStatus


class SqlTaskRepository(AggregateRepository[ManagerTask]):
    kind = "task"
    table = manager_tasks

    def _row(self, aggregate: ManagerTask) -> dict[str, Any]:
        return codec.task_row(aggregate)

    def _decode(self, rows: Sequence[RowData]) -> ManagerTask:
        return codec.task_from_row(rows[0])

    def list_open(self) -> Sequence[ManagerTask]:
        """Oldest first."""
        held = [task for task in self._seen.values() if task.status is TaskStatus.OPEN]
        stored = self._fetch(manager_tasks.c.status == TaskStatus.OPEN.value, *self._unseen())
        return sorted([*stored, *held], key=lambda task: (task.created_at, task.id))
