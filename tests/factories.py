import time
from base64 import b32decode

import factory
from django.contrib.auth import get_user_model
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies import two_factor
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


class Authenticator:
    """The authenticator app on a person's phone: ``code()`` is the code it shows now;
    ``next_code()`` the one it shows in the next period (a code opens once, so a second
    sign-in within the same 30 seconds needs it)."""

    def __init__(self, key: bytes, step: int = 30, digits: int = 6):
        self.key, self.step, self.digits = key, step, digits

    @classmethod
    def from_typed_key(cls, typed: str) -> "Authenticator":
        """The app after its owner typed the key the set-up page shows."""
        return cls(b32decode("".join(typed.split()).upper()))

    def code(self, offset: int = 0) -> str:
        totp = TOTP(self.key, self.step, 0, self.digits)
        totp.time = time.time() + offset * self.step
        return f"{totp.token():0{self.digits}d}"

    def next_code(self) -> str:
        return self.code(offset=1)


def authenticator_for(user) -> Authenticator:
    """A confirmed authenticator for ``user``, as if they had set it up."""
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return Authenticator(device.bin_key, device.step, device.digits)


def sign_in_verified(client, user):
    """``client`` signed in as ``user`` past both steps (an authenticator made if none)."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    if device is None:
        authenticator_for(user)
        device = TOTPDevice.objects.devices_for_user(user, confirmed=True).get()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.pop(two_factor.SESSION_STEP, None)  # as the code step leaves it
    session.save()
    return client
