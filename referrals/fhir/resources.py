"""The FHIR R4 resources the service produces, as JSON-ready dictionaries: a referral as the
referrer sent it (``ServiceRequest``), its progress (``Task``), the message back (a document
``Bundle``), wellbeing answers (``QuestionnaireResponse`` and ``Observation``), and what the
server offers (``CapabilityStatement``). Reads only; nothing here writes."""

from __future__ import annotations

import datetime as dt
import uuid
from html import escape
from typing import Any

from django.utils import timezone

from ..models import (
    EthnicCategory,
    Feedback,
    Ons4Response,
    Person,
    Referral,
    ReferralStatus,
    SwemwbsResponse,
)
from ..questionnaires import SWEMWBS_ANSWERS, SWEMWBS_ITEMS
from .codes import (
    END_REASONS,
    FHIR_JSON,
    FHIR_VERSION,
    NHS_NUMBER,
    ODS_ORGANISATION,
    SNOMED,
    SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING,
    SNOMED_TERMS,
    TASK_CODE,
    TASK_STATES,
    UK_CORE_ETHNIC_CATEGORY_EXTENSION,
    UK_CORE_ETHNIC_CATEGORY_SYSTEM,
    UUID_URI,
    fhir_base,
    local_system,
)

Json = dict[str, Any]

# A namespace for the stable uuids of document Bundles and their entries.
_UUID_NAMESPACE = uuid.UUID("5b0d6a1e-4f7c-4c39-9a55-3f0d8f7e2c11")

ONS4_ITEMS: tuple[tuple[str, str], ...] = (
    ("life_satisfaction", "Overall, how satisfied are you with your life nowadays?"),
    (
        "worthwhile",
        "Overall, to what extent do you feel that the things you do in your life are worthwhile?",
    ),
    ("happiness", "Overall, how happy did you feel yesterday?"),
    (
        "anxiety",
        "On a scale where 0 is 'not at all anxious' and 10 is 'completely anxious', "
        "overall, how anxious did you feel yesterday?",
    ),
)


def snomed(code: str) -> Json:
    return {"system": SNOMED, "code": code, "display": SNOMED_TERMS[code]}


def _instant(value: dt.datetime) -> str:
    return timezone.localtime(value, dt.UTC).isoformat().replace("+00:00", "Z")


def _narrative(*paragraphs: str) -> Json:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs if p) or "<p>(none)</p>"
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def _organisation(practice: Any) -> Json:
    return {
        "resourceType": "Organization",
        "identifier": [{"system": ODS_ORGANISATION, "value": practice.ods_code}],
        "name": practice.name,
    }


def _patient_as_referred(referral: Referral) -> Json:
    """The person as the referrer typed them (never the record they were matched to)."""
    typed = referral.as_referred
    patient: Json = {"resourceType": "Patient"}
    if typed["nhs_number"]:
        patient["identifier"] = [{"system": NHS_NUMBER, "value": typed["nhs_number"]}]
    name: Json = {"text": typed["full_name"] or "Not known"}
    if referral.entered_given_name:
        name["given"] = [referral.entered_given_name]
    if referral.entered_family_name:
        name["family"] = referral.entered_family_name
    patient["name"] = [name]
    if typed["date_of_birth"]:
        patient["birthDate"] = typed["date_of_birth"].isoformat()
    if typed["postcode"]:
        patient["address"] = [{"postalCode": typed["postcode"]}]
    return patient


def effective_status(referral: Referral) -> str:
    """A referral added to an open case goes the way of that case."""
    if referral.status == ReferralStatus.JOINED_CASE and referral.joined_case is not None:
        return referral.joined_case.status
    return referral.status


def sender_identifier(referral: Referral) -> Json | None:
    """The referrer's own identifier of the referral, as they sent it."""
    if not referral.sender_identifier_value:
        return None
    identifier: Json = {"value": referral.sender_identifier_value}
    if referral.sender_identifier_system:
        identifier = {"system": referral.sender_identifier_system, **identifier}
    return identifier


