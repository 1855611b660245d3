"""Write data/demo/directory.json: a fictional but realistic community directory for demos.

Everything is invented except the unit postcodes, which are real and come only from OS
Code-Point Open, so distance search behaves as it would with live data. Phone numbers are in
Ofcom's drama ranges and addresses on example.org/.com/.net, so nothing reaches a real person.
The output is the same on every run: one seeded generator, sorted inputs, no clock. Dates are
stored relative to the day the demo is loaded (verified_days_ago and friends).

    python scripts/make_demo_directory.py [--codepo PATH] [--out PATH]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 20250501
ATTRIBUTION = (
    "Fictional demo data made by scripts/make_demo_directory.py: organisations, services, "
    "addresses, phone numbers (Ofcom drama ranges) and email addresses are invented. "
    "Postcodes: Contains OS data © Crown copyright and database right 2025; Contains Royal Mail "
    "data © Royal Mail copyright and database right 2025; Contains National Statistics data "
    "© Crown copyright and database right 2025."
)

# --- Areas: neighbourhoods ("Name|district|nearest station"), streets, phones, languages ---

AREAS = {
    "glasgow": dict(
        label="Glasgow's east end",
        zipfiles=["g"],
        district_code="S12000049",
        la={"area_type": "local_authority", "code": "S12000049", "name": "Glasgow City"},
        towns={},
        default_town="Glasgow",
        phone="0141 496 0{:03d}",
        places="Parkhead|G31|Bellgrove;Dennistoun|G31|Duke Street;Haghill|G31|Alexandra Parade;"
        "Shettleston|G32|Shettleston;Tollcross|G32|Carntyne;Sandyhills|G32|Shettleston;"
        "Carmyle|G32|Carmyle;Mount Vernon|G32|Mount Vernon;Riddrie|G33|Alexandra Parade;"
        "Cranhill|G33|Garrowhill;Ruchazie|G33|Garrowhill;Garthamlock|G33|Easterhouse;"
        "Blackhill|G33|Alexandra Parade;Easterhouse|G34|Easterhouse;Bridgeton|G40|Bridgeton;"
        "Calton|G40|Bridgeton;Dalmarnock|G40|Dalmarnock",
        streets="Duke Street;Gallowgate;Tollcross Road;Shettleston Road;London Road;Westmuir Street;"
        "Edinburgh Road;Wellhouse Crescent;Springfield Road;Alexandra Parade;Cumbernauld Road;"
        "Kenmure Street;Hallhill Road;Aberfoyle Street;Main Street;Baillieston Road;Old Shettleston "
        "Road;Lochend Road;Bogbain Road;Queenslie Court;Millerfield Road;Abercromby Street",
        langs=["pl", "ar", "ur", "ro", "fa", "ti"],
        lang_rate=0.12,
        link_team="East end link worker team",
    ),
    "calderdale": dict(
        label="Calderdale",
        zipfiles=["hx", "ol", "hd"],
        district_code="E08000033",
        la={"area_type": "local_authority", "code": "E08000033", "name": "Calderdale"},
        towns={
            "HX5": "Elland",
            "HX6": "Sowerby Bridge",
            "HX7": "Hebden Bridge",
            "OL14": "Todmorden",
            "HD6": "Brighouse",
        },
        default_town="Halifax",
        phone="01632 960{:03d}",
        places="Halifax|HX1|Halifax;King Cross|HX1|Halifax;Pellon|HX1|Halifax;"
        "Mixenden|HX2|Halifax;Illingworth|HX2|Halifax;Luddenden Foot|HX2|Mytholmroyd;"
        "Ovenden|HX3|Halifax;Boothtown|HX3|Halifax;Northowram|HX3|Halifax;Shelf|HX3|Halifax;"
        "Siddal|HX3|Halifax;Greetland|HX4|Sowerby Bridge;Elland|HX5|Brighouse;"
        "Sowerby Bridge|HX6|Sowerby Bridge;Ripponden|HX6|Sowerby Bridge;Mytholmroyd|HX7|Mytholmroyd;"
        "Hebden Bridge|HX7|Hebden Bridge;Todmorden|OL14|Todmorden;Walsden|OL14|Walsden;"
        "Brighouse|HD6|Brighouse;Rastrick|HD6|Brighouse",
        streets="Gibbet Street;Queens Road;Hopwood Lane;King Cross Road;Pellon Lane;Ovenden Road;"
        "Keighley Road;Wharf Street;Market Street;Commercial Street;Burnley Road;Halifax Road;"
        "Bradford Road;Southgate;Town Hall Street;Victoria Road;Crossley Street;Bethel Street;"
        "Rochdale Road;Saddleworth Road;Bank Street;Albert Road",
        langs=["ur", "pa", "pl", "ro", "ar", "ku"],
        lang_rate=0.15,
        link_team="Calderdale social prescribing team",
    ),
    "tower_hamlets": dict(
        label="Tower Hamlets",
        zipfiles=["e"],
        district_code="E09000030",
        la={"area_type": "local_authority", "code": "E09000030", "name": "Tower Hamlets"},
        towns={},
        default_town="London",
        phone="020 7946 0{:03d}",
        places="Whitechapel|E1|Whitechapel;Stepney|E1|Stepney Green;Shadwell|E1|Shadwell;"
        "Spitalfields|E1|Aldgate East;Bethnal Green|E2|Bethnal Green;Weavers|E2|Bethnal Green;"
        "Bow|E3|Bow Road;Mile End|E3|Mile End;Bromley-by-Bow|E3|Bromley-by-Bow;"
        "Fish Island|E3|Hackney Wick;Poplar|E14|All Saints;Limehouse|E14|Limehouse;"
        "Isle of Dogs|E14|Crossharbour;Cubitt Town|E14|Island Gardens;Lansbury|E14|Langdon Park",
        streets="Commercial Road;Mile End Road;Roman Road;Bethnal Green Road;Cable Street;"
        "Whitechapel Road;Bow Road;Burdett Road;East India Dock Road;Chrisp Street;Westferry Road;"
        "Manchester Road;Cambridge Heath Road;Globe Road;Hanbury Street;Old Ford Road;"
        "Devons Road;St Paul's Way;Watney Street;Ben Jonson Road;Jamaica Street",
        langs=["bn", "so", "ur", "ar", "tr", "pt", "es"],
        lang_rate=0.35,
        link_team="Tower Hamlets link worker network",
    ),
}

VENUES = [
    "{place} Community Centre",
    "{place} Library",
    "{place} Parish Church Hall",
    "{place} Sports Centre",
    "{place} Tenants' Hall",
    "{street} Community Rooms",
    "{place} Baptist Church Hall",
    "The Old Bank, {place}",
    "{place} Hub",
    "{place} Methodist Hall",
    "{place} Neighbourhood Rooms",
    "The Pavilion, {place} Park",
]
VENUES_BY_TYPE = {
    "garden": ["{org} growing space", "{place} Park walled garden", "{place} Allotments"],
    "shed": ["The Shed, {street} Workshops", "Unit {n}, {street} Business Centre"],
    "active": ["{place} Park (main gates)", "{place} Sports Centre", "{place} Leisure Centre"],
    "advice": ["{org} office", "{place} Community Centre", "{place} Library"],
}
ACCESS = {
    True: [
        "Step-free entrance, accessible toilet",
        "Level access, accessible toilet and hearing loop",
        "Ramp at the side door; lift to all floors",
        "Flat, level paths; accessible toilet nearby",
    ],
    False: [
        "Three steps at the entrance and no lift",
        "Group meets upstairs; there is no lift",
        "Uneven ground and narrow paths",
        "Steep steps down to the hall",
    ],
    None: [""],
}
TRAVEL = [
    "Nearest station: {station}",
    "{station} station is about ten minutes' walk",
    "Buses stop on {street}, right outside",
    "Several buses stop on {street}",
    "Small car park at the back; free street parking nearby",
    "Five minutes' walk from {place} centre",
]

# --- Service kinds: the building blocks of every service the generator writes ---
# when: (frequency, weekday choices, "HH:MM-HH:MM" slots, sessions per week or weeks of month)
# routes: alternative route sets; codes are expanded by route() below.

FREE = [(True, None, None, None)]
KINDS = {
    "pantry": dict(
        cats=["food/food-pantry"],
        names=["{place} Pantry", "{day} Food Pantry", "Community Pantry"],
        summary=[
            "Food pantry: pay a small weekly fee and choose around £15 of groceries, fresh fruit and veg.",
            "Members' food pantry in {place} with low-cost groceries, toiletries and household items.",
        ],
        intro=[
            "Our food pantry is a members' shop: you pay a small weekly amount and choose your own food, so it is not a food bank and you don't need a voucher.",
            "The pantry helps {place} households stretch their budget, with chilled, frozen and store-cupboard food at a fraction of shop prices.",
        ],
        details=[
            "Membership is free to join and you can come every week.",
            "We always have fresh fruit and veg, bread and eggs.",
            "Volunteers can point you towards debt advice and welfare rights help if money is tight.",
            "Halal and vegetarian options are usually available.",
            "Bring your own bags if you can.",
        ],
        when=("weekly", "MO TU WE TH FR SA", ["10:00-12:00", "13:00-15:00", "16:30-18:30"], 1),
        routes=[["drop_in"], ["drop_in", "self_phone"]],
        cost=[(False, "£3.50 a week for about £15 of food", 3.5, 3.5), (False, "£4 a visit", 4, 4)],
        elig=[dict(circ=["on a low income"], criteria="For people living in {area}."), {}],
    ),
    "foodbank": dict(
        cats=["food/food-bank"],
        names=["{place} Food Bank", "Emergency Food Parcels"],
        summary=[
            "Emergency food bank: three days of food for people in crisis, with a referral voucher.",
            "Food bank giving emergency food parcels, with someone to talk to about what went wrong.",
        ],
        intro=[
            "The food bank gives emergency food parcels to people who have run out of money for food.",
            "If you can't afford to eat this week, our food bank can help with a parcel of emergency food.",
        ],
        details=[
            "Parcels include tinned and dried food, tea, milk and toiletries.",
            "We can add baby food and nappies if you ask.",
            "You will be offered a hot drink and a chat with a volunteer about benefits and debt.",
            "Referrals usually come from a link worker, GP surgery, school or housing officer.",
            "Most people need us only once or twice.",
        ],
        when=("weekly", "MO WE FR", ["11:00-14:00", "12:00-15:00"], 2),
        routes=[["link", "prof"], ["prof", "self_phone"]],
        cost=FREE,
        elig=[
            dict(
                circ=["in financial crisis"],
                criteria="You need a food bank voucher from a referral agency.",
                open=False,
            )
        ],
    ),
    "community_meal": dict(
        cats=["food/community-meals"],
        names=["{day} Community Meal", "{place} Community Cafe", "Pay-as-you-feel Lunch"],
        summary=[
            "Free hot community meal every {day}: come and eat together, no questions asked.",
            "Pay-as-you-feel community cafe with a hot two-course meal and good company.",
        ],
        intro=[
            "A hot, home-cooked community meal for anyone who wants one, served at shared tables.",
            "Our community cafe cooks with surplus food from local shops, so you pay what you can.",
        ],
        details=[
            "There is always a vegetarian option.",
            "Families with children are very welcome.",
            "Volunteers cook and serve, and new volunteers are always welcome.",
            "Many people come for the company as much as the food.",
            "Takeaway portions are available if you can't stay.",
        ],
        when=("weekly", "MO TU WE TH FR SU", ["12:00-14:00", "17:30-19:00"], 1),
        routes=[["drop_in"]],
        cost=FREE * 2
        + [(True, "Pay as you feel", None, None), (True, "Free; £2 suggested donation if you can", None, None)],
        elig=[{}],
    ),
    "cooking": dict(
        cats=["food/cooking-skills"],
        names=["Cook and Eat", "Cooking on a Budget", "Fakeaway Club"],
        summary=[
            "Six-week cooking on a budget course: cook simple, healthy meals and take home what you make.",
            "Cook and eat sessions: learn to cook cheap, tasty meals from scratch and eat together.",
        ],
        intro=[
            "A friendly cooking course for people who want to cook simple meals on a budget.",
            "Learn to cook healthy food from scratch using a few basic ingredients and one pot.",
        ],
        details=[
            "Everyone goes home with a recipe card and a bag of ingredients.",
            "No experience needed.",
            "We look at slow cookers and air fryers and how to keep energy costs down.",
            "Places are limited to ten people, so please book.",
        ],
        when=("weekly", "TU WE TH", ["10:00-12:30", "13:00-15:30", "18:00-20:00"], 1),
        course=True,
        routes=[["self_phone"], ["self_email", "link"]],
        cost=FREE,
        elig=[dict(min_age=16), {}],
    ),
    "lunch_club": dict(
        cats=["food/lunch-clubs", "social-connection/older-people"],
        names=["{place} Lunch Club", "{day} Lunch Club", "Friendship Lunch"],
        summary=[
            "Lunch club for older people: a two-course hot lunch, a quiz and good company every {day}.",
            "Weekly lunch club for over-60s in {place}, with transport for people who can't get out easily.",
        ],
        intro=[
            "Our lunch club is a chance for older people to share a hot meal and catch up with friends.",
            "A long-running lunch club where over-60s meet for a two-course lunch, tea and a blether.",
        ],
        details=[
            "There is bingo or a quiz after lunch.",
            "We can collect you in our minibus if you live nearby.",
            "Special diets can be catered for with notice.",
            "New members often come along with a link worker the first time.",
            "Carers are welcome to come too.",
        ],
        when=("weekly", "MO TU WE TH FR", ["12:00-14:00", "11:30-13:30"], 1),
        routes=[["self_phone"], ["self_phone", "drop_in"]],
        cost=[(False, "£4 for a two-course lunch", 4, 4), (False, "£3.50; transport £1 extra", 3.5, 4.5)],
        elig=[
            dict(min_age=60, groups=["older_people"], open=False, criteria="For people aged 60 and over."),
            dict(
                min_age=55,
                groups=["older_people", "minority_ethnic"],
                open=False,
                only="calderdale tower_hamlets",
                criteria="South Asian elders aged 55 and over; food is halal.",
            ),
        ],
    ),
    "welfare_rights": dict(
        cats=["money/welfare-rights", "money/benefits-appeals"],
        names=["Welfare Rights Clinic", "Benefit Checks", "Benefits Advice Surgery"],
        summary=[
            "Welfare rights clinic: benefit checks, help with Universal Credit, PIP forms and appeals.",
            "Free benefits advice: find out what you are entitled to and get help with forms and appeals.",
        ],
        intro=[
            "Our welfare rights advisers check that you are getting every benefit you are entitled to.",
            "Free, confidential welfare rights advice on Universal Credit, PIP, Attendance Allowance and Pension Credit.",
        ],
        details=[
            "We help with claim forms, mandatory reconsiderations and tribunal appeals.",
            "Bring any letters from the DWP or council.",
            "Advisers can visit at home if you cannot get out.",
            "Many people are missing out on benefits without knowing it.",
            "We can also check your council tax reduction.",
        ],
        when=("weekly", "MO TU WE TH", ["09:30-12:30", "13:30-16:00"], 1),
        routes=[["drop_in", "self_phone"], ["self_phone", "link", "prof"]],
        cost=FREE,
        elig=[{}],
    ),
    "debt_advice": dict(
        cats=["money/debt-advice", "money/budgeting"],
        names=["Debt Advice", "Money Advice Appointments", "Debt and Budgeting Help"],
        summary=[
            "Free, confidential debt advice: rent arrears, council tax, loans, catalogues and bailiffs.",
            "Money and debt advice by appointment, including budgeting and dealing with creditors.",
        ],
        intro=[
            "Our money advisers help you deal with debt, whatever the amount and however it happened.",
            "Free debt advice from trained advisers who will never judge you.",
        ],
        details=[
            "We work out a budget with you and talk to creditors on your behalf.",
            "We can help with debt relief orders and sequestration.",
            "Open the letters before you come if you can, but bring them either way.",
            "Priority debts like rent and council tax come first.",
            "Appointments can be in person, by phone or by video call.",
        ],
        when=("weekly", "TU WE TH FR", ["09:30-16:30"], 1),
        sched_note="By appointment",
        routes=[["self_phone"], ["self_phone", "self_email", "prof"]],
        cost=FREE,
        wait=0.3,
        elig=[{}],
    ),
    "energy_advice": dict(
        cats=["money/energy-advice", "money/grants"],
        names=["Energy Advice Drop-in", "Warm Homes Advice", "Fuel Bill Help"],
        summary=[
            "Energy advice: help with fuel bills, prepayment meters, grants and keeping warm for less.",
            "Drop-in help with gas and electricity bills, energy debt and cheaper tariffs.",
        ],
        intro=[
            "Our energy advisers help with fuel bills, prepayment meters and energy debt.",
            "Worried about heating your home? Get free energy advice and help applying for grants.",
        ],
        details=[
            "We can sometimes offer fuel vouchers in an emergency.",
            "Bring a recent bill or your meter details.",
            "We can talk to your supplier for you.",
            "Ask about free draught-proofing and insulation.",
        ],
        when=("weekly", "MO WE TH", ["10:00-13:00", "13:30-15:30"], 1),
        routes=[["drop_in"], ["drop_in", "self_phone"]],
        cost=FREE,
        elig=[{}],
    ),
    "housing_advice": dict(
        cats=["housing/housing-advice", "housing/tenancy-support", "housing/homelessness"],
        names=["Housing Advice", "Tenancy Support", "Housing Options Advice"],
        summary=[
            "Housing advice on repairs, rent arrears, eviction and applying for social housing.",
            "Tenancy support for people settling into a new home or at risk of losing one.",
        ],
        intro=[
            "Independent housing advice for tenants and people who are homeless or about to be.",
            "Our tenancy support workers help people set up and keep a home.",
        ],
        details=[
            "We can help with housing applications and bidding for homes.",
            "If you have an eviction notice, contact us straight away.",
            "Support can last up to six months.",
            "We can help with furniture grants and setting up utilities.",
        ],
        when=("weekly", "MO TU TH", ["10:00-13:00", "14:00-16:00"], 1),
        routes=[["self_phone", "prof"], ["drop_in", "self_phone"]],
        cost=FREE,
        wait=0.2,
        elig=[{}],
    ),
    "warm_space": dict(
        cats=["housing/warm-spaces", "social-connection/social-groups"],
        names=["Warm Space", "Warm Welcome", "Winter Warm Hub"],
        summary=[
            "Free warm space in winter with hot drinks, soup, wifi and phone charging.",
            "A warm welcome: a heated room, hot soup and company on winter afternoons.",
        ],
        intro=[
            "A free, heated warm space where anyone can spend the afternoon during the winter months.",
            "Our warm space is open through the winter for anyone who wants somewhere warm to be.",
        ],
        details=[
            "Soup and hot drinks are free.",
            "There are newspapers, board games and free wifi.",
            "Someone can help you with energy bills if you want.",
            "No need to explain why you are here.",
        ],
        when=("weekly", "MO TU WE TH FR", ["12:00-16:00", "13:00-17:00"], 2),
        season=[(11, 1, 3, 31, "Winter only: November to March")],
        routes=[["drop_in"]],
        cost=FREE,
        elig=[{}],
    ),
    "walking_group": dict(
        cats=["physical-activity/walking-groups"],
        names=["{place} Health Walks", "{day} Walking Group", "Wellbeing Walks"],
        summary=[
            "Free led health walks of about an hour at an easy pace, with a cuppa afterwards.",
            "Friendly walking group for all abilities: gentle walks around {place} every {day}.",
        ],
        intro=[
            "Our walking group does short, gentle walks led by trained volunteer walk leaders.",
            "Free health walks for anyone who wants to get more active and meet people.",
        ],
        details=[
            "Walks last 45 minutes to an hour and go at the pace of the slowest walker.",
            "Wear comfortable shoes and bring a waterproof.",
            "There is always a shorter route for anyone who needs it.",
            "Most weeks we stop for a cup of tea afterwards.",
            "Dogs on leads are welcome.",
        ],
        when=("weekly", "MO TU WE TH FR SA", ["10:00-11:00", "10:30-11:30", "13:30-14:30"], 1),
        routes=[["drop_in"]],
        cost=FREE,
        elig=[{}],
    ),
    "chair_exercise": dict(
        cats=["physical-activity/gentle-exercise"],
        names=["Chair-based Exercise", "Seated Exercise and Tai Chi", "Gentle Movement"],
        summary=[
            "Gentle chair-based exercise to build strength and balance, at your own pace.",
            "Seated exercise and tai chi for people who are less steady on their feet.",
        ],
        intro=[
            "Gentle, seated exercise led by a qualified instructor, good for strength, balance and confidence.",
            "Our chair exercise class is for people who find other exercise too much.",
        ],
        details=[
            "Everything can be done sitting down.",
            "It helps prevent falls.",
            "Wear loose clothes and bring water.",
            "There is tea and a chat after the class.",
        ],
        when=("weekly", "MO TU WE TH FR", ["10:30-11:30", "14:00-15:00"], 1),
        routes=[["drop_in"], ["self_phone"]],
        cost=FREE + [(False, "£3 per session, free for carers", 0, 3), (False, "£2 per class", 2, 2)],
        elig=[dict(min_age=50), {}],
    ),
    "ltc_exercise": dict(
        cats=["physical-activity/exercise-referral", "health-conditions/long-term-conditions"],
        names=["Exercise for Health", "Active Health Programme", "Strength and Balance Programme"],
        summary=[
            "Twelve-week supervised exercise programme for people with long-term conditions, by referral.",
            "Exercise for health conditions such as COPD, diabetes, heart disease and arthritis.",
        ],
        intro=[
            "A supervised exercise programme for adults with long-term health conditions, run by qualified instructors.",
            "Exercise for people living with conditions such as COPD, diabetes, heart disease or arthritis.",
        ],
        details=[
            "Each person has an assessment and a plan that suits them.",
            "The programme lasts twelve weeks.",
            "Many people carry on at a reduced-price membership afterwards.",
            "Instructors work with the NHS team who refer you.",
        ],
        when=("weekly", "MO WE FR", ["10:00-11:00", "14:00-15:00"], 2),
        routes=[["gp"], ["gp", "link"]],
        cost=FREE + [(False, "£2 per session", 2, 2)],
        wait=0.3,
        elig=[
            dict(
                min_age=18,
                circ=["long-term health condition"],
                open=False,
                criteria="Adults with a long-term health condition, referred by a GP, practice nurse or physiotherapist.",
            )
        ],
    ),
    "mens_shed": dict(
        cats=["social-connection/mens-groups"],
        names=["{place} Men's Shed", "The Shed", "Men's Shed Open Days"],
        summary=[
            "Men's shed: a workshop where men meet, make things, fix things and talk.",
            "Community men's shed with woodwork, repairs and a kettle always on.",
        ],
        intro=[
            "A men's shed is a workshop where men come together to make, mend and chat.",
            "Our men's shed is a place for men to share skills, work on projects and have a cuppa.",
        ],
        details=[
            "You don't need any skills, just turn up.",
            "Projects include benches, bird boxes and bike repairs for the community.",
            "Many members came to us after retiring, being bereaved or feeling isolated.",
            "Safety training is given on all the tools.",
            "Women are welcome on open days.",
        ],
        when=("weekly", "TU WE TH SA", ["10:00-14:00", "09:30-13:00"], 2),
        routes=[["drop_in"], ["drop_in", "self_phone"]],
        cost=FREE + [(True, "Free; £1 for tea and biscuits", None, None)],
        elig=[
            dict(groups=["men"], min_age=18, criteria="Mainly for men aged 18 and over."),
            dict(groups=["men", "older_people"], criteria="Mostly older men, but all ages welcome."),
        ],
    ),
    "womens_group": dict(
        cats=["social-connection/womens-groups"],
        names=["{place} Women's Circle", "Women's Group", "Women's Wellbeing Group"],
        summary=[
            "Women's group: a relaxed space to meet, try new things and talk in confidence.",
            "Weekly women's wellbeing group with crafts, outings and guest speakers.",
        ],
        intro=[
            "A friendly group for women who want to meet others and do something for themselves.",
            "Our women's group is a safe, women-only space for friendship and support.",
        ],
        details=[
            "Activities include sewing, cooking, walks and wellbeing sessions.",
            "A free creche is available if you book.",
            "Many women first come with a friend or their link worker.",
            "Interpreters can be arranged.",
        ],
        when=("weekly", "MO TU WE TH", ["10:00-12:00", "13:00-15:00"], 1),
        multilingual=True,
        routes=[["drop_in"], ["self_phone", "drop_in"]],
        cost=FREE,
        elig=[
            dict(groups=["women"], min_age=18, open=False, criteria="Women aged 18 and over, including trans women."),
            dict(
                groups=["women", "minority_ethnic"],
                open=False,
                only="calderdale tower_hamlets glasgow",
                criteria="Women from Black, Asian and minority ethnic communities.",
            ),
        ],
    ),
    "bereavement": dict(
        cats=["bereavement/bereavement-support"],
        names=["Bereavement Support Group", "Grief Cafe", "Living with Loss"],
        summary=[
            "Bereavement support group for anyone grieving the death of someone close, however long ago.",
            "Grief cafe: a gentle monthly space to talk about loss with others who understand.",
        ],
        intro=[
            "A bereavement support group for people who are grieving, led by trained volunteers.",
            "Our grief cafe is a relaxed place to talk about the person who has died, or just listen.",
        ],
        details=[
            "You can come as often as you like, and it is fine to just sit and listen.",
            "One-to-one bereavement support is also available.",
            "It doesn't matter how long ago the death was.",
            "People bereaved by suicide are welcome; we can also refer on to specialist support.",
        ],
        when=("monthly", "TU WE TH", ["14:00-16:00", "18:30-20:30"], [1, 2, 3, -1]),
        routes=[["drop_in", "self_phone"], ["self_phone", "link"]],
        cost=FREE,
        elig=[dict(min_age=18, circ=["bereaved"]), dict(circ=["bereaved"])],
    ),
    "esol": dict(
        cats=["learning/esol"],
        names=["ESOL Classes", "English Conversation Club", "ESOL for Beginners"],
        summary=[
            "Free ESOL classes: English for speakers of other languages, beginners to intermediate.",
            "English conversation club to practise speaking English in a friendly group.",
        ],
        intro=[
            "Free ESOL (English for speakers of other languages) classes for adults at all levels.",
            "Practise your English with friendly volunteers in a relaxed conversation class.",
        ],
        details=[
            "You will have a short assessment to find the right level.",
            "Childcare is available for some classes.",
            "We also help with reading letters and filling in forms.",
            "Classes follow the school terms.",
        ],
        when=("weekly", "MO TU WE TH FR", ["09:30-11:30", "13:00-15:00", "18:00-20:00"], 2),
        multilingual=True,
        routes=[["drop_in", "self_phone"], ["self_form", "prof"]],
        cost=FREE,
        wait=0.3,
        elig=[
            dict(min_age=16, criteria="Adults whose first language is not English."),
            dict(
                min_age=18,
                groups=["refugees_asylum_seekers"],
                criteria="Priority for refugees and people seeking asylum.",
            ),
        ],
    ),
    "carers_group": dict(
        cats=["carers/carers-support"],
        names=["Carers' Support Group", "Carers' Cafe", "Carers' Coffee and Chat"],
        summary=[
            "Carers' group: unpaid carers meet for a break, a chat and information.",
            "Monthly carers' cafe with speakers on carers' rights, benefits and looking after yourself.",
        ],
        intro=[
            "A support group for unpaid carers looking after a family member, partner or friend.",
            "Our carers' cafe is a break for anyone caring for someone, with tea and people who understand.",
        ],
        details=[
            "We can tell you about carers' assessments and Carer's Allowance.",
            "Sitting can be arranged so you can come.",
            "Guest speakers cover things like power of attorney and respite.",
            "You don't need to call yourself a carer to come.",
        ],
        when=("monthly", "MO TU WE TH", ["10:30-12:30", "13:30-15:00", "18:00-19:30"], [1, 2, 3, -1]),
        routes=[["drop_in"], ["self_phone", "link"]],
        cost=FREE,
        elig=[dict(groups=["carers"], circ=["unpaid carer"], open=False, criteria="Unpaid carers of any age.")],
    ),
    "young_carers": dict(
        cats=["carers/young-carers", "social-connection/young-people"],
        names=["Young Carers' Club", "Young Carers' Group"],
        summary=[
            "Young carers' club: trips, activities and support for children who care for someone at home.",
            "Group for young carers aged 8 to 18, with time off from caring and someone to talk to.",
        ],
        intro=[
            "Our young carers' club gives children and teenagers who look after someone a break and some fun.",
            "Support for young carers who help look after a parent, brother, sister or grandparent.",
        ],
        details=[
            "We run trips in the school holidays.",
            "A support worker can talk to the young person's school.",
            "Transport can be arranged.",
            "Parents can ask for a referral too.",
        ],
        when=("weekly", "TU WE TH", ["16:00-18:00", "17:00-19:00"], 1),
        routes=[["prof", "self_phone"], ["self_form"]],
        cost=FREE,
        wait=0.3,
        elig=[
            dict(
                min_age=8,
                max_age=18,
                groups=["carers", "young_people"],
                circ=["young carer"],
                open=False,
                criteria="Children and young people aged 8 to 18 who help look after someone at home.",
            )
        ],
    ),
    "recovery_cafe": dict(
        cats=["addiction/recovery-community", "addiction/alcohol", "addiction/drugs"],
        names=["Recovery Cafe", "{day} Recovery Cafe", "Recovery Community Drop-in"],
        summary=[
            "Recovery cafe for people in recovery from alcohol or drugs, their families and friends.",
            "Peer-led recovery cafe: food, mutual support and activities, free of alcohol and drugs.",
        ],
        intro=[
            "Our recovery cafe is run by people in recovery from alcohol and drug use, for people in recovery.",
            "A welcoming recovery community where people affected by addiction meet, eat and support each other.",
        ],
        details=[
            "You don't need to be sober to come through the door, just not under the influence on the day.",
            "There is a free meal and a mutual aid meeting afterwards.",
            "Families and friends are welcome.",
            "Volunteers can help you with getting into treatment.",
        ],
        when=("weekly", "MO TU WE TH FR SA", ["17:00-20:00", "12:00-15:00"], 1),
        routes=[["drop_in"]],
        cost=FREE,
        elig=[dict(min_age=18, groups=["people_in_recovery"], circ=["in recovery from alcohol or drugs"])],
    ),
    "family_addiction": dict(
        cats=["addiction/family-support"],
        names=["Family Support Group", "Families Affected by Addiction"],
        summary=[
            "Support group for families affected by a loved one's drinking, drug use or gambling.",
            "Confidential support for parents, partners and relatives of people with addiction.",
        ],
        intro=[
            "A support group for family members affected by someone else's alcohol, drug use or gambling.",
            "If someone you love is drinking or using drugs, you don't have to cope alone.",
        ],
        details=["One-to-one support is also available.", "Meetings are confidential.", "Kinship carers are welcome."],
        when=("monthly", "MO TU WE", ["18:30-20:00"], [1, 2, 3]),
        routes=[["self_phone"], ["self_phone", "drop_in"]],
        cost=FREE,
        elig=[dict(min_age=16, groups=["families"], circ=["affected by someone else's addiction"])],
    ),
    "gardening": dict(
        cats=["nature/community-gardens", "nature/green-health"],
        names=["Community Gardening Group", "Grow and Share", "{day} Gardening Club"],
        summary=[
            "Seasonal community gardening group: grow food and flowers together, April to September.",
            "Gardening sessions for wellbeing: planting, weeding, harvesting and sharing the veg.",
        ],
        intro=[
            "Our gardening group meets through the growing season to look after the community garden.",
            "Growing food together is good for body and mind: join our gardening sessions in {place}.",
        ],
        details=[
            "No experience needed; tools and gloves are provided.",
            "We share the harvest between everyone who helps.",
            "There are raised beds for people who can't kneel.",
            "We break for the winter and start again next spring.",
            "There is a polytunnel, so we garden whatever the weather.",
        ],
        when=("weekly", "TU WE TH SA", ["10:00-13:00", "13:00-16:00"], 1),
        season=[(4, 1, 9, 30, "April to September; back next spring"), (3, 1, 10, 31, "March to October")],
        routes=[["drop_in"], ["self_phone", "link"]],
        cost=FREE,
        elig=[{}],
    ),
    "conservation": dict(
        cats=["nature/conservation"],
        names=["Conservation Volunteers", "Green Team", "Park Volunteers"],
        summary=[
            "Practical conservation volunteering outdoors: hedge laying, path work, tree planting.",
            "Outdoor green volunteering to look after local parks, woods and river banks.",
        ],
        intro=[
            "Get outdoors and help look after local green spaces with our conservation volunteers.",
            "A friendly green team doing practical jobs in parks, woods and along the river.",
        ],
        details=[
            "Tools, gloves and training are provided.",
            "Tasks suit all fitness levels.",
            "Bring a packed lunch; we provide hot drinks.",
            "Most of the tree planting happens in autumn and winter.",
        ],
        when=("weekly", "WE TH SA", ["10:00-15:00"], 1),
        season=[(9, 1, 3, 31, "Autumn and winter tasks, September to March")],
        routes=[["self_email"], ["self_phone", "link"]],
        cost=FREE,
        elig=[dict(min_age=16)],
    ),
    "arts_group": dict(
        cats=["arts-culture/arts-crafts"],
        names=["Art Group", "Creative Wellbeing", "Crafty Afternoons", "Knit and Natter"],
        summary=[
            "Relaxed art group for beginners: painting, drawing and printmaking, materials provided.",
            "Craft group: knitting, crochet and sewing with a cuppa and a natter.",
        ],
        intro=[
            "A relaxed art group for people who want to be creative, whatever their experience.",
            "Our creative wellbeing sessions use art and craft to help people relax and connect.",
        ],
        details=[
            "All materials are provided.",
            "An artist leads each session with a new project.",
            "We show work in an exhibition each year.",
            "It is fine to bring your own project.",
        ],
        when=("weekly", "MO TU WE TH FR", ["10:00-12:00", "13:30-15:30", "18:30-20:30"], 1),
        routes=[["drop_in"], ["self_phone", "link"]],
        cost=FREE
        + [
            (False, "£5 per session including materials; £2.50 concessions", 2.5, 5),
            (True, "Free; £2 suggested donation", None, None),
        ],
        elig=[{}, dict(min_age=18)],
    ),
    "singing": dict(
        cats=["arts-culture/music-singing"],
        names=["Community Choir", "Singing for Health", "Sing and Breathe"],
        summary=[
            "Community choir, no auditions and no need to read music.",
            "Singing for health: breathing, singing and feeling better.",
        ],
        intro=[
            "A friendly community choir where everyone is welcome, whatever their voice.",
            "Singing for health sessions to help breathing, mood and confidence.",
        ],
        details=[
            "We sing pop, folk and songs from the shows.",
            "Sessions are good for people with COPD or long COVID.",
            "There are two concerts a year.",
            "Nobody has to sing on their own.",
        ],
        when=("weekly", "MO TU WE TH", ["19:00-21:00", "13:30-15:00"], 1),
        routes=[["drop_in"]],
        cost=FREE + [(False, "£3 a session; first session free", 0, 3)],
        elig=[{}],
    ),
    "befriending": dict(
        cats=["social-connection/befriending"],
        names=["Befriending Service", "Befriending", "Good Neighbours"],
        summary=[
            "Befriending for people who feel lonely or isolated: a volunteer visits or calls every week.",
            "Telephone befriending: a regular friendly call for people who live alone.",
        ],
        intro=[
            "Our befriending service matches people who are lonely or isolated with a volunteer befriender.",
            "A weekly friendly phone call from a trained volunteer for anyone feeling cut off.",
        ],
        details=[
            "Befrienders visit for an hour a week, or call if you prefer.",
            "Volunteers are checked and trained.",
            "We take time to find the right match.",
            "Befriending can help you get back out to groups.",
        ],
        when=None,
        routes=[["self_phone", "link", "prof"], ["link", "prof"]],
        cost=FREE,
        wait=0.5,
        elig=[
            dict(
                min_age=60,
                groups=["older_people"],
                circ=["lonely or isolated"],
                open=False,
                criteria="People aged 60 and over who are lonely or isolated.",
            ),
            dict(min_age=18, circ=["lonely or isolated"]),
        ],
    ),
    "digital_skills": dict(
        cats=["digital/digital-skills", "digital/online-forms", "digital/devices-data"],
        names=["Digital Drop-in", "Get Online Sessions", "Tablet and Smartphone Help"],
        summary=[
            "Digital skills drop-in: help with phones, tablets, email and online forms like Universal Credit.",
            "One-to-one help getting online: video calls, online shopping, repeat prescriptions.",
        ],
        intro=[
            "Friendly help to get online, whatever device you have.",
            "Our digital skills volunteers help with the basics, one to one.",
        ],
        details=[
            "Bring your own phone or tablet, or use ours.",
            "We can help with your Universal Credit journal.",
            "Ask about free data SIM cards.",
            "Learn how to spot scams and stay safe online.",
        ],
        when=("weekly", "MO TU WE TH FR", ["10:00-12:00", "13:00-15:00"], 1),
        routes=[["drop_in"], ["drop_in", "self_phone"]],
        cost=FREE,
        elig=[{}],
    ),
    "domestic_abuse": dict(
        cats=["safety/domestic-abuse"],
        names=["Women's Domestic Abuse Support", "Outreach and Advocacy"],
        summary=[
            "Confidential domestic abuse support for women: safety planning, advocacy and support groups.",
            "Women-only outreach for anyone experiencing domestic abuse or coercive control.",
        ],
        intro=[
            "Confidential, women-only support for women experiencing domestic abuse, now or in the past.",
            "Our outreach workers support women affected by domestic abuse, including coercive control.",
        ],
        details=[
            "We meet women somewhere safe; our address is not published.",
            "Support includes safety planning, court support and help with housing.",
            "Children's support workers can work with your children.",
            "In an emergency, always call 999.",
        ],
        when=None,
        areawide=True,
        multilingual=True,
        routes=[["self_phone", "prof"], ["self_phone", "self_email", "prof"]],
        cost=FREE,
        elig=[
            dict(
                min_age=16,
                groups=["women"],
                circ=["experiencing domestic abuse"],
                open=False,
                criteria="Women (including trans women) aged 16 and over who live in {council}.",
            )
        ],
    ),
    "lgbtq_group": dict(
        cats=["social-connection/lgbtq"],
        names=["LGBTQ+ Social", "Rainbow Coffee Club", "LGBTQ+ Coffee Afternoon"],
        summary=[
            "LGBTQ+ social group: a relaxed, friendly evening for lesbian, gay, bi, trans and queer people.",
            "Monthly coffee and chat for LGBTQ+ adults, with a quieter space for newcomers.",
        ],
        intro=[
            "A social group for LGBTQ+ people to meet, chat and make friends.",
            "Our LGBTQ+ social is a safe, welcoming space run by LGBTQ+ volunteers.",
        ],
        details=[
            "You don't need to be out to come.",
            "Allies are welcome at some events.",
            "Someone will meet you at the door if you're nervous.",
            "Alcohol-free.",
        ],
        when=("monthly", "TH FR SA", ["18:30-21:00", "14:00-16:00"], [1, 2, 3, -1]),
        routes=[["drop_in"], ["self_email", "drop_in"]],
        cost=FREE,
        elig=[dict(min_age=18, groups=["lgbtq"]), dict(min_age=50, groups=["lgbtq", "older_people"])],
    ),
    "refugee_dropin": dict(
        cats=["legal/refugees", "legal/general-advice", "legal/immigration"],
        names=["Refugee Drop-in", "Welcome Drop-in", "New Neighbours Drop-in"],
        summary=[
            "Refugee and asylum seeker drop-in: advice, clothing, phone top-ups and a warm welcome.",
            "Welcome drop-in for refugees and new arrivals: practical help, advice and a hot meal.",
        ],
        intro=[
            "A weekly drop-in for refugees and people seeking asylum, with practical help and friendship.",
            "Our welcome drop-in supports refugees and asylum seekers to settle in.",
        ],
        details=[
            "Caseworkers can help with asylum support, housing and GP registration.",
            "Interpreters are available in several languages.",
            "We have a clothing store and hygiene packs.",
            "Immigration advice is given by a regulated adviser, by appointment.",
        ],
        when=("weekly", "MO TU WE TH FR", ["10:00-13:00", "13:00-16:00"], 1),
        multilingual=True,
        routes=[["drop_in"]],
        cost=FREE,
        elig=[
            dict(
                groups=["refugees_asylum_seekers"],
                circ=["seeking asylum", "refugee"],
                open=False,
                criteria="Refugees, people seeking asylum and people refused asylum.",
            )
        ],
    ),
    "youth_group": dict(
        cats=["social-connection/young-people"],
        names=["Youth Club", "Young People's Drop-in", "Teen Night"],
        summary=[
            "Youth club for 11 to 18 year olds: games, sport, music and trips.",
            "Drop-in for young people with youth workers, food and somewhere safe to go.",
        ],
        intro=[
            "Our youth club gives young people a safe, fun place to go and someone to talk to.",
            "Youth workers run evening sessions with sport, music, cooking and trips.",
        ],
        details=[
            "Free food every session.",
            "Youth workers can help with school, money or mental health worries.",
            "Parents are welcome to visit first.",
            "There is a quiet room for anyone who needs it.",
        ],
        when=("weekly", "MO TU WE TH FR", ["18:00-20:30", "16:00-18:00"], 2),
        routes=[["drop_in"]],
        cost=FREE,
        elig=[
            dict(min_age=11, max_age=18, groups=["young_people"], open=False, criteria="Young people aged 11 to 18."),
            dict(min_age=16, max_age=25, groups=["young_people"], open=False, criteria="Young people aged 16 to 25."),
        ],
    ),
    "dementia_cafe": dict(
        cats=["health-conditions/dementia"],
        names=["Dementia Cafe", "Memory Cafe", "Forget-me-not Cafe"],
        summary=[
            "Dementia cafe for people living with dementia and their carers: music, activities and advice.",
            "Memory cafe: a friendly afternoon for people with memory problems and the people who care for them.",
        ],
        intro=[
            "A dementia cafe where people living with dementia and their families can relax together.",
            "Our memory cafe offers music, reminiscence and a chance for carers to talk to others.",
        ],
        details=[
            "A dementia adviser comes to most sessions.",
            "No diagnosis needed.",
            "Tea, cake and live music.",
            "Carers can get information about support and respite.",
        ],
        when=("monthly", "MO TU WE TH FR", ["14:00-16:00", "10:30-12:30"], [1, 2, 3, -1]),
        routes=[["drop_in"], ["drop_in", "self_phone"]],
        cost=FREE + [(True, "Free; donations welcome", None, None)],
        elig=[
            dict(groups=["older_people", "carers"], circ=["living with dementia", "caring for someone with dementia"])
        ],
    ),
    "volunteering": dict(
        cats=["social-connection/volunteering", "employment/volunteering-for-work"],
        names=["Volunteering Opportunities", "Volunteer With Us"],
        summary=[
            "Volunteering: give a few hours a week, learn new skills and meet people.",
            "Supported volunteering for people building confidence after illness or time out of work.",
        ],
        intro=[
            "We welcome volunteers for the cafe, the garden, driving and admin.",
            "Supported volunteering for people who want to get back into a routine.",
        ],
        details=[
            "Volunteers get training and expenses.",
            "A volunteer coordinator will find something that suits you.",
            "Volunteering can lead to a reference for a job.",
        ],
        when=None,
        routes=[["self_form", "self_phone"], ["self_email", "link"]],
        cost=FREE,
        elig=[dict(min_age=16), dict(min_age=18)],
    ),
    "employment": dict(
        cats=["employment/job-search", "employment/employability"],
        names=["Jobs Club", "Employment Support", "Back to Work Support"],
        summary=[
            "Jobs club: help with CVs, job applications and interviews, with free printing and wifi.",
            "One-to-one employment support with a key worker, training and work placements.",
        ],
        intro=[
            "Our jobs club helps people look for work and apply for jobs.",
            "A key worker supports you into work, training or volunteering.",
        ],
        details=[
            "Help with CVs, cover letters and interview practice.",
            "Free training in food hygiene, first aid and construction site cards.",
            "We can pay for travel to interviews.",
            "Support continues after you start work.",
        ],
        when=("weekly", "MO TU WE TH FR", ["10:00-13:00", "13:30-16:00"], 1),
        routes=[["drop_in"], ["self_phone", "prof", "link"]],
        cost=FREE,
        wait=0.2,
        elig=[
            dict(min_age=16, circ=["unemployed"]),
            dict(
                min_age=18,
                max_age=67,
                circ=["unemployed or economically inactive"],
                criteria="Adults of working age who are out of work.",
                open=False,
            ),
        ],
    ),
    "counselling": dict(
        cats=["mental-health/counselling"],
        names=["Counselling", "Counselling Service", "Talking Therapy"],
        summary=[
            "Counselling for adults: six to twelve sessions with a qualified counsellor.",
            "Low-cost counselling for anxiety, depression, bereavement and relationship problems.",
        ],
        intro=[
            "Confidential one-to-one counselling with qualified, supervised counsellors.",
            "Our talking therapy service helps adults with anxiety, low mood, trauma and bereavement.",
        ],
        details=[
            "Sessions are weekly and last 50 minutes.",
            "Counselling can be in person, by phone or video.",
            "There is an initial assessment before you are offered sessions.",
            "We are not a crisis service.",
        ],
        when=None,
        routes=[["self_form", "gp"], ["self_phone", "link", "gp"], ["gp", "prof"]],
        cost=FREE + [(False, "£5 to £30 per session on a sliding scale", 5, 30)],
        wait=0.7,
        elig=[
            dict(min_age=18),
            dict(min_age=16, max_age=25, groups=["young_people"], criteria="Young people aged 16 to 25.", open=False),
        ],
    ),
    "peer_support": dict(
        cats=["mental-health/peer-support", "mental-health/anxiety-stress", "mental-health/mindfulness"],
        names=["Peer Support Group", "Anxiety Support Group", "Wellbeing Cafe"],
        summary=[
            "Mental health peer support group run by people with lived experience.",
            "Anxiety and low mood support group with relaxation and coping skills.",
        ],
        intro=[
            "A mental health peer support group where people share what helps.",
            "Our wellbeing cafe is an informal space to talk about mental health.",
        ],
        details=[
            "Facilitators have their own lived experience.",
            "You don't have to talk if you don't want to.",
            "We sometimes try mindfulness and relaxation.",
            "There is a closed online group between meetings.",
        ],
        when=("weekly", "MO TU WE TH", ["18:00-20:00", "13:00-15:00"], 1),
        routes=[["drop_in"], ["self_phone", "self_email"]],
        cost=FREE,
        elig=[dict(min_age=18), {}],
    ),
    "coffee_morning": dict(
        cats=["social-connection/social-groups"],
        names=["Coffee Morning", "{day} Drop-in", "Community Cuppa"],
        summary=[
            "Friendly coffee morning for anyone who would like some company: tea, toast and a blether.",
            "Community drop-in with tea, coffee and a warm welcome for anyone feeling lonely.",
        ],
        intro=[
            "A relaxed coffee morning where neighbours meet, chat and find out what's on.",
            "If you're feeling lonely or new to {place}, come to our drop-in for a cuppa.",
        ],
        details=[
            "Volunteers can tell you about other groups.",
            "Toast and cake are free.",
            "A link worker drops in on the first week of the month.",
            "Board games and jigsaws are out every week.",
        ],
        when=("weekly", "MO TU WE TH FR", ["10:00-12:00", "10:30-12:00"], 1),
        routes=[["drop_in"]],
        cost=FREE + [(True, "Free; £1 donation welcome", None, None)],
        elig=[{}],
    ),
    "stay_and_play": dict(
        cats=["families/parent-toddler"],
        names=["Stay and Play", "Toddler Group", "Bumps and Babies"],
        summary=[
            "Stay and play for parents and carers with children under five.",
            "Toddler group with toys, songs, snacks and a chance for grown-ups to chat.",
        ],
        intro=[
            "A friendly stay and play group for babies and toddlers with their parents or carers.",
            "Toddler group with messy play, songs and a healthy snack.",
        ],
        details=[
            "Grandparents and childminders are welcome.",
            "Health visitors drop in once a month.",
            "Free baby clothes swap at every session.",
            "Buggy park at the door.",
        ],
        when=("weekly", "MO TU WE TH FR", ["09:30-11:30", "13:30-15:00"], 1),
        routes=[["drop_in"]],
        cost=FREE + [(False, "£1 per family", 1, 1)],
        elig=[dict(max_age=5, groups=["families"], criteria="Children aged 0 to 5 with a parent or carer.")],
    ),
    "holiday_club": dict(
        cats=["families/holiday-activities", "food/community-meals"],
        names=["Holiday Club", "Summer Holiday Club"],
        summary=[
            "Free summer holiday club with activities and a healthy lunch for children aged 5 to 12.",
            "Holiday activities and free meals for school-age children over the summer.",
        ],
        intro=[
            "Our holiday club runs over the summer holidays with sport, crafts and trips.",
            "Free holiday activities and a hot lunch for children in the school holidays.",
        ],
        details=[
            "Priority for children who get free school meals.",
            "Parents must register children in advance.",
            "Lunch is free.",
        ],
        when=("weekly", "MO TU WE TH", ["10:00-14:00"], 2),
        season=[(7, 1, 8, 31, "Summer holidays only")],
        routes=[["self_form"], ["self_phone", "prof"]],
        cost=FREE,
        elig=[dict(min_age=5, max_age=12, groups=["families", "young_people"])],
    ),
    "veterans": dict(
        cats=["social-connection/social-groups"],
        names=["Veterans' Breakfast Club", "Veterans' Drop-in"],
        summary=[
            "Veterans' breakfast club: ex-forces and their families meet for a cooked breakfast.",
            "Drop-in for veterans with peer support and help with forces pensions and housing.",
        ],
        intro=[
            "A monthly breakfast club for veterans of all ages and their families.",
            "Our veterans' drop-in brings together people who served in the armed forces.",
        ],
        details=[
            "Support workers can help with pensions, housing and mental health.",
            "Partners and widows are welcome.",
            "Breakfast is at cost price.",
        ],
        when=("monthly", "SA SU", ["09:00-11:00"], [1, 2, 3, -1]),
        routes=[["drop_in"]],
        cost=FREE + [(False, "Breakfast at cost, about £5", 5, 5)],
        elig=[dict(groups=["veterans"], open=False, criteria="Veterans, reservists and their families.")],
    ),
    "baby_bank": dict(
        cats=["families/baby-essentials", "food/baby-food"],
        names=["Baby Bank", "Baby Basics"],
        summary=[
            "Baby bank: free clothes, nappies, prams, cots and baby equipment for families who need them.",
            "Free baby essentials and formula for families on a low income, by referral.",
        ],
        intro=[
            "Our baby bank gives free clothes, nappies and equipment to families who need them.",
            "We collect good-quality baby items and pass them on to families in need.",
        ],
        details=[
            "Referrals come from health visitors, midwives and link workers.",
            "We can deliver bulky items.",
            "Donations of clean baby clothes are welcome.",
        ],
        when=("weekly", "TU TH", ["10:00-13:00"], 1),
        routes=[["prof", "link"]],
        cost=FREE,
        elig=[
            dict(
                groups=["families"],
                circ=["on a low income"],
                open=False,
                criteria="Families with a referral from a professional.",
            )
        ],
    ),
}

# --- Organisation types: names, descriptions, the services each usually runs ---

ORG_TYPES = {
    "centre": (
        [
            "{place} Community Hub",
            "{place} Neighbourhood Centre",
            "{place} Community Association",
            "{street} Community Project",
        ],
        "A community-run centre in {place} with something on most days.",
        ["coffee_morning"],
        [
            "lunch_club",
            "digital_skills",
            "chair_exercise",
            "warm_space",
            "esol",
            "stay_and_play",
            "community_meal",
            "arts_group",
            "holiday_club",
            "volunteering",
            "walking_group",
        ],
        (2, 4),
    ),
    "pantry": (
        ["{place} Pantry", "{place} Community Larder", "{place} Food Share", "Good Food {place}"],
        "A community food project tackling food poverty in {place}.",
        ["pantry"],
        ["community_meal", "cooking", "foodbank", "energy_advice"],
        (1, 2),
    ),
    "foodbank": (
        ["{place} Food Bank", "{area_short} Emergency Food Network"],
        "An emergency food bank run by volunteers and local churches.",
        ["foodbank"],
        ["debt_advice", "baby_bank"],
        (0, 1),
    ),
    "advice": (
        ["{place} Advice Shop", "{place} Money Advice Project", "{area_short} Welfare Rights Project"],
        "Free, independent advice on benefits, debt and housing.",
        ["welfare_rights"],
        ["debt_advice", "energy_advice", "housing_advice", "digital_skills"],
        (1, 3),
    ),
    "shed": (
        ["{place} Men's Shed", "{area_short} Shedders"],
        "A men's shed open to anyone who likes to make and mend.",
        ["mens_shed"],
        ["walking_group", "volunteering"],
        (0, 1),
    ),
    "women": (
        ["{place} Women's Circle", "{place} Women's Centre", "Sisters of {place}"],
        "A women's organisation offering friendship, learning and support.",
        ["womens_group"],
        ["esol", "arts_group", "peer_support", "stay_and_play"],
        (1, 2),
    ),
    "bereavement": (
        ["{area_short} Bereavement Support", "{place} Grief Support"],
        "Volunteers supporting people through grief and loss.",
        ["bereavement"],
        ["counselling"],
        (0, 1),
    ),
    "carers": (
        ["{area_short} Carers' Network", "{place} Carers Together"],
        "Support and a voice for unpaid carers.",
        ["carers_group"],
        ["young_carers", "dementia_cafe", "befriending"],
        (1, 2),
    ),
    "recovery": (
        ["{place} Recovery Cafe", "{area_short} Recovery Community", "Second Wind {place}"],
        "A recovery community run by and for people in recovery from addiction.",
        ["recovery_cafe"],
        ["family_addiction", "walking_group", "peer_support", "volunteering"],
        (1, 2),
    ),
    "wellbeing": (
        ["{place} Wellbeing Collective", "Open Minds {place}", "{area_short} Talking Space"],
        "A mental health charity offering counselling and peer support.",
        ["counselling"],
        ["peer_support", "bereavement"],
        (1, 2),
    ),
    "garden": (
        ["{place} Community Garden", "{place} Growing Space", "Green {place}"],
        "A community growing project on a former gap site.",
        ["gardening"],
        ["conservation", "cooking", "volunteering"],
        (1, 2),
    ),
    "arts": (
        ["{place} Art Space", "{place} Community Choir", "{place} Makers"],
        "A community arts group for creativity and wellbeing.",
        ["arts_group"],
        ["singing", "dementia_cafe"],
        (1, 1),
    ),
    "active": (
        ["Move More {place}", "{place} Walkers", "{area_short} Active Health"],
        "Helping people get active, whatever their age or ability.",
        ["walking_group"],
        ["chair_exercise", "ltc_exercise"],
        (1, 2),
    ),
    "older": (
        ["{place} Over-60s Club", "{place} Friendship Group", "{place} Golden Years"],
        "A social club for older people in {place}.",
        ["lunch_club"],
        ["befriending", "dementia_cafe", "chair_exercise", "coffee_morning"],
        (1, 2),
    ),
    "youth": (
        ["{place} Youth Project", "{place} Young People's Group"],
        "A youth work charity for young people in {place}.",
        ["youth_group"],
        ["young_carers", "holiday_club", "lgbtq_group"],
        (1, 2),
    ),
    "refugee": (
        ["{place} Welcome Project", "{area_short} Refugee Drop-in", "New Neighbours {place}"],
        "Welcoming refugees and people seeking asylum.",
        ["refugee_dropin"],
        ["esol", "womens_group", "employment"],
        (1, 2),
    ),
    "lgbtq": (
        ["{area_short} Pride Social", "Rainbow {place}"],
        "Volunteer-run social groups for LGBTQ+ people.",
        ["lgbtq_group"],
        ["peer_support", "walking_group"],
        (1, 1),
    ),
    "digital": (
        ["Get Online {place}", "{place} Digital Hub"],
        "Helping people get online and use technology with confidence.",
        ["digital_skills"],
        ["employment"],
        (0, 1),
    ),
    "jobs": (
        ["{place} Works", "{area_short} Jobs Club", "Next Step {place}"],
        "Employment support for people furthest from work.",
        ["employment"],
        ["volunteering", "digital_skills"],
        (1, 1),
    ),
    "family": (
        ["{place} Little Ones", "{place} Family Network"],
        "Support for families with young children in {place}.",
        ["stay_and_play"],
        ["baby_bank", "holiday_club", "cooking"],
        (1, 2),
    ),
    "abuse": (
        ["Kestrel Women's Service {area_short}", "Lanternlight Women's Project"],
        "A women's organisation supporting survivors of domestic abuse.",
        ["domestic_abuse"],
        [],
        (0, 0),
    ),
    "housing": (
        ["{area_short} Tenants' Network", "{place} Housing Support"],
        "Housing advice and tenancy support.",
        ["housing_advice"],
        ["warm_space", "energy_advice"],
        (1, 1),
    ),
    "veterans": (
        ["{area_short} Veterans' Club", "{place} Forces Friends"],
        "Veterans supporting veterans.",
        ["veterans"],
        ["walking_group"],
        (0, 1),
    ),
}
ORG_MIX = (
    "centre " * 6
    + "pantry " * 4
    + "advice " * 3
    + "older " * 3
    + "shed " * 2
    + "women " * 2
    + "carers " * 2
    + "recovery " * 2
    + "wellbeing " * 2
    + "garden " * 2
    + "arts " * 2
    + "active " * 2
    + "youth " * 2
    + "refugee " * 2
    + "jobs " * 2
    + "family " * 2
    + "foodbank bereavement lgbtq digital abuse housing veterans"
).split()
AREA_SHORT = {
    "glasgow": ["East End", "Glasgow East", "Clydeside East"],
    "calderdale": ["Calder Valley", "Calderdale", "Halifax and District"],
    "tower_hamlets": ["East London", "Tower Hamlets", "Docklands"],
}
ORG_EXTRA = [
    "Set up by local residents in {year}.",
    "A community group founded in {year}.",
    "Run by volunteers since {year}.",
    "Part of the local community since {year}.",
    "Started in {year} in a church hall and still growing.",
    "Founded in {year}.",
]
FUNDERS = [
    "Council community grant",
    "Lottery community fund grant",
    "NHS health improvement funding",
    "Housing association community fund",
    "Charitable trust grant",
    "Shared prosperity fund",
    "Local business sponsorship",
]
STATUS_REASONS = {
    "temporarily_closed": [
        "Venue closed for roof repairs",
        "Lead volunteer is on leave",
        "Moving to a new venue",
        "Taking a short break while new volunteers are trained",
        "Hall flooded; closed for repairs",
    ],
    "defunct": [
        "Group closed when its funding ended",
        "Organiser retired and no one took over",
        "Merged into another service nearby",
        "Venue closed permanently and the group wound up",
    ],
    "inactive": [
        "Paused while the group looks for a new volunteer organiser",
        "On hold: low numbers over the last year",
    ],
}
ALERTS = [
    "No session on 24 December",
    "Closed on bank holidays",
    "Meeting in the upstairs hall while the cafe is refurbished",
    "Lift out of order: ring the bell for the ground-floor room",
    "Moving to a new day from next month: check before you go",
    "No session on 31 December",
]
HTML_BITS = {
    "pantry": " <b>Bring ID</b> and a recent letter with your address on your first visit.",
    "coffee_morning": " Tea & biscuits <3 (and the odd <i>very</i> good scone).",
    "stay_and_play": " Under-5s <em>must</em> be with an adult & buggies go in the porch.",
}
# Referral route codes: (route_type, method, contact, url, instructions, line for the description).
ROUTES = {
    "drop_in": (
        "drop_in",
        "in_person",
        None,
        None,
        ["Just come along during the session.", "No need to book; come in and say hello."],
        ["Just turn up: there is no need to book.", "Drop in any week; someone will show you around."],
    ),
    "self_phone": (
        "self_referral",
        "phone",
        "{phone}",
        None,
        [
            "Ring and ask for the coordinator. Leave a message and we will call back within two working days.",
            "Phone for a short chat before your first visit.",
        ],
        ["Give us a ring first so we know to expect you.", "Call us to find out more or to book a place."],
    ),
    "self_email": (
        "self_referral",
        "email",
        "{email}",
        None,
        ["Email with your name and a phone number."],
        ["Email us and we will get back to you within a week."],
    ),
    "self_form": (
        "self_referral",
        "online_form",
        None,
        "https://{domain}/apply",
        ["Fill in the short form on our website."],
        ["You can refer yourself online."],
    ),
    "gp": (
        "gp",
        "email",
        "referrals@{domain}",
        None,
        ["GP, practice nurse or physiotherapist referral only. Use the practice referral template."],
        ["Ask your GP or practice nurse to refer you."],
    ),
    "link": (
        "link_worker",
        "email",
        "referrals@{domain}",
        None,
        ["Link workers: email the referral with the person's consent and best contact times."],
        ["Your link worker or community connector can refer you."],
    ),
    "prof": (
        "professional",
        "online_form",
        None,
        "https://{domain}/refer",
        ["Professionals can refer using the online form. Include any risks we should know about."],
        ["Professionals such as social workers, health visitors and housing officers can refer."],
    ),
}

# Organisations whose services cover a whole area, with no venue: (name, phone range, description, services).
AREA_WIDE = [
    (
        "Steady Ground",
        "freephone",
        "A national listening charity whose volunteers answer calls day and night.",
        [
            dict(
                name="Steady Ground Listening Line",
                area={"area_type": "national", "code": "GB", "name": "Great Britain"},
                cats=["mental-health/listening", "mental-health/crisis-support"],
                summary="Free, confidential listening helpline, 24 hours a day, for anyone struggling or feeling low.",
                description="Call any time, day or night, to talk to a trained volunteer listener about whatever is "
                "on your mind. We won't judge or tell you what to do. Calls are free from mobiles and landlines. "
                "If you are in immediate danger, call 999.",
            ),
            dict(
                name="Steady Ground Money Worries Line",
                area={"area_type": "national", "code": "E92000001", "name": "England"},
                cats=["money/debt-advice", "money/welfare-rights"],
                min_age=18,
                hours=("MO TU WE TH FR", "09:00", "17:00"),
                summary="Free phone line for people in England worried about debt, bills or benefits.",
                description="Talk to a trained money adviser about debt, council tax, energy bills or benefits. "
                "Advisers can set up a plan and talk to creditors for you. Outside opening hours, leave a message.",
            ),
        ],
    ),
    (
        "Carers Calling Scotland",
        "glasgow",
        "A small charity running phone support for unpaid carers across Scotland.",
        [
            dict(
                name="Carers' Phone Friends",
                area={"area_type": "national", "code": "S92000003", "name": "Scotland"},
                cats=["carers/carers-support", "social-connection/befriending"],
                groups=["carers"],
                summary="Weekly friendly phone call for unpaid carers in Scotland who feel alone with caring.",
                description="A trained volunteer calls you at the same time each week for a chat. Many carers say it "
                "is the only time someone asks how they are. Carers of any age can refer themselves.",
            ),
        ],
    ),
    (
        "Calderdale Money Matters Partnership",
        "calderdale",
        "A partnership of advice agencies across Calderdale.",
        [
            dict(
                name="Calderdale Welfare Rights Line",
                area=AREAS["calderdale"]["la"],
                min_age=16,
                attendance=["phone", "home_visit"],
                cats=["money/welfare-rights", "money/benefits-appeals"],
                hours=("MO TU WE TH", "09:30", "16:00"),
                summary="Council-wide welfare rights phone line: benefit checks, forms and appeals for Calderdale residents.",
                description="Phone the welfare rights line for a free benefit check, help with PIP and Attendance "
                "Allowance forms, and representation at tribunal. Advisers can book a home visit for people who cannot "
                "use the phone. Open to anyone living in Calderdale.",
            ),
        ],
    ),
    (
        "Clydeside Recovery Network",
        "glasgow",
        "A network of peer recovery workers across Glasgow and Clyde.",
        [
            dict(
                name="Recovery Peer Support Line",
                min_age=16,
                area={"area_type": "health_board", "code": "S08000031", "name": "NHS Greater Glasgow and Clyde"},
                cats=["addiction/recovery-community", "addiction/alcohol", "addiction/drugs"],
                hours=("MO TU WE TH FR SA", "10:00", "20:00"),
                summary="Phone and text support from peer workers in recovery, across NHS Greater Glasgow and Clyde.",
                description="Talk to someone who has been there. Peer workers support people with alcohol or drug "
                "problems to get into treatment and recovery communities. They can also support family members.",
            ),
        ],
    ),
    (
        "Glasgow Good Neighbours Telephone Service",
        "glasgow",
        "Volunteers making friendly calls across Glasgow.",
        [
            dict(
                name="Glasgow Telephone Befriending",
                area=AREAS["glasgow"]["la"],
                min_age=18,
                cats=["social-connection/befriending"],
                summary="Telephone befriending for lonely and isolated adults anywhere in Glasgow.",
                description="A friendly volunteer calls once or twice a week. Good for people who are housebound, "
                "recently bereaved or new to the city. Link workers can refer, and you can refer yourself.",
            ),
        ],
    ),
    (
        "Borough Carers Link",
        "tower_hamlets",
        "A borough-wide carers' organisation for Tower Hamlets.",
        [
            dict(
                name="Carers' Advice Line",
                area=AREAS["tower_hamlets"]["la"],
                groups=["carers"],
                cats=["carers/carers-advice", "carers/respite"],
                languages=["en", "bn", "syl"],
                hours=("MO TU WE TH FR", "10:00", "16:00"),
                summary="Advice line for unpaid carers in Tower Hamlets: carers' assessments, benefits and breaks.",
                description="Carers can call for advice on Carer's Allowance, carers' assessments, respite and "
                "emergency planning. Advisers speak English, Bengali and Sylheti, and can put you in touch with "
                "carers' groups near you.",
            ),
        ],
    ),
]
DAYS = dict(MO="Monday", TU="Tuesday", WE="Wednesday", TH="Thursday", FR="Friday", SA="Saturday", SU="Sunday")
ORDINALS = {1: "First", 2: "Second", 3: "Third", 4: "Fourth", -1: "Last"}


def normalise_postcode(raw: str) -> str:
    """Code-Point spacing varies; write the standard form, e.g. "G312ER" -> "G31 2ER"."""
    compact = re.sub(r"\s+", "", raw).upper()
    return f"{compact[:-3]} {compact[-3:]}"


def load_postcodes(codepo: Path) -> dict[str, list[str]]:
    """Postcodes per outward code in our three councils, from Code-Point Open, sorted."""
    wanted = {}
    for area in AREAS.values():
        for entry in area["places"].split(";"):
            wanted[entry.split("|")[1]] = area["district_code"]
    found: dict[str, list[str]] = {d: [] for d in wanted}
    names = sorted({z for a in AREAS.values() for z in a["zipfiles"]})
    with zipfile.ZipFile(codepo) as archive:
        for name in names:
            with archive.open(f"Data/CSV/{name}.csv") as handle:
                for row in csv.reader(io.TextIOWrapper(handle, encoding="utf-8")):
                    postcode = normalise_postcode(row[0])
                    district = postcode.split()[0]
                    # Districts straddle council borders: keep only those in the right council,
                    # and only postcodes with a real position (quality 90 means none).
                    if district in wanted and row[8] == wanted[district] and row[1] != "90":
                        found[district].append(postcode)
    for district, codes in found.items():
        if not codes:
            raise SystemExit(f"No postcodes for {district} in {codepo}: is it Code-Point Open?")
        codes.sort()
    return found


def slug(text: str) -> str:
    """A lowercase URL slug: "Calder Valley Men's Shed" -> "calder-valley-mens-shed"."""
    text = text.lower().replace("&", "and").replace("'", "").replace("+", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


class Generator:
    """Builds the demo directory; every random choice goes through one seeded generator."""

    def __init__(self, postcodes: dict[str, list[str]]):
        self.rng = random.Random(SEED)
        self.postcodes = postcodes
        self.used_postcodes: set[str] = set()
        self.org_keys: set[str] = set()
        self.phones = {key: self._shuffled(1000) for key in AREAS}
        self.phones["mobile"] = self._shuffled(1000)
        self.phones["freephone"] = self._shuffled(1000)

    def _shuffled(self, n: int) -> list[int]:
        numbers = list(range(n))
        self.rng.shuffle(numbers)
        return numbers

    def phone(self, area: str) -> str:
        """A fresh number from Ofcom's drama ranges (never reused within a range)."""
        if area == "mobile":
            return f"07700 900{self.phones['mobile'].pop():03d}"
        if area == "freephone":
            return f"0808 157 0{self.phones['freephone'].pop():03d}"
        return AREAS[area]["phone"].format(self.phones[area].pop())

    def postcode(self, district: str) -> str:
        """A real unit postcode in the district, different from those already used if possible."""
        codes = self.postcodes[district]
        for _ in range(20):
            code = self.rng.choice(codes)
            if code not in self.used_postcodes:
                break
        self.used_postcodes.add(code)
        return code

    def places(self, area: str) -> list[tuple[str, str, str]]:
        """Neighbourhoods of an area as (name, postcode district, nearest station)."""
        return [tuple(p.split("|")) for p in AREAS[area]["places"].split(";")]

    def location(self, area: str, place: tuple, org_name: str, org_type: str, taken: set[str]) -> dict:
        """A plausible venue in a neighbourhood, with a real postcode from its district."""
        rng, cfg = self.rng, AREAS[area]
        name_, district, station = place
        street = rng.choice(cfg["streets"].split(";"))
        fill = dict(place=name_, street=street, org=org_name, n=rng.randint(1, 40))
        for _ in range(10):
            venue = rng.choice(VENUES_BY_TYPE.get(org_type, VENUES) + VENUES[:3]).format(**fill)
            if slug(venue) not in taken:
                break
        taken.add(slug(venue))
        wheelchair = rng.choices([True, False, None], [55, 20, 25])[0]
        town = cfg["towns"].get(district, cfg["default_town"])
        return {
            "key": slug(venue),
            "name": venue,
            "location_type": "physical",
            "address_1": f"{rng.randint(1, 240)} {street}",
            "address_2": name_ if name_ != town and rng.random() < 0.6 else None,
            "town": town,
            "postcode": self.postcode(district),
            "description": rng.choice(
                [
                    "",
                    "",
                    "Main hall on the ground floor.",
                    "Use the side entrance.",
                    "Small meeting room at the back of the building.",
                    "Ask at reception.",
                ]
            ),
            "travel_notes": rng.choice(TRAVEL).format(station=station, street=street, place=name_),
            "accessibility": rng.choice(ACCESS[wheelchair]),
            "wheelchair_accessible": wheelchair,
        }

    def organisation(self, area: str, org_type: str, place: tuple) -> dict:
        """One organisation of the given type, with its venues and services."""
        rng = self.rng
        patterns, blurb, core, extras, (lo, hi) = ORG_TYPES[org_type]
        street = rng.choice(AREAS[area]["streets"].split(";"))
        for _ in range(30):
            pattern = rng.choice(patterns)
            name = pattern.format(place=place[0], street=street, area_short=rng.choice(AREA_SHORT[area]))
            if slug(name) not in self.org_keys:
                break
            place = rng.choice(self.places(area))
        else:
            raise RuntimeError(f"Ran out of {org_type} organisation names in {area}")
        key = slug(name)
        self.org_keys.add(key)
        tld = rng.choices(["example.org", "example.com", "example.net"], [6, 2, 2])[0]
        domain = f"{key}.{tld}"
        volunteer_run = rng.random() < 0.25
        org = {
            "key": key,
            "name": name,
            "description": f"{blurb.format(place=place[0])} {rng.choice(ORG_EXTRA).format(year=rng.randint(1982, 2022))}",
            "website": f"https://{domain}" if rng.random() < 0.75 else None,
            "email": f"{rng.choice(['hello', 'info', 'contact', 'admin'])}@{domain}",
            "phone": self.phone("mobile" if volunteer_run else area),
            "charity_number": None,
            "company_number": None,
            "logo_url": None,
            "verified_days_ago": None,
            "verification_method": "owner",
            "locations": [],
            "services": [],
        }
        kinds = list(core) + rng.sample(extras, min(len(extras), rng.randint(lo, hi)))
        if org_type != "abuse":
            taken: set[str] = set()
            org["locations"].append(self.location(area, place, name, org_type, taken))
            if rng.random() < 0.25:
                other = rng.choice(self.places(area))
                org["locations"].append(self.location(area, other, name, "centre", taken))
        names: set[str] = set()
        for kind in kinds:
            org["services"].append(self.service(area, kind, org, place, domain, volunteer_run, names))
        if len(kinds) > 1:
            titles = [s["name"] for s in org["services"]]
            org["description"] += f" We run {', '.join(titles[:-1])} and {titles[-1]}."
        return org

    def service(
        self, area: str, kind_key: str, org: dict, place: tuple, domain: str, volunteer_run: bool, names: set[str]
    ) -> dict:
        """One service of a kind, filled in from that kind's building blocks."""
        rng, kind, cfg = self.rng, KINDS[kind_key], AREAS[area]
        when = kind.get("when")
        weekdays = rng.sample(when[1].split(), len(when[1].split())) if when else ["MO"]
        fill = dict(
            place=place[0], day=DAYS[weekdays[0]], area=cfg["label"], council=cfg["la"]["name"], org=org["name"]
        )
        name = rng.choice(kind["names"]).format(**fill)
        if name in names or name == org["name"]:
            name = f"{name} ({DAYS[weekdays[0]]}s)" if when else f"{org['name']} {name}"
        names.add(name)
        routes = [self.route(code, org, domain, kind.get("wait", 0.05)) for code in rng.choice(kind["routes"])]
        is_free, cost_text, cost_min, cost_max = rng.choice(kind["cost"])
        options = [e for e in kind["elig"] if area in e.get("only", area)]
        elig = rng.choice(options)
        langs = ["en"]
        if rng.random() < cfg["lang_rate"] * (2 if kind.get("multilingual") else 1):
            extra = rng.sample(cfg["langs"][:4], rng.randint(1, 2))
            langs += extra + (["syl"] if "bn" in extra else [])
        details = rng.sample(kind["details"], rng.randint(1, min(3, len(kind["details"]))))
        variant = rng.randrange(len(kind["summary"]))  # summary and opening sentence go together
        description = " ".join([kind["intro"][variant]] + details + [routes[0]["_blurb"]]).format(**fill)
        locations = [] if kind.get("areawide") else [loc["key"] for loc in org["locations"]]
        if len(locations) > 1 and rng.random() < 0.6:
            locations = [rng.choice(locations)]
        service = {
            "name": name,
            "summary": kind["summary"][variant].format(**fill),
            "description": description,
            "status": "active",
            "status_reason": None,
            "reopens_in_days": None,
            "website": None,
            "email": None,
            "phone": self.phone(area) if rng.random() < 0.15 else None,
            "alert": None,
            "is_free": is_free,
            "cost_description": cost_text,
            "cost_min": cost_min,
            "cost_max": cost_max,
            "languages": langs,
            "min_age": elig.get("min_age"),
            "max_age": elig.get("max_age"),
            "groups_served": list(elig.get("groups", [])),
            "circumstances": list(elig.get("circ", [])),
            "eligibility_criteria": elig.get("criteria", "").format(**fill),
            "open_to_all": elig.get("open", True),
            "categories": list(kind["cats"]),
            "locations": locations,
            "areas": [dict(cfg["la"])] if kind.get("areawide") else [],
            "referral_routes": [{k: v for k, v in r.items() if k != "_blurb"} for r in routes],
            "schedules": self.schedules(when, weekdays, locations, kind),
            "seasons": [],
            "funding": [self.funding(volunteer_run)],
            "verified_days_ago": rng.randint(3, 120),
            "verification_method": rng.choices(["owner", "link_worker", "import", "moderator"], [60, 25, 10, 5])[0],
            "verified_by": None,
            "_kind": kind_key,
            "_area": area,
        }
        if kind.get("season"):
            start_month, start_day, end_month, end_day, text = rng.choice(kind["season"])
            service["seasons"] = [
                dict(
                    start_month=start_month, start_day=start_day, end_month=end_month, end_day=end_day, description=text
                )
            ]
        if rng.random() < 0.1:
            service["email"] = f"{slug(name).split('-')[0]}@{domain}"
        return service

    def route(self, code: str, org: dict, domain: str, wait_rate: float) -> dict:
        """A referral route from a short code, with instructions and a line for the description."""
        rng = self.rng
        route_type, method, contact, url, instructions, blurb = ROUTES[code]
        fill = dict(phone=org["phone"], email=org["email"], domain=domain)
        status, typical_wait = "accepting", None
        if route_type != "drop_in" and rng.random() < wait_rate:
            status = rng.choices(["waiting_list", "closed"], [5, 1])[0]
            if status == "waiting_list":
                typical_wait = rng.choice(["About 4 weeks", "6 to 8 weeks", "About 3 months", "Up to 6 months"])
        text = rng.choice(instructions)
        if status == "closed":
            text += " We are not taking new referrals at the moment; please check back next month."
        return {
            "route_type": route_type,
            "method": method,
            "contact": contact and contact.format(**fill),
            "url": url and url.format(**fill),
            "instructions": text,
            "status": status,
            "typical_wait": typical_wait,
            "confirmed_days_ago": rng.randint(2, 90),
            "_blurb": rng.choice(blurb),
        }

    def schedules(self, when, weekdays: list[str], locations: list[str], kind: dict) -> list[dict]:
        """Weekly or monthly sessions, one set per venue."""
        if not when:
            return []
        rng = self.rng
        frequency, _, slots, count = when
        result = []
        for location in locations or [None]:
            days = weekdays[: rng.randint(1, count)] if frequency == "weekly" else weekdays[:1]
            opens, closes = rng.choice(slots).split("-")
            for day in days:
                week = rng.choice(count) if frequency == "monthly" else None
                text = f"{ORDINALS[week]} {DAYS[day]} of the month" if week else kind.get("sched_note", "")
                entry = {
                    "frequency": frequency,
                    "weekday": day,
                    "week_of_month": week,
                    "opens_at": opens,
                    "closes_at": closes,
                    "description": text,
                    "location": location,
                }
                if kind.get("course"):
                    start = -rng.randint(0, 21)
                    entry.update(valid_from_days=start, valid_to_days=start + 42, description="Six-week course")
                result.append(entry)
            weekdays = weekdays[1:] + weekdays[:1]
        return result

    def funding(self, volunteer_run: bool) -> dict:
        """Who pays, and until when, relative to the load day."""
        rng = self.rng
        if volunteer_run and rng.random() < 0.7:
            return {
                "source": rng.choice(["Volunteer-run; no regular funding", "Donations and fundraising"]),
                "status": "unfunded",
                "funded_until_days": None,
            }
        status = rng.choices(["funded", "funding_ending", "unfunded", "ended"], [70, 12, 12, 6])[0]
        until = {
            "funded": rng.randint(90, 900),
            "funding_ending": rng.randint(14, 75),
            "unfunded": None,
            "ended": -rng.randint(10, 240),
        }[status]
        source = rng.choice(FUNDERS) if status != "unfunded" else "Donations and fundraising"
        return {"source": source, "status": status, "funded_until_days": until}


