from __future__ import annotations

from django.urls import path

from . import views

app_name = "champions"

urlpatterns = [
    # The volunteer's own pages.
    path("", views.home, name="home"),
    path("profile/", views.profile, name="profile"),
    path("training/", views.training, name="training"),
    path("hours/", views.hours, name="hours"),
    path("hours/<int:pk>/delete/", views.hours_delete, name="hours_delete"),
    path("events/", views.events, name="events"),
    path("events/<int:pk>/delete/", views.event_delete, name="event_delete"),
    path("groups/", views.groups, name="groups"),
    path("referrals/", views.my_referrals, name="referrals"),
    path("certificate/", views.certificate, name="certificate"),
    # Link workers and administrators.
    path("list/", views.champion_list, name="list"),
    path("new/", views.champion_create, name="create"),
    path("<int:pk>/", views.champion_detail, name="detail"),
    path("<int:pk>/edit/", views.champion_edit, name="edit"),
    path("<int:pk>/training/add/", views.training_add, name="training_add"),
    path("<int:pk>/hours/add/", views.hours_add_for, name="hours_add_for"),
    path("<int:pk>/login/", views.login_create, name="login_create"),
    path("<int:pk>/certificate/", views.champion_certificate, name="champion_certificate"),
    path("invite/<int:person_id>/", views.invite, name="invite"),
]
