"""The one mechanism that scopes the back-office to the structures a staff member works for.

Every ModelAdmin of the site is a `ScopedAdmin`: it declares the path from its rows to their
`Structure` (`structure_field`) and the staff roles that open them (`scoped_roles`). From that
declaration alone, for anyone but a hub admin:

- lists, change pages, autocomplete and raw-id lookups (which read `get_queryset`), bulk actions
  and list filters only reach the rows of the person's structures;
- every foreign-key and many-to-many choice of a form (and of its inlines) only offers objects of
  those structures — people: only the staff of those structures, never every account;
- every save is checked: the row, and every object it points to, must belong to one of the
  person's structures, and to the row's own structure; otherwise a French form error, nothing saved;
- an object out of reach answers 404, whether it exists or not.

A model with no structure (`structure_field = None`) is hub-wide: hub admins only, unless it is a
shared catalogue (`shared_catalogue = True`, the skills) that every staff member reads. A ModelAdmin
registered without declaring its scope (third-party apps) is made hub-admin-only by the site.
Django's model permissions never widen this: they are not how structures are kept apart.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from hub import perms
from hub.enums import StaffRole
from hub.models import Site, Structure

FOREIGN_ROW = _("Vous ne pouvez enregistrer que des données de vos structures.")
FOREIGN_CHOICE = _("« %(object)s » appartient à une autre structure que cette fiche.")
NOT_STAFF = _("« %(object)s » n'est pas membre du personnel de la structure de cette fiche.")


def structure_id_of(obj, path: str | None):
    """The id of the structure `obj` belongs to through `path` ("offering__structure"); None if unset.

    Works on unsaved instances (a form's instance after validation) by following the attributes."""
    if obj is None or path is None:
        return None
    *hops, last = path.split("__")
    for hop in hops:
        try:
            obj = getattr(obj, hop)
        except ObjectDoesNotExist:
            return None
        if obj is None:
            return None
    if last == "pk":
        return obj.pk
    return getattr(obj, f"{last}_id")


def _is_hub(request) -> bool:
    return perms.is_hub_admin(request.user)


class ScopedForm(forms.ModelForm):
    """Checks, once the instance is built, that the row and what it points to stay within scope."""

    scope_admin = None  # the ScopedAdmin (or inline) that built the form
    scope_request = None
    scope_parent = None  # inlines: the parent instance, validated by its own form first

    def _post_clean(self):
        super()._post_clean()
        if self.scope_admin is not None:
            self.scope_admin.check_scope(self, self.scope_request)


class ScopeMixin:
    """What ScopedAdmin and ScopedInline share: role lookup, choices and the save check."""

    structure_field: str | None = "structure"
    scoped_roles: tuple[str, ...] = (StaffRole.MANAGER, StaffRole.STAFF)
    # For foreign keys to models that are not registered on the site: {field name: path from the
    # target to its structure}, e.g. {"approval": "worker__structure"}.
    choice_structure_fields: dict[str, str] = {}
    # Foreign keys that may point to another structure on purpose (none so far).
    cross_structure_fields: tuple[str, ...] = ()

    def structure_ids(self, request) -> set[int]:
        """The structures where this person holds one of `scoped_roles` (cached on the request)."""
        cache = request.__dict__.setdefault("_hub_scoped_structure_ids", {})
        key = tuple(sorted(self.scoped_roles))
        if key not in cache:
            cache[key] = set(perms.structures_with_role(request.user, *self.scoped_roles)) if key else set()
        return cache[key]

    # Choices --------------------------------------------------------------------------------

    def _target_admin(self, model):
        return self.admin_site._registry.get(model)

    def target_structure_field(self, db_field):
        """The path from the target of a relation to its structure, "pk" for a structure, or None."""
        model = db_field.related_model
        if model is Structure:
            return "pk"
        if db_field.name in self.choice_structure_fields:
            return self.choice_structure_fields[db_field.name]
        target = self._target_admin(model)
        if isinstance(target, ScopedAdmin):
            return target.structure_field
        return None

    def scoped_choices(self, db_field, request):
        """The objects a non-hub-admin may pick in this relation: those of their structures."""
        model = db_field.related_model
        queryset = model._default_manager.all()
        ids = self.structure_ids(request)
        if model is get_user_model():
            return queryset.filter(structure_roles__structure__in=ids).distinct()
        if model is Site:
            return queryset.filter(Q(structure__in=ids) | Q(structure__isnull=True))
        target = self._target_admin(model)
        if isinstance(target, ScopedAdmin) and target.shared_catalogue:
            return queryset
        path = self.target_structure_field(db_field)
        if path is None:
            return queryset.none()  # an unmapped relation offers nothing rather than everything
        return queryset.filter(**{f"{path}__in": ids})

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs.setdefault("assume_scheme", "https")  # Django 6's default, without its warning
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not _is_hub(request):
            kwargs["queryset"] = self.scoped_choices(db_field, request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if not _is_hub(request):
            kwargs["queryset"] = self.scoped_choices(db_field, request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # Saves ----------------------------------------------------------------------------------

    def row_structure_id(self, form):
        return structure_id_of(form.instance, self.structure_field)

    def check_scope(self, form, request) -> None:
        """Refuses a row outside the person's structures and relations to another structure's objects."""
        row = self.row_structure_id(form)
        if not _is_hub(request) and self.structure_field is not None and row not in self.structure_ids(request):
            form.add_error(None, FOREIGN_ROW)
            return
        if row is None:
            return
        user_model = get_user_model()
        for name, field in form.fields.items():
            if name not in form.cleaned_data or name in self.cross_structure_fields:
                continue
            if not isinstance(field, forms.ModelChoiceField):
                continue
            try:
                db_field = form._meta.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue  # a field the form declares itself: not a relation of the row
            if not db_field.is_relation:
                continue  # a formset's hidden row id
            value = form.cleaned_data[name]
            objects = list(value) if isinstance(field, forms.ModelMultipleChoiceField) else [value]
            for obj in objects:
                if obj is None:
                    continue
                if isinstance(obj, user_model):
                    if not obj.structure_roles.filter(structure_id=row).exists():
                        form.add_error(name, NOT_STAFF % {"object": obj})
                    continue
                path = self.target_structure_field(db_field)
                owner = structure_id_of(obj, path)
                if path is not None and owner is not None and owner != row:
                    form.add_error(name, FOREIGN_CHOICE % {"object": obj})


class ScopedAdmin(ScopeMixin, admin.ModelAdmin):
    """A ModelAdmin whose rows map to a structure (`structure_field`), opened by `scoped_roles`."""

    shared_catalogue = False  # hub-wide rows every staff member reads (hub admins change them)
    scope_declared = True  # False on the third-party admins the site made hub-admin-only

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if _is_hub(request) or (self.shared_catalogue and perms.structure_roles(request.user)):
            return queryset
        if self.structure_field is None:
            return queryset.none()
        return queryset.filter(**{f"{self.structure_field}__in": self.structure_ids(request)})

    def get_search_results(self, request, queryset, search_term):
        # Autocomplete hands its own queryset in: scope it again rather than trust the caller.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if _is_hub(request) or self.shared_catalogue:
            return queryset, may_have_duplicates
        if self.structure_field is None:
            return queryset.none(), may_have_duplicates
        return queryset.filter(**{f"{self.structure_field}__in": self.structure_ids(request)}), may_have_duplicates

    def _reaches(self, request, obj=None) -> bool:
        if self.structure_field is None:
            return False
        ids = self.structure_ids(request)
        if obj is None:
            return bool(ids)
        return structure_id_of(obj, self.structure_field) in ids

    def has_module_permission(self, request) -> bool:
        if _is_hub(request):
            return super().has_module_permission(request)
        return self._reaches(request) or self.has_view_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        if _is_hub(request):
            return super().has_view_permission(request, obj)
        if self.shared_catalogue:
            return bool(perms.structure_roles(request.user))
        return self._reaches(request, obj)

    def has_add_permission(self, request) -> bool:
        if _is_hub(request):
            return super().has_add_permission(request)
        return not self.shared_catalogue and self._reaches(request)

    def has_change_permission(self, request, obj=None) -> bool:
        if _is_hub(request):
            return super().has_change_permission(request, obj)
        return not self.shared_catalogue and self._reaches(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if _is_hub(request):
            return super().has_delete_permission(request, obj)
        return not self.shared_catalogue and self._reaches(request, obj)

    def get_list_filter(self, request):
        """Filters on a relation list only the related objects of the rows this person sees."""
        filters = super().get_list_filter(request)
        if _is_hub(request):
            return filters
        scoped = []
        for entry in filters:
            if isinstance(entry, str) and self._is_relation_path(entry):
                entry = (entry, admin.RelatedOnlyFieldListFilter)
            scoped.append(entry)
        return scoped

    def _is_relation_path(self, path: str) -> bool:
        model = self.model
        field = None
        for part in path.split("__"):
            try:
                field = model._meta.get_field(part)
            except FieldDoesNotExist:
                return False
            model = field.related_model
            if model is None:
                return False
        return field is not None and field.is_relation

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (ScopedForm, form), {"scope_admin": self, "scope_request": request})

    def get_changelist_formset(self, request, **kwargs):
        formset = super().get_changelist_formset(request, **kwargs)
        formset.form = type(
            formset.form.__name__, (ScopedForm, formset.form), {"scope_admin": self, "scope_request": request}
        )
        return formset

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Another structure's row and a row that does not exist answer alike: not found.
        raise Http404


class HubOnlyAdmin(ScopedAdmin):
    """Hub-wide rows (people, organisations, settings of the whole hub): hub admins only."""

    structure_field = None
    scoped_roles = ()


class ScopedInline(ScopeMixin):
    """An inline of a ScopedAdmin: the parent's access decides, and its choices and saves are scoped alike.

    `parent_field` is the foreign key from the inline's model to the parent."""

    parent_field: str | None = None

    def _parent_admin(self):
        return self.admin_site._registry[self.parent_model]

    @property
    def structure_field(self):
        parent = self._parent_admin()
        if parent.structure_field is None:
            return None
        return f"{self._fk_name()}__{parent.structure_field}"

    @property
    def scoped_roles(self):
        return self._parent_admin().scoped_roles

    def _fk_name(self) -> str:
        if self.parent_field:
            return self.parent_field
        for field in self.model._meta.get_fields():
            if field.many_to_one and field.related_model is self.parent_model:
                return field.name
        raise LookupError(f"{self.model} has no foreign key to {self.parent_model}")

    def has_view_permission(self, request, obj=None) -> bool:
        if _is_hub(request):
            return super().has_view_permission(request, obj)
        return self._parent_admin().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        if _is_hub(request):
            return super().has_add_permission(request, obj)
        return self._parent_admin().has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        if _is_hub(request):
            return super().has_change_permission(request, obj)
        return self._parent_admin().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if _is_hub(request):
            return super().has_delete_permission(request, obj)
        return self._parent_admin().has_change_permission(request, obj)

    def row_structure_id(self, form):
        # The parent as its own form is about to save it (it may be new, or moved to another structure).
        return structure_id_of(form.scope_parent, self._parent_admin().structure_field)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type(
            formset.form.__name__,
            (ScopedForm, formset.form),
            {"scope_admin": self, "scope_request": request, "scope_parent": obj},
        )
        return formset


def hub_only(admin_class):
    """The site's fallback for ModelAdmins that declare no scope: the same admin, hub admins only."""
    base = admin_class or admin.ModelAdmin
    return type(base.__name__, (HubOnlyAdmin, base), {"scope_declared": False, "__module__": base.__module__})
