"""Referral intake API for practice systems and partner organisations (token auth).

Practice staff tokens refer for their own practice (source gp or practice_staff); administrators
may post any route on behalf of a partner. Everyone else may not refer through the API (403).
Status look-ups are scoped like the pages: out of scope is 404.

Send an ``Idempotency-Key`` header (any string up to 200 characters, unique per referral) and
a retry of the same request makes no second referral: it gets the first answer back.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from socialrx.api import ApiErrorSerializer, MustBeTrueField
from socialrx.models import Practice, Role
from socialrx.validators import (
    FREE_TEXT_MAX_LENGTH,
    format_postcode,
    nhs_number_is_valid,
    normalise_nhs_number,
    validate_date_of_birth,
    validate_postcode,
    validate_uk_phone,
)

from .access import referral_get_for
from .models import ConsentPurpose, Referral, ReferralStatus, Source
from .services.intake import (
    SUBMISSION_TOKEN_MAX_LENGTH,
    EnquiryKept,
    ReferralDetails,
    ReferralMade,
    referral_intake,
    submission_differs,
)
from .services.matching import Matching, PersonDetails


class CanReferThroughApi(BasePermission):
    message = "Only practice staff and administrators may send referrals through the API."

    def has_permission(self, request: Request, view: Any) -> bool:
        user: Any = request.user
        return bool(user and user.is_authenticated) and (
            user.is_admin or user.role == Role.PRACTICE_STAFF
        )


class ReferralStatusChangeOutput(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    at = serializers.DateTimeField()


class ReferralOutput(serializers.Serializer):
    """Status only: no one's personal data leaves through this endpoint."""

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
        .prefetch_related("status_changes")
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


class ReferralCreateApi(APIView):
    permission_classes = [IsAuthenticated, CanReferThroughApi]

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
    @extend_schema(
        operation_id="referral_retrieve",
        summary="A referral's status",
        responses={200: ReferralOutput},
        tags=["referrals"],
    )
    def get(self, request: Request, pk: int) -> Response:
        referral = referral_get_for(user=request.user, pk=pk)
        return Response(
            ReferralOutput(_referral_for_output(referral.pk), context={"user": request.user}).data
        )
