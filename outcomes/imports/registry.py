"""Which importer reads which kind of file. The order is the one a new deployment imports
them in: each kind refers only to kinds above it."""

from __future__ import annotations

from .importer import Importer
from .importers.appointments import AppointmentsImporter
from .importers.assets import AssetsImporter
from .importers.awards import AwardsImporter
from .importers.champions import ChampionsImporter
from .importers.connections import ConnectionsImporter
from .importers.conversations import ConversationsImporter
from .importers.lsoa_imd import LsoaImdImporter
from .importers.people import PeopleImporter
from .importers.population import PopulationImporter
from .importers.postcode_locations import PostcodeLocationsImporter
from .importers.postcode_lsoa import PostcodeLsoaImporter
from .importers.practices import PracticesImporter
from .importers.referrals import ReferralsImporter

IMPORTERS: dict[str, type[Importer]] = {
    cls.kind: cls
    for cls in (
        PracticesImporter,
        PopulationImporter,
        LsoaImdImporter,
        PostcodeLsoaImporter,
        PostcodeLocationsImporter,
        AppointmentsImporter,
        PeopleImporter,
        ReferralsImporter,
        ConversationsImporter,
        AssetsImporter,
        ConnectionsImporter,
        ChampionsImporter,
        AwardsImporter,
    )
}
KINDS = tuple(IMPORTERS)
# This service's own formats, beyond the shared specification (docs/imports.md).
EXTENSIONS = frozenset({"postcode_locations", "awards"})
