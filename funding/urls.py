from __future__ import annotations

from django.urls import path

from . import views

app_name = "funding"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("csv/<str:table>/", views.dashboard_csv, name="dashboard_csv"),
    path("awards/", views.awards, name="awards"),
    path("awards/new/", views.award_create, name="award_create"),
    path("awards/<int:pk>/", views.award_edit, name="award_edit"),
    path("posts/new/", views.post_create, name="post_create"),
    path("posts/<int:pk>/", views.post_edit, name="post_edit"),
    path("my-groups/", views.keeper, name="keeper"),
    path("my-groups/<int:pk>/places/", views.keeper_places, name="keeper_places"),
    path("listings/<int:pk>/capacity/", views.listing_capacity, name="listing_capacity"),
]
