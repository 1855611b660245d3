"""What the directory already holds, loaded once per import, and how an incoming listing matches it.

A listing is the same one when its (source, source id) is known, or, without an id, when the same
source already gave a service of the same name at an organisation of the same name. Anything else
that looks alike (a similar name near the same postcode, or at a similar organisation) is only a
*likely* duplicate: a person decides (a proposed merge). Listings from the same source are never
proposed as duplicates of each other: the source itself says they are different rows.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlmodel import Session, select

from directory import geography
from directory.models import ChangeRequest, Location, Organisation, Service, ServiceAtLocation

from .prepare import Prepared, normalise_name

NAME_SCORE = 85  # token-sort similarity of service names, 0-100
ORGANISATION_SCORE = 80  # token-set similarity of organisation names, when the postcodes differ


@dataclass
class Listing:
    """A service as matching sees it."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    name: str  # normalised
    organisation: str  # normalised
    source: str | None
    source_id: str | None
    postcodes: set[str] = field(default_factory=set)


def district_of(postcode: str) -> str:
    """The postcode district ("G31 2ER" -> "G31")."""
    return postcode.split(" ")[0]


class DirectoryView:
    """The directory's services and organisations in memory, kept up to date as the import adds to it."""

    def __init__(self, session: Session, source: str):
        self.source = source
        self.by_source_id: dict[str, Listing] = {}
        self.by_key: dict[str, Listing] = {}
        self.by_district: dict[str, list[Listing]] = defaultdict(list)
        self.by_organisation: dict[uuid.UUID, list[Listing]] = defaultdict(list)
        self.organisations: dict[str, uuid.UUID] = {}
        self.organisation_ids: dict[str, uuid.UUID] = {}
        self.merges: dict[str, ChangeRequest] = {}
        names = {}
        for org_id, name, org_source, org_source_id in session.exec(
            select(Organisation.id, Organisation.name, Organisation.source, Organisation.source_id).where(
                Organisation.archived_at.is_(None)
            )
        ):
            names[org_id] = normalise_name(name)
            self.organisations.setdefault(names[org_id], org_id)
            if org_source == source and org_source_id:
                self.organisation_ids[org_source_id] = org_id
        postcodes = defaultdict(set)
        for service_id, postcode in session.exec(
            select(ServiceAtLocation.service_id, Location.postcode)
            .join(Location, Location.id == ServiceAtLocation.location_id)
            .where(Location.postcode.is_not(None))
        ):
            postcodes[service_id].add(postcode)
        for row in session.exec(
            select(Service.id, Service.organisation_id, Service.name, Service.source, Service.source_id).where(
                Service.archived_at.is_(None)
            )
        ):
            if row[1] in names:
                self.add(
                    Listing(row[0], row[1], normalise_name(row[2]), names[row[1]], row[3], row[4], postcodes[row[0]])
                )
        for change in session.exec(select(ChangeRequest).where(ChangeRequest.kind == "merge")):
            if change.proposed.get("source") == source:
                self.merges[change.proposed.get("key")] = change

    def add(self, listing: Listing) -> None:
        """Make a listing findable (when loaded, and when the import creates one)."""
        if listing.source == self.source:
            if listing.source_id:
                self.by_source_id[listing.source_id] = listing
            else:
                self.by_key.setdefault(f"{listing.organisation}|{listing.name}", listing)
        for district in {district_of(p) for p in listing.postcodes}:
            self.by_district[district].append(listing)
        self.by_organisation[listing.organisation_id].append(listing)

    def same_listing(self, item: Prepared) -> uuid.UUID | None:
        """The service this record is (by source id, or by name within the same source), if any."""
        found = self.by_source_id.get(item.record.source_id) if item.record.source_id else self.by_key.get(item.key)
        if found is not None:
            return found.id
        merge = self.merges.get(item.key)
        if merge is not None and merge.proposed.get("decision") == "merge":
            return merge.target_id
        return None

    def likely_duplicate(self, item: Prepared, organisation_id: uuid.UUID | None) -> tuple[Listing, int] | None:
        """The existing listing this one most likely duplicates, with a score, or None."""
        candidates = {}
        for postcode in item.postcodes:
            for listing in self.by_district.get(district_of(postcode), ()):
                candidates[listing.id] = listing
        for listing in self.by_organisation.get(organisation_id, ()) if organisation_id else ():
            candidates[listing.id] = listing
        # A source's own rows are distinct listings (an exact repeat is refused, a renamed row is new).
        candidates = {i: c for i, c in candidates.items() if c.source != self.source}
        if not candidates:
            return None
        name = normalise_name(item.name)
        organisation = normalise_name(item.organisation["name"])
        postcodes = set(item.postcodes)
        best = None
        for _, score, listing_id in process.extract(
            name,
            {i: c.name for i, c in candidates.items()},
            scorer=fuzz.token_sort_ratio,
            score_cutoff=NAME_SCORE,
            limit=5,
        ):
            listing = candidates[listing_id]
            same_place = bool(postcodes & listing.postcodes)
            org_score = (
                100
                if listing.organisation_id == organisation_id
                else fuzz.token_set_ratio(organisation, listing.organisation)
            )
            if same_place or org_score >= ORGANISATION_SCORE:
                combined = round(0.6 * score + 0.4 * (100 if same_place else org_score))
                if best is None or combined > best[1]:
                    best = (listing, combined)
        return best


def place_postcodes(postcodes: set[str]) -> dict[str, geography.Place | str]:
    """Each postcode's point, or a problem's words if it has none."""
    places: dict[str, geography.Place | str] = {}
    for postcode in sorted(postcodes):
        try:
            places[postcode] = geography.resolve_postcode(postcode)
        except geography.PostcodeError as exc:
            places[postcode] = str(exc)
    return places
