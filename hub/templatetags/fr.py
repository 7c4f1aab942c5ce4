"""`{% load fr %}`: money, hours, numbers and dates as the reader's language writes them (hub.formatting)."""

from django import template

from hub import formatting

register = template.Library()

register.filter("euros", formatting.euros)
register.filter("eur", formatting.euros)  # the older name, still used by many templates
register.filter("unit_price", formatting.unit_price)
register.filter("hours", formatting.hours)
register.filter("number", formatting.number)
register.filter("percent", formatting.percent)
register.filter("date_long", formatting.date_long)
register.filter("date_medium", formatting.date_medium)
register.filter("date_short", formatting.date_short)
register.filter("datetime_short", formatting.datetime_short)
register.filter("datetime_long", formatting.datetime_long)
