"""Django's authentication forms with NHS.UK classes."""

from __future__ import annotations

from django.contrib.auth import forms as auth_forms

from .forms import NhsFormMixin


class LoginForm(NhsFormMixin, auth_forms.AuthenticationForm):
    pass


class PasswordResetForm(NhsFormMixin, auth_forms.PasswordResetForm):
    pass


class SetPasswordForm(NhsFormMixin, auth_forms.SetPasswordForm):
    pass


class PasswordChangeForm(NhsFormMixin, auth_forms.PasswordChangeForm):
    pass
