"""The code systems, codes and identifier systems the FHIR interface uses, each with where it
comes from. Tests check every code the interface emits against these tables.

SNOMED CT (http://snomed.info/sct), UK edition, the codes NHS England asks practices and
social prescribing services to record (the PRSB Social Prescribing Standard's message back):

- 871731000000106 |Referral to social prescribing service|
- 871711000000103 |Social prescribing declined|
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from ..models import EndReason, ReferralStatus

FHIR_VERSION = "4.0.1"
FHIR_JSON = "application/fhir+json"

SNOMED = "http://snomed.info/sct"
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
ODS_ORGANISATION = "https://fhir.nhs.uk/Id/ods-organization-code"
TASK_STATUS = "http://hl7.org/fhir/task-status"
TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
UUID_URI = "urn:ietf:rfc:3986"

# SNOMED CT concepts, with their preferred terms.
SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING = "871731000000106"
SNOMED_SOCIAL_PRESCRIBING_DECLINED = "871711000000103"
SNOMED_TERMS: dict[str, str] = {
    SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING: "Referral to social prescribing service",
    SNOMED_SOCIAL_PRESCRIBING_DECLINED: "Social prescribing declined",
}

# UK Core's ethnic category extension (NHS Data Dictionary ethnic category, England).
UK_CORE_ETHNIC_CATEGORY_EXTENSION = (
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"
)
UK_CORE_ETHNIC_CATEGORY_SYSTEM = "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland"

# FHIR R4 Task.status codes (http://hl7.org/fhir/R4/valuetypes task-status). The closed-loop
# referral pattern (HL7 SDOH Clinical Care IG, "SDOHCC ValueSet Referral Task Status") uses all
# of them except ``ready`` and ``received``: a referral just received is ``requested`` and its
# business status says "received".
TASK_STATUSES = frozenset(
    {
        "draft",
        "requested",
        "received",
        "accepted",
        "rejected",
        "ready",
        "cancelled",
        "in-progress",
        "on-hold",
        "failed",
        "completed",
        "entered-in-error",
    }
)
REFERRAL_TASK_STATUSES = TASK_STATUSES - {"ready", "received"}

SERVICE_REQUEST_STATUSES = frozenset(
    {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}
)


@dataclass(frozen=True)
class TaskState:
    """A referral status as the referrer's system sees it: the Task's status, and the
    service's own business status (a code of ``local_system("referral-status")``)."""

    status: str
    service_request_status: str


# Every referral status, as a Task status and a ServiceRequest status. ``joined_case`` is
# replaced by the status of the case the referral joined (see ``resources.task_for``).
TASK_STATES: dict[str, TaskState] = {
    ReferralStatus.RECEIVED: TaskState("requested", "active"),
    ReferralStatus.CONTACTED: TaskState("accepted", "active"),
    ReferralStatus.ACTIVE: TaskState("in-progress", "active"),
    ReferralStatus.CLOSED: TaskState("completed", "completed"),
    ReferralStatus.DECLINED: TaskState("rejected", "revoked"),
    ReferralStatus.WITHDRAWN: TaskState("cancelled", "revoked"),
    ReferralStatus.UNABLE_TO_CONTACT: TaskState("failed", "revoked"),
    # Only when the open case it joined is gone (erased): the referral ended on arrival.
    ReferralStatus.JOINED_CASE: TaskState("rejected", "revoked"),
}

# Why a referral ended without support, as the Task's status reason (the service's codes).
END_REASONS = dict(EndReason.choices)

# The intake's consent purposes a contained Consent may state (Consent.category coding code).
CONSENT_PURPOSES = ("contact", "share_with_group", "deidentified_figures")


def local_system(name: str) -> str:
    """The URI of one of the service's own code systems (its referral statuses, end reasons,
    consent purposes): under this deployment's FHIR base."""
    return f"{fhir_base()}/CodeSystem/{name}"


def fhir_base() -> str:
    return settings.SITE_URL.rstrip("/") + "/fhir"
