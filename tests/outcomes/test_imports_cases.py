"""Case records and directory imports: people, referrals, conversations, assets,
connections, champions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from assets.models import Asset
from champions.models import Champion
from outcomes.imports import data_import
from referrals.models import (
    Connection,
    ConnectionOutcomeChange,
    Conversation,
    FriendsObservation,
    Person,
    Referral,
    ReferralStatusChange,
    SwemwbsResponse,
)
from socialrx.models import AuditLog
from socialrx.validators import patient_key
from tests.assets.factories import AssetFactory
from tests.outcomes.imports_support import messages, tables, write_csv
from tests.referrals.factories import PersonFactory
from tests.socialrx.factories import LinkWorkerFactory

pytestmark = pytest.mark.django_db

PEOPLE = [
    "person_ref",
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "ethnicity",
    "postcode",
    "lsoa_code",
    "imd_decile",
    "practice_ods",
    "preferred_language",
]
REFERRALS = [
    "referral_ref",
    "person_ref",
    "received_on",
    "source",
    "referrer_name",
    "referrer_organisation",
    "reason",
    "status",
    "closed_on",
]
CONVERSATIONS = [
    "conversation_ref",
    "person_ref",
    "held_on",
    "what_matters",
    "friends_count",
    "swemwbs_items",
]
ASSETS = [
    "asset_ref",
    "name",
    "category",
    "led_by",
    "started_on",
    "ended_on",
    "postcode",
    "description",
]
CONNECTIONS = ["connection_ref", "person_ref", "asset_ref", "made_on", "kind", "outcome"]
CHAMPIONS = [
    "champion_ref",
    "person_ref",
    "given_name",
    "family_name",
    "role",
    "started_on",
    "ended_on",
]
N1 = "9434765919"


def person_row(ref, **kw):
    values = {
        "person_ref": ref,
        "nhs_number": "",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth": "1950-12-10",
        "sex": "female",
        "ethnicity": "white",
        "postcode": "m1 1ae",
        "lsoa_code": "E01005131",
        "imd_decile": "2",
        "practice_ods": "A00001",
        "preferred_language": "English",
    } | kw
    return [values[c] for c in PEOPLE]


@pytest.fixture
def people(tmp_path, practice_a, link_worker):
    f = write_csv(
        tmp_path / "people.csv",
        PEOPLE,
        [person_row("P1", nhs_number=N1), person_row("P2", given_name="Bo", practice_ods="")],
    )
    result = data_import(kind="people", path_or_file=f)
    assert result.ok, messages(result)
    return Person.objects.get(person_ref="P1"), Person.objects.get(person_ref="P2")


# --- people ----------------------------------------------------------------------------------


def test_people_import_stores_fields_team_link_worker_and_patient_key(
    people, practice_a, team_a, link_worker
):
    p1, p2 = people
    assert (p1.given_name, p1.family_name, p1.date_of_birth) == (
        "Ada",
        "Lovelace",
        dt.date(1950, 12, 10),
    )
    assert (p1.sex, p1.ethnicity, p1.postcode, p1.lsoa_code, p1.imd_decile) == (
        "female",
        "white",
        "M1 1AE",
        "E01005131",
        2,
    )
    assert (p1.practice, p1.team, p1.link_worker) == (practice_a, team_a, link_worker)
    assert p1.nhs_number == N1
    assert p1.patient_key == patient_key(N1)
    # No practice and no DEFAULT_TEAM_CODE: the longest-standing team takes them.
    assert (p2.practice, p2.team, p2.link_worker, p2.patient_key) == (None, team_a, link_worker, "")
    assert AuditLog.objects.filter(person_id=p1.pk, action="create").count() == 1


def test_people_reimport_changes_nothing(tmp_path, people):
    f = write_csv(
        tmp_path / "again.csv",
        PEOPLE,
        [person_row("P1", nhs_number=N1), person_row("P2", given_name="Bo", practice_ods="")],
    )
    before = tables(Person)
    audits = AuditLog.objects.count()
    result = data_import(kind="people", path_or_file=f)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert tables(Person) == before
    assert AuditLog.objects.count() == audits


def test_people_only_ref_and_given_name_are_required(tmp_path, practice_a):
    f = write_csv(tmp_path / "p.csv", ["given_name", "person_ref"], [["Cy", "P9"]])
    assert data_import(kind="people", path_or_file=f).ok
    person = Person.objects.get(person_ref="P9")
    assert (person.sex, person.imd_decile, person.practice) == ("unknown", None, None)


def test_people_columns_left_out_are_left_alone_but_empty_cells_clear(tmp_path, people):
    f = write_csv(tmp_path / "p.csv", ["person_ref", "given_name"], [["P1", "Ada"]])
    assert data_import(kind="people", path_or_file=f).unchanged == 1
    assert Person.objects.get(person_ref="P1").imd_decile == 2
    f = write_csv(
        tmp_path / "p2.csv",
        ["person_ref", "given_name", "imd_decile", "nhs_number"],
        [["P1", "Ada", "", ""]],
    )
    assert data_import(kind="people", path_or_file=f).updated == 1
    p1 = Person.objects.get(person_ref="P1")
    assert (p1.imd_decile, p1.nhs_number, p1.patient_key) == (None, None, "")


def test_people_record_made_in_the_app_is_adopted_by_nhs_number(tmp_path, practice_a):
    made = PersonFactory(nhs_number=N1, practice=practice_a)
    f = write_csv(tmp_path / "p.csv", PEOPLE, [person_row("P1", nhs_number="943 476 5919")])
    result = data_import(kind="people", path_or_file=f)
    assert (result.created, result.updated) == (0, 1)
    made.refresh_from_db()
    assert (made.person_ref, made.given_name) == ("P1", "Ada")
    assert Person.objects.count() == 1


def test_people_nhs_number_on_another_referenced_person_is_refused(tmp_path, people):
    f = write_csv(tmp_path / "p.csv", PEOPLE, [person_row("P3", nhs_number=N1)])
    assert messages(data_import(kind="people", path_or_file=f)) == [
        "line 2, column nhs_number: the NHS number is already on another person's record; "
        "expected each person once: the record with this NHS number has another person_ref"
    ]
    assert not Person.objects.filter(person_ref="P3").exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"nhs_number": "1234567890"},
            "line 3, column nhs_number: the value is not a valid NHS number; expected 10 digits "
            "whose last is the modulus 11 check digit (the value is not shown)",
        ),
        (
            {"nhs_number": N1},
            "line 3, column nhs_number: the same value is also on line 2; expected each "
            "nhs_number once in a file",
        ),
        (
            {"person_ref": "P1"},
            'line 3, column person_ref: "P1" is also on line 2; expected each person_ref once in '
            "a file",
        ),
        (
            {"given_name": ""},
            "line 3, column given_name: the cell is empty; expected text of at most 100 characters",
        ),
        (
            {"date_of_birth": "10/12/1950"},
            "line 3, column date_of_birth: the value is not a date; expected a date of birth as "
            "YYYY-MM-DD from 1900-01-01 to today, for example 1950-04-30",
        ),
        (
            {"date_of_birth": "1950-02-30"},
            "line 3, column date_of_birth: the value is not a real date; expected a date of "
            "birth as YYYY-MM-DD from 1900-01-01 to today, for example 1950-04-30",
        ),
        (
            {"date_of_birth": "2999-01-01"},
            "line 3, column date_of_birth: the value is in the future; expected a date of birth "
            "as YYYY-MM-DD from 1900-01-01 to today, for example 1950-04-30",
        ),
        (
            {"date_of_birth": "1899-12-31"},
            "line 3, column date_of_birth: the value is before 1900-01-01; expected a date of "
            "birth as YYYY-MM-DD from 1900-01-01 to today, for example 1950-04-30",
        ),
        (
            {"sex": "F"},
            'line 3, column sex: "F" is not one of the codes; expected one of female, male, '
            "other, unknown",
        ),
        (
            {"ethnicity": "british"},
            'line 3, column ethnicity: "british" is not one of the codes; expected one of asian, '
            "black, mixed, white, other, unknown, A, B, C, D, E, F, G, H, J, K, L, M, N, P, R, "
            "S, Z",
        ),
        (
            {"postcode": "nowhere"},
            "line 3, column postcode: the value is not a full UK postcode; expected a full UK "
            "postcode, like M1 1AE",
        ),
        (
            {"lsoa_code": "123"},
            'line 3, column lsoa_code: "123" is not in the right form; expected an LSOA code '
            "like E01000001",
        ),
        (
            {"imd_decile": "0"},
            'line 3, column imd_decile: "0" is out of range; expected a whole number from 1 to 10',
        ),
        (
            {"practice_ods": "Z99999"},
            'line 3, column practice_ods: "Z99999" matches no practice; expected the '
            "practice_ods of practice already imported (practices.csv)",
        ),
        (
            {"preferred_language": "x" * 61},
            'line 3, column preferred_language: "' + "x" * 39 + '…" is 61 characters long; '
            "expected text of at most 60 characters",
        ),
    ],
)
def test_people_bad_cells(tmp_path, practice_a, changes, message):
    good = person_row("P1", nhs_number=N1)
    f = write_csv(tmp_path / "p.csv", PEOPLE, [good, person_row("P2", **changes)])
    result = data_import(kind="people", path_or_file=f)
    assert messages(result) == [message]
    assert not Person.objects.exists()
    assert not AuditLog.objects.exists()


def test_people_assignment_uses_the_team_rule(tmp_path, practice_a, team_a):
    first = LinkWorkerFactory(team=team_a)  # no named link worker: longest-standing member
    LinkWorkerFactory(team=team_a)
    f = write_csv(tmp_path / "p.csv", PEOPLE, [person_row("P1"), person_row("P2")])
    assert data_import(kind="people", path_or_file=f).ok
    assert set(Person.objects.values_list("link_worker", flat=True)) == {first.pk}


# --- referrals -------------------------------------------------------------------------------


def referral_row(ref, person="P1", **kw):
    values = {
        "referral_ref": ref,
        "person_ref": person,
        "received_on": "2025-01-10",
        "source": "gp",
        "referrer_name": "Dr Who",
        "referrer_organisation": "Canal Street Surgery",
        "reason": "Lonely since moving",
        "status": "active",
        "closed_on": "",
    } | kw
    return [values[c] for c in REFERRALS]


def test_referrals_import_with_assignment_and_status_change(
    tmp_path, people, practice_a, team_a, link_worker, admin_user
):
    f = write_csv(
        tmp_path / "r.csv",
        REFERRALS,
        [
            referral_row("R1"),
            referral_row("R2", person="P2", source="self", status="closed", closed_on="2025-03-01"),
        ],
    )
    result = data_import(kind="referrals", path_or_file=f, by=admin_user)
    assert result.ok, messages(result)
    r1 = Referral.objects.get(referral_ref="R1")
    assert (r1.person.person_ref, r1.received_on, r1.source, r1.status) == (
        "P1",
        dt.date(2025, 1, 10),
        "gp",
        "active",
    )
    assert (r1.team, r1.link_worker, r1.referring_practice) == (team_a, link_worker, practice_a)
    r2 = Referral.objects.get(referral_ref="R2")
    assert (r2.referring_practice, r2.closed_on) == (None, dt.date(2025, 3, 1))
    change = ReferralStatusChange.objects.get(referral=r1)
    assert (change.from_status, change.to_status, change.by) == ("", "active", admin_user)

    before = tables(Referral, ReferralStatusChange)
    again = data_import(kind="referrals", path_or_file=f, by=admin_user)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert tables(Referral, ReferralStatusChange) == before

    closed = write_csv(
        tmp_path / "r2.csv",
        REFERRALS,
        [referral_row("R1", status="closed", closed_on="2025-02-01")],
    )
    assert data_import(kind="referrals", path_or_file=closed).updated == 1
    assert list(
        ReferralStatusChange.objects.filter(referral=r1).values_list("from_status", "to_status")
    ) == [("", "active"), ("active", "closed")]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"person": "P404"},
            'line 3, column person_ref: "P404" matches no person; expected the person_ref of '
            "person already imported (people.csv)",
        ),
        (
            {"received_on": ""},
            "line 3, column received_on: the cell is empty; expected a date as YYYY-MM-DD, "
            "today or earlier, for example 2025-04-30",
        ),
        (
            {"received_on": "2999-01-01"},
            'line 3, column received_on: "2999-01-01" is in the future; expected a date as '
            "YYYY-MM-DD, today or earlier, for example 2025-04-30",
        ),
        (
            {"source": "phone"},
            'line 3, column source: "phone" is not one of the codes; expected one of gp, '
            "practice_staff, self, community, other",
        ),
        (
            {"status": "unable_to_contact"},
            'line 3, column status: "unable_to_contact" is not one of the codes; expected one of '
            "received, contacted, active, closed, declined, withdrawn",
        ),
        (
            {"status": "closed", "closed_on": "2024-12-31"},
            'line 3, column closed_on: "2024-12-31" is before received_on (2025-01-10); '
            "expected a date on or after "
            "received_on",
        ),
        (
            {"closed_on": "2025-02-01"},
            'line 3, column closed_on: is given but the status is "active"; expected an empty '
            "closed_on for a referral that is still open",
        ),
        (
            {"status": "declined"},
            'line 3, column closed_on: is empty but the status is "declined"; expected the date '
            "an ended referral ended",
        ),
    ],
)
def test_referrals_bad_cells(tmp_path, people, changes, message):
    f = write_csv(
        tmp_path / "r.csv", REFERRALS, [referral_row("R1"), referral_row("R2", **changes)]
    )
    assert messages(data_import(kind="referrals", path_or_file=f)) == [message]
    assert not Referral.objects.exists()
    assert not ReferralStatusChange.objects.exists()


# --- conversations ---------------------------------------------------------------------------


def conversation_row(ref, person="P1", **kw):
    values = {
        "conversation_ref": ref,
        "person_ref": person,
        "held_on": "2025-01-20",
        "what_matters": "Seeing my grandchildren",
        "friends_count": "2",
        "swemwbs_items": "3;3;3;3;3;3;3",
    } | kw
    return [values[c] for c in CONVERSATIONS]


def test_conversations_with_friends_and_swemwbs(tmp_path, people):
    f = write_csv(
        tmp_path / "c.csv",
        CONVERSATIONS,
        [conversation_row("C1"), conversation_row("C2", friends_count="", swemwbs_items="")],
    )
    result = data_import(kind="conversations", path_or_file=f)
    assert result.ok, messages(result)
    c1 = Conversation.objects.get(conversation_ref="C1")
    assert (c1.person.person_ref, c1.held_on, c1.what_matters) == (
        "P1",
        dt.date(2025, 1, 20),
        "Seeing my grandchildren",
    )
    obs = FriendsObservation.objects.get()
    assert (obs.conversation, obs.person_id, obs.observed_on, obs.friends_count) == (
        c1,
        c1.person_id,
        c1.held_on,
        2,
    )
    swemwbs = SwemwbsResponse.objects.get()
    assert (swemwbs.items, swemwbs.raw_score, swemwbs.metric_score) == (
        [3] * 7,
        21,
        Decimal("19.25"),
    )
    assert swemwbs.completed_on == c1.held_on

    snapshot = tables(Conversation, FriendsObservation, SwemwbsResponse)
    again = data_import(kind="conversations", path_or_file=f)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert tables(Conversation, FriendsObservation, SwemwbsResponse) == snapshot


def test_conversation_measures_update_and_empty_cells_remove_them(tmp_path, people):
    data_import(
        kind="conversations",
        path_or_file=write_csv(tmp_path / "a.csv", CONVERSATIONS, [conversation_row("C1")]),
    )
    changed = conversation_row("C1", friends_count="5", swemwbs_items="")
    result = data_import(
        kind="conversations", path_or_file=write_csv(tmp_path / "b.csv", CONVERSATIONS, [changed])
    )
    assert (result.updated, result.deleted) == (1, 1)
    assert FriendsObservation.objects.get().friends_count == 5
    assert not SwemwbsResponse.objects.exists()
    emptied = conversation_row("C1", friends_count="", swemwbs_items="")
    data_import(
        kind="conversations", path_or_file=write_csv(tmp_path / "c.csv", CONVERSATIONS, [emptied])
    )
    assert not FriendsObservation.objects.exists()


def test_conversations_without_measure_columns_leave_measures_alone(tmp_path, people):
    data_import(
        kind="conversations",
        path_or_file=write_csv(tmp_path / "a.csv", CONVERSATIONS, [conversation_row("C1")]),
    )
    f = write_csv(
        tmp_path / "b.csv",
        ["conversation_ref", "person_ref", "held_on", "what_matters"],
        [["C1", "P1", "2025-01-20", "Seeing my grandchildren"]],
    )
    assert data_import(kind="conversations", path_or_file=f).unchanged == 1
    assert FriendsObservation.objects.count() == SwemwbsResponse.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"person": "P404"},
            'line 3, column person_ref: "P404" matches no person; expected the person_ref of '
            "person already imported (people.csv)",
        ),
        (
            {"held_on": "2025-1-2"},
            'line 3, column held_on: "2025-1-2" is not a date; expected a date as YYYY-MM-DD, '
            "today or earlier, for example 2025-04-30",
        ),
        (
            {"held_on": "2999-01-01"},
            'line 3, column held_on: "2999-01-01" is in the future; expected a date as '
            "YYYY-MM-DD, today or earlier, for example 2025-04-30",
        ),
        (
            {"friends_count": "-1"},
            'line 3, column friends_count: "-1" is out of range; expected a whole number, 0 or '
            "more",
        ),
        (
            {"swemwbs_items": "3;3;3"},
            'line 3, column swemwbs_items: "3;3;3" has 3 items; expected seven whole numbers '
            "from 1 to 5 separated by ;, for example 4;3;4;3;5;4;3",
        ),
        (
            {"swemwbs_items": "3;3;3;3;3;3;6"},
            'line 3, column swemwbs_items: "3;3;3;3;3;3;6" has an item outside 1 to 5; expected '
            "seven whole numbers from 1 to 5 separated by ;, for example 4;3;4;3;5;4;3",
        ),
        (
            {"swemwbs_items": "3;3;3;3;3;3;x"},
            'line 3, column swemwbs_items: "3;3;3;3;3;3;x" has an item that is not a whole '
            "number; expected seven whole numbers from 1 to 5 separated by ;, for example "
            "4;3;4;3;5;4;3",
        ),
    ],
)
def test_conversations_bad_cells(tmp_path, people, changes, message):
    f = write_csv(
        tmp_path / "c.csv",
        CONVERSATIONS,
        [conversation_row("C1"), conversation_row("C2", **changes)],
    )
    assert messages(data_import(kind="conversations", path_or_file=f)) == [message]
    assert not Conversation.objects.exists()
    assert not FriendsObservation.objects.exists()
    assert not SwemwbsResponse.objects.exists()


# --- assets ----------------------------------------------------------------------------------


def asset_row(ref, **kw):
    values = {
        "asset_ref": ref,
        "name": "Walking group",
        "category": "green_nature",
        "led_by": "citizen",
        "started_on": "2020-01-01",
        "ended_on": "",
        "postcode": "m1 1ae",
        "description": "Every Tuesday",
    } | kw
    return [values[c] for c in ASSETS]


def test_assets_import_and_reimport(tmp_path):
    f = write_csv(tmp_path / "a.csv", ASSETS, [asset_row("A1"), asset_row("A2", led_by="vcse")])
    assert data_import(kind="assets", path_or_file=f).created == 2
    a1 = Asset.objects.get(asset_ref="A1")
    assert (a1.name, a1.category, a1.led_by, a1.started_on, a1.ended_on, a1.postcode) == (
        "Walking group",
        "green_nature",
        "citizen",
        dt.date(2020, 1, 1),
        None,
        "M1 1AE",
    )
    before = tables(Asset)
    assert data_import(kind="assets", path_or_file=f).unchanged == 2
    assert tables(Asset) == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"category": "sport"},
            'line 3, column category: "sport" is not one of the codes; expected one of '
            "advice_money, reading, green_nature, arts_creativity, music_singing, "
            "physical_activity, volunteering_community, learning, heritage_museums, "
            "peer_support, befriending, food, faith_culture, digital_skills, carers_support",
        ),
        (
            {"led_by": "council"},
            'line 3, column led_by: "council" is not one of the codes; expected one of citizen, '
            "vcse, statutory, commercial",
        ),
        (
            {"ended_on": "2020-01-01"},
            'line 3, column ended_on: "2020-01-01" is not after started_on (2020-01-01); '
            "expected a date after started_on",
        ),
        (
            {"name": ""},
            "line 3, column name: the cell is empty; expected text of at most 200 characters",
        ),
    ],
)
def test_assets_bad_cells(tmp_path, changes, message):
    f = write_csv(tmp_path / "a.csv", ASSETS, [asset_row("A1"), asset_row("A2", **changes)])
    assert messages(data_import(kind="assets", path_or_file=f)) == [message]
    assert not Asset.objects.exists()


# --- connections -----------------------------------------------------------------------------


def test_connections_import_with_outcome_history(tmp_path, people):
    AssetFactory(asset_ref="A1")
    f = write_csv(
        tmp_path / "c.csv",
        CONNECTIONS,
        [
            ["K1", "P1", "A1", "2025-02-01", "accompanied", "attended"],
            ["K2", "P2", "A1", "2025-02-02", "signpost", ""],
        ],
    )
    result = data_import(kind="connections", path_or_file=f)
    assert result.ok, messages(result)
    k1, k2 = Connection.objects.order_by("connection_ref")
    assert (k1.person.person_ref, k1.asset.asset_ref, k1.kind, k1.outcome) == (
        "P1",
        "A1",
        "accompanied",
        "attended",
    )
    assert k2.outcome == "pending"
    assert list(ConnectionOutcomeChange.objects.values_list("connection", "outcome")) == [
        (k1.pk, "attended")
    ]
    before = tables(Connection, ConnectionOutcomeChange)
    assert data_import(kind="connections", path_or_file=f).unchanged == 2
    assert tables(Connection, ConnectionOutcomeChange) == before


def test_connections_missing_references(tmp_path, people):
    AssetFactory(asset_ref="A1")
    f = write_csv(
        tmp_path / "c.csv",
        CONNECTIONS,
        [
            ["K1", "P1", "A1", "2025-02-01", "accompanied", "attended"],
            ["K2", "P404", "A404", "2025-02-02", "leaflet", "went"],
        ],
    )
    # Bad codes and unknown references on one row are reported together, in one round.
    assert messages(data_import(kind="connections", path_or_file=f)) == [
        'line 3, column kind: "leaflet" is not one of the codes; expected one of signpost, '
        "supported, accompanied",
        'line 3, column outcome: "went" is not one of the codes; expected one of pending, '
        "attended, continuing, member, did_not_attend",
        'line 3, column person_ref: "P404" matches no person; expected the person_ref of '
        "person already imported (people.csv)",
        'line 3, column asset_ref: "A404" matches no asset; expected the asset_ref of asset '
        "already imported (assets.csv)",
    ]
    f = write_csv(
        tmp_path / "d.csv",
        CONNECTIONS,
        [
            ["K1", "P1", "A1", "2025-02-01", "accompanied", "attended"],
            ["K2", "P404", "A404", "2025-02-02", "signpost", ""],
        ],
    )
    assert messages(data_import(kind="connections", path_or_file=f)) == [
        'line 3, column person_ref: "P404" matches no person; expected the person_ref of '
        "person already imported (people.csv)",
        'line 3, column asset_ref: "A404" matches no asset; expected the asset_ref of asset '
        "already imported (assets.csv)",
    ]
    assert not Connection.objects.exists()


# --- champions -------------------------------------------------------------------------------


def test_champions_import_with_and_without_a_person(tmp_path, people):
    f = write_csv(
        tmp_path / "ch.csv",
        CHAMPIONS,
        [
            ["V1", "P1", "Ada", "Lovelace", "health_champion", "2025-04-01", ""],
            ["V2", "", "Eve", "", "group_leader", "", ""],
        ],
    )
    result = data_import(kind="champions", path_or_file=f)
    assert result.ok, messages(result)
    v1 = Champion.objects.get(champion_ref="V1")
    assert (v1.person.person_ref, v1.role, v1.started_on) == (
        "P1",
        "health_champion",
        dt.date(2025, 4, 1),
    )
    assert Champion.objects.get(champion_ref="V2").person is None
    before = tables(Champion)
    assert data_import(kind="champions", path_or_file=f).unchanged == 2
    assert tables(Champion) == before


def test_champions_without_person_column(tmp_path, db):
    f = write_csv(
        tmp_path / "ch.csv",
        ["champion_ref", "given_name", "family_name", "role", "started_on", "ended_on"],
        [["V1", "Eve", "", "community_connector", "", ""]],
    )
    assert data_import(kind="champions", path_or_file=f).ok


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            ["V2", "P404", "Bo", "", "health_champion", "", ""],
            'line 3, column person_ref: "P404" matches no person; expected the person_ref of '
            "person already imported (people.csv)",
        ),
        (
            ["V2", "P1", "Bo", "", "health_champion", "", ""],
            'line 3, column person_ref: "P1" is also on line 2; expected each person_ref once in '
            "a file",
        ),
        (
            ["V2", "", "Bo", "", "champion", "", ""],
            'line 3, column role: "champion" is not one of the codes; expected one of '
            "health_champion, community_connector, group_leader",
        ),
        (
            ["V2", "", "Bo", "", "group_leader", "2025-01-02", "2025-01-01"],
            'line 3, column ended_on: "2025-01-01" is before started_on (2025-01-02); '
            "expected a date on or after "
            "started_on",
        ),
    ],
)
def test_champions_bad_cells(tmp_path, people, row, message):
    f = write_csv(
        tmp_path / "ch.csv",
        CHAMPIONS,
        [["V1", "P1", "Ada", "", "health_champion", "", ""], row],
    )
    assert messages(data_import(kind="champions", path_or_file=f)) == [message]
    assert not Champion.objects.exists()


def test_champions_person_already_linked_elsewhere(tmp_path, people):
    Champion.objects.create(
        champion_ref="V9", given_name="Ada", role="group_leader", person=people[0]
    )
    f = write_csv(
        tmp_path / "ch.csv", CHAMPIONS, [["V1", "P1", "Ada", "", "health_champion", "", ""]]
    )
    assert messages(data_import(kind="champions", path_or_file=f)) == [
        'line 2, column person_ref: "P1" is already linked to another volunteer record; expected '
        "each person linked to one champion_ref"
    ]


def test_people_bad_last_row_after_a_written_batch_leaves_nothing(tmp_path, practice_a):
    rows = [person_row(f"P{n}") for n in range(5_001)]
    rows.append(person_row("LAST", sex="F"))
    result = data_import(kind="people", path_or_file=write_csv(tmp_path / "p.csv", PEOPLE, rows))
    assert [p.line for p in result.problems] == [5_003]
    assert not Person.objects.exists()
    assert not AuditLog.objects.exists()
