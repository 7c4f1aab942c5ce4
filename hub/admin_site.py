from allauth.account.views import login as site_login
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from hub import perms
from hub.admin_scoping import ScopedAdmin, hub_only


class HubAdminSite(admin.AdminSite):
    """The back-office: hub admins see everything, structure staff only their structures' objects."""

    site_header = _("Administration du Pôle Économie Solidaire")
    site_title = _("Pôle Économie Solidaire")
    index_title = _("Back-office")

    def has_permission(self, request) -> bool:
        return perms.can_enter_back_office(request.user)

    def register(self, model_or_iterable, admin_class=None, **options):
        # An admin that does not say which structure its rows belong to (third-party apps: e-mail
        # addresses, API tokens, periodic tasks, groups) is for hub admins only: fail closed.
        if admin_class is None or not issubclass(admin_class, ScopedAdmin):
            admin_class = hub_only(admin_class)
        return super().register(model_or_iterable, admin_class, **options)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """No password form of its own: the site's login (allauth), with its rate limits per address
        and per account and its e-mail verification. A POST here is that same form, so guessing
        passwords at /admin/login/ counts against the same limits."""
        if request.user.is_authenticated:
            if self.has_permission(request):
                return redirect("admin:index")
            return render(request, "hub/back_office_refused.html", status=403)
        if request.method == "POST":
            return site_login(request)
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
        return redirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
