"""Made-up names for factories. Tests compare names with rendered pages, where an apostrophe
(O'Neill) comes out escaped; such names get their own tests, so factories leave them out."""

from __future__ import annotations

from typing import Any

import factory


class PlainName(factory.Faker):
    def evaluate(self, instance: object, step: object, extra: dict[str, Any]) -> str:
        return super().evaluate(instance, step, extra).replace("'", "")
