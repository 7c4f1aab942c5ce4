"""The tax certificates' pages: the client's own (« Mes attestations fiscales »), each one's PDF, and the
provider's list per year with the issuing of the missing ones (confirmed first: it e-mails every client).
The immediate advance's pages: the provider's clients and payment requests, the registration of a client,
a client's page with its requests' history and the staff's actions; the client's own « Mon avance immédiate »."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from hub.models import Structure
from hub.views import rendered_pdf
from marketplace.enums import PaymentState
from sap import actions, advance, certificates, perms
from sap.enums import EnrolmentStatus, RequestStatus
from sap.exceptions import SapError
from sap.forms import EnrolClientForm
from sap.models import AdvanceClient, PaymentRequest, TaxCertificate

MAX_ID = 2**31 - 1
PAGE_LIMIT = 500


@login_required
def my_certificates(request: HttpRequest) -> HttpResponse:
    rows = TaxCertificate.objects.filter(customer=request.user).select_related("structure").order_by("-year", "pk")
    return render(request, "sap/my_certificates.html", {"certificates": list(rows)})


@login_required
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = TaxCertificate.objects.select_related("structure").filter(pk=pk).first() if pk <= MAX_ID else None
    if certificate is None or not (
        certificate.customer_id == request.user.pk or perms.can_manage_certificates(request.user, certificate.structure)
    ):
        raise Http404
    back = (
        reverse("sap:my_certificates")
        if certificate.customer_id == request.user.pk
        else reverse("sap:structure_certificates", args=[certificate.structure.slug])
    )
    return rendered_pdf(
        request,
        certificate.html,
        folder="tax-certificates",
        filename=f"attestation-fiscale-{certificate.year}-{certificate.number}.pdf",
        back_url=back,
    )


def _structure_or_404(user, slug: str) -> Structure:
    structure = Structure.objects.filter(slug=slug[:50]).exclude(sap_declaration_number="").first()
    if structure is None or not perms.can_manage_certificates(user, structure):
        raise Http404
    return structure


def _year(request: HttpRequest) -> int:
    last = timezone.localdate().year - 1
    value = request.GET.get("annee", "")
    if value.isdigit() and 2000 <= int(value) <= last:
        return int(value)
    return last


@login_required
def structure_certificates(request: HttpRequest, slug: str) -> HttpResponse:
    structure = _structure_or_404(request.user, slug)
    year = _year(request)
    issued = list(
        TaxCertificate.objects.filter(structure=structure, year=year).order_by("customer_name", "pk")[:PAGE_LIMIT]
    )
    done = {certificate.customer_id for certificate in issued}
    missing = [figures for figures in certificates.figures_for_year(structure, year) if figures.customer_id not in done]
    last = timezone.localdate().year - 1
    context = {
        "structure": structure,
        "year": year,
        "years": list(range(last, max(last - 5, 1999), -1)),
        "certificates": issued,
        "missing": len(missing),
    }
    return render(request, "sap/structure_certificates.html", context)


@login_required
def issue_certificates(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: how many certificates will be issued and e-mailed; POST (confirmed): issue them."""
    structure = _structure_or_404(request.user, slug)
    year = _year(request)
    back = reverse("sap:structure_certificates", args=[structure.slug]) + f"?annee={year}"
    if request.method == "POST":
        try:
            issued = actions.issue_tax_certificates(year=year, structure=structure)
        except SapError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(count)s attestation(s) émise(s) et envoyée(s).") % {"count": len(issued)})
        return redirect(back)
    done = set(TaxCertificate.objects.filter(structure=structure, year=year).values_list("customer_id", flat=True))
    missing = [figures for figures in certificates.figures_for_year(structure, year) if figures.customer_id not in done]
    context = {"structure": structure, "year": year, "missing": missing, "back": back}
    return render(request, "sap/issue_confirm.html", context)


# --- The immediate advance ------------------------------------------------------------------------------
# Staff pages (`perms.can_read_advance`: managers and accountants read; `perms.can_manage_advance`: managers
# act) under /services-a-la-personne/<slug>/avance-immediate/, and the client's own page. Every action is
# confirmed on a page of its own first: a GET changes nothing.