def area_wide(gen: Generator) -> list[dict]:
    """Organisations whose services cover a whole area and have no venue: helplines and phone lines."""
    orgs = []
    for org_name, phone_area, blurb, services in AREA_WIDE:
        key = slug(org_name)
        gen.org_keys.add(key)
        domain = f"{key}.example.org"
        org = {
            "key": key,
            "name": org_name,
            "description": blurb,
            "website": f"https://{domain}",
            "email": f"hello@{domain}",
            "phone": gen.phone(phone_area),
            "charity_number": None,
            "company_number": None,
            "logo_url": None,
            "verified_days_ago": None,
            "verification_method": "owner",
            "locations": [],
            "services": [],
        }
        for spec in services:
            route = gen.route("self_phone", org, domain, 0.0)
            del route["_blurb"]
            days, opens, closes = spec.get("hours", ("", None, None))
            org["services"].append(
                {
                    "name": spec["name"],
                    "summary": spec["summary"],
                    "description": spec["description"],
                    "status": "active",
                    "status_reason": None,
                    "reopens_in_days": None,
                    "website": f"https://{domain}",
                    "email": None,
                    "phone": org["phone"],
                    "alert": None,
                    "is_free": True,
                    "cost_description": None,
                    "cost_min": None,
                    "cost_max": None,
                    "languages": spec.get("languages", ["en"]),
                    "min_age": spec.get("min_age"),
                    "max_age": None,
                    "groups_served": spec.get("groups", []),
                    "circumstances": [],
                    "eligibility_criteria": "",
                    "open_to_all": True,
                    "categories": spec["cats"],
                    "locations": [],
                    "areas": [spec["area"]],
                    "referral_routes": [route],
                    "seasons": [],
                    "attendance": spec.get("attendance", ["phone"]),
                    "schedules": [
                        {
                            "frequency": "weekly",
                            "weekday": day,
                            "week_of_month": None,
                            "opens_at": opens,
                            "closes_at": closes,
                            "description": "Phone line hours",
                            "location": None,
                        }
                        for day in days.split()
                    ],
                    "funding": [gen.funding(False)],
                    "verified_days_ago": gen.rng.randint(5, 60),
                    "verification_method": "owner",
                    "verified_by": None,
                    "_kind": "line",
                    "_area": "wide",
                }
            )
        orgs.append(org)
    return orgs


