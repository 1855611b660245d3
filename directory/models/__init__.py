"""The directory's tables. Importing this module registers them all with SQLModel.metadata."""
from .common import utcnow
from .geography import Postcode
from .location import Location, ServiceAtLocation
from .organisation import Organisation
from .service import (
    Funding,
    ReferralRoute,
    Schedule,
    Season,
    Service,
    ServiceArea,
    ServiceTaxonomy,
)
from .taxonomy import Taxonomy, TaxonomyTerm

__all__ = [
    "Funding",
    "Location",
    "Organisation",
    "Postcode",
    "ReferralRoute",
    "Schedule",
    "Season",
    "Service",
    "ServiceArea",
    "ServiceAtLocation",
    "ServiceTaxonomy",
    "Taxonomy",
    "TaxonomyTerm",
    "utcnow",
]
