from __future__ import annotations

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
WHITENOISE_USE_FINDERS = True
# Demo users sign in with a password alone; set MFA_ENFORCE=true to try the second factor.
MFA_ENFORCE = env.bool("MFA_ENFORCE", default=False)