def apply_freshness(gen: Generator, services: list[dict]) -> None:
    """Give a fixed share of local services stale checks, closures, alerts and markup to escape."""
    rng = gen.rng
    order = services[:]
    rng.shuffle(order)
    n = len(order)
    cuts = [
        ("temporarily_closed", round(0.04 * n)),
        ("defunct", round(0.03 * n)),
        ("inactive", 2),
        ("stale", round(0.10 * n)),
        ("very_stale", round(0.08 * n)),
        ("alert", len(ALERTS)),
    ]
    start = 0
    for label, count in cuts:
        for i, service in enumerate(order[start : start + count]):
            if label in STATUS_REASONS:
                service["status"] = label
                service["status_reason"] = rng.choice(STATUS_REASONS[label])
                service["verified_days_ago"] = rng.randint(3, 45)
            if label == "temporarily_closed":
                service["reopens_in_days"] = rng.randint(10, 90)
            elif label == "defunct":
                service["funding"] = [
                    {
                        "source": service["funding"][0]["source"],
                        "status": "ended",
                        "funded_until_days": -rng.randint(30, 300),
                    }
                ]
                service["verification_method"] = rng.choice(["link_worker", "moderator"])
                for route in service["referral_routes"]:
                    route["status"] = "closed"
            elif label == "stale":
                service["verified_days_ago"] = rng.randint(212, 330)
            elif label == "very_stale":
                service["verified_days_ago"] = rng.randint(370, 720)
            elif label == "alert":
                service["alert"] = ALERTS[i]
        start += count
    for kind, text in HTML_BITS.items():
        for service in [s for s in services if s["_kind"] == kind][:1]:
            service["description"] += text