def service_request_for(referral: Referral) -> Json:
    """The referral as its referrer sent it, with contained Patient and requester."""
    contained: list[Json] = [{"id": "patient", **_patient_as_referred(referral)}]
    resource: Json = {
        "resourceType": "ServiceRequest",
        "id": str(referral.pk),
        "meta": {"lastUpdated": _instant(referral.updated_at)},
        "contained": contained,
        "status": TASK_STATES[effective_status(referral)].service_request_status,
        "intent": "order",
        "code": {
            "coding": [snomed(SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING)],
            "text": "Referral to social prescribing service",
        },
        "subject": {"reference": "#patient"},
        "authoredOn": _instant(referral.created_at),
    }
    identifier = sender_identifier(referral)
    if identifier:
        resource["identifier"] = [identifier]
    if referral.referring_practice is not None:
        contained.append({"id": "requester", **_organisation(referral.referring_practice)})
        resource["requester"] = {"reference": "#requester"}
    elif referral.referrer_name:
        resource["requester"] = {"display": referral.referrer_name}
    if referral.reason:
        resource["reasonCode"] = [{"text": referral.reason}]
    return resource


def task_for(referral: Referral) -> Json:
    """The referral's progress, after the closed-loop referral pattern (HL7 SDOH Clinical
    Care IG's "Task for referral management"): ``focus`` and ``basedOn`` are the
    ServiceRequest; ``output`` points at each message back (a document Bundle)."""
    status = effective_status(referral)
    state = TASK_STATES[status]
    business = ReferralStatus(referral.status)
    based_on: Json = {"reference": f"ServiceRequest/{referral.pk}"}
    identifier = sender_identifier(referral)
    if identifier:
        based_on["identifier"] = identifier
    task: Json = {
        "resourceType": "Task",
        "id": str(referral.pk),
        "meta": {"lastUpdated": _instant(_last_change(referral))},
        "basedOn": [based_on],
        "focus": {"reference": f"ServiceRequest/{referral.pk}"},
        "status": state.status,
        "businessStatus": {
            "coding": [
                {
                    "system": local_system("referral-status"),
                    "code": business.value,
                    "display": business.label,
                }
            ],
            "text": business.label,
        },
        "intent": "order",
        "code": {
            "coding": [
                {"system": TASK_CODE, "code": "fulfill", "display": "Fulfill the focal request"}
            ]
        },
        "authoredOn": _instant(referral.created_at),
        "lastModified": _instant(_last_change(referral)),
        "owner": {"display": _owner_name(referral)},
    }
    typed_nhs = referral.as_referred["nhs_number"]
    task["for"] = (
        {"identifier": {"system": NHS_NUMBER, "value": typed_nhs}}
        if typed_nhs
        else {"display": "The person referred"}
    )
    if referral.referring_practice is not None:
        task["requester"] = {
            "identifier": {
                "system": ODS_ORGANISATION,
                "value": referral.referring_practice.ods_code,
            },
            "display": referral.referring_practice.name,
        }
    reason = _status_reason(referral, status)
    if reason:
        task["statusReason"] = reason
    outputs = [
        {
            "type": {"text": "Message back to the GP and referrer"},
            "valueReference": {"reference": f"Bundle/{feedback.pk}"},
        }
        for feedback in referral.feedback.all()
    ]
    if outputs:
        task["output"] = outputs
    return task


def _last_change(referral: Referral) -> dt.datetime:
    changes = list(referral.status_changes.all())
    return changes[-1].at if changes else referral.updated_at


def _owner_name(referral: Referral) -> str:
    # A practice is not told which team holds the case of someone registered elsewhere.
    if referral.team is not None and referral.person_at_referring_practice:
        return referral.team.name
    return "Social prescribing service"


