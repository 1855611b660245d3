"""Shared set-up for the JSON API tests: a directory to search, accounts with tokens, and request helpers."""

from __future__ import annotations

import re

from directory.db import get_db
from directory.models import User
from directory.operations.api_tokens import create_api_token

from .. import factories
from ..conftest import migrated_app

GENEROUS = {"API_RATE_LIMIT": "100000 per minute", "API_TOKEN_RATE_LIMIT": "100000 per minute"}
RESULT_LINK = re.compile(r'<li class="result">\s*<h3><a href="/services/([0-9a-f-]+)"')


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def token_for(app, user_id, name: str = "Our website", now=None, **form) -> str:
    """A fresh token's secret for an account, made as the account page makes it."""
    with app.app_context():
        db = get_db(app).sessionmaker()
        _token, secret = create_api_token(db, db.get(User, user_id), {"name": name, **form}, now=now)
        db.commit()
        db.close()
    return secret


def page_ids(html: str) -> list[str]:
    """The service ids of the search page's results, in order."""
    return RESULT_LINK.findall(html)


def api_ids(body: dict) -> list[str]:
    return [result["service"]["id"] for result in body["results"]]


def build_directory(session) -> dict:
    """Services in Halifax and Glasgow differing in every fact a search filter looks at."""
    halifax = factories.organisation(session, name="Halifax Community Trust")
    glasgow = factories.organisation(session, name="Parkhead Pantry Trust")
    square = factories.location(session, halifax, name="Square Chapel", postcode="HX1 1QE", wheelchair_accessible=True)
    shed = factories.location(session, halifax, name="The Shed", postcode="HX3 5AX")
    hub = factories.location(session, glasgow, name="Parkhead Hub", postcode="G31 5EH")
    ids = {}

    def add(key, org, venues, **fields):
        ids[key] = str(factories.service(session, org, locations=venues, **fields).id)

    add(
        "walks",
        halifax,
        [square],
        name="Walking group",
        description="Gentle walks by the canal.",
        categories=["physical-activity"],
        min_age=50,
        groups_served=["older_people"],
        languages=["en"],
        referral_routes=[{"route_type": "self_referral", "method": "phone", "contact": "01632 960001"}],
        schedules=[{"weekday": "MO", "opens_at": "10:00", "closes_at": "11:00"}],
    )
    add(
        "pantry",
        halifax,
        [shed],
        name="Food pantry",
        description="Low-cost food shop.",
        categories=["food/food-pantry"],
        is_free=False,
        cost_description="£3 a visit",
        cost_min=3,
        languages=["en", "ur"],
        referral_routes=[{"route_type": "drop_in"}],
    )
    add(
        "carers",
        halifax,
        [square],
        name="Carers' cafe",
        description="Coffee and chat for carers.",
        groups_served=["carers"],
        categories=["carers"],
        referral_routes=[{"route_type": "gp", "method": "phone", "contact": "01632 960999", "status": "waiting_list"}],
    )
    add(
        "garden",
        halifax,
        [shed],
        name="Garden club",
        description="Growing vegetables together.",
        categories=["nature/community-gardens"],
        seasons=[{"start_month": 4, "end_month": 9, "end_day": 30}],
        referral_routes=[{"route_type": "self_referral"}],
    )
    add(
        "boxing",
        halifax,
        [square],
        name="Boxing club",
        description="Boxing for young people.",
        status="temporarily_closed",
        expected_reopening="2030-02-01",
        min_age=11,
        max_age=18,
    )
    add(
        "glasgow",
        glasgow,
        [hub],
        name="Community pantry",
        description="Food and company in the east end.",
        categories=["food/food-pantry"],
        referral_routes=[{"route_type": "link_worker", "contact": "referrals@pantry.example.org", "method": "email"}],
    )
    for number in range(23):
        add(f"coffee{number}", halifax, [square], name=f"Coffee morning {number:02d}", description="Coffee and chat.")
    session.commit()
    ids["halifax"], ids["glasgow_org"] = str(halifax.id), str(glasgow.id)
    return ids


def directory_app(tmp_path_factory):
    """A migrated app holding build_directory's services, with generous rate limits."""
    app = migrated_app(tmp_path_factory.mktemp("rest-read"), **GENEROUS)
    with app.app_context():
        session = get_db(app).sessionmaker()
        ids = build_directory(session)
        link_worker = factories.user(session, "worker@nhs.example.org", roles=["link_worker"], name="Lin Worker")
        session.commit()
        ids["link_worker"] = link_worker.id
        session.close()
    return app, ids
