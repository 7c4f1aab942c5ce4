"""The one state-machine helper: a status field, its transition table, the timestamps each target
sets, and a log row (a concrete `hub.models.StatusLog`) for every move.

Every model with a status declares one `StateMachine` per status field and moves through it only:

    BOOKING_STATUS = StateMachine(field="status", choices=BookingStatus, transitions={…},
                                  timestamps={BookingStatus.DONE: "done_at"}, error=InvalidBookingTransition)
    BOOKING_STATUS.move(booking, BookingStatus.DONE, by=user)   # checks, sets, stamps, logs (caller saves)
    BOOKING_STATUS.move_all(queryset, BookingStatus.CANCELLED)  # many rows: one UPDATE, one log row each

The log rows are written through the model's reverse relation named `log` (default "transitions").
"""

import dataclasses
from collections.abc import Collection, Mapping

from django.db import models
from django.utils import timezone

from hub.exceptions import InvalidTransition


@dataclasses.dataclass(frozen=True)
class StateMachine:
    field: str
    choices: type[models.TextChoices]
    transitions: Mapping[str, Collection[str]]
    # Target status → the timestamp field set on entering it.
    timestamps: Mapping[str, str] = dataclasses.field(default_factory=dict)
    # Target status → fields set back to None on entering it (a reopened receivable loses its paid_at).
    clears: Mapping[str, Collection[str]] = dataclasses.field(default_factory=dict)
    error: type[InvalidTransition] = InvalidTransition
    log: str = "transitions"

    def __post_init__(self) -> None:
        unknown = ({*self.transitions} | {t for targets in self.transitions.values() for t in targets}) - set(
            self.choices.values
        )
        if unknown:
            raise ValueError(f"{self.field}: unknown statuses in the transition table: {sorted(unknown)}")

    def can_move(self, current: str, target: str) -> bool:
        return target in self.transitions.get(current, ())

    def sources(self, target: str) -> list[str]:
        """The statuses a row may be in to move to `target`."""
        return [status for status, targets in self.transitions.items() if target in targets]

    def _label(self, value: str) -> str:
        try:
            return str(self.choices(value).label)
        except ValueError:
            return value

    def check(self, current: str, target: str) -> None:
        if not self.can_move(current, target):
            raise self.error(
                field=self.field,
                current=current,
                target=target,
                current_label=self._label(current),
                target_label=self._label(target),
            )

    def move(self, obj: models.Model, target: str, *, by=None, note: str = "", at=None) -> None:
        """Move one row to `target`: check the table, set the status and its timestamp, log (caller saves)."""
        at = at or timezone.now()
        current = getattr(obj, self.field)
        self.check(current, target)
        setattr(obj, self.field, target)
        for name in self._stamped(target):
            setattr(obj, name, at)
        for name in self.clears.get(target, ()):
            setattr(obj, name, None)
        getattr(obj, self.log).create(
            field=self.field, from_status=current, to_status=target, by=by, note=str(note)[:200], at=at
        )

    def log_start(self, obj: models.Model, *, by=None, note: str = "", at=None) -> None:
        """Log the status a new row starts in (from nothing)."""
        getattr(obj, self.log).create(
            field=self.field,
            from_status="",
            to_status=getattr(obj, self.field),
            by=by,
            note=str(note)[:200],
            at=at or timezone.now(),
        )

    def move_all(self, queryset: models.QuerySet, target: str, *, by=None, note: str = "", at=None) -> int:
        """Move every row of `queryset` that may go to `target` (the others are left as they are), in one
        UPDATE, with one log row each. Returns how many moved. Call it inside the caller's transaction."""
        at = at or timezone.now()
        rows = list(queryset.filter(**{f"{self.field}__in": self.sources(target)}).values_list("pk", self.field))
        if not rows:
            return 0
        model = queryset.model
        changes = {self.field: target} | dict.fromkeys(self._stamped(target), at)
        changes |= dict.fromkeys(self.clears.get(target, ()), None)
        model._default_manager.filter(pk__in=[pk for pk, _ in rows]).update(**changes)
        relation = getattr(model, self.log).rel
        log_model, fk = relation.related_model, relation.field.name
        log_model.objects.bulk_create(
            log_model(
                **{f"{fk}_id": pk},
                field=self.field,
                from_status=current,
                to_status=target,
                by=by,
                note=str(note)[:200],
                at=at,
            )
            for pk, current in rows
        )
        return len(rows)

    def fields_set(self, target: str) -> list[str]:
        """The fields a move to `target` writes (for `save(update_fields=…)`)."""
        return [self.field, *self._stamped(target), *self.clears.get(target, ())]

    def _stamped(self, target: str) -> list[str]:
        return [self.timestamps[target]] if target in self.timestamps else []
