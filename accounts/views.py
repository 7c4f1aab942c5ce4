import json

from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import staff_tools
from accounts.actions import create_api_token, delete_account, export_personal_data, revoke_api_token
from accounts.exceptions import AccountError
from accounts.forms import ApiTokenForm, DeleteAccountForm
from accounts.models import ApiToken


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "organisation_memberships": user.organisation_memberships.select_related("organisation").order_by(
            "organisation__name"
        ),
        "structure_roles": user.structure_roles.select_related("structure").order_by("structure__name", "role"),
        "active_api_tokens": ApiToken.objects.filter(user=user).active().count(),
    }
    return render(request, "accounts/account.html", context)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """« Mon espace »: each role the person holds, with its tools and (for the resident) their dashboard.

    The menu is computed afresh here and kept for the header: a role given or taken since login shows.
    """
    menu = staff_tools.remember_menu(request, request.user)
    return render(request, "accounts/home.html", {"sections": staff_tools.home_sections(request.user, menu)})


@login_required
def export_data(request: HttpRequest) -> HttpResponse:
    data = export_personal_data(user=request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    filename = f"mes-donnees-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None)
    # The password is checked here too: a stolen session must not guess it at leisure.
    if request.method == "POST" and not ratelimit.consume(request, action="reauthenticate", user=request.user):
        return ratelimit.respond_429(request)
    if request.method == "POST" and form.is_valid():
        try:
            delete_account(user=request.user, password=form.cleaned_data["password"])
        except AccountError as error:
            form.add_error("password", error.message)
        else:
            logout(request)
            messages.success(request, _("Votre compte et vos données personnelles ont été supprimés."))
            return redirect("hub:home")
    return render(request, "accounts/delete.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The person's API tokens; a new one's secret is shown on this response only, never again."""
    form = ApiTokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = create_api_token(user=request.user, name=form.cleaned_data["name"])
        except AccountError as error:
            form.add_error("name", error.message)
        else:
            form = ApiTokenForm()
    context = {
        "form": form,
        "secret": secret,
        "tokens": ApiToken.objects.filter(user=request.user),
        "now": timezone.now(),
        "api_token_ttl_days": settings.API_TOKEN_TTL_DAYS,
    }
    response = render(request, "accounts/api_tokens.html", context, status=400 if form.errors else 200)
    if secret:
        response["Cache-Control"] = "no-store"  # the secret must not stay in a cache
    return response


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, user=request.user, pk=pk)
    revoke_api_token(token=token)
    messages.success(request, _("Le jeton « %(name)s » est révoqué : il ne fonctionne plus.") % {"name": token.name})
    return redirect("accounts:api_tokens")
