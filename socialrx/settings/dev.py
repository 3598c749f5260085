from __future__ import annotations

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
WHITENOISE_USE_FINDERS = True
# Demo users sign in with a password alone; set MFA_ENFORCE=true to try the second factor.
MFA_ENFORCE = env.bool("MFA_ENFORCE", default=False)
# The public home page's other ways to get in touch, for the demo (01632 960 000 is a number
# Ofcom keeps for drama: it reaches no one).
SERVICE_PHONE = env("SERVICE_PHONE", default="01632 960 000 (Monday to Friday, 9am to 5pm)")
SERVICE_DROP_IN = env(
    "SERVICE_DROP_IN", default="Tuesdays 10am to 12 noon at Vale Road community centre"
)
# Webhooks to a receiver on this machine (http://localhost:...) while developing.
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=DEBUG)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=DEBUG)
