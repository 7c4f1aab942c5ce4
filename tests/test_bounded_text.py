"""Every free-text column of the project's models has a bound that forms and `full_clean` enforce
(issue 11: an unbounded billing address once took 94 s of CPU to print). CharFields have one by
construction; a TextField needs `max_length` (the form's limit) and a MaxLengthValidator (the model's)."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models

PROJECT_APPS = {"accounts", "hub", "services", "marketplace", "bookings", "subscriptions", "insertion", "accounting"}
# Written by the platform itself, never typed by anyone: the e-mails it renders.
SYSTEM_TEXT = {("hub", "OutboundEmail", "body"), ("hub", "OutboundEmail", "html_body")}


def _text_fields():
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.TextField) and field.concrete:
                yield model, field


def test_every_free_text_field_is_bounded():
    unbounded = [
        f"{model._meta.label}.{field.name}"
        for model, field in _text_fields()
        if (model._meta.app_label, model.__name__, field.name) not in SYSTEM_TEXT
        and not (
            field.max_length
            and any(
                isinstance(validator, MaxLengthValidator) and validator.limit_value == field.max_length
                for validator in field.validators
            )
        )
    ]
    assert unbounded == []
    assert len(list(_text_fields())) >= 15


def test_a_bounded_text_refuses_one_character_more():
    field = apps.get_model("bookings", "Booking")._meta.get_field("address")
    assert field.clean("x" * field.max_length, None) == "x" * field.max_length

    with pytest.raises(ValidationError) as refused:
        field.clean("x" * (field.max_length + 1), None)

    assert refused.value.messages == [
        f"Assurez-vous que cette valeur comporte au plus {field.max_length} caractères "
        f"(actuellement {field.max_length + 1})."
    ]
