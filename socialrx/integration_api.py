"""Webhook subscriptions, for API clients (scope ``webhooks:manage``).

A client subscribes an https address to events; the answer to the subscription carries the
signing secret, once. It lists and deletes its own subscriptions and reads their delivery log.
Subscriptions belong to API clients: people's tokens and sessions get 403, and another client's
subscription is 404.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .api import ApiErrorSerializer
from .api_auth import ApiClientScope, client_token
from .http import get_in_scope_or_404
from .integration_models import (
    ApiScope,
    DeliveryOutcome,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from .webhooks import webhook_subscribe, webhook_unsubscribe


class IsApiClient(BasePermission):
    message = (
        "Webhook subscriptions belong to API clients: call with an API client's token "
        "(Authorization: Bearer ...)."
    )

    def has_permission(self, request: Request, view: Any) -> bool:
        return client_token(request) is not None


class WebhookOutput(serializers.Serializer):
    id = serializers.IntegerField()
    target_url = serializers.URLField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))
    created_at = serializers.DateTimeField()


class WebhookCreatedOutput(WebhookOutput):
    secret = serializers.CharField(
        help_text="Signs every delivery (X-Socialrx-Signature). Shown this once: keep it."
    )


class WebhookInput(serializers.Serializer):
    target_url = serializers.URLField(max_length=500)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices),
        min_length=1,
        max_length=len(WebhookEvent.values),
    )


class DeliveryOutput(serializers.Serializer):
    event_id = serializers.UUIDField()
    event_type = serializers.ChoiceField(choices=WebhookEvent.choices)
    attempt = serializers.IntegerField()
    attempted_at = serializers.DateTimeField()
    outcome = serializers.ChoiceField(choices=DeliveryOutcome.choices)
    status_code = serializers.IntegerField(allow_null=True)
    duration_ms = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()
    next_retry_at = serializers.DateTimeField(allow_null=True)


_ERROR = ApiErrorSerializer
_ONLY_CLIENTS = (
    "API client tokens only (Authorization: Bearer), with the scope webhooks:manage; "
    "people's tokens and sessions get 403."
)
_ERRORS: dict[int, Any] = {401: _ERROR, 403: _ERROR, 429: _ERROR}


def _subscriptions(request: Request) -> QuerySet[WebhookSubscription]:
    token = client_token(request)
    if token is None:
        return WebhookSubscription.objects.none()
    return WebhookSubscription.objects.filter(client_id=token.client_id)


class _WebhookApi(APIView):
    parser_classes = [JSONParser]
    permission_classes = [IsAuthenticated, IsApiClient, ApiClientScope]
    required_scopes = {
        "GET": ApiScope.WEBHOOKS_MANAGE,
        "POST": ApiScope.WEBHOOKS_MANAGE,
        "DELETE": ApiScope.WEBHOOKS_MANAGE,
    }


class WebhookListApi(_WebhookApi):
    @extend_schema(
        operation_id="webhook_list",
        summary="The client's webhook subscriptions",
        responses={200: WebhookOutput(many=True), **_ERRORS},
        description=_ONLY_CLIENTS,
        tags=["webhooks"],
    )
    def get(self, request: Request) -> Response:
        return Response(WebhookOutput(_subscriptions(request), many=True).data)

    @extend_schema(
        operation_id="webhook_create",
        summary="Subscribe an https address to events",
        request=WebhookInput,
        responses={201: WebhookCreatedOutput, 400: _ERROR, **_ERRORS},
        description=_ONLY_CLIENTS,
        tags=["webhooks"],
    )
    def post(self, request: Request) -> Response:
        serializer = WebhookInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = client_token(request)
        if token is None:  # IsApiClient has refused already
            raise PermissionDenied(IsApiClient.message)
        try:
            made = webhook_subscribe(
                client=token.client,
                target_url=serializer.validated_data["target_url"],
                events=serializer.validated_data["events"],
                by=request.user,
            )
        except DjangoValidationError as exc:
            raise ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            ) from exc
        data = dict(WebhookOutput(made.subscription).data)
        data["secret"] = made.secret
        return Response(data, status=status.HTTP_201_CREATED)


class WebhookDetailApi(_WebhookApi):
    @extend_schema(
        operation_id="webhook_retrieve",
        summary="One subscription",
        responses={200: WebhookOutput, 404: _ERROR, **_ERRORS},
        description=_ONLY_CLIENTS,
        tags=["webhooks"],
    )
    def get(self, request: Request, pk: int) -> Response:
        subscription = get_in_scope_or_404(_subscriptions(request), what="webhook", pk=pk)
        return Response(WebhookOutput(subscription).data)

    @extend_schema(
        operation_id="webhook_destroy",
        summary="Unsubscribe",
        responses={204: None, 404: _ERROR, **_ERRORS},
        description=_ONLY_CLIENTS,
        tags=["webhooks"],
    )
    def delete(self, request: Request, pk: int) -> Response:
        subscription = get_in_scope_or_404(_subscriptions(request), what="webhook", pk=pk)
        webhook_unsubscribe(subscription=subscription, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeliveryPagination(CursorPagination):
    ordering = ("-attempted_at", "-id")
    page_size = 50


DeliveryPageOutput = inline_serializer(
    name="WebhookDeliveryPage",
    fields={
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": DeliveryOutput(many=True),
    },
)


class WebhookDeliveryListApi(_WebhookApi):
    @extend_schema(
        operation_id="webhook_delivery_list",
        summary="The subscription's delivery log, newest first",
        parameters=[
            OpenApiParameter(
                name="cursor",
                location=OpenApiParameter.QUERY,
                required=False,
                description="The next page: take it from the answer's next link.",
            )
        ],
        responses={200: DeliveryPageOutput, 404: _ERROR, **_ERRORS},
        description=_ONLY_CLIENTS,
        tags=["webhooks"],
    )
    def get(self, request: Request, pk: int) -> Response:
        subscription = get_in_scope_or_404(_subscriptions(request), what="webhook", pk=pk)
        paginator = DeliveryPagination()
        page = paginator.paginate_queryset(
            WebhookDelivery.objects.filter(subscription=subscription), request, view=self
        )
        return paginator.get_paginated_response(DeliveryOutput(page, many=True).data)