def finish(orgs: list[dict]) -> None:
    """Fill who verified each record, the organisations' own dates, and drop working keys."""
    teams = {key: cfg["link_team"] for key, cfg in AREAS.items()}
    for org in orgs:
        for service in org["services"]:
            method = service["verification_method"]
            service["verified_by"] = {
                "owner": org["name"],
                "link_worker": teams.get(service["_area"], "Link worker"),
                "import": "Imported from the council directory",
                "moderator": "Signpost moderator",
            }[method]
            for route in service["referral_routes"]:
                route["confirmed_days_ago"] = min(route["confirmed_days_ago"], service["verified_days_ago"])
            del service["_kind"], service["_area"]
        org["verified_days_ago"] = min(s["verified_days_ago"] for s in org["services"])


def build(postcodes: dict[str, list[str]]) -> dict:
    """The whole demo directory as a JSON-ready dict."""
    gen = Generator(postcodes)
    orgs = []
    for area in AREAS:
        places = gen.places(area)
        gen.rng.shuffle(places)
        for i, org_type in enumerate(ORG_MIX):
            orgs.append(gen.organisation(area, org_type, places[i % len(places)]))
    apply_freshness(gen, [s for org in orgs for s in org["services"]])
    orgs += area_wide(gen)
    finish(orgs)
    return {"attribution": ATTRIBUTION, "organisations": orgs}


def default_codepo() -> Path:
    """Code-Point Open beside the checkout (../shared/data), as the shared README describes."""
    return ROOT.parent / "shared" / "data" / "codepo_gb.zip"


def main(argv: list[str] | None = None) -> int:
    """Generate the demo file and print a one-line summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codepo", type=Path, default=default_codepo(), help="OS Code-Point Open zip")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "demo" / "directory.json")
    args = parser.parse_args(argv)
    if not args.codepo.exists():
        print(f"Code-Point Open not found at {args.codepo}; pass --codepo PATH", file=sys.stderr)
        return 2
    directory = build(load_postcodes(args.codepo))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(directory, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    services = sum(len(o["services"]) for o in directory["organisations"])
    print(f"Wrote {args.out}: {len(directory['organisations'])} organisations, {services} services")
    return 0


if __name__ == "__main__":
    sys.exit(main())
