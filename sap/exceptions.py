"""Domain errors of the services à la personne: each carries a French message for the person who tried."""

from django.utils.translation import gettext_lazy as _

from hub.exceptions import DomainError


class SapError(DomainError):
    code = "sap_refused"


# French sentences for staff, per URSSAF error code (the codes are those public integrations of the
# « API Tiers de prestation » handle; see docs/adr/0027-urssaf-immediate-advance-api.md).
URSSAF_REFUSAL_MESSAGES = {
    "invalid_client": _(
        "L'URSSAF refuse les identifiants de la structure (client_id / client_secret) : vérifiez la configuration."
    ),
    "ERR_DGFIP_R2P_INCONNU": _(
        "L'URSSAF ne reconnaît pas cette personne : vérifiez le nom de naissance, tous les prénoms, la date et le "
        "lieu de naissance, tels qu'ils figurent sur son avis d'impôt."
    ),
    "ERR_DGFIP_IMPOTPART_INCONNU": _(
        "L'avance immédiate est impossible pour le moment : aucune déclaration de revenus de cette personne n'est "
        "connue des impôts. Elle doit d'abord en avoir déposé une (ou contacter son centre des impôts)."
    ),
    "ERR_COORDONNEES_BANCAIRES": _("Les coordonnées bancaires sont refusées : l'IBAN ou le BIC est invalide."),
    "ERR_APPEL_BACB": _("Les coordonnées bancaires sont refusées : l'IBAN ou le BIC est invalide."),
    "ERR_COMPTE_BLOQUE": _("Le compte URSSAF de cette personne est bloqué : l'inscription ne peut pas aboutir."),
    "ERR_CMPT_BLOQUE": _(
        "Le compte URSSAF de cette personne est bloqué (souvent après un prélèvement refusé) : la demande de paiement "
        "ne peut pas être envoyée pour le moment."
    ),
    "ERR_CONTACT": _("Le téléphone portable, l'adresse électronique ou l'adresse postale est incomplet ou invalide."),
    "ERR_CONTACT_ADRESSE_COMMUNE": _("La commune de l'adresse n'est pas reconnue par l'URSSAF."),
    "ERR_DATE_NAISSANCE_FUTUR": _("La date de naissance est dans le futur."),
    "ERREUR_LIEU_NAISSANCE_DEPT": _("Le département de naissance est obligatoire pour une personne née en France."),
    "ERR_LIEU_NAISSANCE_COMN": _(
        "Le code INSEE de la commune de naissance est obligatoire pour une personne née en France."
    ),
    "ERR_LIEU_NAISSANCE_OBLIGATOIRE": _("Le nom de la commune de naissance est obligatoire."),
    "ERR_ECV_PARTICULIERS_EXISTENT": _(
        "Plusieurs personnes ont cet état civil auprès des impôts : la personne doit contacter son centre des impôts."
    ),
    "ERREUR_REFERENCE_PARTICULIER_EXISTANTE_TYPE": _(
        "Une autre personne est déjà inscrite avec ce couple adresse électronique / téléphone."
    ),
    "ERR_PARTICULIER_INCONNU": _(
        "L'URSSAF ne connaît pas ce client (identifiant ou date de naissance différents) : vérifiez son inscription."
    ),
    "ERR_RECHERCHE_PARTICULIER": _("L'URSSAF ne connaît pas ce client, ou il a rompu son lien avec la structure."),
    "ERR_LIEN_PARTICULIER_PRESTATAIRE": _(
        "Le client n'a pas encore activé son compte URSSAF (ou la prestation est antérieure à son inscription) : "
        "la demande de paiement ne peut pas être envoyée."
    ),
    "ERR_MANDAT_ECHU": _("Le mandat de prélèvement du client a expiré : il doit le renouveler dans son espace URSSAF."),
    "ERR_FACTURE_DOUBLON": _(
        "Cette facture a déjà été envoyée à l'URSSAF : pour la renvoyer, il faut un nouveau numéro de facture."
    ),
    "ERR_PERIODE_EMPLOI_MOIS_NON_UNIQUE": _("Le début et la fin de la prestation doivent être dans le même mois."),
    "ERR_DATE_FIN_AVANT_DATE_DEB": _("La fin de la prestation est antérieure à son début."),
    "ERR_DATE_FUTUR": _("La période de la prestation est dans le futur."),
    "ERR_TOTAL_PRESTATIONS": _("Le total des lignes est différent du montant de la facture."),
    "ERR_MNT_PREST_TTC": _("Le montant d'une ligne n'est pas égal à la quantité multipliée par le prix unitaire."),
    "ERR_MNT_PREST_HT_TVA": _("Le montant HT plus la TVA d'une ligne n'est pas égal à son montant TTC."),
    "ERR_FORMAT_VALEUR": _("Un montant a plus de deux décimales."),
    "ERR_VALEUR_NEGATIVE": _("Un montant ou une quantité est négatif."),
    "ERR_CODE_NATURE": _("Le code nature de la prestation est inconnu de l'URSSAF."),
    "ERR_NBRE_PREST_MAX": _("Dix demandes de paiement au plus par envoi."),
    "ERREUR_VALIDATION": _("L'URSSAF refuse des informations mal formées : %(detail)s"),
}


class UrssafError(SapError):
    """The base of every failure of a call to the URSSAF's API."""

    code = "urssaf_error"


class UrssafRefused(UrssafError):
    """A permanent refusal (4xx, or an item of a payment-request list in error): retrying will not help.

    `urssaf_code`, `api_message` and `description` are the URSSAF's own (the first error of `errors`,
    the full list of `{code, message, description}`); `message` is the French sentence for staff."""

    code = "urssaf_refused"

    def __init__(self, code: str, message: str = "", description: str = "", errors=None, *, http_status: int = 400):
        self.urssaf_code = code or "ERR_INCONNUE"
        self.api_message = message
        self.description = description
        self.errors = (
            list(errors) if errors else [{"code": self.urssaf_code, "message": message, "description": description}]
        )
        self.http_status = http_status
        known = URSSAF_REFUSAL_MESSAGES.get(self.urssaf_code)
        if known is not None:
            text = str(known) % {"detail": description or message} if "%(detail)s" in str(known) else str(known)
        else:
            text = _("L'URSSAF a refusé la demande (%(code)s) : %(message)s") % {
                "code": self.urssaf_code,
                "message": description or message or _("sans précision"),
            }
        super().__init__(text)


class UrssafUnavailable(UrssafError):
    """The URSSAF did not answer usably (5xx, time-out, connection error) even after the retries: try later."""

    code = "urssaf_unavailable"

    def __init__(self, detail: str = ""):
        self.detail = detail
        super().__init__(_("Le service de l'URSSAF ne répond pas pour le moment : réessayez plus tard."))
