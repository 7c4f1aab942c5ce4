"""`{% keeps_books structure as keeps %}`: whether the person may write in these books (the links
to the pages that write are shown to them only)."""

from django import template

from accounting.perms import can_keep_books

register = template.Library()


@register.simple_tag(takes_context=True)
def keeps_books(context, structure) -> bool:
    request = context.get("request")
    return request is not None and can_keep_books(request.user, structure)
