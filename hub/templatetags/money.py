"""`{% load money %}`, the older name of `{% load fr %}`: the same filters (one set, hub.formatting)."""

from hub.templatetags.fr import register

__all__ = ["register"]
