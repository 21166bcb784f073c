"""The API against its own description: schemathesis reads the schema served at
/api/v1/schema/ by the WSGI application, sends what it describes to every operation, and
checks that each answer is one the schema promises: no server error, a documented status,
content type and headers, a body of the documented shape. It does so twice: as an
agency's system with a key that may write, and as a supervisor signed in (the session
cookie, with the CSRF cookie and header).

Path parameters are mostly real (cases of the key's agency in every status, referrals, a
file, reference data), so that the requests reach the views rather than a 404; the
generated value stays among the choices. Generation is derandomized: every run sends the
same requests.
"""

import secrets

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from agencies.models import District, Role, Subdistrict
from referrals import services
from referrals.models import CaseStatus, ReferralStatus
from tests.api.helpers import api_key
from tests.referrals.factories import case_in, office, referral_in, staff
from tests.referrals.test_page_permissions import png

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
LEAD = "MOL"
CONFIG = {
    "suppress-health-check": ["too_slow"],
    "generation": {
        "max-examples": 15,
        "deterministic": True,
        "database": "none",
        # The callers' credentials are the test's own, never generated ones.
        "with-security-parameters": False,
    },
}


@pytest.fixture
def app():
    """The portal as a WSGI application, answering inside the test's transaction: like
    Django's test client, it must not close the connection at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def portal(db, settings, tmp_path):
    """Cases led by MOL in every status, referrals to MOPH (pending and accepted), a file
    and an office: the values the path parameters are drawn from."""
    settings.MEDIA_ROOT = tmp_path
    settings.API_RATE_PER_CALLER = "100000/m"  # the run itself must not be throttled
    boss = staff(LEAD, Role.SUPERVISOR)
    cases = [case_in(status, by=boss) for status in CaseStatus if status != CaseStatus.WITHDRAWN]
    working = case_in(CaseStatus.IN_PROGRESS, by=boss)
    pending = referral_in(ReferralStatus.PENDING, working, by=boss)
    accepted = referral_in(ReferralStatus.ACCEPTED, case_in(CaseStatus.IN_PROGRESS, by=boss))
    attachment = services.add_attachment(working, boss, png())
    district = District.objects.filter(province_id="10").first()
    return {
        "boss": boss,
        "reference": [case.reference for case in [*cases, working]],
        "referrals": [pending.pk, accepted.pk],
        "files": [attachment.pk],
        "offices": [office(LEAD).pk],
        "agencies": [LEAD, "MOPH"],
        "categories": ["unpaid-wages", "legal-aid"],
        "provinces": ["10"],
        "districts": [district.code],
        "subdistricts": [Subdistrict.objects.filter(district=district).first().code],
    }


def real_values(portal: dict, path: str, name: str) -> list:
    """The real values of path parameter ``name`` of the operation at ``path``."""
    if name == "reference":
        return portal["reference"]
    if "/files/" in path:
        return portal["files"]
    return portal.get(path.split("/")[1], [])


def served_schema(app, portal):
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/schema/", app, config=SchemathesisConfig.from_dict(CONFIG)
    )

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        """Real references and ids, the generated value kept among them."""
        if not path_parameters:
            return st.just(path_parameters)
        path = context.operation.path.removeprefix("/api/v1")
        return st.fixed_dictionaries(
            {
                name: st.sampled_from([*real_values(portal, path, name), value])
                for name, value in path_parameters.items()
            }
        )

    return schema


@pytest.fixture
def pytest_9_node_id(request):
    """schemathesis (4.32) names each operation's report through the test item's
    ``_nodeid``, an attribute pytest 9.2 no longer has."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@pytest.fixture
def schema_for_a_key(app, portal, pytest_9_node_id):
    return served_schema(app, portal)


@pytest.fixture
def schema_for_staff(app, portal, pytest_9_node_id):
    return served_schema(app, portal)


@pytest.fixture
def key_headers(portal):
    """A key of MOL's system that may write."""
    _row, raw = api_key(LEAD, write=True)
    return {"Authorization": f"Api-Key {raw}", "Accept-Language": "en"}


@pytest.fixture
def staff_session(portal):
    """MOL's supervisor signed in: the session cookie, the CSRF cookie and its header."""
    client = Client()
    client.force_login(portal["boss"])
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    token = secrets.token_hex(16)
    cookies = {
        django_settings.SESSION_COOKIE_NAME: session,
        django_settings.CSRF_COOKIE_NAME: token,
    }
    return cookies, {"X-CSRFToken": token, "Accept-Language": "th"}


key_schema = schemathesis.pytest.from_fixture("schema_for_a_key")
staff_schema = schemathesis.pytest.from_fixture("schema_for_staff")


@key_schema.parametrize()
def test_the_api_answers_an_agency_key_as_its_schema_says(case, key_headers):
    case.call_and_validate(headers=key_headers, checks=CHECKS)


@staff_schema.parametrize()
def test_the_api_answers_staff_as_its_schema_says(case, staff_session):
    cookies, headers = staff_session
    case.call_and_validate(headers=headers, cookies=cookies, checks=CHECKS)
