"""Manager tasks: work that needs a person, such as a one-click registration request."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from b2bcore.domain.errors import IllegalTransition


class TaskKind(enum.Enum):
    ONE_CLICK_REGISTRATION = "one_click_registration"


class TaskStatus(enum.Enum):
    OPEN = "open"
    DONE = "done"


@attrs.define(eq=False, kw_only=True)
class ManagerTask:
    id: str
    kind: TaskKind
    created_at: datetime
    contact_name: str
    email: str
    phone: str = ""
    inn: str = ""
    attachment_key: str | None = None
    comment: str = ""
    status: TaskStatus = TaskStatus.OPEN
    manager_id: str | None = None
    result_client_id: str | None = None
    version: int = 0

    def require_open(self) -> None:
        """Refuse to work on a task that is already done."""
        if self.status is TaskStatus.DONE:
            raise IllegalTransition(action="complete", state=self.status.value)

    def complete(self, manager_id: str, client_id: str | None) -> None:
        self.require_open()
        self.status = TaskStatus.DONE
        self.manager_id = manager_id
        self.result_client_id = client_id
        self.version += 1