ADVANCE_LIMIT = 200
# What the client reads of their registration's state, in plain words.
CLIENT_STATUS_TEXT = {
    EnrolmentStatus.TO_REGISTER: _lazy("Votre inscription est en cours de transmission à l'URSSAF."),
    EnrolmentStatus.PENDING: _lazy(
        "En attente de votre activation : l'URSSAF vous a écrit par courriel pour activer votre compte en ligne "
        "(vérifiez vos courriels, y compris les indésirables)."
    ),
    EnrolmentStatus.ACTIVE: _lazy(
        "Active : chaque mois, l'URSSAF paie la moitié de votre facture et prélève le reste sur votre compte."
    ),
    EnrolmentStatus.REFUSED: _lazy(
        "L'URSSAF n'a pas pu vous inscrire : votre prestataire vous contactera pour corriger vos informations."
    ),
    EnrolmentStatus.BLOCKED: _lazy("Suspendue par l'URSSAF : contactez votre prestataire."),
    EnrolmentStatus.WITHDRAWN: _lazy("Vous ne bénéficiez plus de l'avance immédiate auprès de ce prestataire."),
}
CLIENT_REQUEST_TEXT = {
    RequestStatus.TO_SEND: _lazy("En préparation"),
    RequestStatus.WAITING: _lazy("À valider sur votre compte URSSAF (validée d'office après 48 h)"),
    RequestStatus.VALIDATED: _lazy("Validée"),
    RequestStatus.REFUSED: _lazy("Refusée ou contestée : votre prestataire vous contactera"),
    RequestStatus.DEBITED: _lazy("Prélevée"),
    RequestStatus.DEBIT_FAILED: _lazy("Prélèvement refusé : votre prestataire vous contactera"),
    RequestStatus.PAID: _lazy("Réglée"),
    RequestStatus.CANCELLED: _lazy("Annulée"),
    RequestStatus.FAILED: _lazy("Non transmise : votre prestataire la corrige"),
}
FALLBACK_STATUSES = {RequestStatus.REFUSED, RequestStatus.FAILED, RequestStatus.CANCELLED, RequestStatus.DEBIT_FAILED}


def _advance_structure_or_404(user, slug: str, *, manage: bool = False) -> Structure:
    structure = Structure.objects.filter(slug=slug[:50]).exclude(sap_declaration_number="").first()
    allowed = perms.can_manage_advance if manage else perms.can_read_advance
    if structure is None or not allowed(user, structure):
        raise Http404
    return structure


def _advance_client_or_404(structure: Structure, pk: int) -> AdvanceClient:
    client = (
        AdvanceClient.objects.select_related("customer").filter(structure=structure, pk=pk).first()
        if pk <= MAX_ID
        else None
    )
    if client is None:
        raise Http404
    return client


def _payment_request_or_404(structure: Structure, pk: int) -> PaymentRequest:
    request = (
        PaymentRequest.objects.select_related("client", "invoice", "payment")
        .filter(client__structure=structure, pk=pk)
        .first()
        if pk <= MAX_ID
        else None
    )
    if request is None:
        raise Http404
    return request


def _can_fall_back(payment_request: PaymentRequest) -> bool:
    return (
        payment_request.status in FALLBACK_STATUSES
        and payment_request.fallback_at is None
        and not (payment_request.payment_id is not None and payment_request.payment.state == PaymentState.SUCCEEDED)
    )


@login_required
def structure_advance(request: HttpRequest, slug: str) -> HttpResponse:
    structure = _advance_structure_or_404(request.user, slug)
    clients = list(
        AdvanceClient.objects.filter(structure=structure)
        .annotate(request_count=Count("payment_requests"))
        .order_by("birth_name", "first_names", "pk")[: ADVANCE_LIMIT + 1]
    )
    payment_requests = list(
        PaymentRequest.objects.filter(client__structure=structure)
        .select_related("client", "invoice")
        .order_by("-period_start", "-pk")[: ADVANCE_LIMIT + 1]
    )
    context = {
        "structure": structure,
        "clients": clients[:ADVANCE_LIMIT],
        "more_clients": len(clients) > ADVANCE_LIMIT,
        "payment_requests": payment_requests[:ADVANCE_LIMIT],
        "more_requests": len(payment_requests) > ADVANCE_LIMIT,
        "limit": ADVANCE_LIMIT,
        "can_manage": perms.can_manage_advance(request.user, structure),
        "enabled": advance.is_enabled(structure),
    }
    return render(request, "sap/advance_structure.html", context)


@login_required
def enrol_advance_client(request: HttpRequest, slug: str) -> HttpResponse:
    structure = _advance_structure_or_404(request.user, slug, manage=True)
    initial = {}
    # « Corriger et renvoyer »: a refused or withdrawn client's registration, prefilled (not the bank account).
    if request.method == "GET" and request.GET.get("client", "").isdigit():
        previous = _advance_client_or_404(structure, int(request.GET["client"][:10]))
        if previous.status in {EnrolmentStatus.REFUSED, EnrolmentStatus.WITHDRAWN}:
            initial = {name: getattr(previous, name) for name in EnrolClientForm.base_fields
                       if name not in {"customer_email", "iban"} and hasattr(previous, name)}  # fmt: skip
            initial["customer_email"] = previous.customer.email
    form = EnrolClientForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            client = advance.enrol_client(
                structure=structure, customer=form.customer, by=request.user, **form.identity()
            )
        except SapError as error:
            form.add_error(None, error.message)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Inscription enregistrée et transmise à l'URSSAF."))
            return redirect("sap:advance_client", slug=structure.slug, pk=client.pk)
    context = {"structure": structure, "form": form, "enabled": advance.is_enabled(structure)}
    return render(request, "sap/advance_enrol.html", context, status=400 if form.is_bound and form.errors else 200)


