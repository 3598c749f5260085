"""Administrators' pages for API clients: create a client, issue a token (shown once), revoke,
see when each token was last used; and the webhook delivery log. Everyone else gets 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .access import role_required
from .api_clients import api_client_create, api_client_revoke, api_token_issue, api_token_revoke
from .forms import NhsFormMixin
from .http import SignedInRequest, form_add_service_errors, get_in_scope_or_404
from .integration_models import (
    ApiClient,
    ApiScope,
    ApiToken,
    DeliveryOutcome,
    WebhookDelivery,
)
from .models import Practice

admin_only = role_required("admin")
T = "socialrx/manage/"


class ApiClientForm(NhsFormMixin, forms.Form):
    required_messages = {
        "name": "Enter the client's name",
        "organisation": "Choose the practice the client acts for",
        "scopes": "Choose at least one thing the client may do",
    }

    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="The system and who runs it, such as 'EMIS at Vale Road Surgery'.",
    )
    organisation = forms.ModelChoiceField(
        label="Practice",
        queryset=Practice.objects.order_by("name"),
        help_text="The client sees and sends this practice's referrals only.",
    )
    scopes = forms.MultipleChoiceField(
        label="What it may do", choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple
    )


class TokenForm(NhsFormMixin, forms.Form):
    days = forms.IntegerField(
        label="Days the token lasts", min_value=1, max_value=365, required=False
    )


@admin_only
def api_client_list(request: SignedInRequest) -> HttpResponse:
    clients = ApiClient.objects.select_related("organisation").prefetch_related("tokens")
    return render(request, f"{T}api_client_list.html", {"clients": clients})


@admin_only
def api_client_create_view(request: SignedInRequest) -> HttpResponse:
    form = ApiClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            client = api_client_create(
                name=data["name"],
                organisation=data["organisation"],
                scopes=data["scopes"],
                by=request.user,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"{client} was added. Issue it a token below.")
            return redirect("socialrx:api_client_detail", pk=client.pk)
    return render(request, f"{T}api_client_form.html", {"form": form})


@admin_only
def api_client_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    client = get_in_scope_or_404(
        ApiClient.objects.select_related("organisation", "created_by"), what="client", pk=pk
    )
    return render(request, f"{T}api_client_detail.html", _detail_context(client))


def _detail_context(client: ApiClient, **extra: object) -> dict[str, object]:
    return {
        "client": client,
        "scopes": [ApiScope(s).label for s in client.scopes if s in ApiScope.values],
        "tokens": client.tokens.select_related("created_by"),
        "webhooks": client.webhooks.all(),
        "deliveries": WebhookDelivery.objects.filter(subscription__client=client)[:20],
        "token_form": extra.pop("token_form", None) or TokenForm(),
        **extra,
    }


@never_cache
@admin_only
@require_POST
def api_token_issue_view(request: SignedInRequest, pk: int) -> HttpResponse:
    client = get_in_scope_or_404(ApiClient.objects.all(), what="client", pk=pk)
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            issued = api_token_issue(client=client, by=request.user, days=form.cleaned_data["days"])
        except ValidationError as exc:
            form_add_service_errors(form, exc, field="days")
        else:
            # The token is in this page only: it is not kept, and the page is not cached.
            return render(
                request, f"{T}api_token_issued.html", {"client": client, "issued": issued}
            )
    return render(
        request, f"{T}api_client_detail.html", _detail_context(client, token_form=form), status=400
    )


@admin_only
@require_POST
def api_token_revoke_view(request: SignedInRequest, pk: int) -> HttpResponse:
    token = get_in_scope_or_404(ApiToken.objects.select_related("client"), what="token", pk=pk)
    api_token_revoke(token=token, by=request.user)
    messages.success(request, f"Token {token.prefix} was revoked: it no longer works.")
    return redirect("socialrx:api_client_detail", pk=token.client_id)


@admin_only
@require_POST
def api_client_revoke_view(request: SignedInRequest, pk: int) -> HttpResponse:
    client = get_in_scope_or_404(ApiClient.objects.all(), what="client", pk=pk)
    api_client_revoke(client=client, by=request.user)
    messages.success(request, f"{client} was revoked: none of its tokens works now.")
    return redirect("socialrx:api_client_detail", pk=client.pk)


class DeliveryFilterForm(NhsFormMixin, forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome", required=False, choices=[("", "Any outcome"), *DeliveryOutcome.choices]
    )


@admin_only
def webhook_delivery_list(request: SignedInRequest) -> HttpResponse:
    form = DeliveryFilterForm(request.GET or None)
    deliveries = WebhookDelivery.objects.select_related("subscription__client")
    if form.is_valid() and form.cleaned_data["outcome"]:
        deliveries = deliveries.filter(outcome=form.cleaned_data["outcome"])
    page = Paginator(deliveries, 50).get_page(request.GET.get("page"))
    return render(request, f"{T}webhook_delivery_list.html", {"form": form, "page": page})
