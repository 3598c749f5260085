"""Administrators' pages under /manage/: users, teams, practices and PCNs."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from socialrx.models import PCN, AuditLog, Practice, Role, Team, User
from tests.socialrx.factories import LinkWorkerFactory, PracticeFactory, TeamFactory

pytestmark = pytest.mark.django_db

FORBIDDEN = ["link_worker", "practice_staff", "volunteer", "commissioner"]


@pytest.fixture
def pages(link_worker, practice_a, team_a, pcn):
    """Every GET page, with an object id where it needs one."""
    return [
        reverse("socialrx:admin_home"),
        reverse("socialrx:user_list"),
        reverse("socialrx:user_create"),
        reverse("socialrx:user_edit", args=[link_worker.pk]),
        reverse("socialrx:user_deactivate", args=[link_worker.pk]),
        reverse("socialrx:team_list"),
        reverse("socialrx:team_create"),
        reverse("socialrx:team_edit", args=[team_a.pk]),
        reverse("socialrx:practice_list"),
        reverse("socialrx:practice_create"),
        reverse("socialrx:practice_edit", args=[practice_a.pk]),
        reverse("socialrx:pcn_list"),
        reverse("socialrx:pcn_create"),
        reverse("socialrx:pcn_edit", args=[pcn.pk]),
    ]


def _user_data(**overrides):
    data = {
        "username": "lw_new",
        "first_name": "Nia",
        "last_name": "Newton",
        "email": "nia@example.org",
        "role": Role.LINK_WORKER,
        "team": "",
        "practice": "",
        "staff_type": "",
        "send_invite": "on",
    }
    data.update(overrides)
    return data


# --- who may use the pages -------------------------------------------------------------------


def test_administrator_can_open_every_page(client_for, admin_user, pages):
    client = client_for(admin_user)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"<h1>" in response.content, url


@pytest.mark.parametrize("persona", FORBIDDEN)
def test_everyone_else_gets_404_on_every_page(request, client_for, persona, pages):
    client = client_for(request.getfixturevalue(persona))
    for url in pages:
        assert client.get(url).status_code == 404, url


def test_anonymous_visitor_is_sent_to_login(anon_client, pages):
    for url in pages:
        response = anon_client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", FORBIDDEN)
def test_everyone_else_cannot_change_anything(request, client_for, persona, link_worker, team_a):
    client = client_for(request.getfixturevalue(persona))
    # A volunteer's fixture writes its own record's creation: count from here.
    entries_before = AuditLog.objects.count()
    posts = [
        (reverse("socialrx:user_create"), _user_data(team=team_a.pk)),
        (reverse("socialrx:user_edit", args=[link_worker.pk]), _user_data(team=team_a.pk)),
        (reverse("socialrx:user_deactivate", args=[link_worker.pk]), {}),
        (reverse("socialrx:user_password_reset", args=[link_worker.pk]), {}),
        (reverse("socialrx:team_create"), {"name": "Sneaky", "code": "sneaky"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    link_worker.refresh_from_db()
    assert link_worker.is_active and link_worker.username == "lw_anna"
    assert not User.objects.filter(username="lw_new").exists()
    assert not Team.objects.filter(code="sneaky").exists()
    assert mail.outbox == []
    assert AuditLog.objects.count() == entries_before


def test_admin_home_links_to_every_admin_page(client_for, admin_user):
    content = client_for(admin_user).get(reverse("socialrx:admin_home")).content.decode()
    for name in ["user_list", "team_list", "practice_list", "pcn_list"]:
        assert f'href="{reverse(f"socialrx:{name}")}"' in content
    # The apps' own pages for administrators, which they declare in the registry.
    for name in [
        "referrals:closed_route_enquiries",
        "outcomes_imports:imports",
        "assets:moderation",
        "outcomes:overview",
    ]:
        assert f'href="{reverse(name)}"' in content


# --- users -----------------------------------------------------------------------------------


def test_admin_adds_a_link_worker_and_they_are_emailed_a_link(client_for, admin_user, team_a):
    response = client_for(admin_user).post(
        reverse("socialrx:user_create"), _user_data(team=team_a.pk)
    )
    user = User.objects.get(username="lw_new")
    assert response.status_code == 302
    assert response["Location"] == reverse("socialrx:user_edit", args=[user.pk])
    assert user.role == Role.LINK_WORKER and user.team == team_a
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nia@example.org"]
    assert "/accounts/reset/" in mail.outbox[0].body
    assert "lw_new" in mail.outbox[0].body
    entry = AuditLog.objects.get(object_type="socialrx.user", action="create")
    assert entry.object_id == str(user.pk) and entry.user == admin_user


def test_user_is_added_even_when_the_invitation_email_fails(
    client_for, admin_user, team_a, monkeypatch
):
    import smtplib

    def broken(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr("socialrx.manage_services.send_mail", broken)
    response = client_for(admin_user).post(
        reverse("socialrx:user_create"), _user_data(team=team_a.pk), follow=True
    )
    assert User.objects.filter(username="lw_new").exists()
    assert "The email could not be sent" in response.content.decode()
    assert not AuditLog.objects.filter(detail="invitation sent").exists()


def test_link_worker_without_a_team_shows_an_error_and_creates_nothing(client_for, admin_user):
    response = client_for(admin_user).post(reverse("socialrx:user_create"), _user_data())
    content = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in content
    assert "Choose the team this link worker belongs to" in content
    assert 'href="#id_team"' in content
    assert "onstraint" not in content  # no raw database-constraint message
    assert not User.objects.filter(username="lw_new").exists()
    assert mail.outbox == []
    assert not AuditLog.objects.exists()


def test_practice_staff_need_a_practice_and_a_staff_type(client_for, admin_user):
    response = client_for(admin_user).post(
        reverse("socialrx:user_create"), _user_data(role=Role.PRACTICE_STAFF)
    )
    content = response.content.decode()
    assert "Choose the practice this member of staff works at" in content
    assert "Choose what kind of practice staff they are" in content
    assert not User.objects.filter(username="lw_new").exists()


def test_practice_staff_with_practice_is_created(client_for, admin_user, practice_a):
    client_for(admin_user).post(
        reverse("socialrx:user_create"),
        _user_data(role=Role.PRACTICE_STAFF, practice=practice_a.pk, staff_type="nurse"),
    )
    user = User.objects.get(username="lw_new")
    assert user.practice == practice_a and user.staff_type == "nurse" and user.team is None


def test_scope_fields_that_do_not_fit_the_role_are_cleared(
    client_for, admin_user, team_a, practice_a
):
    client_for(admin_user).post(
        reverse("socialrx:user_create"),
        _user_data(
            role=Role.COMMISSIONER,
            team=team_a.pk,
            practice=practice_a.pk,
            staff_type="gp",
            send_invite="",
        ),
    )
    user = User.objects.get(username="lw_new")
    assert (user.team, user.practice, user.staff_type) == (None, None, "")
    assert mail.outbox == []  # no invitation asked for


def test_duplicate_username_and_email_are_refused(client_for, admin_user, link_worker, team_a):
    response = client_for(admin_user).post(
        reverse("socialrx:user_create"),
        _user_data(username="lw_anna", email=link_worker.email, team=team_a.pk),
    )
    content = response.content.decode()
    assert "There is a problem" in content
    assert "Another user already has this email address" in content
    assert User.objects.filter(username="lw_anna").count() == 1


def test_admin_edits_a_users_team_and_it_is_audited(client_for, admin_user, link_worker, team_b):
    url = reverse("socialrx:user_edit", args=[link_worker.pk])
    data = _user_data(
        username="lw_anna",
        first_name=link_worker.first_name,
        last_name=link_worker.last_name,
        email=link_worker.email,
        team=team_b.pk,
    )
    response = client_for(admin_user).post(url, data)
    assert response.status_code == 302
    link_worker.refresh_from_db()
    assert link_worker.team == team_b
    entry = AuditLog.objects.get(object_type="socialrx.user", object_id=str(link_worker.pk))
    assert entry.action == "update" and entry.detail == "changed: team"
    assert "Anna" not in entry.detail  # names of fields only, never values


def test_changing_role_to_practice_staff_without_practice_changes_nothing(
    client_for, admin_user, link_worker, team_a
):
    url = reverse("socialrx:user_edit", args=[link_worker.pk])
    data = _user_data(
        username="lw_anna",
        first_name="Changed",
        last_name=link_worker.last_name,
        email=link_worker.email,
        role=Role.PRACTICE_STAFF,
        team=team_a.pk,
    )
    response = client_for(admin_user).post(url, data)
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    link_worker.refresh_from_db()
    assert link_worker.role == Role.LINK_WORKER and link_worker.team == team_a
    assert link_worker.first_name == "Anna"
    assert not AuditLog.objects.exists()


def test_saving_without_changes_writes_no_audit_entry(client_for, admin_user, link_worker, team_a):
    data = _user_data(
        username="lw_anna",
        first_name=link_worker.first_name,
        last_name=link_worker.last_name,
        email=link_worker.email,
        team=team_a.pk,
    )
    client_for(admin_user).post(reverse("socialrx:user_edit", args=[link_worker.pk]), data)
    assert not AuditLog.objects.exists()


def test_admin_cannot_take_away_their_own_admin_role(client_for, admin_user):
    data = _user_data(
        username=admin_user.username,
        first_name="Gus",
        last_name="Admin",
        email=admin_user.email,
        role=Role.COMMISSIONER,
    )
    response = client_for(admin_user).post(
        reverse("socialrx:user_edit", args=[admin_user.pk]), data
    )
    assert "You cannot take away your own administrator role" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN


def test_deactivate_asks_first_then_deactivates(client_for, admin_user, link_worker, practice_a):
    client = client_for(admin_user)
    url = reverse("socialrx:user_deactivate", args=[link_worker.pk])
    page = client.get(url).content.decode()
    assert "Deactivate Anna Link?" in page
    assert practice_a.name in page  # they are its named link worker
    link_worker.refresh_from_db()
    assert link_worker.is_active
    response = client.post(url)
    assert response.status_code == 302
    link_worker.refresh_from_db()
    assert not link_worker.is_active
    assert AuditLog.objects.get(object_id=str(link_worker.pk)).detail == "deactivated"


def test_admin_cannot_deactivate_themselves(client_for, admin_user):
    response = client_for(admin_user).post(
        reverse("socialrx:user_deactivate", args=[admin_user.pk])
    )
    assert response.status_code == 400
    assert "You cannot deactivate your own account" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_reactivate_needs_post_and_reactivates(client_for, admin_user, link_worker):
    link_worker.is_active = False
    link_worker.save()
    client = client_for(admin_user)
    url = reverse("socialrx:user_reactivate", args=[link_worker.pk])
    assert client.get(url).status_code == 405
    client.post(url)
    link_worker.refresh_from_db()
    assert link_worker.is_active


def test_password_reset_email_for_a_user(client_for, admin_user, link_worker):
    client = client_for(admin_user)
    response = client.post(reverse("socialrx:user_password_reset", args=[link_worker.pk]))
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [link_worker.email]
    reset_path = next(
        line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line
    )
    # The emailed link works: it leads to the "choose a new password" form.
    path = "/" + reset_path.strip().split("://", 1)[1].split("/", 1)[1]
    follow = client.get(path, follow=True)
    assert follow.status_code == 200
    assert b"new password" in follow.content.lower()
    assert AuditLog.objects.get(object_id=str(link_worker.pk)).detail == "password reset sent"
    assert link_worker.password not in mail.outbox[0].body


def test_password_reset_for_a_deactivated_user_is_refused(client_for, admin_user, link_worker):
    link_worker.is_active = False
    link_worker.save()
    response = client_for(admin_user).post(
        reverse("socialrx:user_password_reset", args=[link_worker.pk]), follow=True
    )
    assert "deactivated" in response.content.decode()
    assert mail.outbox == []


def test_user_list_filters_by_role_and_name(client_for, admin_user, link_worker, commissioner):
    # Fixed names: a random name or email holding "anna" (Hannah, Joanna) would match the search.
    commissioner.first_name, commissioner.last_name = "Fay", "Brook"
    commissioner.email = "fay.brook@example.org"
    commissioner.save()
    client = client_for(admin_user)
    content = client.post(reverse("socialrx:user_list"), {"role": "link_worker"}).content.decode()
    assert "lw_anna" in content and "comm_fay" not in content
    content = client.post(reverse("socialrx:user_list"), {"q": "anna"}).content.decode()
    assert "lw_anna" in content and "comm_fay" not in content


def test_user_search_is_posted_and_its_pages_keep_the_search(client_for, admin_user, team_a):
    for i in range(55):
        LinkWorkerFactory(username=f"lw_x{i:02d}", first_name="Xena", team=team_a)
    LinkWorkerFactory(username="lw_other", first_name="Olga", team=team_a)
    client = client_for(admin_user)
    page_one = client.get(reverse("socialrx:user_list")).content.decode()
    assert 'method="post"' in page_one and 'method="get"' not in page_one
    first = client.post(reverse("socialrx:user_list"), {"q": "xena"}).content.decode()
    assert "55 users" in first and "Next page" in first
    assert '<input type="hidden" name="q" value="xena">' in first
    second = client.post(reverse("socialrx:user_list"), {"q": "xena", "page": "2"})
    content = second.content.decode()
    assert content.count("lw_x") == 5 and "lw_other" not in content


def test_user_list_hides_deactivated_users_unless_asked(client_for, admin_user, link_worker):
    link_worker.is_active = False
    link_worker.save()
    client = client_for(admin_user)
    assert "lw_anna" not in client.get(reverse("socialrx:user_list")).content.decode()
    content = client.post(reverse("socialrx:user_list"), {"status": "inactive"}).content.decode()
    assert "lw_anna" in content and "Deactivated" in content


def test_user_list_htmx_returns_only_the_results(client_for, admin_user, link_worker):
    response = client_for(admin_user).post(
        reverse("socialrx:user_list"), {"q": "anna"}, HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert 'id="results"' in content and "lw_anna" in content
    assert "<html" not in content and "<h1>" not in content


def test_user_list_query_count_does_not_grow_with_users(
    client_for, admin_user, team_a, django_assert_max_num_queries
):
    for i in range(30):
        LinkWorkerFactory(username=f"lw_{i}", team=team_a)
    client = client_for(admin_user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("socialrx:user_list"))
    assert response.content.decode().count("lw_") >= 30


# --- teams, practices, PCNs ------------------------------------------------------------------


def test_admin_adds_a_team(client_for, admin_user):
    response = client_for(admin_user).post(
        reverse("socialrx:team_create"), {"name": "East link workers", "code": "East"}
    )
    assert response.status_code == 302
    team = Team.objects.get(name="East link workers")
    assert team.code == "east"
    assert AuditLog.objects.get(object_type="socialrx.team").action == "create"


def test_team_with_bad_or_duplicate_code_is_refused(client_for, admin_user, team_a):
    client = client_for(admin_user)
    response = client.post(reverse("socialrx:team_create"), {"name": "X", "code": "has space"})
    assert "Team code must be letters" in response.content.decode()
    response = client.post(reverse("socialrx:team_create"), {"name": "X", "code": team_a.code})
    assert "There is a problem" in response.content.decode()
    assert Team.objects.count() == 1


def test_admin_edits_a_practice_with_named_link_worker_of_its_team(
    client_for, admin_user, practice_a, team_a, pcn
):
    colleague = LinkWorkerFactory(username="lw_col", team=team_a)
    response = client_for(admin_user).post(
        reverse("socialrx:practice_edit", args=[practice_a.pk]),
        {
            "name": practice_a.name,
            "ods_code": "a00001",
            "pcn": pcn.pk,
            "team": team_a.pk,
            "named_link_worker": colleague.pk,
        },
    )
    assert response.status_code == 302
    practice_a.refresh_from_db()
    assert practice_a.named_link_worker == colleague
    assert practice_a.ods_code == "A00001"


def test_named_link_worker_from_another_team_is_refused(
    client_for, admin_user, practice_a, team_a, other_link_worker, link_worker
):
    response = client_for(admin_user).post(
        reverse("socialrx:practice_edit", args=[practice_a.pk]),
        {
            "name": "Renamed",
            "ods_code": practice_a.ods_code,
            "pcn": "",
            "team": team_a.pk,
            "named_link_worker": other_link_worker.pk,
        },
    )
    content = response.content.decode()
    assert "There is a problem" in content
    assert f"Choose a link worker of {team_a.name}" in content
    practice_a.refresh_from_db()
    assert practice_a.name != "Renamed" and practice_a.named_link_worker == link_worker


def test_admin_adds_a_practice_and_bad_ods_code_is_refused(client_for, admin_user, team_a):
    client = client_for(admin_user)
    bad = {"name": "New Surgery", "ods_code": "B8!", "pcn": "", "team": team_a.pk}
    response = client.post(reverse("socialrx:practice_create"), bad)
    assert "Enter the ODS code as letters and digits" in response.content.decode()
    assert not Practice.objects.filter(name="New Surgery").exists()
    good = {**bad, "ods_code": "b99001", "named_link_worker": ""}
    assert client.post(reverse("socialrx:practice_create"), good).status_code == 302
    assert Practice.objects.get(name="New Surgery").ods_code == "B99001"


def test_admin_adds_and_edits_a_pcn(client_for, admin_user):
    client = client_for(admin_user)
    client.post(reverse("socialrx:pcn_create"), {"name": "East PCN", "code": "u12345"})
    pcn = PCN.objects.get(name="East PCN")
    assert pcn.code == "U12345"
    assert (
        "Back to PCNs" in client.get(reverse("socialrx:pcn_edit", args=[pcn.pk])).content.decode()
    )
    client.post(
        reverse("socialrx:pcn_edit", args=[pcn.pk]), {"name": "East Leeds PCN", "code": "U12345"}
    )
    pcn.refresh_from_db()
    assert pcn.name == "East Leeds PCN"
    response = client.post(reverse("socialrx:pcn_create"), {"name": "", "code": "U1"})
    assert "There is a problem" in response.content.decode()
    assert PCN.objects.count() == 1


def test_list_pages_query_counts_do_not_grow(client_for, admin_user, django_assert_max_num_queries):
    for i in range(15):
        team = TeamFactory(code=f"t{i}")
        worker = LinkWorkerFactory(username=f"w{i}", team=team)
        PracticeFactory(ods_code=f"Q{i:05d}", team=team, named_link_worker=worker)
    client = client_for(admin_user)
    for name in ["practice_list", "team_list", "pcn_list", "admin_home"]:
        with django_assert_max_num_queries(8):
            response = client.get(reverse(f"socialrx:{name}"))
        assert response.status_code == 200


# --- Django admin (support only) -------------------------------------------------------------


def test_core_models_are_in_the_django_admin_and_audit_log_is_read_only(
    client_for, admin_user, link_worker, practice_a
):
    admin_user.is_superuser = True
    admin_user.save()
    client = client_for(admin_user)
    for url in [
        "/django-admin/socialrx/user/",
        "/django-admin/socialrx/user/add/",
        f"/django-admin/socialrx/user/{link_worker.pk}/change/",
        "/django-admin/socialrx/practice/",
        f"/django-admin/socialrx/practice/{practice_a.pk}/change/",
        "/django-admin/socialrx/team/",
        "/django-admin/socialrx/pcn/",
        "/django-admin/socialrx/auditlog/",
    ]:
        assert client.get(url).status_code == 200, url
    assert client.get("/django-admin/socialrx/auditlog/add/").status_code == 403
