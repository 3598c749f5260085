from __future__ import annotations

import pytest

from tests.privacy.factories import full_record


@pytest.fixture
def record(practice_a, link_worker, admin_user):
    return full_record(practice=practice_a, link_worker=link_worker, admin=admin_user)
