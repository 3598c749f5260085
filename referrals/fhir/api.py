"""The FHIR R4 endpoints (docs/api.md, "FHIR"). JSON only (``application/fhir+json``, or
``application/json``); token authentication as the rest of the API; every error is an
``OperationOutcome``. A referral comes in through the same intake service as every other
route."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from socialrx.audit import audit_record
from socialrx.models import AuditLog, Practice

from ..api import CanReferThroughApi
from ..models import ConsentPurpose, Source
from ..services.intake import (
    EnquiryKept,
    ReferralDetails,
    ReferralMade,
    referral_identifier_adopt,
    referral_intake,
    submission_differs,
)
from ..services.matching import Matching, PersonDetails
from . import resources
from .access import (
    feedback_get_for_referrer,
    person_get_for_casework,
    referral_get_for_referrer,
    referrals_for_referrer,
)
from .codes import FHIR_JSON
from .outcome import FhirError, Issue, fhir_exception_handler, operation_outcome
from .parse import ReferralSent, service_request_parse


class FhirJsonParser(JSONParser):
    media_type = FHIR_JSON


class FhirJsonRenderer(JSONRenderer):
    media_type = FHIR_JSON
    format = "fhir"


class FhirApi(APIView):
    """What every FHIR endpoint shares: FHIR JSON in and out, OperationOutcome errors, no
    place in the OpenAPI description (the CapabilityStatement describes them)."""

    parser_classes = [FhirJsonParser, JSONParser]
    renderer_classes = [FhirJsonRenderer, JSONRenderer]
    schema = None

    def get_exception_handler(self) -> Any:
        return fhir_exception_handler


class MetadataApi(FhirApi):
    """``GET /fhir/metadata``: the CapabilityStatement, open to all."""

    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        return Response(resources.capability_statement())


class ServiceRequestCreateApi(FhirApi):
    """``POST /fhir/ServiceRequest``: a referral. 201 with the ServiceRequest made and its
    Location; 200 with the first one when the practice's identifier comes again (from anyone
    at the practice: the identifier is unique per referring practice); 202 with an
    informational OperationOutcome when the route is closed (kept for an administrator)."""

    permission_classes = [IsAuthenticated, CanReferThroughApi]

    def post(self, request: Request) -> Response:
        sent = service_request_parse(request.data)
        user: Any = request.user
        patient_practice = _practice(sent.patient_practice_ods, sent, user=user)
        referring_practice = _practice(sent.requester_ods, sent, user=user)
        route = ""
        if user.is_admin:
            if referring_practice is None:
                raise FhirError(
                    [
                        Issue(
                            "Name the referring practice: a requester Organization with an ODS "
                            "code.",
                            code="business-rule",
                            expression="ServiceRequest.requester",
                        )
                    ],
                    status_code=422,
                )
            route = Source.GP
        person = PersonDetails(
            given_name=sent.given_name,
            family_name=sent.family_name,
            date_of_birth=sent.date_of_birth,
            nhs_number=sent.nhs_number,
            postcode=sent.postcode,
            phone=sent.phone,
            email=sent.email,
            practice=patient_practice,
            ethnic_category=sent.ethnic_category,
        )
        details = ReferralDetails(
            reason=sent.reason,
            consent_confirmed=sent.consents.get("contact", False),
            consents={
                purpose: sent.consents[purpose]
                for purpose in (
                    ConsentPurpose.SHARE_WITH_GROUP,
                    ConsentPurpose.DEIDENTIFIED_FIGURES,
                )
                if purpose in sent.consents
            },
            referring_practice=referring_practice,
            referrer_name=sent.referrer_name or user.get_full_name(),
            referrer_email=sent.referrer_email or user.email,
            identifier_system=sent.identifier_system,
            identifier_value=sent.identifier_value,
        )
        referral_identifier_adopt(
            legacy_token=sent.legacy_submission_token, by=user, details=details
        )
        try:
            result = referral_intake(
                route=route,
                person=person,
                referral=details,
                by=user,
                matching=Matching.AUTOMATIC,
                enquiry_data=_enquiry_data(sent),
            )
        except DjangoValidationError as exc:
            raise FhirError(_intake_issues(exc, sent)) from exc
        if isinstance(result, EnquiryKept):
            return Response(
                operation_outcome(
                    [
                        Issue(
                            "This referral route is not open; the referral was passed to the "
                            "service's administrators.",
                            code="informational",
                            severity="information",
                        )
                    ]
                ),
                status=status.HTTP_202_ACCEPTED,
            )
        if not isinstance(result, ReferralMade):  # automatic matching never asks
            raise TypeError(f"unexpected intake result {type(result).__name__}")
        if result.replayed and submission_differs(
            referral=result.referral, person=person, details=details
        ):
            raise FhirError(
                [
                    Issue(
                        "This identifier was already used for a different referral.",
                        code="duplicate",
                        expression="ServiceRequest.identifier[0]",
                    )
                ],
                status_code=422,
            )
        referral = referral_get_for_referrer(user=user, pk=result.referral.pk)
        return Response(
            resources.service_request_for(referral),
            status=status.HTTP_200_OK if result.replayed else status.HTTP_201_CREATED,
            headers={
                "Location": request.build_absolute_uri(
                    reverse("fhir_service_request", args=[referral.pk])
                )
            },
        )


def _practice(ods: str, sent: ReferralSent, *, user: Any) -> Practice | None:
    """The practice with this ODS code. Practice staff refer for their own practice only
    (403 otherwise); an ODS code no practice has is 422."""
    if not ods:
        return None
    expression = sent.expressions.get("ods", "ServiceRequest.requester")
    if not user.is_admin and (user.practice is None or user.practice.ods_code != ods):
        raise FhirError(
            [
                Issue(
                    "Practice staff refer for their own practice only: this ODS code is not "
                    "your practice's.",
                    code="forbidden",
                    expression=expression,
                )
            ],
            status_code=403,
        )
    practice = Practice.objects.filter(ods_code=ods).first()
    if practice is None:
        raise FhirError(
            [Issue("No practice has this ODS code.", code="business-rule", expression=expression)],
            status_code=422,
        )
    return practice


def _enquiry_data(sent: ReferralSent) -> dict[str, Any]:
    data = asdict(sent)
    data.pop("expressions")
    return {
        "fhir": "ServiceRequest",
        **{k: v.isoformat() if isinstance(v, dt.date) else v for k, v in data.items()},
    }


def _intake_issues(exc: DjangoValidationError, sent: ReferralSent) -> list[Issue]:
    if not hasattr(exc, "error_dict"):
        return [Issue(m) for m in exc.messages]
    return [
        Issue(message, expression=sent.expressions.get(name, "ServiceRequest"))
        for name, messages in exc.message_dict.items()
        for message in messages
    ]


class ServiceRequestDetailApi(FhirApi):
    def get(self, request: Request, pk: int) -> Response:
        referral = referral_get_for_referrer(user=request.user, pk=pk)
        return Response(resources.service_request_for(referral))


class TaskDetailApi(FhirApi):
    def get(self, request: Request, pk: int) -> Response:
        referral = referral_get_for_referrer(user=request.user, pk=pk)
        return Response(resources.task_for(referral))


class TaskSearchApi(FhirApi):
    """``GET /fhir/Task?based-on=ServiceRequest/{id}``: a searchset with the referral's Task,
    or none when it is not the caller's."""

    def get(self, request: Request) -> Response:
        unknown = sorted(set(request.query_params) - {"based-on", "_format"})
        if unknown:
            raise FhirError(
                [
                    Issue(
                        f"Search parameter not supported: {name}",
                        code="not-supported",
                        expression=name,
                    )
                    for name in unknown
                ]
            )
        based_on = request.query_params.get("based-on", "")
        prefix = "ServiceRequest/"
        pk = based_on.removeprefix(prefix)
        if not based_on.startswith(prefix) or not pk.isdigit():
            raise FhirError(
                [
                    Issue(
                        "Search by based-on=ServiceRequest/{id}.",
                        code="required",
                        expression="based-on",
                    )
                ]
            )
        referrals = list(referrals_for_referrer(user=request.user).filter(pk=int(pk)))
        # The search is audited as a search (audit_views); each Task shown, as the referral
        # viewed, with the person it is about.
        for referral in referrals:
            audit_record(
                user=request.user,
                action=AuditLog.Action.VIEW,
                obj=referral,
                person_id=referral.person_id,
                detail="FHIR Task (search)",
            )
        found = [resources.task_for(r) for r in referrals]
        return Response(resources.searchset(found, self_url=request.build_absolute_uri()))