def _status_reason(referral: Referral, status: str) -> Json | None:
    if referral.status == ReferralStatus.JOINED_CASE:
        return {"text": "The person already had an open case: this referral was added to it."}
    if (
        status
        in (ReferralStatus.DECLINED, ReferralStatus.UNABLE_TO_CONTACT, ReferralStatus.WITHDRAWN)
        and referral.end_reason
    ):
        return {
            "coding": [
                {
                    "system": local_system("end-reason"),
                    "code": referral.end_reason,
                    "display": END_REASONS[referral.end_reason],
                }
            ],
            "text": END_REASONS[referral.end_reason],
        }
    if status == ReferralStatus.DECLINED:
        return {"text": "Declined"}
    return None


def message_back_bundle(feedback: Feedback) -> Json:
    """The message back to the GP and referrer (PRSB Social Prescribing Standard, "Message
    back to GP and referrer") as a FHIR document: a Composition whose sections carry what the
    printable letter says, the person as referred, the referring practice, and the coded
    outcome (SNOMED CT) as an Observation a GP system can file."""
    referral = feedback.referral

    def urn(kind: str) -> str:
        return f"urn:uuid:{uuid.uuid5(_UUID_NAMESPACE, f'feedback/{feedback.pk}/{kind}')}"

    patient_url, org_url, outcome_url, composition_url, author_url = (
        urn("patient"),
        urn("practice"),
        urn("outcome"),
        urn("composition"),
        urn("author"),
    )
    sent = _instant(feedback.sent_at)
    code = feedback.snomed_code
    author_name = (
        (feedback.sent_by.get_full_name() or feedback.sent_by.username)
        if feedback.sent_by is not None
        else "Link worker"
    )
    outcome: Json = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [snomed(code)], "text": SNOMED_TERMS[code]},
        "subject": {"reference": patient_url},
        "effectiveDateTime": sent,
        "performer": [{"reference": author_url}],
    }
    sections: list[Json] = [
        {
            "title": "Referral",
            "text": _narrative(
                f"Referral received on {referral.received_on:%-d %B %Y}.",
                f"Reason for referral: {referral.reason}" if referral.reason else "",
            ),
        },
        {
            "title": "Social prescribing outcome",
            "code": {"text": "Social prescribing outcome"},
            "text": _narrative(f"{SNOMED_TERMS[code]} (SNOMED CT {code})"),
            "entry": [{"reference": outcome_url}],
        },
        {"title": "Needs and concerns", "text": _narrative(feedback.needs_and_concerns)},
        {
            "title": "Support offered and activities referred to",
            "text": _narrative(*feedback.support_offered.splitlines()),
        },
    ]
    if feedback.outcomes:
        sections.append({"title": "Outcomes", "text": _narrative(*feedback.outcomes.splitlines())})
    composition: Json = {
        "resourceType": "Composition",
        "status": "final",
        "type": {"text": "Social prescribing message back to GP and referrer"},
        "subject": {"reference": patient_url},
        "date": sent,
        "author": [{"reference": author_url}],
        "title": "Social prescribing: message back to GP and referrer",
        "section": sections,
    }
    entries: list[Json] = [
        {"fullUrl": composition_url, "resource": composition},
        {"fullUrl": patient_url, "resource": _patient_as_referred(referral)},
        {
            "fullUrl": author_url,
            "resource": {"resourceType": "Practitioner", "name": [{"text": author_name}]},
        },
        {"fullUrl": outcome_url, "resource": outcome},
    ]
    if referral.referring_practice is not None:
        composition["custodian"] = {"reference": org_url}
        entries.append({"fullUrl": org_url, "resource": _organisation(referral.referring_practice)})
    return {
        "resourceType": "Bundle",
        "id": str(feedback.pk),
        "meta": {"lastUpdated": sent},
        "identifier": {"system": UUID_URI, "value": urn("bundle")},
        "type": "document",
        "timestamp": sent,
        "entry": entries,
    }


