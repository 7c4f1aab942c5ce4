import factory
from allauth.account.models import EmailAddress

from accounts.models import User

PASSWORD = "un-mot-de-passe-solide-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.test")
    first_name = "Claude"
    last_name = factory.Sequence(lambda n: f"Dupont{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    class Params:
        hub_admin = factory.Trait(is_staff=True, is_superuser=True)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        self.save()
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