class BundleDetailApi(FhirApi):
    """``GET /fhir/Bundle/{id}``: a message back to the GP and referrer, as a document."""

    def get(self, request: Request, pk: int) -> Response:
        feedback = feedback_get_for_referrer(user=request.user, pk=pk)
        return Response(resources.message_back_bundle(feedback))


class PatientDetailApi(FhirApi):
    """``GET /fhir/Patient/{id}``: the person's record, for the link workers of their team."""

    def get(self, request: Request, pk: int) -> Response:
        person = person_get_for_casework(user=request.user, pk=pk)
        return Response(resources.patient_for(person))


class PatientQuestionnaireResponsesApi(FhirApi):
    """``GET /fhir/Patient/{id}/QuestionnaireResponse``: the person's SWEMWBS and ONS4
    answers, for the link workers of their team."""

    def get(self, request: Request, pk: int) -> Response:
        person = person_get_for_casework(user=request.user, pk=pk)
        found = [
            resources.swemwbs_questionnaire_response(r) for r in person.swemwbs_responses.all()
        ]
        found += [resources.ons4_questionnaire_response(r) for r in person.ons4_responses.all()]
        return Response(resources.searchset(found, self_url=request.build_absolute_uri()))


class PatientObservationsApi(FhirApi):
    """``GET /fhir/Patient/{id}/Observation``: the person's SWEMWBS scores and ONS4 answers."""

    def get(self, request: Request, pk: int) -> Response:
        person = person_get_for_casework(user=request.user, pk=pk)
        found = [resources.swemwbs_observation(r) for r in person.swemwbs_responses.all()]
        found += [resources.ons4_observation(r) for r in person.ons4_responses.all()]
        return Response(resources.searchset(found, self_url=request.build_absolute_uri()))


class UnknownApi(FhirApi):
    """Anything else under ``/fhir/``: 404 as an OperationOutcome."""

    permission_classes = [AllowAny]

    def _not_found(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise FhirError(
            [
                Issue(
                    "This server has no such resource type or interaction; see /fhir/metadata.",
                    code="not-supported",
                )
            ],
            status_code=404,
        )

    get = post = put = patch = delete = _not_found
