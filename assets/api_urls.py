from __future__ import annotations

from django.urls import path

from . import api

urlpatterns = [
    path("directory/", api.DirectoryListApi.as_view(), name="api_directory"),
    path(
        "directory/openreferral/",
        api.DirectoryOpenReferralApi.as_view(),
        name="api_directory_openreferral",
    ),
]