@login_required
def advance_client(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    structure = _advance_structure_or_404(request.user, slug)
    client = _advance_client_or_404(structure, pk)
    payment_requests = list(
        client.payment_requests.select_related("invoice", "payment")
        .prefetch_related("events")
        .order_by("-period_start", "-pk")[:ADVANCE_LIMIT]
    )
    for payment_request in payment_requests:
        payment_request.can_resend = payment_request.status == RequestStatus.FAILED
        payment_request.can_fall_back = _can_fall_back(payment_request)
    context = {
        "structure": structure,
        "client": client,
        "payment_requests": payment_requests,
        "can_manage": perms.can_manage_advance(request.user, structure),
        "can_withdraw": client.status != EnrolmentStatus.WITHDRAWN,
    }
    return render(request, "sap/advance_client.html", context)


def _confirm(request, *, structure, client, title, text, button, back, action, danger=False) -> HttpResponse:
    context = {"structure": structure, "client": client, "title": title, "text": text, "button": button,
               "back": back, "action": action, "danger": danger}  # fmt: skip
    return render(request, "confirm.html", context)


@login_required
def withdraw_advance_client(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    structure = _advance_structure_or_404(request.user, slug, manage=True)
    client = _advance_client_or_404(structure, pk)
    back = reverse("sap:advance_client", args=[structure.slug, client.pk])
    if client.status == EnrolmentStatus.WITHDRAWN:
        messages.error(request, _("Ce client est déjà retiré de l'avance immédiate."))
        return redirect(back)
    if request.method == "POST":
        advance.withdraw_client(client=client, by=request.user)
        messages.success(
            request, _("Client retiré de l'avance immédiate : ses services réguliers se règlent par chèque.")
        )
        return redirect(back)
    return _confirm(
        request, structure=structure, client=client, back=back, danger=True,
        title=_("Retirer %(name)s de l'avance immédiate ?") % {"name": client.display_name},
        text=_("Ses prochaines factures ne seront plus transmises à l'URSSAF : ses services réguliers passeront au "
               "règlement par chèque. Les demandes déjà transmises suivent leur cours. Pour l'inscrire de nouveau, "
               "il faudra saisir à nouveau son inscription."),
        button=_("Oui, retirer ce client"), action=request.path,
    )  # fmt: skip


def _request_action(request, slug: str, pk: int, *, resend: bool) -> HttpResponse:
    structure = _advance_structure_or_404(request.user, slug, manage=True)
    payment_request = _payment_request_or_404(structure, pk)
    client = payment_request.client
    back = reverse("sap:advance_client", args=[structure.slug, client.pk])
    allowed = payment_request.status == RequestStatus.FAILED if resend else _can_fall_back(payment_request)
    if not allowed:
        messages.error(
            request,
            _("Seule une demande refusée à l'envoi se renvoie.")
            if resend
            else _("Cette demande suit son cours à l'URSSAF."),
        )
        return redirect(back)
    number = payment_request.invoice.number
    if request.method == "POST":
        try:
            if resend:
                advance.resend_request(request=payment_request, by=request.user)
            else:
                advance.fall_back(request=payment_request, by=request.user)
        except SapError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Demande de la facture %(number)s renvoyée à l'URSSAF.") % {"number": number}
                if resend
                else _("Facture %(number)s à régler par un autre moyen : enregistrez son règlement.")
                % {"number": number},
            )
        return redirect(back)
    if resend:
        return _confirm(
            request, structure=structure, client=client, back=back, action=request.path,
            title=_("Renvoyer la demande de la facture %(number)s ?") % {"number": number},
            text=_("La demande sera transmise de nouveau à l'URSSAF, avec les informations corrigées depuis. "
                   "Le client aura 48 h pour la valider."),
            button=_("Oui, renvoyer"),
        )  # fmt: skip
    return _confirm(
        request, structure=structure, client=client, back=back, action=request.path, danger=True,
        title=_("Régler autrement la facture %(number)s ?") % {"number": number},
        text=_("L'URSSAF ne paiera pas cette facture : le client la règle par les moyens habituels (enregistrez "
               "son règlement ; les relances la suivent comme toute facture). Ce choix est définitif."),
        button=_("Oui, régler autrement"),
    )  # fmt: skip


@login_required
def resend_payment_request(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _request_action(request, slug, pk, resend=True)


@login_required
def fall_back_payment_request(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _request_action(request, slug, pk, resend=False)


@login_required
def my_advance(request: HttpRequest) -> HttpResponse:
    clients = list(
        AdvanceClient.objects.filter(customer=request.user)
        .select_related("structure")
        .prefetch_related(
            Prefetch(
                "payment_requests",
                queryset=PaymentRequest.objects.select_related("invoice").order_by("-period_start", "-pk"),
            )
        )
        .order_by("structure__position", "structure__name")
    )
    for client in clients:
        client.plain_status = CLIENT_STATUS_TEXT.get(client.status, client.get_status_display())
        for payment_request in client.payment_requests.all():
            payment_request.plain_status = CLIENT_REQUEST_TEXT.get(payment_request.status, "")
            payment_request.debited_amount = payment_request.amount - payment_request.advance_amount
    return render(request, "sap/my_advance.html", {"clients": clients})
