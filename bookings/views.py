"""Booking pages: thin — parse the form, check permission, call one action or selector, render."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings import calendar_feed
from bookings.actions.booking import (
    billing_for,
    book,
    cancel_booking,
    cancel_following,
    check_service_area,
    late_fee_for,
    on_monthly_invoicing,
    reschedule_booking,
)
from bookings.actions.laundry import create_recurring_booking, record_laundry_step
from bookings.enums import BookingStatus, LaundryStep
from bookings.exceptions import BookingError
from bookings.forms import BookingForm, LaundryStepForm, QuoteForm
from bookings.models import LAUNDRY, Booking, CalendarFeed, CancellationFee
from bookings.perms import can_view_organisation_account, is_booking_staff, staff_structures
from bookings.quotes import make_quote, quote_html
from bookings.selectors import (
    available_slots,
    bookable_offerings,
    booking_estimate,
    collection_fee_offering,
    is_timed,
    last_visit_address,
    laundry_week,
    payment_methods_for,
    visit_price,
    week_days,
)
from bookings.statements import organisation_statement, statement_html
from hub.enums import Frequency
from hub.formatting import euros
from hub.models import Organisation
from hub.params import date_param
from hub.views import rendered_pdf
from marketplace.enums import InvoiceKind, PaymentMethod
from marketplace.models import Invoice
from services.enums import OfferingKind


def _monday(request: HttpRequest, raw: str | None) -> datetime.date:
    """The Monday of the week holding `raw` (today when empty); a date that is not real is a 400."""
    day = date_param(request, "semaine", default=timezone.localdate(), value=raw or "")
    return day - datetime.timedelta(days=day.weekday())


def offering_list(request: HttpRequest) -> HttpResponse:
    offerings = bookable_offerings().order_by("kind", "position", "name")
    return render(request, "bookings/offering_list.html", {"offerings": offerings})


def calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """The week's slots of a bookable offering; pick one, then book (→ payment page or confirmation)."""
    offering = get_object_or_404(bookable_offerings(), slug=slug)
    # The week shown, or on POST the week of the chosen slot.
    monday = _monday(
        request, request.GET.get("semaine") or request.POST.get("semaine") or request.POST.get("slot", "")[:10]
    )
    slots = available_slots(offering=offering, start=monday, end=monday + datetime.timedelta(days=6))
    organisations = list(request.user.organisations.order_by("name")) if request.user.is_authenticated else []
    home_service = offering.kind == OfferingKind.HOME_SERVICE
    if home_service and request.method == "GET" and not request.GET.get("semaine") and all(s.is_full for s in slots):
        # Nothing left this week (Friday evening, say): a visit is booked on next week's page.
        monday += datetime.timedelta(days=7)
        slots = available_slots(offering=offering, start=monday, end=monday + datetime.timedelta(days=6))
    timed = home_service and is_timed(offering)
    form = None
    if request.user.is_authenticated:
        collection_fee = collection_fee_offering(offering) if organisations else None
        initial = {}
        if home_service and request.method == "GET":
            # The address of the person's last visit (or of their last invoice), changed here if need be.
            address, postcode = last_visit_address(request.user)
            initial = {"address": address, "postcode": postcode, "billing_address": address.replace(", ", "\n")}
        form = BookingForm(
            request.POST or None,
            initial=initial,
            offering=offering,
            slots=slots,
            organisations=organisations,
            methods=payment_methods_for(offering, organisations=organisations, timed=timed),
            collection_fee=collection_fee,
            timed=timed,
        )
        if request.method == "POST" and form.is_valid() and "modifier" not in request.POST:
            if offering.kind == OfferingKind.LAUNDRY and "confirmer" not in request.POST:
                return _laundry_confirmation(request, offering, form, organisations, collection_fee)
            if home_service and "confirmer" not in request.POST:
                # Home visits: the price (and the tax credit) is shown before anything is booked.
                try:
                    check_service_area(offering, form.cleaned_data.get("postcode") or "")
                except BookingError as error:
                    form.add_error(None, error.message)
                else:
                    return _visit_review(request, offering, form, slots, organisations)
            else:
                response = _book_from_form(request, offering, form, organisations, slots)
                if response is not None:
                    return response
    days = [(day, [slot for slot in slots if timezone.localdate(slot.starts_at) == day]) for day in week_days(monday)]
    context = {
        "offering": offering,
        "form": form,
        "days": days,
        "monday": monday,
        "previous_week": monday - datetime.timedelta(days=7),
        "next_week": monday + datetime.timedelta(days=7),
        "is_current_week": monday <= timezone.localdate(),
        "fee": CancellationFee.objects.select_related("fee_offering").filter(offering=offering).first(),
        "visit_hours": next((slot.hours for slot in slots if slot.timed), None),
        "deposit": offering.booking_resources.filter(is_active=True).aggregate(deposit=Max("deposit"))["deposit"],
    }
    template = "bookings/_calendar.html" if request.htmx and request.method == "GET" else "bookings/calendar.html"
    return render(request, template, context)


