"""Referral intake API for practice systems and partner organisations (token auth).

Practice staff tokens refer for their own practice (source gp or practice_staff); administrators
may post any route on behalf of a partner. Everyone else may not refer through the API (403).
Status look-ups are scoped like the pages: out of scope is 404.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from socialrx.audit import audit_record
from socialrx.models import AuditLog, Practice, Role, StaffType
from socialrx.validators import (
    format_postcode,
    nhs_number_is_valid,
    normalise_nhs_number,
    validate_postcode,
)

from .access import referral_get_for
from .models import Referral, ReferralStatus, Source
from .services.intake import (
    PersonDetails,
    RouteClosedError,
    closed_route_enquiry_create,
    person_match_auto,
    referral_submit,
    route_is_open,
)

PRACTICE_SOURCES = (Source.GP, Source.PRACTICE_STAFF)

ErrorResponse = inline_serializer(
    name="ApiError",
    fields={
        "error": inline_serializer(
            name="ApiErrorBody",
            fields={
                "status": serializers.IntegerField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(),
            },
        )
    },
)


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
    team = serializers.CharField(source="team.name", allow_null=True, default=None)
    link_worker = serializers.SerializerMethodField()
    status_history = ReferralStatusChangeOutput(many=True, source="status_changes.all")

    def get_link_worker(self, obj: Referral) -> str | None:
        worker = obj.link_worker
        return (worker.get_full_name() or worker.username) if worker else None


def _referral_for_output(pk: int) -> Referral:
    return (
        Referral.objects.select_related("team", "link_worker")
        .prefetch_related("status_changes")
        .get(pk=pk)
    )


class ReferralPersonInput(serializers.Serializer):
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100, required=False, default="")
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    nhs_number = serializers.CharField(max_length=14, required=False, allow_blank=True, default="")
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    communication_needs = serializers.CharField(required=False, allow_blank=True, default="")
    practice_ods_code = serializers.CharField(
        max_length=10,
        required=False,
        allow_blank=True,
        default="",
        help_text="The person's registered practice. Practice staff: always their own.",
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


class ReferralReferrerInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    organisation = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    email = serializers.EmailField(required=False, allow_blank=True, default="")


class ReferralCreateApi(APIView):
    permission_classes = [IsAuthenticated, CanReferThroughApi]

    class ReferralCreateInputSerializer(serializers.Serializer):
        person = ReferralPersonInput()
        source = serializers.ChoiceField(  # type: ignore[assignment]
            choices=Source.choices,
            required=False,
            help_text="Practice staff: gp or practice_staff (defaults from the user's staff "
            "type). Administrators: required.",
        )
        reason = serializers.CharField()
        consent_confirmed = serializers.BooleanField(
            help_text="Must be true: the person has agreed to this referral."
        )
        referrer = ReferralReferrerInput(required=False)
        referring_practice_ods_code = serializers.CharField(
            max_length=10, required=False, allow_blank=True, default=""
        )

        def validate_consent_confirmed(self, value: bool) -> bool:
            if not value:
                raise ValidationError("Confirm that the person has agreed to this referral")
            return value

    class ReferralEnquiryOutput(serializers.Serializer):
        enquiry_id = serializers.IntegerField()
        route = serializers.CharField()
        message = serializers.CharField()

    @extend_schema(
        operation_id="referral_create",
        summary="Send a referral",
        request=ReferralCreateInputSerializer,
        responses={
            201: ReferralOutput,
            202: OpenApiResponse(
                response=ReferralEnquiryOutput,
                description="The route is switched off: the referral was kept as an enquiry "
                "for the service's administrators.",
            ),
            400: ErrorResponse,
            401: ErrorResponse,
            403: ErrorResponse,
        },
        tags=["referrals"],
    )
    def post(self, request: Request) -> Response:
        serializer = self.ReferralCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user: Any = request.user
        source, person_practice, referring_practice = self._scope(user=user, data=data)
        person_data = data["person"]
        referrer = data.get("referrer") or {}
        if not route_is_open(route=source):
            return self._closed(request, source=source, data=request.data)
        details = PersonDetails(
            given_name=person_data["given_name"],
            family_name=person_data.get("family_name", ""),
            date_of_birth=person_data.get("date_of_birth"),
            nhs_number=person_data.get("nhs_number", ""),
            postcode=person_data.get("postcode", ""),
            phone=person_data.get("phone", ""),
            email=person_data.get("email", ""),
            communication_needs=person_data.get("communication_needs", ""),
            practice=person_practice,
        )
        try:
            referral = referral_submit(
                details=details,
                person=person_match_auto(details=details),
                source=source,
                by=user,
                consent_confirmed=data["consent_confirmed"],
                reason=data["reason"],
                referring_practice=referring_practice,
                referrer_name=referrer.get("name") or user.get_full_name(),
                referrer_organisation=referrer.get("organisation")
                or (referring_practice.name if referring_practice else ""),
                referrer_email=referrer.get("email") or user.email,
            )
        except RouteClosedError:
            return self._closed(request, source=source, data=request.data)
        except DjangoValidationError as exc:
            raise ValidationError(
                {"person": exc.message_dict} if hasattr(exc, "error_dict") else exc.messages
            ) from exc
        return Response(
            ReferralOutput(_referral_for_output(referral.pk)).data, status=status.HTTP_201_CREATED
        )

    def _scope(self, *, user: Any, data: dict[str, Any]) -> tuple[str, Any, Any]:
        """The route and practices this caller may use."""
        person_ods = data["person"].get("practice_ods_code", "")
        if user.is_admin:
            if not data.get("source"):
                raise ValidationError({"source": ["Choose the referral route"]})
            return (
                data["source"],
                _practice_by_ods(person_ods, field="person"),
                _practice_by_ods(data.get("referring_practice_ods_code", ""), field="referring"),
            )
        if user.role != Role.PRACTICE_STAFF or user.practice is None:
            raise PermissionDenied()
        default = Source.GP if user.staff_type == StaffType.GP else Source.PRACTICE_STAFF
        source = data.get("source") or default
        if source not in PRACTICE_SOURCES:
            raise ValidationError({"source": ["Practice staff may refer as gp or practice_staff"]})
        ods_codes = {person_ods, data.get("referring_practice_ods_code", "")} - {""}
        if ods_codes - {user.practice.ods_code}:
            raise ValidationError(
                {"referring_practice_ods_code": ["Practice staff refer for their own practice"]}
            )
        return source, user.practice, user.practice

    def _closed(self, request: Request, *, source: str, data: Any) -> Response:
        enquiry = closed_route_enquiry_create(
            route=source,
            data=dict(data) if hasattr(data, "keys") else {"data": data},
            by=request.user,
        )
        return Response(
            {
                "enquiry_id": enquiry.pk,
                "route": source,
                "message": "This route is not open; the referral was passed to the service's "
                "administrators.",
            },
            status=status.HTTP_202_ACCEPTED,
        )


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
        responses={200: ReferralOutput, 401: ErrorResponse, 404: ErrorResponse},
        tags=["referrals"],
    )
    def get(self, request: Request, pk: int) -> Response:
        referral = referral_get_for(user=request.user, pk=pk)
        audit_record(
            user=request.user,
            action=AuditLog.Action.VIEW,
            obj=referral,
            person_id=referral.person_id,
            detail="api status",
        )
        return Response(ReferralOutput(_referral_for_output(referral.pk)).data)
