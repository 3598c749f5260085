"""Django's ``{% url %}`` tag with a fast path, installed in place of it for every template
(``TEMPLATES``' ``builtins`` in the settings).

Django's tag reverses the URL on each use: it walks the URL configuration's patterns, checks
the arguments against them and quotes them, 30–40 times on a person's page. Here a URL
without arguments, or whose one argument is an integer id (not negative), is reversed once per process and
the id put in its place (``socialrx.http.url_shape``, which checks that the id is written as
it is). Anything else (keyword arguments, other arguments, a URL that does not reverse) goes
through Django's own tag; the output is the same (``tests/socialrx/test_url_tag.py``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, reverse
from django.utils.html import conditional_escape

from socialrx.http import url_shape

register = template.Library()


def _current_app(context: template.Context) -> str | None:
    # As Django's URLNode finds it.
    try:
        return context.request.current_app  # type: ignore[attr-defined,no-any-return]
    except AttributeError:
        try:
            return context.request.resolver_match.namespace  # type: ignore[attr-defined,no-any-return]
        except AttributeError:
            return None


class FastURLNode(URLNode):
    def render(self, context: template.Context) -> str:
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        current_app = _current_app(context)
        shape = None
        if (
            not kwargs
            and isinstance(view_name, str)
            and (not args or (len(args) == 1 and type(args[0]) is int and args[0] >= 0))
        ):
            shape = url_shape(view_name, with_id=bool(args), current_app=current_app)
        if shape is not None:
            before, after = shape
            url = f"{before}{args[0]}{after}" if args else before
        else:
            # Django's URLNode.render, with the arguments already resolved.
            url = ""
            try:
                url = reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
            except NoReverseMatch:
                if self.asvar is None:
                    raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: Any, token: Any) -> FastURLNode:
    node = django_url(parser, token)
    return FastURLNode(node.view_name, node.args, node.kwargs, node.asvar)
