"""The directory's tables. Importing this module registers them all with SQLModel.metadata."""

from .account import ChangeRequest, Claim, Invitation, Membership, Revision, User, UserSession
from .api_token import ApiToken
from .common import utcnow
from .feedback import ProblemReport, SavedShortlist
from .freshness import EmailBounce, LinkCheck, ReviewReminder, ServiceFlag
from .imports import ImportRun
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
    "ApiToken",
    "ChangeRequest",
    "Claim",
    "Invitation",
    "Membership",
    "Revision",
    "User",
    "UserSession",
    "EmailBounce",
    "Funding",
    "ImportRun",
    "LinkCheck",
    "Location",
    "Organisation",
    "ProblemReport",
    "ReferralRoute",
    "ReviewReminder",
    "Schedule",
    "SavedShortlist",
    "Season",
    "Service",
    "ServiceArea",
    "ServiceAtLocation",
    "ServiceFlag",
    "ServiceTaxonomy",
    "Taxonomy",
    "TaxonomyTerm",
    "utcnow",
]
