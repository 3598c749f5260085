"""Print the demo logins: ``python manage.py demo_logins`` (run by ``make run``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from demo.core import DEMO_PASSWORD, LINK_WORKERS, PRACTICE_STAFF, VOLUNTEER_USERS
from socialrx.models import Role, User

SEES: dict[str, str] = {
    Role.LINK_WORKER: "Their team's caseload ({team}): people, conversations, goals, connections",
    Role.PRACTICE_STAFF: "Referrals {practice} made, and the feedback on them; makes referrals",
    Role.VOLUNTEER: "Their own groups' listings and volunteer record; community referrals",
    Role.COMMISSIONER: "Outcome dashboards: aggregate figures only, small numbers withheld",
    Role.ADMIN: "Everything: users, teams, practices, imports, directory moderation",
}
# The demo's logins in the order a visitor would try them.
DEMO_USERNAMES = [
    *(u[0] for u in LINK_WORKERS),
    *(u[0] for u in PRACTICE_STAFF),
    VOLUNTEER_USERS[0][0],
    "commissioner",
    "admin",
]


class Command(BaseCommand):
    help = "Print the demo users' usernames, roles and what each sees."

    def handle(self, *args: Any, **options: Any) -> None:
        users = {
            u.username: u
            for u in User.objects.filter(
                username__in=DEMO_USERNAMES, is_active=True
            ).select_related("team", "practice")
        }
        rows = []
        for name in DEMO_USERNAMES:
            user = users.get(name)
            if user is None:
                continue
            sees = SEES.get(user.role, "").format(
                team=user.team.name if user.team else "",
                practice=user.practice.name if user.practice else "their practice",
            )
            rows.append((name, user.get_role_display(), sees))
        if not rows:
            self.stdout.write("No demo users: run `python manage.py seed_demo` first.")
            return
        widths = [max(len(r[i]) for r in [("Username", "Role", ""), *rows]) for i in range(2)]
        self.stdout.write("")
        # The path only: the port is whatever the server was started on.
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins (sign in at /accounts/login/)"))
        self.stdout.write(f"Every demo user's password is: {DEMO_PASSWORD}")
        self.stdout.write("")
        header = f"{'Username':<{widths[0]}}  {'Role':<{widths[1]}}  What they see"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for name, role, sees in rows:
            self.stdout.write(f"{name:<{widths[0]}}  {role:<{widths[1]}}  {sees}")
        self.stdout.write("")
        self.stdout.write(
            f"More volunteers: {', '.join(u[0] for u in VOLUNTEER_USERS[1:])} (same password)."
        )
        self.stdout.write("")
