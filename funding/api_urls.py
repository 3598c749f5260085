from __future__ import annotations

from django.urls import path

from . import api

urlpatterns = [
    path("funding/awards/", api.AwardListApi.as_view(), name="funding-awards"),
    path("funding/capacity/", api.CapacityListApi.as_view(), name="funding-capacity"),
    path("funding/summary/", api.SummaryApi.as_view(), name="funding-summary"),
]
