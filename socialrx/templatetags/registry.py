"""``{% links "nav" as items %}``: the links apps declared for a place on a shared page
(``socialrx.registry``), as the signed-in user sees them. Extra arguments go to the URLs."""

from __future__ import annotations

from typing import Any

from django import template

from socialrx.registry import ShownLink, links_for

register = template.Library()


@register.simple_tag(takes_context=True)
def links(context: template.Context, place: str, *args: Any) -> list[ShownLink]:
    return links_for(place, user=context.get("user"), args=args)
