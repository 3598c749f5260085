"""Sign-in pages beyond Django's own: the rate-limited password reset and the second factor."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.debug import sensitive_post_parameters

from . import mfa
from .auth_forms import PasswordResetForm, SecurityCodeForm, SetupCodeForm
from .ratelimit import client_address
from .security import password_reset_rate_limited


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm

    def form_valid(self, form: Any) -> HttpResponse:
        # Past the limit nothing is sent, and the page says what it always says: whether an
        # address has an account is never shown.
        limited = password_reset_rate_limited(
            address=client_address(self.request), email=form.cleaned_data["email"]
        )
        if limited:
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return str(settings.LOGIN_REDIRECT_URL)


@login_required
@sensitive_post_parameters("code")
def mfa_verify(request: HttpRequest) -> HttpResponse:
    if request.session.get(mfa.SESSION_KEY) != "verify":
        return redirect(_next_url(request))
    form = SecurityCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        used = mfa.code_verify(user=request.user, code=form.cleaned_data["code"])  # type: ignore[arg-type]
        if used:
            mfa.mfa_settled(request)
            if used == "recovery":
                left = mfa.recovery_codes_left(user=request.user)  # type: ignore[arg-type]
                messages.warning(
                    request,
                    f"You used a recovery code. You have {left} left: set up your app again "
                    "to get new ones.",
                )
            return redirect(_next_url(request))
        form.add_error("code", "The security code is not right. Check your app and try again.")
    return render(
        request,
        "registration/mfa_verify.html",
        {"form": form, "next": _next_url(request)},
        status=400 if form.errors else 200,
    )


@login_required
@sensitive_post_parameters("code")
def mfa_setup(request: HttpRequest) -> HttpResponse:
    # A user who owes a code must give it before they may change their app.
    if request.session.get(mfa.SESSION_KEY) == "verify":
        return redirect("mfa_verify")
    user = request.user
    device = mfa.totp_device_pending(user=user)  # type: ignore[arg-type]
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = mfa.totp_confirm(user=user, device=device, code=form.cleaned_data["code"])  # type: ignore[arg-type]
        if codes is not None:
            mfa.mfa_settled(request)
            # Rendered, not redirected to: the codes are shown this once and kept nowhere
            # readable.
            return render(
                request,
                "registration/mfa_recovery_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
        form.add_error("code", "The security code is not right. Check your app and try again.")
    return render(
        request,
        "registration/mfa_setup.html",
        {
            "form": form,
            # Drawn here from the device's own URL: no user input reaches the SVG.
            "qr_svg": mark_safe(mfa.totp_qr_svg(device)),  # noqa: S308
            "secret": mfa.totp_secret_for_display(device),
            "required": mfa.mfa_required_for(user),  # type: ignore[arg-type]
            "next": _next_url(request),
        },
        status=400 if form.errors else 200,
    )
