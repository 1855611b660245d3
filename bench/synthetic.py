"""A synthetic Great Britain directory for benchmarks, bulk-inserted with SQLAlchemy Core.

Services cluster around 60 real towns (postcode district centroids from data/postcodes), with
realistic names, 40-120 word descriptions, 1-3 categories, ages, cost, referral routes and a
weekly timetable. Everything is drawn from one seeded random generator, so a size and a seed
always give the same directory.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from directory.config import DATA_DIR
from directory.models import (
    Funding,
    Location,
    Organisation,
    ReferralRoute,
    Schedule,
    Season,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTaxonomy,
    TaxonomyTerm,
)
from directory.models.common import GROUPS_SERVED, WEEKDAYS
from directory.operations.taxonomy import seed_taxonomy
from directory.permissions import SYSTEM

BATCH = 5000

# (town, anchor postcode district, radius in km of the districts that make up the town)
TOWNS = [
    ("London", "WC2N", 15),
    ("Birmingham", "B1", 10),
    ("Manchester", "M1", 10),
    ("Glasgow", "G1", 10),
    ("Leeds", "LS1", 9),
    ("Liverpool", "L1", 9),
    ("Sheffield", "S1", 8),
    ("Bristol", "BS1", 8),
    ("Edinburgh", "EH1", 8),
    ("Newcastle upon Tyne", "NE1", 8),
    ("Cardiff", "CF10", 8),
    ("Nottingham", "NG1", 8),
    ("Leicester", "LE1", 7),
    ("Coventry", "CV1", 7),
    ("Bradford", "BD1", 7),
    ("Stoke-on-Trent", "ST1", 7),
    ("Hull", "HU1", 7),
    ("Plymouth", "PL1", 7),
    ("Southampton", "SO14", 7),
    ("Portsmouth", "PO1", 6),
    ("Brighton", "BN1", 6),
    ("Derby", "DE1", 6),
    ("Aberdeen", "AB10", 7),
    ("Dundee", "DD1", 6),
    ("Swansea", "SA1", 7),
    ("Newport", "NP20", 6),
    ("Sunderland", "SR1", 6),
    ("Middlesbrough", "TS1", 6),
    ("Norwich", "NR1", 6),
    ("Exeter", "EX1", 6),
    ("York", "YO1", 6),
    ("Oxford", "OX1", 6),
    ("Cambridge", "CB1", 6),
    ("Reading", "RG1", 6),
    ("Milton Keynes", "MK9", 7),
    ("Preston", "PR1", 6),
    ("Blackburn", "BB1", 5),
    ("Bolton", "BL1", 5),
    ("Wolverhampton", "WV1", 6),
    ("Huddersfield", "HD1", 5),
    ("Ipswich", "IP1", 6),
    ("Peterborough", "PE1", 6),
    ("Gloucester", "GL1", 6),
    ("Bath", "BA1", 5),
    ("Inverness", "IV1", 6),
    ("Perth", "PH1", 5),
    ("Carlisle", "CA1", 5),
    ("Lincoln", "LN1", 5),
    ("Northampton", "NN1", 6),
    ("Luton", "LU1", 5),
    ("Doncaster", "DN1", 6),
    ("Wrexham", "LL11", 5),
    ("Bangor", "LL57", 5),
    ("Truro", "TR1", 5),
    ("Shrewsbury", "SY1", 5),
    ("Lancaster", "LA1", 5),
    ("Dumfries", "DG1", 5),
    ("Falkirk", "FK1", 5),
    ("Kilmarnock", "KA1", 5),
    ("Worcester", "WR1", 5),
]

NEIGHBOURHOODS = [
    "Riverside",
    "Northfield",
    "Southside",
    "Eastfield",
    "Westway",
    "Oakwood",
    "Hillside",
    "Parkview",
    "St Mary's",
    "St John's",
    "Greenbank",
    "Brookfield",
    "Meadowbank",
    "Kingsway",
    "Abbey",
    "Castle",
    "Millbrook",
    "Ashgrove",
    "Beechwood",
    "Fairfield",
    "Heathside",
    "Lakeside",
    "Moorside",
    "Newtown",
    "Old Town",
    "Priory",
    "Queensway",
    "Rosehill",
    "Stonebridge",
    "Thornbury",
    "Victoria",
    "Windmill",
    "Church Street",
    "Station Road",
    "High Street",
    "Market Street",
    "Canal Side",
    "Harbour",
    "Valley",
    "Bridgend",
    "Crossgates",
    "Holmfield",
    "Larkhill",
    "Orchard",
    "Springfield",
    "Woodside",
    "Ferryhill",
]
ORG_KINDS = [
    "Community Association",
    "Trust",
    "Community Hub",
    "Neighbourhood Centre",
    "Development Trust",
    "Community Project",
    "Wellbeing Network",
    "Housing Association",
    "Parish Church",
    "Mosque",
    "Gurdwara",
    "Library",
    "Carers Centre",
    "Citizens Advice",
    "Mind",
    "Age Concern",
    "Youth Project",
    "Family Centre",
    "Tenants and Residents Association",
    "Healthy Living Centre",
]

# Per top-level category: service name stems, and sentences its descriptions draw on.
VOCAB = {
    "money": (
        [
            "Debt Advice Clinic",
            "Benefits Check",
            "Money Advice Service",
            "Welfare Rights Surgery",
            "Energy Advice Drop-in",
            "Budgeting Course",
        ],
        [
            "Free, confidential debt advice on rent arrears, council tax and loans.",
            "We check you are getting every benefit you are entitled to, including universal credit and PIP.",
            "Advisers help with benefit forms, mandatory reconsideration and appeals to tribunal.",
            "Help with fuel bills, prepayment meters and grants to keep your home warm.",
            "Learn to plan a budget, open a bank account and avoid high-cost credit.",
            "Emergency grants and vouchers for people in crisis.",
        ],
    ),
    "housing": (
        ["Housing Advice", "Tenancy Support", "Homeless Outreach", "Warm Space", "Home Repairs Service"],
        [
            "Advice for tenants facing eviction, disrepair or problems with a landlord.",
            "Outreach workers support people sleeping rough or sofa surfing.",
            "A warm welcome, hot drinks and a comfortable place to spend the day in winter.",
            "Small repairs and adaptations so older people can stay safely at home.",
            "Support to set up and keep a tenancy, with help to furnish a new home.",
        ],
    ),
    "food": (
        [
            "Food Bank",
            "Community Pantry",
            "Community Cafe",
            "Lunch Club",
            "Cook and Eat",
            "Baby Food Bank",
            "Soup Kitchen",
        ],
        [
            "An emergency food bank giving food parcels with a referral voucher.",
            "A community pantry: members pay a small weekly fee and choose their own shopping.",
            "A hot meal and good company at our community cafe, pay what you can.",
            "A weekly lunch club for older people with a two-course meal and a chat.",
            "Learn to cook healthy meals on a budget in a friendly cookery class.",
            "Baby food, formula and nappies for families who are struggling.",
        ],
    ),
    "mental-health": (
        [
            "Counselling Service",
            "Peer Support Group",
            "Wellbeing Cafe",
            "Listening Line",
            "Mindfulness Group",
            "Anxiety Support Group",
        ],
        [
            "Free short-term counselling with a qualified counsellor.",
            "A peer support group run by people with lived experience of mental health problems.",
            "Talk about low mood, stress and anxiety in a safe and relaxed space.",
            "A listening line for anyone struggling to cope, open every evening.",
            "Relaxation, meditation and mindfulness sessions to help with worry.",
            "Emotional wellbeing support for people feeling isolated or low.",
        ],
    ),
    "physical-activity": (
        [
            "Walking Group",
            "Health Walks",
            "Chair Exercise",
            "Tai Chi",
            "Walking Football",
            "Swim Sessions",
            "Dance Class",
            "Keep Fit",
        ],
        [
            "Gentle led walks of about an hour, finishing with a cup of tea.",
            "Seated exercise and chair-based exercise for people with limited mobility.",
            "Tai chi to improve balance, strength and confidence.",
            "Walking football for over 50s, all abilities welcome.",
            "Get active with friendly dance classes for beginners.",
            "Exercise sessions for people with long-term conditions such as COPD and diabetes.",
        ],
    ),
    "arts-culture": (
        [
            "Art Group",
            "Community Choir",
            "Craft Club",
            "Knit and Natter",
            "Creative Writing Group",
            "Heritage Group",
            "Drama Group",
        ],
        [
            "A relaxed art group for painting and drawing, materials provided.",
            "A community choir, no auditions and no need to read music.",
            "Knitting, sewing and crochet with a cuppa and a natter.",
            "Share stories and poems in our creative writing group.",
            "Explore local history and heritage with talks and visits.",
            "A friendly drama group that puts on a show every summer.",
        ],
    ),
    "social-connection": (
        [
            "Befriending Service",
            "Coffee Morning",
            "Men's Shed",
            "Women's Group",
            "LGBTQ+ Social",
            "Friendship Group",
            "Youth Club",
            "Volunteer Centre",
        ],
        [
            "Volunteer befrienders visit or phone people who feel lonely or isolated.",
            "A weekly coffee morning and drop-in, everyone welcome.",
            "A men's shed where men meet to chat, make things and do woodwork.",
            "A women's group for friendship, support and activities.",
            "A safe social space for LGBTQ+ people to meet and make friends.",
            "Youth club for young people with games, sport and trips.",
            "Find volunteering opportunities that suit your interests and time.",
        ],
    ),
    "learning": (
        ["ESOL Classes", "English Conversation Club", "Adult Learning", "Literacy and Numeracy", "Confidence Course"],
        [
            "ESOL classes for adults learning English, from beginners to advanced.",
            "Practise speaking English in a friendly conversation club.",
            "Free adult learning courses in reading, writing and maths.",
            "A course to build confidence and self-esteem.",
            "Help with basic skills and qualifications.",
        ],
    ),
    "carers": (
        ["Carers Support Group", "Young Carers Project", "Carers Centre", "Respite Breaks", "Carers Cafe"],
        [
            "Support, information and a break for unpaid carers looking after someone.",
            "A young carers project with trips and activities for young people who care.",
            "Short breaks and a sitting service so carers can have time for themselves.",
            "Advice for carers on benefits, assessments and planning ahead.",
        ],
    ),
    "addiction": (
        ["Recovery Cafe", "Alcohol Support", "Drug Support Service", "Gambling Support", "Family Support Group"],
        [
            "A recovery cafe for people in recovery from alcohol and drug use.",
            "One-to-one support to cut down or stop drinking.",
            "Harm reduction and support for people who use drugs.",
            "Help with problem gambling and betting debts.",
            "Support for families affected by a loved one's addiction.",
        ],
    ),
    "safety": (
        ["Domestic Abuse Support", "Women's Aid", "Hate Crime Reporting", "Scams Awareness", "Sexual Violence Support"],
        [
            "Confidential support for anyone experiencing domestic abuse or coercive control.",
            "Specialist support for survivors of sexual violence.",
            "Report hate crime and get support from a caseworker.",
            "Learn how to spot scams and fraud by phone, post and online.",
        ],
    ),
    "legal": (
        ["Advocacy Service", "Immigration Advice", "Advice Centre", "Refugee Support", "Asylum Drop-in"],
        [
            "Independent advocacy so your voice is heard in decisions about your care.",
            "Free immigration advice from regulated advisers.",
            "General advice on housing, money, work and consumer problems.",
            "Support for refugees and asylum seekers settling in the area.",
        ],
    ),
    "employment": (
        ["Job Club", "Employability Programme", "CV Workshop", "Work Experience Scheme", "Self-Employment Support"],
        [
            "Help with job search, CVs, applications and interviews.",
            "An employability programme with training and work placements.",
            "Support to start your own business or become self-employed.",
            "Back to work support for people who have been out of work for a long time.",
        ],
    ),
    "digital": (
        ["Digital Skills Drop-in", "Get Online Sessions", "Device Lending", "Online Forms Help"],
        [
            "Learn to use a smartphone, tablet or computer at your own pace.",
            "Free devices and data for people who are digitally excluded.",
            "Help filling in online forms for benefits, housing and the GP.",
            "Getting online safely: email, video calls and shopping.",
        ],
    ),
    "nature": (
        ["Community Garden", "Allotment Project", "Green Gym", "Conservation Volunteers", "Growing Club"],
        [
            "Grow your own fruit and vegetables in our community garden.",
            "Conservation volunteering outdoors: hedge laying, planting trees and clearing paths.",
            "Green gym sessions combine gardening and exercise in nature.",
            "Allotment plots shared by local people, tools provided.",
        ],
    ),
    "bereavement": (
        ["Bereavement Support", "Grief Cafe", "Children's Bereavement Service", "Suicide Bereavement Group"],
        [
            "Support for anyone who has been bereaved, at any time after their loss.",
            "A grief cafe where bereaved people can talk over tea and cake.",
            "Bereavement support for children and young people who have lost someone close.",
            "A peer group for people bereaved by suicide.",
        ],
    ),
    "health-conditions": (
        [
            "Dementia Cafe",
            "Memory Cafe",
            "Stroke Club",
            "Cancer Support",
            "Pain Management Group",
            "Sight Loss Group",
            "Autism Support Group",
        ],
        [
            "A dementia cafe for people living with memory loss and their carers.",
            "Support and information for people living with cancer and their families.",
            "A self-management course for people with chronic pain.",
            "Social activities for people with sight loss or hearing loss.",
            "Support for adults with a learning disability or autism.",
        ],
    ),
    "families": (
        ["Stay and Play", "Parent and Toddler Group", "Parenting Support", "Holiday Club", "Baby Bank"],
        [
            "A stay and play session for parents and carers with babies and toddlers.",
            "Parenting support and courses for mums, dads and carers.",
            "Holiday activities and free meals for children during the school holidays.",
            "A baby bank giving baby clothes, nappies and equipment.",
        ],
    ),
}
GENERAL = [
    "Everyone is welcome and you do not need to book.",
    "Tea, coffee and biscuits are provided.",
    "The venue has step-free access and an accessible toilet.",
    "Our volunteers will give you a warm welcome.",
    "You can come on your own or bring a friend.",
    "Sessions are run by trained staff and volunteers.",
    "We can help you find other support in the community.",
    "Interpreters can be arranged if you ask in advance.",
    "It is a chance to meet new people and feel part of the community.",
    "Link workers and GPs can refer, or you can just turn up.",
    "We are a small local charity run by people who live in the area.",
    "Bus routes stop outside the building.",
    "Please call before your first visit so we can say hello.",
    "There is free parking nearby.",
    "We meet in the church hall next to the library.",
    "Groups are small, friendly and informal.",
    "We work closely with the local health centre and social prescribers.",
    "Transport can be arranged for people who cannot travel.",
]
CIRCUMSTANCES = [
    "low income",
    "living alone",
    "long-term illness",
    "recently bereaved",
    "new to the area",
    "unemployed",
    "caring for someone",
    "homeless",
]
LANGUAGES = ["ur", "pl", "ar", "bn", "so", "pa", "cy", "gd", "ro", "uk", "bsl"]
AGE_RANGES = (
    [(None, None)] * 8
    + [(18, None)] * 5
    + [(50, None), (60, None), (65, None), (16, 25), (11, 18), (0, 5), (18, 65), (5, 16), (55, None)]
)
ROUTES = [("self_referral", 0.5), ("drop_in", 0.25), ("gp", 0.3), ("professional", 0.3), ("link_worker", 0.3)]
WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Place:
    """A postcode district centroid that belongs to a synthetic town."""

    district: str
    latitude: float
    longitude: float
    country_code: str
    district_code: str
    health_code: str


@dataclass
class Town:
    """A real town: its name and the districts (and their weights) within its radius."""

    name: str
    places: list[Place]
    weights: list[int]


def _km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    dx = (lng2 - lng1) * 111.32 * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot((lat2 - lat1) * 111.32, dx)


def load_towns() -> list[Town]:
    """The benchmark towns, each with the postcode districts within its radius of its anchor."""
    with gzip.open(DATA_DIR / "postcodes" / "districts.csv.gz", "rt", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_code = {r["district"]: r for r in rows}
    towns = []
    for name, anchor, radius in TOWNS:
        centre = by_code.get(anchor)
        if centre is None:
            raise SystemExit(f"Anchor district {anchor} for {name} is not in districts.csv.gz")
        clat, clng = float(centre["latitude"]), float(centre["longitude"])
        places, weights = [], []
        for r in rows:
            lat, lng = float(r["latitude"]), float(r["longitude"])
            if _km(clat, clng, lat, lng) <= radius and int(r["postcodes"]) > 0:
                places.append(Place(r["district"], lat, lng, r["country_code"], r["district_code"], r["health_code"]))
                weights.append(int(r["postcodes"]))
        towns.append(Town(name, places, weights))
    return towns


def area_names() -> dict[str, str]:
    """GSS code -> display name, for service areas."""
    with (DATA_DIR / "postcodes" / "area_names.csv").open(newline="", encoding="utf-8") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


def seed_categories(session: Session) -> dict[str, list[tuple[str, uuid.UUID, str]]]:
    """Seed the shipped taxonomy; return each top-level code's children as (code, id, name)."""
    tree = json.loads((DATA_DIR / "taxonomy.json").read_text(encoding="utf-8"))
    seed_taxonomy(session, SYSTEM, tree)
    session.commit()
    children: dict[str, list] = {}
    for term in session.exec(select(TaxonomyTerm)):
        if "/" in term.code:
            children.setdefault(term.code.split("/")[0], []).append((term.code, term.id, term.name))
    for items in children.values():
        items.sort()
    return children


