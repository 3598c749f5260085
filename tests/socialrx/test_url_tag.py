"""socialrx's ``{% url %}`` tag (socialrx/templatetags/urls.py) writes what Django's does: on
every URL the templates name, and through Django's own path for anything else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse

from socialrx.http import url_shape, url_with_id
from socialrx.templatetags.urls import FastURLNode

USED = re.compile(r"{% url '([^']+)'( [^ %]+)? %}")


def _names_in_templates() -> dict[str, bool]:
    """URL name -> whether the templates give it one argument."""
    found: dict[str, bool] = {}
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for path in Path(directory).rglob("*.html"):
            for name, arg in USED.findall(path.read_text()):
                found[name] = bool(arg)
    return found


NAMES = sorted(_names_in_templates().items())


def _django(name: str, args: list[object]) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return "NoReverseMatch"


def _ours(name: str, args: list[object]) -> str:
    template = Template("{% url name " + ("arg" if args else "") + " %}")
    try:
        return template.render(Context({"name": name, "arg": args[0] if args else None}))
    except NoReverseMatch:
        return "NoReverseMatch"


def test_the_templates_urls_are_checked() -> None:
    assert len(NAMES) > 100
    assert ("referrals:person", True) in NAMES


@pytest.mark.parametrize(("name", "with_arg"), NAMES)
def test_same_as_djangos(name: str, with_arg: bool) -> None:
    for args in ([0], [7], [123456]) if with_arg else ([],):
        assert _ours(name, args) == _django(name, args)


@pytest.mark.parametrize("arg", ["walking", "a b/c", -3, True, 7.0, None])
def test_other_arguments_as_django_does(arg: object) -> None:
    for name in ("referrals:person", "assets:detail", "home"):
        assert _ours(name, [arg]) == _django(name, [arg])


def test_keyword_arguments_as_var_and_unknown_names() -> None:
    template = Template(
        "{% url 'referrals:person' pk=5 %}|{% url 'nowhere' 5 as gone %}[{{ gone }}]"
        "{% url 'referrals:person' 6 as here %}{{ here }}"
    )
    assert template.render(Context()) == "/people/5/|[]/people/6/"
    with pytest.raises(NoReverseMatch):
        Template("{% url 'nowhere' 5 %}").render(Context())
    assert isinstance(Template("{% url 'home' %}").nodelist[0], FastURLNode)


def test_url_with_id() -> None:
    person = url_with_id("referrals:person")
    assert [person(1), person(2024)] == [reverse("referrals:person", args=[n]) for n in (1, 2024)]
    assert url_shape("nowhere", with_id=True) is None
    with pytest.raises(ValueError, match="integer id"):
        url_with_id("home")
