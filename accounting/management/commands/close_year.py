from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounting.actions.closing import close_year, opening_entry_of
from accounting.exceptions import AccountingError
from accounting.models import FiscalYear
from hub.models import Structure


class Command(BaseCommand):
    help = (
        "Clôture l'exercice d'une structure (après son dernier jour, toutes ses déclarations de TVA "
        "validées) et passe les à-nouveaux de l'exercice suivant. Sans effet sur un exercice déjà clôturé."
    )

    def add_arguments(self, parser):
        parser.add_argument("structure", help="Slug de la structure.")
        parser.add_argument("year", type=int, help="Année de début de l'exercice.")

    def handle(self, *args, structure: str, year: int, **options):
        structure_obj = Structure.objects.filter(slug=structure).first()
        if structure_obj is None:
            raise CommandError(_("Structure inconnue : %(slug)s.") % {"slug": structure})
        if not 1900 <= year <= 9999:
            raise CommandError(_("L'année est un nombre à quatre chiffres."))
        fiscal_year = FiscalYear.objects.filter(structure=structure_obj, start_date__year=year).first()
        if fiscal_year is None:
            raise CommandError(
                _("Aucun exercice de %(structure)s ne commence en %(year)s.")
                % {"structure": structure_obj.name, "year": year}
            )
        try:
            fiscal_year = close_year(fiscal_year=fiscal_year)
        except AccountingError as error:
            raise CommandError(str(error)) from error
        following = (
            FiscalYear.objects.filter(structure=structure_obj, start_date__gt=fiscal_year.end_date)
            .order_by("start_date")
            .first()
        )
        opening = opening_entry_of(following) if following else None
        if options["verbosity"] >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Exercice %(name)s de %(structure)s clôturé ; à-nouveaux : %(entry)s.")
                    % {
                        "name": fiscal_year.name,
                        "structure": structure_obj.name,
                        "entry": opening.reference if opening else "—",
                    }
                )
            )
