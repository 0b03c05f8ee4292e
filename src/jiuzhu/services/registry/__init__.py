"""The beneficiary registry: persons and their identities (救助身份), shared by CLI, API and
pages. ``names``: who recognises which identity and the names a list may use;
``queries``: typed views (masked, dates as dates); ``commands``: the audited changes.
The front ends format the views at their edge (``jiuzhu.wire.registry``)."""

from __future__ import annotations

from jiuzhu.services.registry.commands import (
    add_identity,
    change_identity,
    create_person,
    end_identity,
    identity_key,
    person_values,
)
from jiuzhu.services.registry.names import (
    IDENTITY_NAMES,
    SOURCE_ZH,
    SOURCES,
    resolve_identity_code,
    source_problem,
)
from jiuzhu.services.registry.queries import (
    IdentityView,
    PersonDetail,
    PersonView,
    class_rank,
    find_person,
    get_person,
    highest_code,
    identities_of,
    identity_record,
    identity_view,
    person_detail,
    person_record,
    person_summary,
    person_view,
    resolve_identities,
    search_persons,
)

__all__ = [
    "IDENTITY_NAMES",
    "SOURCES",
    "SOURCE_ZH",
    "IdentityView",
    "PersonDetail",
    "PersonView",
    "add_identity",
    "change_identity",
    "class_rank",
    "create_person",
    "end_identity",
    "find_person",
    "get_person",
    "highest_code",
    "identities_of",
    "identity_key",
    "identity_record",
    "identity_view",
    "person_detail",
    "person_record",
    "person_summary",
    "person_values",
    "person_view",
    "resolve_identities",
    "resolve_identity_code",
    "search_persons",
    "source_problem",
]
