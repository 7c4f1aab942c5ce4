"""Read-only admin: the books change only through accounting actions, never by hand. A structure's
accountants read its books, nobody else's (`accounting.perms`)."""

from django.contrib import admin

from accounting.models import Account, Books, Entry, EntryLine, FiscalYear, Journal
from hub.admin_scoping import ScopedAdmin, ScopedInline
from hub.enums import StaffRole


class ReadOnlyAdmin(ScopedAdmin):
    scoped_roles = (StaffRole.ACCOUNTANT,)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EntryLineInline(ScopedInline, admin.TabularInline):
    model = EntryLine
    fields = ["position", "account", "label", "auxiliary_code", "debit", "credit", "lettering_code", "lettering_date"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["reference", "structure", "date", "label", "piece_ref", "validation_date"]
    list_filter = ["structure", "journal__code", "fiscal_year"]
    search_fields = ["reference", "label", "piece_ref"]
    list_select_related = ["structure"]
    date_hierarchy = "date"
    inlines = [EntryLineInline]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "label", "account_class", "structure"]
    list_filter = ["structure", "account_class"]
    search_fields = ["code", "label"]
    list_select_related = ["structure"]


@admin.register(Journal)
class JournalAdmin(ReadOnlyAdmin):
    list_display = ["code", "label", "structure"]
    list_filter = ["structure"]
    list_select_related = ["structure"]


@admin.register(FiscalYear)
class FiscalYearAdmin(ReadOnlyAdmin):
    list_display = ["structure", "start_date", "end_date", "is_closed"]
    list_filter = ["structure", "is_closed"]
    list_select_related = ["structure"]


@admin.register(Books)
class BooksAdmin(ReadOnlyAdmin):
    list_display = ["structure", "fiscal_year_start_month", "locked_until"]
    list_select_related = ["structure"]
