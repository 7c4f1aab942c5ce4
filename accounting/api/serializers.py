"""Input serializers parse the query string (bad values → 400 "invalid"); output ones say what goes out."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounting.enums import JournalCode

DATE_ERRORS = {"invalid": _("Date invalide : utilisez le format AAAA-MM-JJ.")}


class PeriodInputSerializer(serializers.Serializer):
    """`from` and `to` (both optional, default: the current fiscal year); `from` is a keyword."""

    def get_fields(self):
        return {
            "from": serializers.DateField(required=False, error_messages=DATE_ERRORS),
            "to": serializers.DateField(required=False, error_messages=DATE_ERRORS),
        }

    def validate(self, attrs):
        start, end = attrs.get("from"), attrs.get("to")
        if start and end and start > end:
            raise serializers.ValidationError({"to": [_("La date de fin doit suivre la date de début.")]})
        return attrs


class EntriesInputSerializer(PeriodInputSerializer):
    def get_fields(self):
        fields = super().get_fields()
        fields["journal"] = serializers.ChoiceField(
            choices=JournalCode.choices,
            required=False,
            error_messages={
                "invalid_choice": _("Journal inconnu : %(codes)s attendu.") % {"codes": ", ".join(JournalCode.values)}
            },
        )
        return fields


class FecInputSerializer(serializers.Serializer):
    year = serializers.IntegerField(
        min_value=1900,
        max_value=9999,
        error_messages={
            "required": _("Indiquez l'année de début de l'exercice (year=AAAA)."),
            "invalid": _("L'année est un nombre à quatre chiffres."),
        },
    )


class EntryLineOutputSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    account = serializers.CharField(source="account.code")
    account_label = serializers.CharField(source="account.label")
    auxiliary_code = serializers.CharField()
    auxiliary_name = serializers.CharField()
    label = serializers.CharField()
    debit = serializers.DecimalField(max_digits=12, decimal_places=2)
    credit = serializers.DecimalField(max_digits=12, decimal_places=2)
    lettering_code = serializers.CharField()
    lettering_date = serializers.DateField(allow_null=True)


class EntryOutputSerializer(serializers.Serializer):
    reference = serializers.CharField()
    journal = serializers.CharField(source="journal.code")
    number = serializers.IntegerField()
    date = serializers.DateField()
    piece_ref = serializers.CharField()
    piece_date = serializers.DateField()
    label = serializers.CharField()
    validation_date = serializers.DateField()
    reversal_of = serializers.IntegerField(source="reversal_of_id", allow_null=True)
    lines = EntryLineOutputSerializer(many=True)


class TrialBalanceRowOutputSerializer(serializers.Serializer):
    account = serializers.CharField(source="code")
    label = serializers.CharField()
    debit = serializers.DecimalField(max_digits=14, decimal_places=2)
    credit = serializers.DecimalField(max_digits=14, decimal_places=2)
    balance = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Débit − crédit.")


class TrialBalanceTotalsOutputSerializer(serializers.Serializer):
    debit = serializers.DecimalField(max_digits=14, decimal_places=2)
    credit = serializers.DecimalField(max_digits=14, decimal_places=2)
    debit_balance = serializers.DecimalField(max_digits=14, decimal_places=2)
    credit_balance = serializers.DecimalField(max_digits=14, decimal_places=2)
    balanced = serializers.BooleanField()


class TrialBalanceOutputSerializer(serializers.Serializer):
    """{"structure", "from", "to", "rows", "totals"}: `from` is a keyword, hence get_fields."""

    def get_fields(self):
        return {
            "structure": serializers.CharField(),
            "from": serializers.DateField(source="start"),
            "to": serializers.DateField(source="end"),
            "rows": TrialBalanceRowOutputSerializer(many=True),
            "totals": TrialBalanceTotalsOutputSerializer(),
        }


class VatPeriodInputSerializer(serializers.Serializer):
    period = serializers.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$",
        max_length=7,
        error_messages={
            "required": _("Indiquez la période : period=AAAA-MM ou AAAA-Qn."),
            "invalid": _("Période invalide : AAAA-MM (un mois) ou AAAA-Qn (un trimestre) attendu."),
        },
    )


class VatReturnOutputSerializer(serializers.Serializer):
    structure = serializers.CharField()
    period = serializers.CharField(help_text="AAAA-MM ou AAAA-Qn.")
    start = serializers.DateField()
    end = serializers.DateField()
    posted = serializers.BooleanField()
    posted_at = serializers.DateTimeField(allow_null=True)
    entry = serializers.CharField(allow_null=True, help_text="N° de l'écriture de liquidation.")
    boxes = serializers.DictField(
        child=serializers.DecimalField(max_digits=14, decimal_places=2),
        help_text="Cases de la CA3 : 01, 08_base, 08_tva, 9B_base, 9B_tva, 09_base, 09_tva, 16, 19, 20, 22, 23, "
        "25, 27, 28, 32.",
    )


class YearCloseOutputSerializer(serializers.Serializer):
    structure = serializers.CharField()
    year = serializers.CharField()
    closed = serializers.BooleanField()
    closed_at = serializers.DateTimeField(allow_null=True)
    opening_entry = serializers.CharField(
        allow_null=True, help_text="N° de l'écriture d'à-nouveaux de l'exercice suivant."
    )