# --- the person's record (for their link workers) ----------------------------------------


def patient_for(person: Person) -> Json:
    """The person's record as UK Core Patient elements: NHS number, name, sex, birth date,
    postcode, registered practice and the ethnic category (UK Core's extension)."""
    patient: Json = {"resourceType": "Patient", "id": str(person.pk)}
    if person.ethnic_category:
        patient["extension"] = [
            {
                "url": UK_CORE_ETHNIC_CATEGORY_EXTENSION,
                "valueCodeableConcept": {
                    "coding": [
                        {
                            "system": UK_CORE_ETHNIC_CATEGORY_SYSTEM,
                            "code": person.ethnic_category,
                            "display": EthnicCategory(person.ethnic_category).label,
                        }
                    ]
                },
            }
        ]
    if person.nhs_number:
        patient["identifier"] = [{"system": NHS_NUMBER, "value": person.nhs_number}]
    name: Json = {"text": person.full_name, "given": [person.given_name]}
    if person.family_name:
        name["family"] = person.family_name
    patient["name"] = [name]
    patient["gender"] = person.sex  # female, male, other, unknown: FHIR's administrative gender
    if person.date_of_birth:
        patient["birthDate"] = person.date_of_birth.isoformat()
    if person.postcode:
        patient["address"] = [{"postalCode": person.postcode}]
    if person.practice is not None:
        patient["generalPractitioner"] = [
            {
                "identifier": {"system": ODS_ORGANISATION, "value": person.practice.ods_code},
                "display": person.practice.name,
            }
        ]
    return patient


# --- wellbeing answers -------------------------------------------------------------------


def _patient_reference(person_id: int) -> Json:
    return {"reference": f"Patient/{person_id}"}


def swemwbs_questionnaire_response(response: SwemwbsResponse) -> Json:
    answers = dict(SWEMWBS_ANSWERS)
    return {
        "resourceType": "QuestionnaireResponse",
        "id": f"swemwbs-{response.pk}",
        "status": "completed",
        "subject": _patient_reference(response.person_id),
        "authored": response.completed_on.isoformat(),
        "item": [
            {
                "linkId": str(number),
                "text": statement,
                "answer": [
                    {
                        "valueCoding": {
                            "system": local_system("swemwbs-answer"),
                            "code": str(score),
                            "display": answers[int(score)],
                        }
                    }
                ],
            }
            for number, (statement, score) in enumerate(
                zip(SWEMWBS_ITEMS, response.items, strict=True), start=1
            )
        ],
    }


def swemwbs_observation(response: SwemwbsResponse) -> Json:
    return {
        "resourceType": "Observation",
        "id": f"swemwbs-{response.pk}",
        "status": "final",
        "code": {
            "coding": [
                {
                    "system": local_system("wellbeing-measure"),
                    "code": "swemwbs-metric-score",
                    "display": "SWEMWBS metric score",
                }
            ],
            "text": "Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS) metric score",
        },
        "subject": _patient_reference(response.person_id),
        "effectiveDateTime": response.completed_on.isoformat(),
        "valueQuantity": {"value": float(response.metric_score), "unit": "score"},
        "derivedFrom": [{"reference": f"QuestionnaireResponse/swemwbs-{response.pk}"}],
        "component": [
            {
                "code": {
                    "coding": [
                        {
                            "system": local_system("wellbeing-measure"),
                            "code": "swemwbs-raw-score",
                            "display": "SWEMWBS raw score",
                        }
                    ]
                },
                "valueInteger": response.raw_score,
            }
        ],
    }


def ons4_questionnaire_response(response: Ons4Response) -> Json:
    return {
        "resourceType": "QuestionnaireResponse",
        "id": f"ons4-{response.pk}",
        "status": "completed",
        "subject": _patient_reference(response.person_id),
        "authored": response.completed_on.isoformat(),
        "item": [
            {
                "linkId": name,
                "text": question,
                "answer": [{"valueInteger": getattr(response, name)}],
            }
            for name, question in ONS4_ITEMS
        ],
    }


