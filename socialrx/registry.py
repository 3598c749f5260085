"""What each app adds to the shared pages, so that the core names no app's URLs.

An app declares, on its ``AppConfig``:

- ``links``: a mapping from a place on a shared page to the :class:`Link` it puts there. The
  places are the header navigation (``NAV``), the footer (``FOOTER``), the sign-in page
  (``SIGN_IN``), the administration page (``ADMIN_HOME``) and the actions beside a person's
  record (``PERSON_ACTIONS``, whose URLs take the person's id), the actions on a directory
  listing's page (``ASSET_ACTIONS``, whose URLs take the listing's id), the public home page
  (``PUBLIC_HOME``) and the offer of a conversation with a link worker on public pages
  (``ASK``).
- ``role_homes``: the URL name of the page each role lands on after signing in.

The core reads them through :func:`links_for` and :func:`role_home`; base templates render
them with the ``registry`` template tags.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

NAV = "nav"
FOOTER = "footer"
SIGN_IN = "sign_in"
ADMIN_HOME = "admin_home"
PERSON_ACTIONS = "person_actions"
ASSET_ACTIONS = "asset_actions"
PUBLIC_HOME = "public_home"
ASK = "ask"


@dataclass(frozen=True)
class Link:
    label: str
    url_name: str
    # Roles that see the link; ``None``: everyone who reaches the page.
    roles: tuple[str, ...] | None = None
    # Administrators see it whatever their role.
    admin: bool = False
    # Text before the link, and text after it (shown after a colon or a dash by the page).
    intro: str = ""
    description: str = ""
    # Where it sits among every app's links in the same place: lower first.
    order: int = 100

    def shown_to(self, user: Any) -> bool:
        if self.roles is None:
            return True
        if not getattr(user, "is_authenticated", False):
            return False
        return user.role in self.roles or (self.admin and user.is_admin)


@dataclass(frozen=True)
class ShownLink:
    """A link as a page shows it: its URL worked out."""

    link: Link
    href: str

    @property
    def label(self) -> str:
        return self.link.label

    @property
    def intro(self) -> str:
        return self.link.intro

    @property
    def description(self) -> str:
        return self.link.description


def declared_links(place: str) -> list[Link]:
    """Every app's links for ``place``, in order."""
    return list(_declared(place))


# The apps' declarations are fixed once Django is set up, and every page's header and footer
# asks for them: they are gathered once per process, and each link's URL worked out once per
# set of arguments.
@functools.cache
def _declared(place: str) -> tuple[Link, ...]:
    found: list[Link] = []
    for config in apps.get_app_configs():
        found.extend(getattr(config, "links", {}).get(place, ()))
    return tuple(sorted(found, key=lambda link: link.order))


@functools.lru_cache(maxsize=4096)
def _href(url_name: str, args: tuple[Any, ...], where: tuple[Any, ...]) -> str:
    """``where``: the script prefix and URL configuration the URL is worked out under."""
    return reverse(url_name, args=args)


def links_for(place: str, *, user: Any = None, args: tuple[Any, ...] = ()) -> list[ShownLink]:
    """The links ``user`` sees in ``place``, with ``args`` for their URLs (a person's id)."""
    where = (get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF)
    try:
        hash(args)
    except TypeError:
        return [
            ShownLink(link=link, href=reverse(link.url_name, args=args))
            for link in _declared(place)
            if link.shown_to(user)
        ]
    return [
        ShownLink(link=link, href=_href(link.url_name, tuple(args), where))
        for link in _declared(place)
        if link.shown_to(user)
    ]


def role_homes() -> dict[str, str]:
    homes: dict[str, str] = {}
    for config in apps.get_app_configs():
        for role, url_name in getattr(config, "role_homes", {}).items():
            homes.setdefault(role, url_name)
    return homes


def role_home(role: str) -> str | None:
    """The URL name of the page ``role`` starts from, if an app declared one."""
    return role_homes().get(role)