def _laundry_confirmation(request: HttpRequest, offering, form: BookingForm, organisations, collection_fee):
    """Before a laundry booking is made: what, when, where it is collected and its estimated price."""
    data = form.cleaned_data
    organisation = next((o for o in organisations if str(o.pk) == data["buyer"]), None)
    collect = form.collect_at_address
    estimate = booking_estimate(
        user=request.user,
        offering=offering,
        quantity=data["quantity"],
        organisation=organisation,
        collection_fee=collection_fee if collect else None,
    )
    starts_at = parse_datetime(data["slot"])
    context = {
        "offering": offering,
        "form": form,
        "organisation": organisation,
        "collect": collect,
        "starts_at": starts_at,
        "estimate": estimate,
        "b2b": organisation is not None,
        "payment_label": PaymentMethod(data["payment_method"]).label,
        "monthly": on_monthly_invoicing(organisation, offering),
        "frequency_label": dict(form.fields["frequency"].choices).get(data["frequency"])
        if data.get("frequency")
        else "",
    }
    return render(request, "bookings/laundry_confirm.html", context)


def _chosen(form: BookingForm, slots, organisations):
    """The slot and the buyer (an organisation, or None for the person) the valid form names."""
    data = form.cleaned_data
    starts_at = parse_datetime(data["slot"])
    slot = next((slot for slot in slots if slot.starts_at == starts_at), None)
    organisation = next((o for o in organisations if str(o.pk) == data["buyer"]), None)
    return starts_at, slot, organisation


def _visit_review(request: HttpRequest, offering, form: BookingForm, slots, organisations) -> HttpResponse:
    """The summary of a home visit before it is booked: when, where, how long, the price and its tax credit."""
    _starts_at, slot, organisation = _chosen(form, slots, organisations)
    data = form.cleaned_data
    hours = slot.hours if slot.timed else data["quantity"]
    method = data["payment_method"]
    context = {
        "offering": offering,
        "form": form,
        "slot": slot,
        "organisation": organisation,
        "price": visit_price(offering=offering, hours=hours, user=request.user, organisation=organisation),
        "frequency": Frequency(data["frequency"]).label if data.get("frequency") else "",
        "payment_label": dict(form.fields["payment_method"].choices)[method],
        "pays_by_card": method == PaymentMethod.CARD,
        "fixed_price": slot.timed and not data.get("frequency"),
        "late_fee": CancellationFee.objects.select_related("fee_offering").filter(offering=offering).first(),
    }
    return render(request, "bookings/visit_review.html", context)


def _book_from_form(request: HttpRequest, offering, form: BookingForm, organisations, slots) -> HttpResponse | None:
    data = form.cleaned_data
    starts_at, slot, organisation = _chosen(form, slots, organisations)
    quantity = data["quantity"]
    if slot is not None and slot.timed:
        quantity = slot.hours  # a visit booked by its start time lasts the set duration
    if quantity is None:
        form.add_error("quantity", _("Indiquez la quantité."))
        return None
    arguments = {
        "user": request.user,
        "offering": offering,
        "quantity": quantity,
        "payment_method": data["payment_method"],
        "billing": billing_for(request.user, organisation, address=data.get("billing_address", "")),
        "organisation": organisation,
        "pickup_point": data.get("pickup_point"),
        "collect_at_address": form.collect_at_address,
    }
    try:
        if data.get("frequency"):
            series = create_recurring_booking(
                first_starts_at=starts_at,
                frequency=data["frequency"],
                address=data.get("address", ""),
                postcode=data.get("postcode", ""),
                note=data.get("note", ""),
                **arguments,
            )
            booking = series.occurrences.order_by("starts_at").first()
        else:
            booking = book(
                starts_at=starts_at,
                address=data.get("address", ""),
                postcode=data.get("postcode", ""),
                note=data.get("note", ""),
                destination=data.get("destination", ""),
                **arguments,
            )
    except BookingError as error:
        form.add_error(None, error.message)
        return None
    if booking.order_line_id and data["payment_method"] == PaymentMethod.CARD:
        return redirect("marketplace:order_pay", booking.order_line.order.reference)
    if offering.kind == OfferingKind.HOME_SERVICE:
        messages.success(request, _visit_booked_message(booking))
    elif form.collect_at_address:
        messages.success(
            request,
            _("C'est réservé : le linge sera collecté et livré à l'adresse de l'organisation, à partir du %(date)s.")
            % {"date": date_format(timezone.localtime(booking.starts_at), "l j F Y à H:i")},
        )
    elif data.get("frequency"):
        messages.success(
            request,
            _("C'est réservé : %(count)s collectes sont prévues, à partir du %(date)s.")
            % {
                "count": booking.series.occurrences.count(),
                "date": timezone.localtime(booking.starts_at).strftime("%d/%m/%Y"),
            },
        )
    else:
        messages.success(request, _("C'est réservé : %(booking)s.") % {"booking": booking})
    return redirect("bookings:mine")