def ons4_observation(response: Ons4Response) -> Json:
    return {
        "resourceType": "Observation",
        "id": f"ons4-{response.pk}",
        "status": "final",
        "code": {
            "coding": [
                {
                    "system": local_system("wellbeing-measure"),
                    "code": "ons4",
                    "display": "ONS4 personal wellbeing",
                }
            ],
            "text": "ONS4 personal wellbeing (0-10 each)",
        },
        "subject": _patient_reference(response.person_id),
        "effectiveDateTime": response.completed_on.isoformat(),
        "derivedFrom": [{"reference": f"QuestionnaireResponse/ons4-{response.pk}"}],
        "component": [
            {
                "code": {
                    "coding": [
                        {
                            "system": local_system("wellbeing-measure"),
                            "code": f"ons4-{name}",
                            "display": question,
                        }
                    ]
                },
                "valueInteger": getattr(response, name),
            }
            for name, question in ONS4_ITEMS
        ],
    }


def searchset(resources: list[Json], *, self_url: str) -> Json:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "link": [{"relation": "self", "url": self_url}],
        "entry": [
            {
                "fullUrl": f"{fhir_base()}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    }


# --- what the server offers --------------------------------------------------------------

# When what the server offers last changed.
CAPABILITY_DATE = "2026-12-03"

# Resource type → (interactions, search parameters). The CapabilityStatement is built from it
# and a test checks it against the URL map.
CAPABILITIES: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str, str], ...]]] = {
    "ServiceRequest": (("create", "read"), ()),
    "Task": (
        ("read", "search-type"),
        (("based-on", "reference", "The referral: ServiceRequest/{id}. Required."),),
    ),
    "Bundle": (("read",), ()),
    "Patient": (("read",), ()),
    "QuestionnaireResponse": (("search-type",), ()),
    "Observation": (("search-type",), ()),
}


def capability_statement() -> Json:
    resources = []
    for kind, (interactions, params) in CAPABILITIES.items():
        entry: Json = {"type": kind}
        if interactions:
            entry["interaction"] = [{"code": code} for code in interactions]
        if params:
            entry["searchParam"] = [
                {"name": name, "type": kind_, "documentation": doc} for name, kind_, doc in params
            ]
        if kind == "Patient":
            entry["profile"] = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"
            entry["documentation"] = (
                "For the link workers of the person's team: GET Patient/{id}, and as a "
                "compartment GET Patient/{id}/QuestionnaireResponse and "
                "GET Patient/{id}/Observation for their SWEMWBS and ONS4 answers."
            )
        if kind in ("QuestionnaireResponse", "Observation"):
            entry["documentation"] = (
                f"Searched in the Patient compartment only: GET Patient/{{id}}/{kind}."
            )
        if kind == "ServiceRequest":
            entry["documentation"] = (
                "POST a ServiceRequest with the Patient, the requester (Organization with an "
                "ODS code, or PractitionerRole) and the Consent contained. The same "
                "identifier sent again by the same practice makes no second referral."
            )
            entry["conditionalCreate"] = False
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "id": "socialrx",
        "status": "active",
        "date": CAPABILITY_DATE,
        "publisher": "socialrx",
        "kind": "instance",
        "software": {"name": "socialrx"},
        "implementation": {"description": "socialrx social prescribing", "url": fhir_base()},
        "fhirVersion": FHIR_VERSION,
        "format": [FHIR_JSON, "json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "service": [
                        {
                            "text": "Token: send 'Authorization: Token <key>' (a practice "
                            "staff user's API token)."
                        }
                    ],
                    "description": "Every request but this one needs a token.",
                },
                "resource": resources,
                "compartment": ["http://hl7.org/fhir/CompartmentDefinition/patient"],
            }
        ],
    }
