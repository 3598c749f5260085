from __future__ import annotations

from django.http import HttpRequest
from django.urls import path

from socialrx.audit_views import LIST, ViewAudit, declare

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

CHAMPION = "champions.Champion"


def _champion_search(request: HttpRequest) -> str | None:
    return "by name or home base" if request.GET.get("q", "").strip() else None


# Which pages show a person's data, and which do not (socialrx.audit_views). A volunteer's
# own pages show their own record to them alone: not audited.
OWN = "the volunteer's own record, shown to that volunteer only"
declare(
    namespace=app_name,
    audited={
        "list": ViewAudit(CHAMPION, kind=LIST, detail="volunteer list", search=_champion_search),
        "detail": ViewAudit(CHAMPION, detail="volunteer record"),
        "edit": ViewAudit(CHAMPION, detail="volunteer form"),
        "training_add": ViewAudit(CHAMPION, detail="training form"),
        "hours_add_for": ViewAudit(CHAMPION, detail="hours form"),
        "login_create": ViewAudit(CHAMPION, detail="login form"),
        "champion_certificate": ViewAudit(CHAMPION, detail="certificate"),
        "invite": ViewAudit(
            "referrals.Person", id_kwarg="person_id", detail="volunteer invitation page"
        ),
        # The people a volunteer referred, with their referral's status.
        "referrals": ViewAudit("referrals.Referral", kind=LIST, detail="community referrals"),
    },
    not_audited={
        "home": OWN,
        "profile": OWN,
        "training": OWN,
        "hours": OWN,
        "hours_delete": OWN,
        "events": OWN,
        "event_delete": OWN,
        "groups": OWN,
        "certificate": OWN,
        "create": "a blank form for a new volunteer",
    },
)
