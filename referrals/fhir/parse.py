"""Reading a referral sent as a FHIR R4 ``ServiceRequest``.

The resource is first checked as FHIR (structure, types, cardinality) by the ``fhir.resources``
R4B models, whose resources are R4's for everything used here; then what the intake needs is
read from it and checked as the referral form checks it. Every problem is an ``Issue`` with a
FHIRPath ``expression``; all of them are reported at once.

What is read (docs/api.md, "FHIR"):

- ``identifier[0]``: the sender's own identifier of the referral (system and value); the same
  identifier sent again by the same practice makes no second referral;
- ``subject``: a contained ``Patient`` (NHS number under ``https://fhir.nhs.uk/Id/nhs-number``,
  name, birth date, postcode, phone, email, registered practice as ``generalPractitioner``,
  ethnic category as UK Core's ``Extension-UKCore-EthnicCategory``);
- ``requester``: a contained ``Organization`` (ODS code under
  ``https://fhir.nhs.uk/Id/ods-organization-code``), ``Practitioner`` (the referrer's name and
  email) or ``PractitionerRole`` joining the two;
- ``reasonCode[].text`` / ``note[].text``: the reason;
- contained ``Consent`` resources: the person's agreement to be contacted (required) and,
  optionally, to share details with a group or be counted in de-identified figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from fhir.resources.R4B.servicerequest import ServiceRequest
from pydantic.v1 import ValidationError as ModelError

from socialrx.validators import (
    FREE_TEXT_MAX_LENGTH,
    format_postcode,
    nhs_number_is_valid,
    normalise_nhs_number,
    validate_date_of_birth,
    validate_postcode,
    validate_uk_phone,
)

from ..models import EthnicCategory
from .codes import (
    CONSENT_PURPOSES,
    NHS_NUMBER,
    ODS_ORGANISATION,
    SNOMED,
    SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING,
    UK_CORE_ETHNIC_CATEGORY_EXTENSION,
    UK_CORE_ETHNIC_CATEGORY_SYSTEM,
    local_system,
)
from .outcome import FhirError, Issue

IDENTIFIER_MAX_LENGTH = 150


@dataclass
class ReferralSent:
    """What a FHIR referral says, ready for the intake (practices by ODS code, unresolved)."""

    identifier_system: str = ""
    identifier_value: str = ""
    given_name: str = ""
    family_name: str = ""
    date_of_birth: dt.date | None = None
    nhs_number: str = ""
    postcode: str = ""
    phone: str = ""
    email: str = ""
    ethnic_category: str = ""
    patient_practice_ods: str = ""
    requester_ods: str = ""
    referrer_name: str = ""
    referrer_email: str = ""
    reason: str = ""
    consents: dict[str, bool] = field(default_factory=dict)
    # The intake's field names → where they came from in the resource.
    expressions: dict[str, str] = field(default_factory=dict)

    @property
    def legacy_submission_token(self) -> str:
        """The identifier as it was once keyed (hashed with its sender) before it was kept
        with the referral."""
        if not self.identifier_value:
            return ""
        return f"fhir:{self.identifier_system}|{self.identifier_value}"


def _model_path(loc: tuple[Any, ...]) -> str:
    path = "ServiceRequest"
    for part in loc:
        if part == "__root__":
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{str(part).removesuffix('__ext')}"
    return path


def service_request_parse(data: Any) -> ReferralSent:
    """Check ``data`` (parsed JSON) and read the referral from it; raises ``FhirError`` (400)
    listing every problem."""
    if not isinstance(data, dict) or data.get("resourceType") != "ServiceRequest":
        raise FhirError(
            [
                Issue(
                    "Send one ServiceRequest resource.",
                    code="structure",
                    expression="ServiceRequest",
                )
            ]
        )
    try:
        ServiceRequest.parse_obj(data)
    except ModelError as exc:
        raise FhirError(
            [
                Issue(
                    str(err.get("msg", "not valid")),
                    code="structure",
                    expression=_model_path(tuple(err.get("loc", ()))),
                )
                for err in exc.errors()
            ]
        ) from exc
    return _Reader(data).read()


class _Reader:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.issues: list[Issue] = []
        self.sent = ReferralSent()
        self.contained: dict[str, tuple[int, dict[str, Any]]] = {
            str(r.get("id")): (i, r) for i, r in enumerate(data.get("contained") or [])
        }

    def problem(self, message: str, expression: str, code: str = "invalid") -> None:
        self.issues.append(Issue(message, code=code, expression=expression))

    def resolve(self, ref: Any, expression: str, kinds: tuple[str, ...]) -> tuple[str, dict]:
        """A reference to a contained resource of one of ``kinds``: its path and content."""
        reference = (ref or {}).get("reference", "") if isinstance(ref, dict) else ""
        if not reference.startswith("#") or reference[1:] not in self.contained:
            self.problem(
                f"Refer to a contained {' or '.join(kinds)} ('#id').", expression, "required"
            )
            return "", {}
        index, resource = self.contained[reference[1:]]
        if resource.get("resourceType") not in kinds:
            self.problem(f"This must be a {' or '.join(kinds)}.", expression)
            return "", {}
        return f"ServiceRequest.contained[{index}]", resource

    def read(self) -> ReferralSent:
        self.request_codes()
        self.identifier()
        self.patient()
        self.requester()
        self.reason()
        self.consents()
        if self.issues:
            raise FhirError(self.issues)
        return self.sent

    def request_codes(self) -> None:
        """An active order for social prescribing: another status, intent or SNOMED CT code is
        not a referral this service takes."""
        if self.data.get("status") != "active":
            self.problem(
                "Send the referral with status 'active'.", "ServiceRequest.status", "code-invalid"
            )
        if self.data.get("intent") not in ("order", "original-order"):
            self.problem(
                "Send the referral with intent 'order'.", "ServiceRequest.intent", "code-invalid"
            )
        codings = (self.data.get("code") or {}).get("coding") or []
        for i, coding in enumerate(codings):
            if coding.get("system") == SNOMED and coding.get("code") != (
                SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING
            ):
                self.problem(
                    f"This service takes referrals to social prescribing (SNOMED CT "
                    f"{SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING}).",
                    f"ServiceRequest.code.coding[{i}].code",
                    "code-invalid",
                )

    def identifier(self) -> None:
        identifiers = self.data.get("identifier") or []
        if not identifiers:
            return
        first = identifiers[0]
        value = str(first.get("value", "")).strip()
        system = str(first.get("system", "")).strip()
        if not value:
            self.problem(
                "The identifier needs a value.", "ServiceRequest.identifier[0].value", "required"
            )
        elif len(value) + len(system) > IDENTIFIER_MAX_LENGTH:
            self.problem(
                f"Use an identifier (system and value) of at most {IDENTIFIER_MAX_LENGTH} "
                "characters.",
                "ServiceRequest.identifier[0]",
            )
        self.sent.identifier_system, self.sent.identifier_value = system, value

    def patient(self) -> None:
        path, patient = self.resolve(
            self.data.get("subject"), "ServiceRequest.subject", ("Patient",)
        )
        if not patient:
            return
        sent, where = self.sent, self.sent.expressions
        names = patient.get("name") or []
        name = names[0] if names else {}
        given = " ".join(name.get("given") or []).strip()
        sent.given_name = given or str(name.get("text", "")).strip()
        sent.family_name = str(name.get("family", "")).strip()
        where["given_name"] = where["family_name"] = f"{path}.name[0]"
        if not sent.given_name:
            self.problem("Give the person's name.", f"{path}.name", "required")
        elif len(sent.given_name) > 100 or len(sent.family_name) > 100:
            self.problem("Names are at most 100 characters.", f"{path}.name[0]")
        for i, ident in enumerate(patient.get("identifier") or []):
            if ident.get("system") == NHS_NUMBER:
                expression = f"{path}.identifier[{i}].value"
                digits = normalise_nhs_number(str(ident.get("value", "")))
                if not nhs_number_is_valid(digits):
                    self.problem("Enter a valid 10-digit NHS number.", expression, "value")
                sent.nhs_number = digits
                where["nhs_number"] = expression
        if patient.get("birthDate"):
            where["date_of_birth"] = f"{path}.birthDate"
            try:
                birth = dt.date.fromisoformat(str(patient["birthDate"]))
                validate_date_of_birth(birth)
                sent.date_of_birth = birth
            except (ValueError, DjangoValidationError) as exc:
                message = "; ".join(getattr(exc, "messages", [])) or "Give the full date of birth."
                self.problem(message, f"{path}.birthDate", "value")
        addresses = patient.get("address") or []
        postcode = str((addresses[0] if addresses else {}).get("postalCode", "")).strip()
        if postcode:
            where["postcode"] = f"{path}.address[0].postalCode"
            try:
                validate_postcode(postcode)
                sent.postcode = format_postcode(postcode)
            except DjangoValidationError as exc:
                self.problem("; ".join(exc.messages), where["postcode"], "value")
        for i, telecom in enumerate(patient.get("telecom") or []):
            value = str(telecom.get("value", "")).strip()
            expression = f"{path}.telecom[{i}].value"
            try:
                if telecom.get("system") == "phone" and not sent.phone:
                    validate_uk_phone(value)
                    sent.phone, where["phone"] = value, expression
                elif telecom.get("system") == "email" and not sent.email:
                    validate_email(value)
                    sent.email, where["email"] = value, expression
            except DjangoValidationError as exc:
                self.problem("; ".join(exc.messages), expression, "value")
        self.ethnic_category(patient, path)
        practices = patient.get("generalPractitioner") or []
        if practices:
            org_path, org = self.resolve(
                practices[0], f"{path}.generalPractitioner[0]", ("Organization",)
            )
            sent.patient_practice_ods = self.ods_code(org, org_path)

    def ethnic_category(self, patient: dict, path: str) -> None:
        """UK Core's ethnic category extension, coded in the NHS ethnic category (England)."""
        for i, extension in enumerate(patient.get("extension") or []):
            if extension.get("url") != UK_CORE_ETHNIC_CATEGORY_EXTENSION:
                continue
            expression = f"{path}.extension[{i}].valueCodeableConcept"
            self.sent.expressions["ethnic_category"] = expression
            codings = (extension.get("valueCodeableConcept") or {}).get("coding") or []
            codes = [
                str(c.get("code", ""))
                for c in codings
                if c.get("system") == UK_CORE_ETHNIC_CATEGORY_SYSTEM
            ]
            if not codes or codes[0] not in EthnicCategory.values:
                self.problem(
                    f"Code the ethnic category in {UK_CORE_ETHNIC_CATEGORY_SYSTEM} "
                    "(A to S, or Z for not stated).",
                    expression,
                    "code-invalid",
                )
                return
            self.sent.ethnic_category = codes[0]

    def ods_code(self, organisation: dict, path: str) -> str:
        if not organisation:
            return ""
        for i, ident in enumerate(organisation.get("identifier") or []):
            if ident.get("system") == ODS_ORGANISATION and ident.get("value"):
                self.sent.expressions.setdefault("ods", f"{path}.identifier[{i}].value")
                return str(ident["value"]).strip().upper()
        self.problem(
            f"Give the organisation's ODS code ({ODS_ORGANISATION}).",
            f"{path}.identifier",
            "required",
        )
        return ""

    def requester(self) -> None:
        path, requester = self.resolve(
            self.data.get("requester"),
            "ServiceRequest.requester",
            ("Organization", "Practitioner", "PractitionerRole"),
        )
        if not requester:
            return
        self.sent.expressions["referring_practice"] = path
        kind = requester["resourceType"]
        if kind == "Organization":
            self.sent.requester_ods = self.ods_code(requester, path)
            return
        if kind == "PractitionerRole":
            if requester.get("organization"):
                org_path, org = self.resolve(
                    requester["organization"], f"{path}.organization", ("Organization",)
                )
                self.sent.requester_ods = self.ods_code(org, org_path)
            if not requester.get("practitioner"):
                return
            path, requester = self.resolve(
                requester["practitioner"], f"{path}.practitioner", ("Practitioner",)
            )
            if not requester:
                return
        names = requester.get("name") or []
        if names:
            name = names[0]
            text = name.get("text") or " ".join(
                [*(name.get("prefix") or []), *(name.get("given") or []), name.get("family", "")]
            )
            self.sent.referrer_name = str(text).strip()[:200]
        for telecom in requester.get("telecom") or []:
            if telecom.get("system") == "email" and not self.sent.referrer_email:
                try:
                    validate_email(str(telecom.get("value", "")))
                    self.sent.referrer_email = str(telecom["value"])
                except DjangoValidationError:
                    self.problem("Enter a valid email address.", f"{path}.telecom", "value")

    def reason(self) -> None:
        parts = [str(c.get("text", "")).strip() for c in self.data.get("reasonCode") or []]
        parts += [str(n.get("text", "")).strip() for n in self.data.get("note") or []]
        self.sent.reason = "\n".join(p for p in parts if p)
        self.sent.expressions["reason"] = "ServiceRequest.reasonCode"
        if not self.sent.reason:
            self.problem(
                "Give the reason for the referral (reasonCode.text).",
                "ServiceRequest.reasonCode",
                "required",
            )
        elif len(self.sent.reason) > FREE_TEXT_MAX_LENGTH:
            self.problem(
                f"The reason is at most {FREE_TEXT_MAX_LENGTH} characters.",
                "ServiceRequest.reasonCode",
            )

    def consents(self) -> None:
        system = local_system("consent-purpose")
        for index, resource in self.contained.values():
            if resource.get("resourceType") != "Consent":
                continue
            path = f"ServiceRequest.contained[{index}]"
            purposes = [
                coding.get("code")
                for concept in resource.get("category") or []
                for coding in concept.get("coding") or []
                if coding.get("system") == system
            ] or ["contact"]
            agreed = resource.get("status") == "active" and (
                (resource.get("provision") or {}).get("type", "permit") == "permit"
            )
            for purpose in purposes:
                if purpose not in CONSENT_PURPOSES:
                    self.problem(
                        f"Unknown consent purpose {purpose!r}; use one of "
                        f"{', '.join(CONSENT_PURPOSES)}.",
                        f"{path}.category",
                        "code-invalid",
                    )
                    continue
                self.sent.consents[purpose] = agreed
        self.sent.expressions["consent_confirmed"] = "ServiceRequest.contained"
        if not self.sent.consents.get("contact"):
            self.problem(
                "Include the person's agreement to be contacted by a link worker: a contained "
                "Consent with status 'active'.",
                "ServiceRequest.contained",
                "required",
            )
