import factory
from django.contrib.auth import get_user_model

from agencies.models import Agency, Inspector, Membership, Role

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "สมศรี"
    last_name = "มีสุข"
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    agency = factory.LazyFunction(lambda: Agency.objects.get(code="MOJ"))
    role = Role.CASE_OFFICER


class InspectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inspector

    user = factory.SubFactory(UserFactory)
    organisation = "สำนักงานปลัดกระทรวงยุติธรรม"
