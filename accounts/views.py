import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.authtoken.models import Token

from accounts.actions import delete_account, export_personal_data
from accounts.exceptions import AccountError
from accounts.forms import DeleteAccountForm


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "organisation_memberships": user.organisation_memberships.select_related("organisation").order_by(
            "organisation__name"
        ),
        "structure_roles": user.structure_roles.select_related("structure").order_by("structure__name", "role"),
        "api_token": Token.objects.filter(user=user).first(),
    }
    return render(request, "accounts/account.html", context)


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
@require_POST
def api_token(request: HttpRequest) -> HttpResponse:
    Token.objects.filter(user=request.user).delete()
    if request.POST.get("action") != "revoke":
        Token.objects.create(user=request.user)
        messages.success(request, _("Un nouveau jeton d'API a été créé ; l'ancien ne fonctionne plus."))
    else:
        messages.success(request, _("Votre jeton d'API a été révoqué."))
    return redirect("accounts:account")