def _visit_booked_message(booking: Booking) -> str:
    when = {
        "day": date_format(timezone.localtime(booking.starts_at), "l j F Y"),
        "start": date_format(timezone.localtime(booking.starts_at), "H:i"),
        "end": date_format(timezone.localtime(booking.ends_at), "H:i"),
        "name": booking.offering.name,
    }
    if booking.series_id:
        return _(
            "C'est réservé : « %(name)s » %(frequency)s de %(start)s à %(end)s, à partir du %(day)s "
            "(%(count)s dates déjà prévues). Un e-mail vous confirme toutes les dates."
        ) % {
            **when,
            "frequency": booking.series.get_frequency_display().lower(),
            "count": booking.series.occurrences.count(),
        }
    return _("C'est réservé : « %(name)s » le %(day)s, de %(start)s à %(end)s, à votre adresse.") % when


@login_required
def my_bookings(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    bookings = list(
        Booking.objects.visible_to(request.user)
        .for_list()
        .filter(starts_at__gte=now - datetime.timedelta(days=31))
        .order_by("starts_at", "pk")
    )
    fees = {
        fee.offering_id: fee.fee_offering
        for fee in CancellationFee.objects.select_related("fee_offering").filter(
            offering_id__in={b.offering_id for b in bookings}
        )
    }
    for booking in bookings:
        booking.late_fee = fees.get(booking.offering_id)
        booking.cancellable = booking.is_open and booking.starts_at > now
    feed = CalendarFeed.objects.filter(user=request.user).first()
    return render(
        request,
        "bookings/my_bookings.html",
        {"bookings": bookings, "now": now, "feed_url": _feed_url(request, feed)},
    )


def _feed_url(request: HttpRequest, feed: CalendarFeed | None) -> str:
    if feed is None:
        return ""
    return request.build_absolute_uri(reverse("bookings:ical", args=[feed.token]))


@login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancelling asks first: a page saying what is lost and the late fee if it applies; only its
    « Oui, annuler » (POST with `confirmer`) cancels. A series is cancelled for this date or from it on."""
    booking = get_object_or_404(
        Booking.objects.visible_to(request.user).select_related("offering", "series", "resource"), pk=pk
    )
    now = timezone.now()
    cancellable = booking.is_open and booking.starts_at > now
    following = (
        []
        if booking.series_id is None
        else list(
            Booking.objects.filter(
                series_id=booking.series_id, starts_at__gte=booking.starts_at, status__in=BookingStatus.open()
            ).order_by("starts_at", "pk")
        )
    )
    error = ""
    if request.method == "POST":
        if "confirmer" not in request.POST:
            return redirect("bookings:cancel", booking.pk)  # nothing is cancelled without the confirmation
        scope = request.POST.get("portee", "date")
        if scope not in ("date", "suivantes") or (scope == "suivantes" and booking.series_id is None):
            error = _("Choisissez : cette date, ou celle-ci et toutes les suivantes.")
        else:
            try:
                if scope == "suivantes":
                    cancelled = cancel_following(booking=booking, by=request.user)
                else:
                    cancelled = [cancel_booking(booking=booking, by=request.user)]
            except BookingError as refusal:
                error = refusal.message
            else:
                messages.success(request, _cancelled_message(cancelled))
                return redirect("bookings:mine")
    context = {
        "booking": booking,
        "cancellable": cancellable,
        "late_fee": late_fee_for(booking, at=now) if cancellable else None,
        "following": following,
        "error": error,
        "is_visit": booking.offering.kind == OfferingKind.HOME_SERVICE,
    }
    return render(request, "bookings/cancel.html", context, status=400 if error else 200)


def _cancelled_message(cancelled: list[Booking]) -> str:
    fees = [booking.cancellation_fee_line.total_incl for booking in cancelled if booking.cancellation_fee_line_id]
    if len(cancelled) > 1:
        text = _("%(count)s dates annulées ; la série s'arrête.") % {"count": len(cancelled)}
    else:
        text = _("Réservation annulée.")
    if fees:
        return f"{text} " + _("Des frais d'annulation tardive de %(amount)s s'appliquent.") % {
            "amount": euros(sum(fees))
        }
    return f"{text} " + _("Sans frais.")


@login_required
@require_POST
def calendar_token(request: HttpRequest) -> HttpResponse:
    """Create (or renew, revoking the old URL) the private iCal feed address."""
    CalendarFeed.objects.filter(user=request.user).delete()
    CalendarFeed.objects.create(user=request.user)
    messages.success(request, _("Votre adresse d'agenda privée est prête."))
    return redirect("bookings:mine")


def ical(request: HttpRequest, token: str) -> HttpResponse:
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None:
        raise Http404
    body = calendar_feed.render_feed(feed.user)
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


def _laundry_structure_ids(user) -> list[int]:
    return staff_structures(user)


def _next_steps(booking: Booking) -> list[str]:
    return [step for step in LaundryStep.values if LAUNDRY.can_move(booking.laundry_step, step)]


@login_required
def laundry_week_page(request: HttpRequest) -> HttpResponse:
    """The laundry staff's week: pickups by day with the next step of each."""
    structure_ids = _laundry_structure_ids(request.user)
    if not structure_ids:
        raise Http404
    monday = _monday(request, request.GET.get("semaine"))
    bookings = list(laundry_week(structure_ids=structure_ids, monday=monday))
    for booking in bookings:
        booking.next_steps = _next_steps(booking)
    return render(
        request,
        "bookings/laundry_week.html",
        {
            "bookings": bookings,
            "monday": monday,
            "sunday": monday + datetime.timedelta(days=6),
            "previous_week": monday - datetime.timedelta(days=7),
            "next_week": monday + datetime.timedelta(days=7),
        },
    )


@login_required
@require_POST
def laundry_step(request: HttpRequest, pk: int) -> HttpResponse:
    booking = get_object_or_404(
        Booking.objects.select_related(
            "offering__structure", "organisation", "customer", "pickup_point", "collection_fee"
        ),
        pk=pk,
        offering__kind=OfferingKind.LAUNDRY,
    )
    if not is_booking_staff(request.user, booking.offering.structure):
        raise Http404
    form = LaundryStepForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            booking = record_laundry_step(
                booking=booking, step=form.cleaned_data["step"], by=request.user, weight=form.cleaned_data["weight"]
            )
        except BookingError as refusal:
            error = refusal.message
    else:
        error = _("Étape ou poids invalide.")
    if request.htmx:
        booking.next_steps = _next_steps(booking)
        return render(request, "bookings/_laundry_row.html", {"booking": booking, "error": error})
    if error:
        messages.error(request, error)
    return redirect(f"{reverse('bookings:laundry_week')}?semaine={timezone.localdate(booking.starts_at).isoformat()}")


@login_required
def sap_quote(request: HttpRequest, slug: str) -> HttpResponse:
    """The free quote (PDF) of a service à la personne, for the hours and visits the person gives."""
    offering = get_object_or_404(bookable_offerings().filter(sap_eligible=True), slug=slug)
    form = QuoteForm(request.GET)
    if not form.is_valid():
        messages.error(
            request, _("Indiquez les heures par intervention (0,5 à 8) et les interventions par mois (1 à 31).")
        )
        return redirect("bookings:calendar", offering.slug)
    quote = make_quote(
        offering=offering,
        hours_per_visit=form.cleaned_data["heures"],
        visits_per_month=form.cleaned_data["interventions"],
        customer=request.user,
    )
    return rendered_pdf(  # rendered by a task (hub.rendering), never in this request
        request,
        quote_html(quote),
        folder="quotes",
        filename=f"devis-{offering.slug}-{quote.date:%Y%m%d}.pdf",
        back_url=reverse("bookings:calendar", args=[offering.slug]),
    )


@login_required
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    """Move one's booking to another open slot of the same offering (the same booking and order line)."""
    booking = get_object_or_404(Booking.objects.visible_to(request.user).select_related("offering"), pk=pk)
    today = timezone.localdate()
    slots = [
        slot
        for slot in available_slots(offering=booking.offering, start=today, end=today + datetime.timedelta(days=27))
        if slot.remaining >= booking.places and slot.starts_at != booking.starts_at
    ]
    error = ""
    if request.method == "POST":
        starts_at = parse_datetime(request.POST.get("slot", ""))
        if starts_at is None or starts_at not in {slot.starts_at for slot in slots}:
            error = _("Choisissez un des créneaux proposés.")
        else:
            try:
                reschedule_booking(booking=booking, starts_at=starts_at, by=request.user)
            except BookingError as refusal:
                error = refusal.message
            else:
                messages.success(
                    request,
                    _("Réservation déplacée au %(when)s.")
                    % {"when": date_format(timezone.localtime(starts_at), "j F Y à H:i")},
                )
                return redirect("bookings:mine")
    context = {"booking": booking, "slots": slots, "error": error}
    return render(request, "bookings/reschedule.html", context, status=400 if error else 200)


# How many of an organisation's latest invoices its page lists (the statement has them all).
ORGANISATION_INVOICES_SHOWN = 24


@login_required
def my_organisations(request: HttpRequest) -> HttpResponse:
    """The organisations a person belongs to; with one, straight to its page."""
    organisations = list(request.user.organisations.order_by("name"))
    if not organisations:
        raise Http404
    if len(organisations) == 1:
        return redirect("bookings:organisation", organisations[0].slug)
    return render(request, "bookings/my_organisations.html", {"organisations": organisations})


def _organisation_for(request: HttpRequest, slug: str) -> Organisation:
    organisation = get_object_or_404(Organisation, slug=slug)
    if not can_view_organisation_account(request.user, organisation):
        raise Http404  # another organisation's account is not even said to exist
    return organisation


@login_required
def organisation_page(request: HttpRequest, slug: str) -> HttpResponse:
    """An organisation's account, for its members: bookings to come, invoices, statement, balance due."""
    organisation = _organisation_for(request, slug)
    now = timezone.now()
    bookings = list(
        Booking.objects.filter(organisation=organisation, starts_at__gte=now - datetime.timedelta(days=31))
        .exclude(status=BookingStatus.CANCELLED)
        .select_related("offering", "customer", "pickup_point")
        .order_by("starts_at", "pk")[:50]
    )
    invoices = list(
        Invoice.objects.issued()
        .filter(organisation=organisation)
        .select_related("structure", "order")
        .order_by("-issue_date", "-pk")[:ORGANISATION_INVOICES_SHOWN]
    )
    statement = organisation_statement(organisation)
    today = timezone.localdate()
    context = {
        "organisation": organisation,
        "bookings": bookings,
        "invoices": invoices,
        "credit_note": InvoiceKind.CREDIT_NOTE,
        "outstanding": statement.closing_balance,
        "now": now,
        "year_start": today.replace(month=1, day=1),
        "today": today,
    }
    return render(request, "bookings/organisation.html", context)


@login_required
def organisation_statement_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The statement of an organisation's account over a period (?du=&au=, this year by default), as a
    printable page or, with ?format=pdf, a PDF."""
    organisation = _organisation_for(request, slug)
    today = timezone.localdate()
    start = date_param(request, "du", default=today.replace(month=1, day=1))
    end = date_param(request, "au", default=today)
    if end < start:
        messages.error(request, _("La fin de la période précède son début."))
        return redirect("bookings:organisation_statement", organisation.slug)
    statement = organisation_statement(organisation, start=start, end=end)
    if request.GET.get("format") == "pdf":
        return rendered_pdf(
            request,
            statement_html(statement),
            folder="statements",
            filename=f"releve-{organisation.slug}-{start:%Y%m%d}-{end:%Y%m%d}.pdf",
            back_url=reverse("bookings:organisation_statement", args=[organisation.slug]),
        )
    return render(request, "bookings/statement.html", {"statement": statement, "organisation": organisation})
