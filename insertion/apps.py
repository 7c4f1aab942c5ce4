from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class InsertionConfig(AppConfig):
    name = "insertion"
    verbose_name = _("Insertion")

    def ready(self) -> None:
        # Job sources register themselves on import (insertion pulls its work from the apps below).
        # reason: they import models, which cannot load before the app registry is ready.
        from accounts import staff_tools
        from hub.models import Structure
        from insertion import booking_jobs, jobs  # noqa: F401
        from insertion import perms as insertion_perms
        from insertion.interventions import interventions_for_order_lines
        from marketplace.interventions import register_intervention_source

        # SAP invoices list who worked on each line; marketplace cannot read workers itself (layering).
        register_intervention_source(interventions_for_order_lines)

        def _planned_structures(user) -> list[tuple[str, str]]:
            """(slug, name) of the structures with teams whose board this person opens (the board's check)."""
            return list(
                Structure.objects.filter(pk__in=insertion_perms.planning_structure_ids(user), teams__isnull=False)
                .distinct()
                .order_by("position", "name")
                .values_list("slug", "name")
            )

        staff_tools.register(
            "insertion:index",
            label=_("Équipes d'insertion"),
            # The same check as the page: a structure with teams whose work or hours this person sees.
            can_open=lambda user: Structure.objects.filter(
                pk__in=insertion_perms.hours_structure_ids(user), teams__isnull=False
            ).exists(),
            position=60,
            sections={"supervisor": 20, "manager": 60, "accountant": 40},
        )
        # This week's board of each structure the person plans (its address redirects to the current week).
        staff_tools.register(
            "insertion:structure",
            label=_("Planning de la semaine"),
            can_open=lambda user: bool(_planned_structures(user)),
            position=55,
            sections={"supervisor": 10, "manager": 50},
            links=lambda user: [
                (reverse("insertion:structure", args=[slug]), name) for slug, name in _planned_structures(user)
            ],
        )
        # The monthly IAE return of each structure whose workers' records this person reads (ADR 0031).
        staff_tools.register(
            "insertion:iae_return_latest",
            label=_("État mensuel IAE"),
            can_open=lambda user: bool(_planned_structures(user)),
            position=57,
            sections={"supervisor": 30, "manager": 55},
            links=lambda user: [
                (reverse("insertion:iae_return_latest", args=[slug]), name) for slug, name in _planned_structures(user)
            ],
        )
