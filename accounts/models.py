import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in with an e-mail address.

    A hub admin is a superuser. Roles in structures and organisations live in `hub`.
    """

    username = None
    email = models.EmailField(_("adresse e-mail"), unique=True)
    anonymised_at = models.DateTimeField(_("anonymisé le"), null=True, blank=True, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message=_("Un compte existe déjà avec cette adresse e-mail."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email


USE_RECORDING_INTERVAL = timedelta(minutes=1)


class ApiTokenQuerySet(models.QuerySet):
    def active(self, *, at: datetime | None = None) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True, expires_at__gt=at or timezone.now())


class ApiToken(models.Model):
    """A personal key to the API, sent as `Authorization: Token <secret>`.

    Only a SHA-256 digest of the secret is stored: the secret is shown once, at creation, and
    cannot be read back (a stolen database gives no working token). A token ends at `expires_at`
    (API_TOKEN_TTL_DAYS after creation) or when revoked, and is never revived.
    """

    SECRET_PREFIX = "pole_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("utilisateur")
    )
    name = models.CharField(_("nom"), max_length=100)
    # The first characters of the secret, so that its owner recognises it in the list.
    prefix = models.CharField(_("début du jeton"), max_length=16, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expire le"))
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="accounts_apitoken_expires_after_creation",
                violation_error_message=_("Un jeton expire après sa création."),
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True) | models.Q(revoked_at__gte=models.F("created_at")),
                name="accounts_apitoken_revoked_after_creation",
                violation_error_message=_("Un jeton est révoqué après sa création."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(secret: str) -> str:
        # The secret is 256 random bits: a plain hash is enough, no salt or slow hash needed.
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def new_secret(cls) -> str:
        return cls.SECRET_PREFIX + secrets.token_urlsafe(32)

    def is_expired(self, *, at: datetime) -> bool:
        return self.expires_at <= at

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_active(self, *, at: datetime) -> bool:
        return not self.is_revoked and not self.is_expired(at=at)

    def mark_used(self, *, at: datetime) -> None:
        """Note the use, at most once a minute: a busy client does not write on every request."""
        if self.last_used_at is None or at - self.last_used_at >= USE_RECORDING_INTERVAL:
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=at)
            self.last_used_at = at