class Generator:
    """Draws organisations, locations and services; writes them in Core executemany batches."""

    def __init__(self, seed: int, today: date):
        self.rng = random.Random(seed)
        self.today = today
        self.now = datetime.combine(today, time(9, 0), tzinfo=UTC)
        self.towns = load_towns()
        self.town_weights = [sum(t.weights) for t in self.towns]
        self.names = area_names()

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def description(self, tops: list[str], place: str) -> str:
        """40-120 words: sentences about the service's categories, padded with general ones."""
        target = self.rng.randint(40, 120)
        sentences = [self.rng.choice(VOCAB[tops[0]][1])]
        pool = [s for top in tops for s in VOCAB[top][1]] + GENERAL + GENERAL
        count = len(WORD.findall(sentences[0]))
        while count < target:
            sentence = self.rng.choice(pool)
            sentences.append(sentence)
            count += len(WORD.findall(sentence))
        sentences.insert(1, f"We are based in {place}.")
        return " ".join(sentences)

    def write(
        self, engine: Engine, count: int, categories: dict, progress: Callable[[int], None] | None = None
    ) -> dict[str, int]:
        """Insert `count` services (and their organisations, venues and child rows); returns row counts."""
        rng = self.rng
        tops = sorted(categories)
        tables = {
            "organisation": Organisation.__table__,
            "location": Location.__table__,
            "service": Service.__table__,
            "service_at_location": ServiceAtLocation.__table__,
            "referral_route": ReferralRoute.__table__,
            "schedule": Schedule.__table__,
            "service_taxonomy": ServiceTaxonomy.__table__,
            "service_area": ServiceArea.__table__,
            "season": Season.__table__,
            "funding": Funding.__table__,
        }
        rows: dict[str, list[dict]] = {name: [] for name in tables}
        written = {name: 0 for name in tables}
        stamp = {"created_at": self.now, "updated_at": self.now, "archived_at": None, "archive_reason": None}

        def flush(connection, force: bool = False) -> None:
            # Parents before children, so foreign keys hold at every statement.
            if not force and len(rows["service"]) < BATCH:
                return
            for name, table in tables.items():
                if rows[name]:
                    connection.execute(insert(table), rows[name])
                    written[name] += len(rows[name])
                    rows[name].clear()

        made = 0
        with engine.begin() as connection:
            while made < count:
                town = rng.choices(self.towns, self.town_weights)[0]
                org_id = self.uuid()
                hood = rng.choice(NEIGHBOURHOODS)
                org_name = (
                    f"{hood} {rng.choice(ORG_KINDS)}"
                    if rng.random() < 0.6
                    else f"{town.name} {hood} {rng.choice(ORG_KINDS)}"
                )
                rows["organisation"].append(
                    {
                        **stamp,
                        "id": org_id,
                        "name": org_name,
                        "description": f"A community organisation in {town.name}.",
                        "website": None,
                        "email": None,
                        "phone": None,
                        "charity_number": None,
                        "company_number": None,
                        "logo_url": None,
                        "last_verified_at": None,
                        "verified_by": None,
                        "verification_method": None,
                        "source": "bench",
                        "source_id": None,
                    }
                )
                venues = []
                for _ in range(1 if rng.random() < 0.7 else 2):
                    place = rng.choices(town.places, town.weights)[0]
                    # Venues scatter around the district centre (sigma about 800 m).
                    lat = place.latitude + rng.gauss(0, 0.0072)
                    lng = place.longitude + rng.gauss(0, 0.0072 / math.cos(math.radians(place.latitude)))
                    venue_id = self.uuid()
                    venues.append((venue_id, place))
                    rows["location"].append(
                        {
                            **stamp,
                            "id": venue_id,
                            "organisation_id": org_id,
                            "name": f"{rng.choice(NEIGHBOURHOODS)} Hall",
                            "location_type": "physical",
                            "description": "",
                            "address_1": f"{rng.randint(1, 300)} {rng.choice(NEIGHBOURHOODS)} Road",
                            "address_2": None,
                            "town": town.name,
                            "postcode": f"{place.district} {rng.randint(1, 9)}AB",
                            "latitude": lat,
                            "longitude": lng,
                            "geocode_source": "given",
                            "url": None,
                            "travel_notes": "",
                            "accessibility": "",
                            "wheelchair_accessible": rng.random() < 0.6,
                            "source": "bench",
                            "source_id": None,
                        }
                    )
                for _ in range(min(count - made, rng.choice((1, 1, 2, 2, 3, 4)))):
                    self._service(rows, stamp, org_id, town, hood, venues, categories, tops)
                    made += 1
                    if progress and made % 1000 == 0:
                        progress(1000)
                flush(connection)
            flush(connection, force=True)
        if progress:
            progress(made % 1000)
        return written

    def _service(self, rows, stamp, org_id, town: Town, hood: str, venues, categories, tops) -> None:
        rng = self.rng
        service_id = self.uuid()
        chosen_tops = rng.sample(tops, rng.choice((1, 1, 2, 3)))
        terms = [rng.choice(categories[t]) for t in chosen_tops]
        stem = rng.choice(VOCAB[chosen_tops[0]][0])
        name = rng.choice((f"{hood} {stem}", f"{stem} ({town.name})", f"{rng.choice(NEIGHBOURHOODS)} {stem}", stem))
        low, high = rng.choice(AGE_RANGES)
        free = rng.random() < 0.7
        status = rng.choices(("active", "temporarily_closed", "inactive", "defunct"), (94, 3, 2, 1))[0]
        verified = None if rng.random() < 0.1 else self.now - timedelta(days=rng.randint(0, 800))
        groups = rng.sample(GROUPS_SERVED, rng.choice((0, 0, 0, 1, 2)))
        rows["service"].append(
            {
                **stamp,
                "id": service_id,
                "organisation_id": org_id,
                "name": name[:200],
                "summary": rng.choice(VOCAB[chosen_tops[0]][1])[:300],
                "description": self.description(chosen_tops, f"{hood}, {town.name}"),
                "status": status,
                "status_reason": None,
                "expected_reopening": self.today + timedelta(days=30) if status == "temporarily_closed" else None,
                "website": None,
                "email": None,
                "phone": f"0{rng.randint(1000, 9999)} {rng.randint(100000, 999999)}",
                "alert": None,
                "is_free": free,
                "cost_description": None if free else "£2 a session",
                "cost_min": None,
                "cost_max": None,
                "languages": rng.sample(LANGUAGES, 1) + ["en"] if rng.random() < 0.1 else [],
                "min_age": low,
                "max_age": high,
                "groups_served": groups,
                "circumstances": rng.sample(CIRCUMSTANCES, rng.choice((0, 0, 1, 2))),
                "eligibility_criteria": "" if rng.random() < 0.6 else "Open to anyone living in the area.",
                "open_to_all": not groups,
                "attributes": {},
                "last_verified_at": verified,
                "verified_by": "Bench" if verified else None,
                "verification_method": rng.choice(("owner", "link_worker", "import")) if verified else None,
                "source": "bench",
                "source_id": None,
            }
        )
        for venue_id, _place in rng.sample(venues, rng.choice((1, 1, 1, 2)) if len(venues) > 1 else 1):
            rows["service_at_location"].append(
                {**stamp, "id": self.uuid(), "service_id": service_id, "location_id": venue_id, "description": ""}
            )
        for _code, term_id, _ in dict.fromkeys(terms):
            rows["service_taxonomy"].append({"service_id": service_id, "term_id": term_id})
        routes = [r for r, p in ROUTES if rng.random() < p] or ["self_referral"]
        for route in routes:
            rows["referral_route"].append(
                {
                    "id": self.uuid(),
                    "service_id": service_id,
                    "route_type": route,
                    "method": rng.choice(("phone", "email", "online_form", "in_person")),
                    "contact": None,
                    "url": None,
                    "instructions": "",
                    "status": rng.choices(("accepting", "waiting_list", "closed"), (80, 15, 5))[0],
                    "typical_wait": None,
                    "status_confirmed_on": None,
                }
            )
        for weekday in rng.sample(WEEKDAYS[:6], rng.choice((1, 1, 1, 2, 3))):
            monthly = rng.random() < 0.15
            opens = rng.choice((9, 10, 10, 11, 13, 14, 18))
            rows["schedule"].append(
                {
                    "id": self.uuid(),
                    "service_id": service_id,
                    "location_id": None,
                    "frequency": "monthly" if monthly else "weekly",
                    "weekday": weekday,
                    "week_of_month": rng.choice((1, 2, 3, -1)) if monthly else None,
                    "opens_at": time(opens, 0),
                    "closes_at": time(opens + 2, 0),
                    "valid_from": None,
                    "valid_to": None,
                    "description": "",
                }
            )
        if rng.random() < 0.05:
            rows["season"].append(
                {
                    "id": self.uuid(),
                    "service_id": service_id,
                    "start_month": 4,
                    "start_day": 1,
                    "end_month": 9,
                    "end_day": 30,
                    "description": "Summer only",
                }
            )
        if rng.random() < 0.3:
            ending = rng.random() < 0.2
            rows["funding"].append(
                {
                    "id": self.uuid(),
                    "service_id": service_id,
                    "source": "Lottery",
                    "status": "funding_ending" if ending else "funded",
                    "funded_until": self.today + timedelta(days=60 if ending else 400),
                }
            )
        spread = rng.random()
        if spread < 0.03:  # covers its whole council area (a home-visiting or phone service)
            code = venues[0][1].district_code
            rows["service_area"].append(
                {
                    "id": self.uuid(),
                    "service_id": service_id,
                    "area_type": "local_authority",
                    "code": code,
                    "name": self.names.get(code, code),
                }
            )
        elif spread < 0.032:  # a national helpline
            code = venues[0][1].country_code
            rows["service_area"].append(
                {
                    "id": self.uuid(),
                    "service_id": service_id,
                    "area_type": "national",
                    "code": code,
                    "name": self.names.get(code, code),
                }
            )
