from __future__ import annotations

import factory

from socialrx.models import (
    PCN,
    ApiClient,
    ApiScope,
    Practice,
    Role,
    Team,
    User,
    WebhookEvent,
    WebhookSubscription,
)


class PCNFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PCN
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"U{n:05d}")
    name = factory.Sequence(lambda n: f"PCN {n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"team-{n}")
    name = factory.Sequence(lambda n: f"Link worker team {n}")


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice
        django_get_or_create = ("ods_code",)

    ods_code = factory.Sequence(lambda n: f"P{n:05d}")
    name = factory.Sequence(lambda n: f"Practice {n}")
    pcn = factory.SubFactory(PCNFactory)
    team = factory.SubFactory(TeamFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = Role.COMMISSIONER
    password = factory.PostGenerationMethodCall("set_password", "pass12345!")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class LinkWorkerFactory(UserFactory):
    role = Role.LINK_WORKER
    team = factory.SubFactory(TeamFactory)


class PracticeStaffFactory(UserFactory):
    role = Role.PRACTICE_STAFF
    practice = factory.SubFactory(PracticeFactory)
    staff_type = "gp"


class CommissionerFactory(UserFactory):
    role = Role.COMMISSIONER


class VolunteerUserFactory(UserFactory):
    role = Role.VOLUNTEER


class AdminFactory(UserFactory):
    role = Role.ADMIN
    is_staff = True


class ApiClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiClient

    name = factory.Sequence(lambda n: f"Clinical system {n}")
    organisation = factory.SubFactory(PracticeFactory)
    user = factory.SubFactory(
        PracticeStaffFactory,
        username=factory.Sequence(lambda n: f"api-client-{n}"),
        practice=factory.SelfAttribute("..organisation"),
        staff_type="",
    )
    scopes = factory.LazyFunction(lambda: list(ApiScope.values))


class WebhookSubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookSubscription

    client = factory.SubFactory(ApiClientFactory)
    target_url = "https://hooks.example.org/socialrx"
    events = factory.LazyFunction(lambda: list(WebhookEvent.values))
    secret = "whsec_test-secret"
