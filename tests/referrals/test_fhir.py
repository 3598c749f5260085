"""The FHIR interface: referrals in as ServiceRequest through the intake, their progress as
Task, the message back as a document Bundle, wellbeing answers, the CapabilityStatement, and
OperationOutcome errors. Every resource sent or received here is validated with the
``fhir.resources`` R4B models; the codes those models do not check (statuses, SNOMED CT) are
checked against the interface's own tables."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from referrals.fhir import codes
from referrals.fhir.codes import (
    NHS_NUMBER,
    ODS_ORGANISATION,
    REFERRAL_TASK_STATUSES,
    SERVICE_REQUEST_STATUSES,
    SNOMED,
    SNOMED_TERMS,
    TASK_STATES,
    local_system,
)
from referrals.fhir.resources import CAPABILITIES, task_for
from referrals.models import (
    Consent,
    ConsentPurpose,
    EndReason,
    Feedback,
    Ons4Response,
    Referral,
    ReferralStatus,
    SwemwbsResponse,
)
from socialrx.models import AuditLog
from tests.referrals.factories import PersonFactory, ReferralFactory

pytestmark = pytest.mark.django_db

CREATE = "/fhir/ServiceRequest"
FHIR = "application/fhir+json"
NHS = "9434765919"


def fhir_valid(resource: dict[str, Any]) -> dict[str, Any]:
    """Parse ``resource`` with the fhir.resources R4B model of its type (raises if invalid),
    then check the codes the models leave as free strings."""
    model = get_fhir_model_class(resource["resourceType"])
    model.parse_obj(resource)
    _check_codes(resource)
    return resource


def _check_codes(node: Any) -> None:
    if isinstance(node, dict):
        kind = node.get("resourceType")
        if kind == "Task":
            assert node["status"] in REFERRAL_TASK_STATUSES, node["status"]
        if kind == "ServiceRequest":
            assert node["status"] in SERVICE_REQUEST_STATUSES, node["status"]
        if node.get("system") == SNOMED:
            assert node["code"] in SNOMED_TERMS, node["code"]
            assert node["display"] == SNOMED_TERMS[node["code"]]
        for value in node.values():
            _check_codes(value)
    elif isinstance(node, list):
        for value in node:
            _check_codes(value)


def token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def service_request(*, identifier: str = "ref-0001", ods: str = "A00001") -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest",
        "identifier": [{"system": "https://gp-system.example/referrals", "value": identifier}],
        "status": "active",
        "intent": "order",
        "code": {
            "coding": [
                {
                    "system": SNOMED,
                    "code": "871731000000106",
                    "display": "Referral to social prescribing service",
                }
            ]
        },
        "contained": [
            {
                "resourceType": "Patient",
                "id": "patient",
                "identifier": [{"system": NHS_NUMBER, "value": NHS}],
                "name": [{"given": ["Jo"], "family": "Bloggs"}],
                "birthDate": "1960-05-17",
                "address": [{"postalCode": "m1 1ae"}],
                "telecom": [{"system": "phone", "value": "07700 900123"}],
                "generalPractitioner": [{"reference": "#practice"}],
            },
            {
                "resourceType": "Organization",
                "id": "practice",
                "identifier": [{"system": ODS_ORGANISATION, "value": ods}],
                "name": "Canal Street Surgery",
            },
            {"resourceType": "Practitioner", "id": "gp", "name": [{"text": "Dr Cara Jones"}]},
            {
                "resourceType": "PractitionerRole",
                "id": "requester",
                "practitioner": {"reference": "#gp"},
                "organization": {"reference": "#practice"},
            },
            {
                "resourceType": "Consent",
                "id": "consent",
                "status": "active",
                "scope": {"coding": [{"system": codes.CONSENT_SCOPE, "code": "treatment"}]},
                "category": [
                    {"coding": [{"system": local_system("consent-purpose"), "code": "contact"}]}
                ],
                "patient": {"reference": "#patient"},
                "provision": {"type": "permit"},
            },
            {
                "resourceType": "Consent",
                "id": "figures",
                "status": "active",
                "scope": {"coding": [{"system": codes.CONSENT_SCOPE, "code": "patient-privacy"}]},
                "category": [
                    {
                        "coding": [
                            {
                                "system": local_system("consent-purpose"),
                                "code": "deidentified_figures",
                            }
                        ]
                    }
                ],
                "patient": {"reference": "#patient"},
                "provision": {"type": "deny"},
            },
        ],
        "subject": {"reference": "#patient"},
        "requester": {"reference": "#requester"},
        "reasonCode": [{"text": "Isolated since bereavement"}],
        "supportingInfo": [{"reference": "#consent"}, {"reference": "#figures"}],
    }


def post(client: APIClient, body: Any, content_type: str = FHIR):
    import json

    return client.generic("POST", CREATE, json.dumps(body), content_type=content_type)


# --- referrals in ----------------------------------------------------------------------


def test_valid_service_request_makes_a_referral_through_the_intake(
    practice_staff, practice_a, link_worker
):
    sent = fhir_valid(service_request())
    response = post(token_client(practice_staff), sent)
    assert response.status_code == 201, response.json()
    assert response["Content-Type"].startswith(FHIR)
    referral = Referral.objects.get()
    assert response["Location"].endswith(f"/fhir/ServiceRequest/{referral.pk}")
    body = fhir_valid(response.json())
    assert body["id"] == str(referral.pk)
    assert body["identifier"] == sent["identifier"]
    assert body["status"] == "active"
    assert referral.source == "gp" and referral.referring_practice == practice_a
    assert referral.reason == "Isolated since bereavement"
    assert referral.referrer_name == "Dr Cara Jones"
    assert referral.entered_nhs_number == NHS and referral.person.nhs_number == NHS
    assert referral.person.postcode == "M1 1AE"
    assert referral.link_worker == link_worker
    # The consents given in the Consent resources, as the intake records them.
    answers = dict(Consent.objects.filter(person=referral.person).values_list("purpose", "given"))
    assert answers[ConsentPurpose.CONTACT] is True
    assert answers[ConsentPurpose.DEIDENTIFIED_FIGURES] is False


def test_same_identifier_twice_makes_one_referral(practice_staff, practice_a):
    client = token_client(practice_staff)
    first = post(client, service_request())
    again = post(client, service_request())
    assert first.status_code == 201 and again.status_code == 200
    assert Referral.objects.count() == 1
    assert again.json()["id"] == first.json()["id"]
    assert again["Location"] == first["Location"]


def test_same_identifier_with_a_different_referral_is_refused(practice_staff, practice_a):
    client = token_client(practice_staff)
    assert post(client, service_request()).status_code == 201
    changed = service_request()
    changed["reasonCode"] = [{"text": "Something else"}]
    response = post(client, changed)
    assert response.status_code == 422
    outcome = fhir_valid(response.json())
    assert outcome["issue"][0]["code"] == "duplicate"
    assert Referral.objects.count() == 1


def test_a_new_identifier_makes_a_new_referral(practice_staff, practice_a):
    client = token_client(practice_staff)
    post(client, service_request(identifier="one"))
    post(client, service_request(identifier="two"))
    assert Referral.objects.count() == 2


def test_invalid_resource_is_400_with_where(practice_staff, practice_a):
    sent = service_request()
    del sent["subject"]
    response = post(token_client(practice_staff), sent)
    assert response.status_code == 400
    outcome = fhir_valid(response.json())
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == ["ServiceRequest.subject"]
    assert outcome["issue"][0]["location"] == ["ServiceRequest.subject"]
    assert not Referral.objects.exists()


def test_unknown_element_is_refused(practice_staff, practice_a):
    sent = service_request()
    sent["nhsNumber"] = NHS
    response = post(token_client(practice_staff), sent)
    assert response.status_code == 400
    assert fhir_valid(response.json())["issue"][0]["expression"] == ["ServiceRequest.nhsNumber"]


def test_bad_nhs_number_and_missing_consent_are_each_located(practice_staff, practice_a):
    sent = service_request()
    sent["contained"][0]["identifier"][0]["value"] = "1234567890"
    sent["contained"] = [r for r in sent["contained"] if r["resourceType"] != "Consent"]
    del sent["supportingInfo"]
    response = post(token_client(practice_staff), sent)
    assert response.status_code == 400
    where = {e for i in fhir_valid(response.json())["issue"] for e in i["expression"]}
    assert "ServiceRequest.contained[0].identifier[0].value" in where
    assert "ServiceRequest.contained" in where
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"status": "draft"}, "ServiceRequest.status"),
        ({"intent": "proposal"}, "ServiceRequest.intent"),
        (
            {"code": {"coding": [{"system": SNOMED, "code": "306238000"}]}},
            "ServiceRequest.code.coding[0].code",
        ),
    ],
)
def test_only_an_active_order_for_social_prescribing_is_taken(
    practice_staff, practice_a, change, where
):
    response = post(token_client(practice_staff), service_request() | change)
    assert response.status_code == 400
    issue = fhir_valid(response.json())["issue"][0]
    assert (issue["code"], issue["expression"]) == ("code-invalid", [where])
    assert not Referral.objects.exists()


def test_malformed_json_is_400_operation_outcome(practice_staff):
    response = token_client(practice_staff).generic("POST", CREATE, "{not json", content_type=FHIR)
    assert response.status_code == 400
    assert fhir_valid(response.json())["issue"][0]["code"] == "invalid"


def test_wrong_content_type_is_415(practice_staff, practice_a):
    response = token_client(practice_staff).generic(
        "POST", CREATE, "<ServiceRequest/>", content_type="application/fhir+xml"
    )
    assert response.status_code == 415
    outcome = fhir_valid(response.json())
    assert outcome["issue"][0]["code"] == "not-supported"
    assert not Referral.objects.exists()


def test_plain_json_content_type_is_accepted(practice_staff, practice_a):
    response = post(token_client(practice_staff), service_request(), "application/json")
    assert response.status_code == 201


def test_other_practice_ods_code_is_403(other_practice_staff, practice_a):
    response = post(token_client(other_practice_staff), service_request(ods="A00001"))
    assert response.status_code == 403
    outcome = fhir_valid(response.json())
    assert outcome["issue"][0]["code"] == "forbidden"
    assert not Referral.objects.exists()


def test_unknown_ods_code_for_an_administrator_is_422(admin_user, practice_a):
    response = post(token_client(admin_user), service_request(ods="Z99999"))
    assert response.status_code == 422
    assert fhir_valid(response.json())["issue"][0]["code"] == "business-rule"


def test_administrator_refers_for_a_practice(admin_user, practice_a):
    response = post(token_client(admin_user), service_request())
    assert response.status_code == 201
    assert Referral.objects.get().referring_practice == practice_a


@pytest.mark.parametrize("role", ["link_worker", "volunteer", "commissioner"])
def test_other_roles_may_not_refer(request, role, practice_a):
    response = post(token_client(request.getfixturevalue(role)), service_request())
    assert response.status_code == 403
    assert fhir_valid(response.json())["issue"][0]["code"] == "forbidden"


def test_no_token_is_401_operation_outcome(practice_a):
    response = post(APIClient(), service_request())
    assert response.status_code == 401
    assert fhir_valid(response.json())["issue"][0]["code"] == "login"


def test_get_on_create_is_405(practice_staff):
    response = token_client(practice_staff).get(CREATE)
    assert response.status_code == 405
    assert fhir_valid(response.json())["issue"][0]["code"] == "not-supported"


def test_unknown_path_is_404_operation_outcome(practice_staff):
    response = token_client(practice_staff).get("/fhir/Practitioner/1")
    assert response.status_code == 404
    assert fhir_valid(response.json())["resourceType"] == "OperationOutcome"


# --- status and the message back -------------------------------------------------------


@pytest.fixture
def referral(practice_a, practice_staff, link_worker):
    person = PersonFactory(practice=practice_a, link_worker=link_worker, nhs_number=NHS)
    return ReferralFactory(
        person=person,
        referred_by=practice_staff,
        link_worker=link_worker,
        entered_given_name="Jo",
        entered_nhs_number=NHS,
    )


def _set_status(referral: Referral, status: str, **extra: Any) -> Referral:
    closed = None if status in ("received", "contacted", "active") else timezone.localdate()
    Referral.objects.filter(pk=referral.pk).update(status=status, closed_on=closed, **extra)
    return Referral.objects.select_related("joined_case", "team", "referring_practice").get(
        pk=referral.pk
    )


EXPECTED_TASK_STATUS = {
    "received": "requested",
    "contacted": "accepted",
    "active": "in-progress",
    "closed": "completed",
    "declined": "rejected",
    "withdrawn": "cancelled",
    "unable_to_contact": "failed",
    "joined_case": "rejected",  # only when the case it joined is gone
}


def test_every_referral_status_has_a_task_status():
    assert set(TASK_STATES) == set(ReferralStatus.values) == set(EXPECTED_TASK_STATUS)
    for status, expected in EXPECTED_TASK_STATUS.items():
        assert TASK_STATES[status].status == expected
        assert TASK_STATES[status].status in REFERRAL_TASK_STATUSES
        assert TASK_STATES[status].service_request_status in SERVICE_REQUEST_STATUSES


@pytest.mark.parametrize("status", ReferralStatus.values)
def test_task_follows_the_referral_status(referral, status):
    task = fhir_valid(task_for(_set_status(referral, status)))
    assert task["status"] == EXPECTED_TASK_STATUS[status]
    assert task["businessStatus"]["coding"][0]["code"] == status
    assert task["basedOn"] == [{"reference": f"ServiceRequest/{referral.pk}"}]


def test_declined_task_carries_the_reason(referral):
    task = fhir_valid(
        task_for(_set_status(referral, "declined", end_reason=EndReason.DECLINED_BY_PERSON))
    )
    assert task["status"] == "rejected"
    assert task["statusReason"]["coding"][0]["code"] == "declined_by_person"
    assert task["statusReason"]["text"] == "Declined by the person"


def test_referral_added_to_an_open_case_follows_that_case(referral, practice_a, link_worker):
    later = ReferralFactory(person=referral.person, link_worker=link_worker)
    later = _set_status(later, "joined_case", joined_case=referral)
    _set_status(referral, "active")
    later.joined_case.refresh_from_db()
    task = fhir_valid(task_for(later))
    assert task["status"] == "in-progress"
    assert task["businessStatus"]["coding"][0]["code"] == "joined_case"
    assert "open case" in task["statusReason"]["text"]


def test_referrer_reads_task_by_based_on(referral, practice_staff):
    client = token_client(practice_staff)
    response = client.get("/fhir/Task", {"based-on": f"ServiceRequest/{referral.pk}"})
    assert response.status_code == 200
    bundle = fhir_valid(response.json())
    assert bundle["type"] == "searchset" and bundle["total"] == 1
    assert bundle["entry"][0]["resource"]["id"] == str(referral.pk)
    assert AuditLog.objects.filter(object_id="search", detail__contains="based-on").exists()
    assert AuditLog.objects.filter(
        object_id=str(referral.pk), person_id=referral.person_id, detail="FHIR Task (search)"
    ).exists()
    detail = client.get(f"/fhir/Task/{referral.pk}")
    assert fhir_valid(detail.json())["status"] == "requested"


def test_other_practice_finds_no_task_and_cannot_read_it(referral, other_practice_staff):
    client = token_client(other_practice_staff)
    search = client.get("/fhir/Task", {"based-on": f"ServiceRequest/{referral.pk}"})
    assert fhir_valid(search.json())["total"] == 0
    for url in (f"/fhir/Task/{referral.pk}", f"/fhir/ServiceRequest/{referral.pk}"):
        response = client.get(url)
        assert response.status_code == 404
        assert fhir_valid(response.json())["issue"][0]["code"] == "not-found"


def test_link_worker_does_not_read_the_referrers_resources(referral, link_worker):
    assert token_client(link_worker).get(f"/fhir/Task/{referral.pk}").status_code == 404


def test_task_search_needs_based_on(practice_staff):
    client = token_client(practice_staff)
    assert client.get("/fhir/Task").status_code == 400
    response = client.get("/fhir/Task", {"identifier": NHS})
    assert response.status_code == 400
    assert fhir_valid(response.json())["issue"][0]["code"] == "not-supported"


def test_referrer_reads_the_service_request(referral, practice_staff):
    response = token_client(practice_staff).get(f"/fhir/ServiceRequest/{referral.pk}")
    assert response.status_code == 200
    body = fhir_valid(response.json())
    assert body["code"]["coding"][0]["code"] == "871731000000106"
    patient = body["contained"][0]
    assert patient["identifier"] == [{"system": NHS_NUMBER, "value": NHS}]
    assert AuditLog.objects.filter(object_id=str(referral.pk)).exists()


@pytest.mark.parametrize(
    ("code", "status"),
    [(Feedback.Snomed.REFERRED, "closed"), (Feedback.Snomed.DECLINED, "declined")],
)
def test_message_back_bundle_carries_the_letter_and_its_code(
    referral, practice_staff, link_worker, code, status
):
    _set_status(referral, status)
    feedback = Feedback.objects.create(
        referral=referral,
        snomed_code=code,
        needs_and_concerns="Lonely since moving <here>.",
        support_offered="Walking group\nLunch club",
        outcomes="Goes weekly.",
        sent_by=link_worker,
    )
    client = token_client(practice_staff)
    task = client.get(f"/fhir/Task/{referral.pk}").json()
    assert task["output"][0]["valueReference"] == {"reference": f"Bundle/{feedback.pk}"}
    response = client.get(f"/fhir/Bundle/{feedback.pk}")
    assert response.status_code == 200
    bundle = fhir_valid(response.json())
    assert bundle["type"] == "document"
    resources = [e["resource"] for e in bundle["entry"]]
    composition = resources[0]
    assert composition["resourceType"] == "Composition"
    titles = [s["title"] for s in composition["section"]]
    assert titles == [
        "Referral",
        "Social prescribing outcome",
        "Needs and concerns",
        "Support offered and activities referred to",
        "Outcomes",
    ]
    texts = " ".join(s["text"]["div"] for s in composition["section"])
    assert "Lonely since moving &lt;here&gt;." in texts and "Lunch club" in texts
    outcome = next(r for r in resources if r["resourceType"] == "Observation")
    assert outcome["code"]["coding"] == [
        {"system": SNOMED, "code": code, "display": SNOMED_TERMS[code]}
    ]
    practice = next(r for r in resources if r["resourceType"] == "Organization")
    assert practice["identifier"][0] == {"system": ODS_ORGANISATION, "value": "A00001"}
    # Every reference in the document resolves to one of its entries.
    urls = {e["fullUrl"] for e in bundle["entry"]}
    assert composition["subject"]["reference"] in urls
    assert {s["entry"][0]["reference"] for s in composition["section"] if "entry" in s} <= urls
    assert token_client(link_worker).get(f"/fhir/Bundle/{feedback.pk}").status_code == 404


def test_other_practice_cannot_read_the_message_back(referral, other_practice_staff, link_worker):
    feedback = Feedback.objects.create(
        referral=referral,
        snomed_code=Feedback.Snomed.REFERRED,
        needs_and_concerns="x",
        support_offered="y",
        sent_by=link_worker,
    )
    response = token_client(other_practice_staff).get(f"/fhir/Bundle/{feedback.pk}")
    assert response.status_code == 404


# --- wellbeing answers -----------------------------------------------------------------


@pytest.fixture
def answers(referral):
    person = referral.person
    swemwbs = SwemwbsResponse.objects.create(
        person=person,
        completed_on=dt.date(2026, 3, 1),
        items=[3, 3, 2, 4, 3, 2, 4],
        raw_score=21,
        metric_score=Decimal("19.98"),
    )
    ons4 = Ons4Response.objects.create(
        person=person,
        completed_on=dt.date(2026, 3, 1),
        life_satisfaction=5,
        worthwhile=6,
        happiness=4,
        anxiety=7,
    )
    return person, swemwbs, ons4


def test_link_worker_reads_wellbeing_answers(answers, link_worker):
    person, swemwbs, ons4 = answers
    client = token_client(link_worker)
    responses = fhir_valid(client.get(f"/fhir/Patient/{person.pk}/QuestionnaireResponse").json())
    assert responses["total"] == 2
    swemwbs_json = responses["entry"][0]["resource"]
    assert [i["answer"][0]["valueCoding"]["code"] for i in swemwbs_json["item"]] == [
        "3",
        "3",
        "2",
        "4",
        "3",
        "2",
        "4",
    ]
    observations = fhir_valid(client.get(f"/fhir/Patient/{person.pk}/Observation").json())
    values = {e["resource"]["id"]: e["resource"] for e in observations["entry"]}
    assert values[f"swemwbs-{swemwbs.pk}"]["valueQuantity"]["value"] == 19.98
    ons4_json = values[f"ons4-{ons4.pk}"]
    assert [c["valueInteger"] for c in ons4_json["component"]] == [5, 6, 4, 7]
    assert AuditLog.objects.filter(object_id=str(person.pk)).exists()


def test_link_worker_reads_the_patient_with_the_ethnic_category(referral, link_worker):
    person = referral.person
    person.ethnic_category = "N"
    person.save(update_fields=["ethnic_category"])
    response = token_client(link_worker).get(f"/fhir/Patient/{person.pk}")
    assert response.status_code == 200
    patient = fhir_valid(response.json())
    assert patient["identifier"] == [{"system": NHS_NUMBER, "value": NHS}]
    assert patient["extension"] == [
        {
            "url": codes.UK_CORE_ETHNIC_CATEGORY_EXTENSION,
            "valueCodeableConcept": {
                "coding": [
                    {
                        "system": codes.UK_CORE_ETHNIC_CATEGORY_SYSTEM,
                        "code": "N",
                        "display": "Black or Black British - African",
                    }
                ]
            },
        }
    ]
    assert patient["generalPractitioner"][0]["identifier"]["value"] == "A00001"


def test_accept_header_nobody_serves_is_406(practice_staff):
    response = token_client(practice_staff).get("/fhir/metadata", HTTP_ACCEPT="application/xml")
    assert response.status_code == 406


@pytest.mark.parametrize("role", ["other_link_worker", "practice_staff"])
def test_others_do_not_read_wellbeing_answers(request, answers, role):
    person = answers[0]
    client = token_client(request.getfixturevalue(role))
    assert client.get(f"/fhir/Patient/{person.pk}").status_code == 404
    assert client.get(f"/fhir/Patient/{person.pk}/Observation").status_code == 404
    assert client.get(f"/fhir/Patient/{person.pk}/QuestionnaireResponse").status_code == 404


# --- what the server offers ------------------------------------------------------------


def test_capability_statement_lists_what_exists(anon_client):
    response = anon_client.get("/fhir/metadata")
    assert response.status_code == 200
    statement = fhir_valid(response.json())
    assert statement["fhirVersion"] == "4.0.1"
    offered = {r["type"]: r for r in statement["rest"][0]["resource"]}
    # Every resource type with a URL is offered, and nothing without one.
    routes = _fhir_routes()
    assert set(offered) == routes
    assert {i["code"] for i in offered["ServiceRequest"]["interaction"]} == {"create", "read"}
    assert offered["Task"]["searchParam"][0]["name"] == "based-on"
    assert set(offered) == set(CAPABILITIES)


def _fhir_routes() -> set[str]:
    from referrals.fhir import urls

    return {
        part
        for p in urls.urlpatterns
        if p.name != "fhir_unknown"
        for part in str(p.pattern).split("/")
        if part[:1].isupper()
    }


def test_service_request_round_trip_validates(practice_staff, practice_a):
    sent = service_request()
    created = post(token_client(practice_staff), copy.deepcopy(sent)).json()
    fhir_valid(created)
    assert reverse("fhir_service_request", args=[int(created["id"])]).endswith(created["id"])
