"""Referral intake API for practice systems and partner organisations (token auth).

Practice staff tokens refer for their own practice (source gp or practice_staff); administrators
may post any route on behalf of a partner. Everyone else may not refer through the API (403).
Status look-ups are scoped like the pages: out of scope is 404.

``GET /api/v1/referrals/`` lists the referrals the caller's practice made (administrators:
all), oldest change first; ``modified_after`` keeps those changed since a time (a status
change or feedback counts as a change), so a system can poll for what is new.

API clients' tokens need the scope ``referrals:write`` to send and ``referrals:read`` to read.

Send an ``Idempotency-Key`` header (any string up to 200 characters, unique per referral) and
a retry of the same request makes no second referral: it gets the first answer back.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from socialrx.api import ApiErrorSerializer, MustBeTrueField
from socialrx.api_auth import ApiClientScope
from socialrx.models import ApiScope, Practice, Role
from socialrx.validators import (
    FREE_TEXT_MAX_LENGTH,
    format_postcode,
    nhs_number_is_valid,
    normalise_nhs_number,
    validate_date_of_birth,
    validate_postcode,
    validate_uk_phone,
)

from .access import referral_get_for, referrals_for
from .models import ConsentPurpose, Feedback, Referral, ReferralStatus, Source
from .services.intake import (
    SUBMISSION_TOKEN_MAX_LENGTH,
    EnquiryKept,
    ReferralDetails,
    ReferralMade,
    referral_intake,
    submission_differs,
)
from .services.matching import Matching, PersonDetails
from .snomed import SYSTEM as SNOMED_SYSTEM
from .snomed import snomed_display


class CanReferThroughApi(BasePermission):
    message = "Only practice staff and administrators may send referrals through the API."

    def has_permission(self, request: Request, view: Any) -> bool:
        user: Any = request.user
        if request.method in SAFE_METHODS:
            self.message = "Only practice staff and administrators may list referrals."
        return bool(user and user.is_authenticated) and (
            user.is_admin or user.role == Role.PRACTICE_STAFF
        )


class ReferralStatusChangeOutput(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    at = serializers.DateTimeField()


class SnomedCodeOutput(serializers.Serializer):
    system = serializers.CharField(default=SNOMED_SYSTEM)
    code = serializers.CharField()
    display = serializers.CharField()


class FeedbackOutput(serializers.Serializer):
    """The message back to the referrer, as the practice reads it on the referral's page."""

    id = serializers.IntegerField()
    sent_at = serializers.DateTimeField()
    snomed = serializers.SerializerMethodField()
    needs_and_concerns = serializers.CharField()
    support_offered = serializers.CharField()
    outcomes = serializers.CharField()

    @extend_schema_field(SnomedCodeOutput)
    def get_snomed(self, obj: Feedback) -> dict[str, str]:
        return {
            "system": SNOMED_SYSTEM,
            "code": obj.snomed_code,
            "display": snomed_display(obj.snomed_code),
        }


