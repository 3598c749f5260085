from __future__ import annotations

from django.apps import AppConfig

from socialrx.registry import ADMIN_HOME, ASK, ASSET_ACTIONS, NAV, PUBLIC_HOME, SIGN_IN, Link


class ReferralsConfig(AppConfig):
    name = "referrals"
    default_auto_field = "django.db.models.BigAutoField"

    links = {
        NAV: [
            Link("My day", "referrals:my_day", roles=("link_worker",), order=5),
            Link("Caseload", "referrals:caseload", roles=("link_worker",), admin=True, order=10),
            # A referral by letter, phone or from another service is typed in by a link worker.
            Link(
                "Record a referral",
                "referrals:other_referral_create",
                roles=("link_worker",),
                order=15,
            ),
            Link(
                "Make a referral",
                "referrals:practice_referral_create",
                roles=("practice_staff",),
                order=30,
            ),
            Link(
                "Our referrals", "referrals:practice_referrals", roles=("practice_staff",), order=40
            ),
        ],
        SIGN_IN: [
            Link(
                "Ask for a conversation",
                "referrals:self_referral",
                intro="Want to talk to a link worker?",
                description="no account needed",
            )
        ],
        PUBLIC_HOME: [
            Link(
                "Ask for a conversation with a link worker",
                "referrals:self_referral",
                description="a link worker can help you find things that suit you; "
                "no doctor's referral needed",
                order=20,
            )
        ],
        ASK: [
            Link(
                "Ask for a conversation with a link worker",
                "referrals:self_referral",
                intro="Not sure what would suit you?",
            )
        ],
        ADMIN_HOME: [
            Link(
                "Enquiries through closed routes",
                "referrals:closed_route_enquiries",
                description="referrals that arrived through a route this service has switched off",
                order=10,
            ),
            Link(
                "Wording of messages",
                "referrals:message_templates",
                description="each team's texts, emails and letters to people",
                order=12,
            ),
        ],
        # A link worker on a listing's page connects one of their team's people to it.
        ASSET_ACTIONS: [
            Link(
                "Connect a person", "referrals:connect_to_group", roles=("link_worker",), admin=True
            )
        ],
    }
    role_homes = {
        "link_worker": "referrals:my_day",
        "practice_staff": "referrals:practice_referrals",
    }
