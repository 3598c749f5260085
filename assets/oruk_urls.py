"""Open Referral UK version 3, under ``/api/oruk/v3/`` (docs/api.md)."""

from __future__ import annotations

from django.urls import path

from . import oruk_api

urlpatterns = [
    path("", oruk_api.OrukRoot.as_view(), name="oruk_root"),
    path("services", oruk_api.OrukServices.as_view(), name="oruk_services"),
    path("services/<str:id>", oruk_api.OrukService.as_view(), name="oruk_service"),
    path(
        "service_at_locations",
        oruk_api.OrukServiceAtLocations.as_view(),
        name="oruk_service_at_locations",
    ),
    path(
        "service_at_locations/<str:id>",
        oruk_api.OrukServiceAtLocation.as_view(),
        name="oruk_service_at_location",
    ),
    path("taxonomies", oruk_api.OrukTaxonomies.as_view(), name="oruk_taxonomies"),
    path("taxonomies/<str:id>", oruk_api.OrukTaxonomy.as_view(), name="oruk_taxonomy"),
    path("taxonomy_terms", oruk_api.OrukTaxonomyTerms.as_view(), name="oruk_taxonomy_terms"),
    path("taxonomy_terms/<str:id>", oruk_api.OrukTaxonomyTerm.as_view(), name="oruk_taxonomy_term"),
]
