from __future__ import annotations

from .urls_casework import urlpatterns as casework
from .urls_intake import urlpatterns as intake

app_name = "referrals"

urlpatterns = casework + intake