class ReferralOutput(serializers.Serializer):
    """The referral's status and the message back: none of the person's details leave
    through this endpoint."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ReferralStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    source = serializers.ChoiceField(choices=Source.choices)  # type: ignore[assignment]
    received_on = serializers.DateField()
    team = serializers.SerializerMethodField()
    link_worker = serializers.SerializerMethodField()
    already_supported = serializers.SerializerMethodField(
        help_text="The person already had an open case: this referral was added to it "
        "(status joined_case) and the case's team is in team."
    )
    status_history = ReferralStatusChangeOutput(many=True, source="status_changes.all")
    modified_at = serializers.DateTimeField(
        source="updated_at",
        help_text="When the referral last changed (a status change and feedback count): "
        "what modified_after compares.",
    )
    feedback = FeedbackOutput(
        many=True,
        source="feedback.all",
        help_text="The messages back to the referrer, newest first, each with its SNOMED CT code.",
    )

    def _case_team_shown(self, obj: Referral) -> bool:
        """A practice is not told which team holds the case of a person registered elsewhere
        (a referral a link worker matched to another practice's patient)."""
        user = self.context.get("user")
        return bool(getattr(user, "is_admin", False)) or obj.person_at_referring_practice

    def get_team(self, obj: Referral) -> str | None:
        return obj.team.name if obj.team and self._case_team_shown(obj) else None

    def get_already_supported(self, obj: Referral) -> bool:
        return obj.joined_case_id is not None

    def get_link_worker(self, obj: Referral) -> str | None:
        worker = obj.link_worker
        if worker is None or not self._case_team_shown(obj):
            return None
        return worker.get_full_name() or worker.username


def _referral_for_output(pk: int) -> Referral:
    return (
        Referral.objects.select_related("team", "link_worker", "person")
        .prefetch_related("status_changes", "feedback")
        .get(pk=pk)
    )


class IdempotencyKeyReused(APIException):
    status_code = 422
    default_detail = (
        "This Idempotency-Key was already used for a different referral. Use a new key for a "
        "new referral; resend the first referral unchanged to get its answer again."
    )
    default_code = "idempotency_key_reused"


class RejectUnknownFields:
    """A field the API does not know is refused (400), not ignored: a misspelt ``nhs_numbr``
    must not make a referral without an NHS number."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            known = set(self.fields)  # type: ignore[attr-defined]
            unknown = sorted(str(name) for name in data if name not in known)
            if unknown:
                raise ValidationError({name: ["This field is not known."] for name in unknown})
        return super().to_internal_value(data)  # type: ignore[misc]


# What the schema says of the codes and numbers it takes (the service checks more: an NHS
# number's check digit, that a practice has the ODS code).
NHS_NUMBER_PATTERN = r"^(\d{3}[ -]?\d{3}[ -]?\d{4})?$"
ODS_CODE_PATTERN = r"^[A-Za-z0-9]{0,10}$"
NOT_BLANK = RegexValidator(r"\S", "This field may not be blank.")
NHS_NUMBER_FORMAT = RegexValidator(
    NHS_NUMBER_PATTERN, "Enter a valid 10-digit NHS number (for example 943 476 5919)"
)
ODS_CODE_FORMAT = RegexValidator(ODS_CODE_PATTERN, "No practice has this ODS code")


class ReferralPersonInput(RejectUnknownFields, serializers.Serializer):
    given_name = serializers.CharField(min_length=1, max_length=100, validators=[NOT_BLANK])
    family_name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    date_of_birth = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        validators=[validate_date_of_birth],
        help_text="From 1 January 1900 to today.",
    )
    nhs_number = serializers.CharField(
        max_length=14,
        required=False,
        allow_blank=True,
        default="",
        validators=[NHS_NUMBER_FORMAT],
        help_text="10 digits, spaces allowed (943 476 5919); the last is the check digit.",
    )
    postcode = serializers.CharField(
        max_length=10,
        required=False,
        allow_blank=True,
        default="",
        help_text="A full UK postcode, like M1 1AE.",
    )
    phone = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        default="",
        validators=[validate_uk_phone],
    )
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    communication_needs = serializers.CharField(
        max_length=FREE_TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    practice_ods_code = serializers.CharField(
        max_length=10,
        required=False,
        allow_blank=True,
        default="",
        validators=[ODS_CODE_FORMAT],
        help_text="The person's registered practice (an ODS code a practice here has). "
        "Practice staff: always their own.",
    )

    def validate_nhs_number(self, value: str) -> str:
        digits = normalise_nhs_number(value)
        if digits and not nhs_number_is_valid(digits):
            raise ValidationError("Enter a valid 10-digit NHS number (for example 943 476 5919)")
        return digits

    def validate_postcode(self, value: str) -> str:
        try:
            validate_postcode(value)
        except DjangoValidationError as exc:
            raise ValidationError(exc.messages) from exc
        return format_postcode(value) if value else ""


class ReferralReferrerInput(RejectUnknownFields, serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    organisation = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    email = serializers.EmailField(required=False, allow_blank=True, default="")


class ReferralPagination(CursorPagination):
    """Oldest change first, by an opaque cursor: a referral changed while a client pages
    moves to the end, where the client meets it again, rather than being skipped."""

    ordering = ("updated_at", "id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


ReferralPageOutput = inline_serializer(
    name="ReferralPage",
    fields={
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": ReferralOutput(many=True),
    },
)


class ReferralListQuery(serializers.Serializer):
    modified_after = serializers.DateTimeField(
        required=False,
        help_text="ISO 8601 date and time with its offset (2026-03-01T09:00:00Z): only "
        "referrals changed after it.",
        error_messages={
            "invalid": "Give modified_after as an ISO 8601 date and time, such as "
            "2026-03-01T09:00:00Z."
        },
    )
    page_size = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=ReferralPagination.max_page_size,
        help_text="Referrals per page, 1 to 200 (default 50).",
        error_messages={"invalid": "Give page_size as a whole number from 1 to 200."},
    )


class ReferralCreateApi(APIView):
    """``POST``: send a referral. ``GET``: the referrals the caller's practice made."""

    permission_classes = [IsAuthenticated, CanReferThroughApi, ApiClientScope]
    required_scopes = {"POST": ApiScope.REFERRALS_WRITE, "GET": ApiScope.REFERRALS_READ}

    @extend_schema(
        operation_id="referral_list",
        summary="The referrals the practice made, changed since a time",
        description="The referrals the caller's practice made (administrators: all), oldest "
        "change first, by cursor. API client tokens need the scope referrals:read.",
        parameters=[
            ReferralListQuery,
            OpenApiParameter(
                name="cursor",
                location=OpenApiParameter.QUERY,
                required=False,
                description="The next page: take it from the answer's next link.",
            ),
        ],
        responses={
            200: ReferralPageOutput,
            400: ApiErrorSerializer,
            401: ApiErrorSerializer,
            403: ApiErrorSerializer,
            404: OpenApiResponse(
                response=ApiErrorSerializer, description="The cursor is not valid."
            ),
            429: ApiErrorSerializer,
        },
        tags=["referrals"],
    )
    def get(self, request: Request) -> Response:
        # A plain dict: an empty value is then refused, not taken as left out.
        query = ReferralListQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        referrals = (
            referrals_for(user=request.user)
            .select_related("team", "link_worker", "person")
            .prefetch_related("status_changes", "feedback")
        )
        if "modified_after" in query.validated_data:
            referrals = referrals.filter(updated_at__gt=query.validated_data["modified_after"])
        paginator = ReferralPagination()
        page = paginator.paginate_queryset(referrals, request, view=self)
        data = ReferralOutput(page, many=True, context={"user": request.user}).data
        return paginator.get_paginated_response(data)

    class ReferralCreateInputSerializer(RejectUnknownFields, serializers.Serializer):
        person = ReferralPersonInput()
        source = serializers.ChoiceField(  # type: ignore[assignment]
            choices=Source.choices,
            required=False,
            help_text="Practice staff: gp or practice_staff (defaults from the user's staff "
            "type). Administrators: required.",
        )
        reason = serializers.CharField(
            min_length=1, max_length=FREE_TEXT_MAX_LENGTH, validators=[NOT_BLANK]
        )
        consent_confirmed = MustBeTrueField(
            error_messages={"must_be_true": "Confirm that the person has agreed to this referral"},
            help_text="Must be true: the person has agreed that a link worker may contact "
            "them about this referral.",
        )
        consent_share_with_group = serializers.BooleanField(
            required=False,
            allow_null=True,
            default=None,
            help_text="Whether the person agreed that their name and contact details may be "
            "shared with a group's organisers or volunteers when they are connected to it. "
            "Leave out (or null) if they were not asked: nothing is shared.",
        )
        consent_deidentified_figures = serializers.BooleanField(
            required=False,
            allow_null=True,
            default=None,
            help_text="Whether the person agreed that their information may be used in "
            "figures that do not identify them. false leaves them out of every outcome "
            "figure; leave out (or null) if they were not asked.",
        )
        referrer = ReferralReferrerInput(required=False)
        referring_practice_ods_code = serializers.CharField(
            max_length=10,
            required=False,
            allow_blank=True,
            default="",
            validators=[ODS_CODE_FORMAT],
            help_text="The referring practice (an ODS code a practice here has).",
        )

    class ReferralEnquiryOutput(serializers.Serializer):
        enquiry_id = serializers.IntegerField()
        route = serializers.CharField()
        message = serializers.CharField()

    @extend_schema(
        operation_id="referral_create",
        summary="Send a referral",
        request=ReferralCreateInputSerializer,
        parameters=[
            OpenApiParameter(
                name="Idempotency-Key",
                location=OpenApiParameter.HEADER,
                required=False,
                description="One key per referral: a retry with the same key makes no second "
                "referral and gets the first answer.",
                # Sent as a header: printable characters, 200 at most.
                pattern=r"^[!-~]([ -~]{0,198}[!-~])?$",
            ),
            OpenApiParameter(
                name="Location",
                type=OpenApiTypes.URI,
                location=OpenApiParameter.HEADER,
                response=[201],
                required=True,
                description="The address of the referral's status.",
            ),
        ],
        responses={
            201: ReferralOutput,
            202: OpenApiResponse(
                response=ReferralEnquiryOutput,
                description="The route is switched off: the referral was kept as an enquiry "
                "for the service's administrators.",
            ),
            403: OpenApiResponse(
                response=ApiErrorSerializer,
                description="Only practice staff and administrators may send referrals.",
            ),
            422: OpenApiResponse(
                response=ApiErrorSerializer,
                description="The Idempotency-Key was already used for a different referral.",
            ),
        },
        tags=["referrals"],
    )
    def post(self, request: Request) -> Response:
        idempotency_key = request.headers.get("Idempotency-Key", "").strip()
        if len(idempotency_key) > SUBMISSION_TOKEN_MAX_LENGTH:
            raise ValidationError(
                {
                    "idempotency_key": [
                        f"Use an Idempotency-Key of at most {SUBMISSION_TOKEN_MAX_LENGTH} "
                        "characters"
                    ]
                }
            )
        serializer = self.ReferralCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user: Any = request.user
        person_data = data["person"]
        referrer = data.get("referrer") or {}
        try:
            person = PersonDetails(
                given_name=person_data["given_name"],
                family_name=person_data.get("family_name", ""),
                date_of_birth=person_data.get("date_of_birth"),
                nhs_number=person_data.get("nhs_number", ""),
                postcode=person_data.get("postcode", ""),
                phone=person_data.get("phone", ""),
                email=person_data.get("email", ""),
                communication_needs=person_data.get("communication_needs", ""),
                practice=_practice_by_ods(person_data.get("practice_ods_code", ""), field="person"),
            )
            details = ReferralDetails(
                reason=data["reason"],
                consent_confirmed=data["consent_confirmed"],
                consents={
                    purpose: data[name]
                    for purpose, name in (
                        (ConsentPurpose.SHARE_WITH_GROUP, "consent_share_with_group"),
                        (ConsentPurpose.DEIDENTIFIED_FIGURES, "consent_deidentified_figures"),
                    )
                    if data.get(name) is not None
                },
                referring_practice=_practice_by_ods(
                    data.get("referring_practice_ods_code", ""), field="referring"
                ),
                referrer_name=referrer.get("name") or user.get_full_name(),
                referrer_organisation=referrer.get("organisation", ""),
                referrer_email=referrer.get("email") or user.email,
            )
            result = referral_intake(
                route=data.get("source") or "",
                person=person,
                referral=details,
                by=user,
                matching=Matching.AUTOMATIC,
                # What was validated (bounded, known fields), not the raw body.
                enquiry_data=dict(serializer.data),
                submission_token=idempotency_key,
            )
        except DjangoValidationError as exc:
            raise ValidationError(_api_errors(exc)) from exc
        if isinstance(result, EnquiryKept):
            return Response(
                {
                    "enquiry_id": result.enquiry.pk,
                    "route": result.enquiry.route,
                    "message": "This route is not open; the referral was passed to the "
                    "service's administrators.",
                },
                status=status.HTTP_202_ACCEPTED,
            )
        if not isinstance(result, ReferralMade):  # automatic matching never asks
            raise TypeError(f"unexpected intake result {type(result).__name__}")
        # A replay (the same Idempotency-Key again) answers as the first request did, if it
        # is the same referral; the same key with a different referral is refused.
        if result.replayed and submission_differs(
            referral=result.referral, person=person, details=details
        ):
            raise IdempotencyKeyReused()
        return Response(
            ReferralOutput(_referral_for_output(result.referral.pk), context={"user": user}).data,
            status=status.HTTP_201_CREATED,
            headers={
                "Location": request.build_absolute_uri(
                    reverse("api_referral_detail", args=[result.referral.pk])
                )
            },
        )


# Errors about the referral itself; any other field is the person's.
_REFERRAL_FIELDS = {
    "source": "source",
    "referring_practice": "referring_practice_ods_code",
    "consent_confirmed": "consent_confirmed",
    "reason": "reason",
}


def _api_errors(exc: DjangoValidationError) -> Any:
    """The service's errors in the shape of the request body."""
    if not hasattr(exc, "error_dict"):
        return exc.messages
    errors: dict[str, Any] = {}
    for name, messages in exc.message_dict.items():
        if name in _REFERRAL_FIELDS:
            errors[_REFERRAL_FIELDS[name]] = messages
        else:
            errors.setdefault("person", {})[name] = messages
    return errors


def _practice_by_ods(code: str, *, field: str) -> Practice | None:
    if not code:
        return None
    practice = Practice.objects.filter(ods_code=code.strip().upper()).first()
    if practice is None:
        name = "person" if field == "person" else "referring_practice_ods_code"
        message = "No practice has this ODS code"
        raise ValidationError(
            {name: {"practice_ods_code": [message]}} if field == "person" else {name: [message]}
        )
    return practice


class ReferralDetailApi(APIView):
    required_scopes = {"GET": ApiScope.REFERRALS_READ}

    @extend_schema(
        operation_id="referral_retrieve",
        summary="A referral's status and the message back",
        responses={
            200: ReferralOutput,
            401: ApiErrorSerializer,
            403: ApiErrorSerializer,
            404: ApiErrorSerializer,
            429: ApiErrorSerializer,
        },
        tags=["referrals"],
    )
    def get(self, request: Request, pk: int) -> Response:
        referral = referral_get_for(user=request.user, pk=pk)
        return Response(
            ReferralOutput(_referral_for_output(referral.pk), context={"user": request.user}).data
        )
