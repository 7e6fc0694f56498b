# ruff: noqa: E501 - the word banks are sentences, one per line, easier to read unbroken
"""A deterministic generator of realistic scraped news, for benchmarks at any scale.

Every story is invented (templates over topical word banks, invented people and firms),
never real news text. Story *i* of seed *s* depends only on ``(s, i)``, so a corpus of
1,000,000 stories is written in one streaming pass and "story N+1" can be added later to a
built archive of N. About a third of the stories follow up an earlier one (same country,
topic and named firm or person, days later), so related-story features have signal.

Two outputs:

* ``text``: scraped text dumps in the format the importer reads (README "Importing scraped
  news"): optional headline, dateline lead ``CITY, Country (Agency) - …``, body paragraphs,
  the end block (agency line, date line, optional photo caption with credit, in varying
  order and date formats) and the site's "more news" teasers;
* ``markdown``: Pelican Markdown content files as the importer writes them (contract 2 of
  DESIGN.md), for build-only benchmarks that skip the import; a small share of these stories
  carry a photo (small JPEGs from a pool made with Pillow).

Files are sharded into sub-folders of at most 1,000 files.

    python -m benchmarks.synth --n 20000 --out /tmp/corpus [--mode text|markdown] [--seed 0]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

SHARD_SIZE = 1000
FIRST_DAY = dt.date(2000, 1, 1)
DAYS = (dt.date(2024, 12, 31) - FIRST_DAY).days  # 25 years of dates
FOLLOW_UP_SHARE = 0.35
FOLLOW_UP_WINDOW = 400  # a follow-up refers to one of the previous 400 stories
PHOTO_SHARE = 0.03  # markdown mode: stories with a generated JPEG
PHOTO_POOL = 64

# Agency → (weight, dateline separator, credit format). Every name is one the importer knows.
SOURCES = {
    "Reuters": (30, "-", "REUTERS/{name}"),
    "AFP": (18, "-", "AFP PHOTO / {name}"),
    "AP": (18, "—", "(AP Photo/{name})"),
    "Xinhua": (8, "-", "XINHUA/{name}"),
    "dpa": (6, "-", "DPA/{name}"),
    "EFE": (5, "-", "EFE/{name}"),
    "Kyodo": (4, "-", "KYODO/{name}"),
    "ANSA": (4, "-", "ANSA/{name}"),
    "Bernama": (4, "-", "BERNAMA/{name}"),
    "Yonhap": (3, "-", "YONHAP/{name}"),
}

# --- Word banks: per subject (a topic slug of the project's vocabulary) ---------------------
# Each subject: headlines, lead sentences, body sentences. Slots: {country} {city} {org}
# {person} {person2} {role} {num} {pct} {money} {weekday} {month} {year} {entity}.

SUBJECTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "elections": (
        ("{country} votes in tight presidential race", "Opposition leads early count in {country} election",
         "{person} claims victory in {country} parliamentary poll", "Turnout low as {country} holds snap election"),
        ("Voters in {country} went to the polls on {weekday} in a closely fought election that pits {person} against the governing coalition.",
         "{person} claimed victory in {country}'s parliamentary election on {weekday}, with {pct} percent of ballots counted.",
         "The election commission in {city} said turnout reached {pct} percent on {weekday}, the lowest since {year}."),
        ("Polling stations opened at seven in the morning and queues formed outside schools in {city}.",
         "The opposition alliance accused the ruling party of buying votes in rural districts, a charge it denied.",
         "International observers said the campaign was competitive but marred by unequal access to state media.",
         "{person2}, a political scientist at the University of {city}, said the result would force a coalition government.",
         "Preliminary results are expected on {weekday}, and final results within {num} days.",
         "Both candidates promised to cut fuel prices and create jobs for young voters.",
         "\"Every vote will be counted, and counted twice,\" said the head of the electoral commission.",
         "The ballot also included a referendum on term limits for the presidency."),
    ),
    "diplomacy": (
        ("{country} and neighbours agree to reopen border talks", "Foreign ministers meet in {city} to ease tensions",
         "{country} recalls ambassador after diplomatic row", "{person} visits {city} to mend ties"),
        ("Foreign ministers from {country} and its neighbours agreed in {city} on {weekday} to resume talks on a disputed border.",
         "{country} recalled its ambassador on {weekday} after a row over the expulsion of two diplomats.",
         "{person}, {country}'s foreign minister, arrived in {city} on {weekday} for two days of talks on trade and security."),
        ("The two sides signed a memorandum of understanding on consular cooperation and visa rules.",
         "Diplomats said a joint commission would meet every {num} months to review progress.",
         "\"We have chosen dialogue over confrontation,\" {person2} told reporters after the meeting.",
         "The talks were the first at ministerial level since relations soured in {year}.",
         "A joint statement called for restraint and a peaceful settlement of the dispute.",
         "The embassy said it would continue to issue visas while the ambassador was away.",
         "Analysts said the visit signalled a thaw after years of frosty relations.",
         "The ministry summoned the envoy to protest what it called interference in domestic affairs."),
    ),
    "government": (
        ("{country} cabinet approves budget with higher spending on roads", "{person} names new finance minister in reshuffle",
         "{country} parliament passes contested media law", "Government of {country} survives confidence vote"),
        ("The government of {country} approved a draft budget on {weekday} that raises spending on roads and hospitals by {pct} percent.",
         "{person} reshuffled the cabinet in {city} on {weekday}, replacing the ministers of finance, interior and health.",
         "Lawmakers in {country} passed a contested media law on {weekday} after a debate that lasted into the night."),
        ("The bill passed by {num} votes to {num2} and now goes to the upper house.",
         "Opposition lawmakers walked out of the chamber before the vote, calling the law an attack on the press.",
         "The finance ministry said the deficit would narrow to {pct} percent of economic output next year.",
         "\"This budget puts families first,\" {person2}, the finance minister, told parliament.",
         "The cabinet also approved a plan to merge several state agencies to cut costs.",
         "Civil servants' unions said they would study the proposals before deciding on a response.",
         "The prime minister's office said the reshuffle would bring fresh energy to the government.",
         "Critics said the ministry had not consulted regional governments on the changes."),
    ),
    "markets": (
        ("{country} shares hit record as banks rally", "Currency of {country} slides to new low against dollar",
         "Bond yields in {country} climb on inflation worries", "{city} stocks fall for third day"),
        ("Shares in {city} rose {pct} percent on {weekday} to a record close, led by banks and miners, as investors bet on lower interest rates.",
         "The currency of {country} fell to a record low against the dollar on {weekday} as investors fretted over the current account deficit.",
         "Government bond yields in {country} climbed on {weekday} after inflation data came in above forecasts."),
        ("Trading volume was heavier than usual, with {num} million shares changing hands.",
         "The central bank sold dollars in the spot market to slow the currency's fall, dealers said.",
         "\"The market is pricing in two rate cuts this year,\" said {person2}, a strategist at {org}.",
         "Shares of {org} jumped {pct} percent after the company raised its profit forecast.",
         "The benchmark index has gained about {pct} percent since the start of the year.",
         "Foreign investors were net buyers of local equities for a fifth straight session.",
         "Oil and gas stocks lagged as crude prices slipped in Asian trade.",
         "Analysts expect volatility to remain high until the central bank meets next month."),
    ),
    "companies": (
        ("{org} to buy rival in {money} deal", "{org} profit jumps on strong demand",
         "{org} shares slump after chief executive quits", "{org} plans new plant in {city}"),
        ("{org}, the {country} food and drinks group, agreed on {weekday} to buy a smaller rival for {money} in cash and shares.",
         "{org} reported a {pct} percent rise in quarterly profit on {weekday}, helped by strong demand in its home market of {country}.",
         "{org} said on {weekday} it would invest {money} in a new factory near {city}, creating about {num} jobs."),
        ("The deal, which needs approval from competition regulators, is expected to close by the end of the year.",
         "{person2}, the company's chief executive, said the acquisition would double its market share.",
         "Revenue rose to {money} in the three months to the end of {month}.",
         "The company kept its dividend unchanged and said it would buy back shares.",
         "\"We see room to grow in every market where we operate,\" the chief financial officer said on a call with analysts.",
         "Shares of {org} closed up {pct} percent in {city}.",
         "The plant will make components for carmakers and is due to open in {year2}.",
         "Unions welcomed the investment but asked for guarantees on local hiring."),
    ),
    "trade": (
        ("{country} and partners sign free trade deal", "{country} exports rise for sixth month",
         "Tariff dispute stalls {country} trade talks", "{country} imposes duties on steel imports"),
        ("{country} signed a free trade agreement with its regional partners in {city} on {weekday}, cutting tariffs on {num} product lines.",
         "Exports from {country} rose {pct} percent in {month} from a year earlier, the trade ministry said on {weekday}.",
         "Trade talks between {country} and its largest partner stalled on {weekday} over tariffs on dairy and farm goods."),
        ("The agreement removes duties on most industrial goods over ten years.",
         "Shipments of electronics and vehicle parts led the increase, customs data showed.",
         "\"This deal opens doors for our farmers and small exporters,\" trade minister {person2} said.",
         "Negotiators failed to agree on rules of origin for textiles and quotas for beef.",
         "The trade surplus widened to {money}, above the median forecast of economists polled.",
         "Importers warned that the new duties would raise prices for builders and carmakers.",
         "The partners will meet again in {month} to try to close the remaining gaps.",
         "Customs officials said cargo backlogs at the main port had eased."),
    ),
    "energy": (
        ("{country} switches on desert solar farm", "Fuel prices in {country} rise after subsidy cut",
         "{org} finds gas offshore {country}", "{country} power grid hit by blackouts"),
        ("{country} switched on a {num}-megawatt solar farm near {city} on {weekday}, part of a plan to cut fuel imports.",
         "{org} said on {weekday} it had found a large gas field off the coast of {country}, with reserves estimated at {num} billion cubic metres.",
         "Rolling blackouts hit much of {country} on {weekday} as demand for electricity outstripped supply during a heatwave."),
        ("The project was built with loans from development banks and will supply power to about {num} homes.",
         "The energy ministry said renewables would provide {pct} percent of the country's electricity by {year2}.",
         "\"Cheaper power means cheaper bread and cheaper transport,\" said {person2}, the energy minister.",
         "The grid operator blamed an ageing transmission network and low water levels at hydropower dams.",
         "Petrol stations in {city} reported long queues after the price rise was announced.",
         "The field lies in about {num} metres of water and could start production within five years.",
         "Consumer groups said the subsidy cut would hit poorer households hardest.",
         "The utility said it would add storage batteries to smooth the output of wind and solar plants."),
    ),
    "football": (
        ("{city} club wins league title on final day", "{country} coach sacked after cup defeat",
         "{person} scores twice as {country} reach finals", "Late goal gives {city} side derby win"),
        ("{person} scored twice as {country} beat their neighbours {num}-1 on {weekday} to qualify for the continental finals.",
         "A {city} club won the league title on the final day of the season on {weekday}, beating their closest rivals on goal difference.",
         "The football federation of {country} sacked the national coach on {weekday}, two days after a cup defeat by a second-division side."),
        ("The striker's second goal, a header from a corner, came after {num} minutes.",
         "More than {num} thousand fans filled the stadium in {city} for the match.",
         "\"The players gave everything; this title belongs to the supporters,\" the coach said.",
         "The goalkeeper made three fine saves in the second half to keep the lead.",
         "The federation said it would name a new coach before the qualifiers in {month}.",
         "Midfielder {person2} was sent off for a second yellow card in stoppage time.",
         "The club last won the championship in {year}.",
         "Police said the match passed without serious incident."),
    ),
    "tennis": (
        ("{person} wins first title in {city}", "Top seed knocked out in {city} open",
         "{person} retires injured in semi-final", "{country} reach Davis Cup quarter-finals"),
        ("{person} won her first professional title at the {city} Open on {weekday}, beating the second seed in three sets.",
         "The top seed was knocked out in the second round of the {city} Open on {weekday} by a qualifier ranked outside the top {num}.",
         "{country} reached the quarter-finals of the Davis Cup on {weekday} after winning both reverse singles."),
        ("The match lasted two hours and {num} minutes on a hot afternoon on the centre court.",
         "She saved four break points in the final set before serving out the match.",
         "\"I dreamed of this moment since I was a little girl,\" the champion said.",
         "The defeat is expected to cost him his place in the top ten of the rankings.",
         "Organisers said a record crowd attended the tournament this year.",
         "The doubles title went to a pair from {country}.",
         "Rain delayed play for more than an hour in the first set.",
         "The prize money for the winner was {money}."),
    ),
    "war": (
        ("Fighting flares near {city} as ceasefire falters", "Air strikes kill civilians in {country}",
         "Troops retake town in eastern {country}", "Rebels in {country} agree to prisoner swap"),
        ("Heavy fighting broke out near {city} on {weekday}, residents said, threatening a ceasefire agreed last month.",
         "Air strikes killed at least {num} civilians in a market town in {country} on {weekday}, local officials said.",
         "Government troops in {country} retook a town on a key supply route on {weekday} after weeks of fighting with rebels."),
        ("Residents said artillery fire could be heard through the night and many families fled toward the border.",
         "The army said it had cleared the town of fighters and seized weapons and ammunition.",
         "A United Nations spokesperson called on all sides to protect civilians and allow aid convoys through.",
         "\"We have nothing left; the houses are rubble,\" said {person2}, who fled with her four children.",
         "The rebels said they had withdrawn to avoid civilian casualties.",
         "The conflict has killed thousands of people and displaced about {num} thousand since {year}.",
         "Aid agencies said hospitals in the region were running short of medicines.",
         "The two sides are due to resume talks in {city} next week."),
    ),
    "protests": (
        ("Thousands protest in {city} over fuel prices", "Police fire tear gas at {city} rally",
         "{country} students march against tuition fees", "Protesters in {country} block main highway"),
        ("Thousands of people marched through {city} on {weekday} to protest against higher fuel prices and the cost of living.",
         "Police fired tear gas and water cannon at protesters in {city} on {weekday} as demonstrations over a disputed law entered a second week.",
         "Students in {country} marched on the education ministry on {weekday} to demand a freeze on tuition fees."),
        ("Organisers said more than {num} thousand people took part; police put the number lower.",
         "Shops in the city centre were closed and public transport was suspended for several hours.",
         "\"We cannot afford to eat and pay rent at the same time,\" said {person2}, a teacher who joined the march.",
         "Police said {num} people were arrested and several officers were injured by stones.",
         "The interior ministry called the protest illegal because organisers had not sought a permit.",
         "Human rights groups criticised the use of force against peaceful demonstrators.",
         "Protest leaders vowed to return to the streets every {weekday} until the government backs down.",
         "The government said it was open to dialogue but would not tolerate violence."),
    ),
    "courts": (
        ("Former mayor jailed for bribery in {country}", "{country} court acquits {person} of fraud",
         "Supreme Court of {country} upholds ban", "Trial of {org} executives opens in {city}"),
        ("A court in {city} jailed a former mayor for {num} years on {weekday} for taking bribes from building contractors.",
         "The supreme court of {country} upheld a ban on a political party on {weekday}, ending a legal battle that lasted years.",
         "The trial of four former executives of {org} on fraud charges opened in {city} on {weekday}."),
        ("Prosecutors said the defendants siphoned off {money} through fake invoices and shell companies.",
         "The judge said the evidence of wiretapped calls and bank records was overwhelming.",
         "Defence lawyers said they would appeal and called the ruling politically motivated.",
         "\"Justice has been done for the people of this town,\" said the chief prosecutor, {person2}.",
         "The court also ordered the confiscation of two houses and a farm.",
         "The defendants deny all the charges against them.",
         "The trial is expected to last several months, with more than {num} witnesses due to testify.",
         "Anti-corruption campaigners welcomed the verdict as a warning to other officials."),
    ),
    "natural-disasters": (
        ("Typhoon lashes {country}, injuring dozens", "Landslide kills {num} in {country}",
         "Earthquake shakes {city}, buildings damaged", "Floods force thousands from homes in {country}"),
        ("A powerful typhoon lashed {country} on {weekday}, injuring at least {num} people and cutting power to thousands of homes.",
         "A landslide triggered by heavy rain buried homes in a village in {country} on {weekday}, killing at least {num} people.",
         "A strong earthquake shook {city} on {weekday}, damaging buildings and sending residents running into the streets."),
        ("Rescue workers used their bare hands and heavy machinery to search for survivors in the mud.",
         "The meteorological agency warned of further landslides and storm surges along the coast.",
         "\"The ground moved like a wave; I grabbed my children and ran,\" said {person2}, a shopkeeper.",
         "About {num} thousand people spent the night in shelters and schools.",
         "All flights to and from the main airport were cancelled until the wind eased.",
         "The disaster agency said {num} houses were destroyed and many more damaged.",
         "The quake struck at a depth of {num} kilometres, the geological survey said.",
         "The government declared a state of emergency in the worst-hit provinces."),
    ),
    "diseases": (
        ("Dengue cases surge in {country}", "{country} hospitals struggle with flu outbreak",
         "Vaccination drive against measles starts in {country}", "{country} reports new cholera cases"),
        ("Hospitals in {country} are struggling to cope with a surge in dengue fever, with {num} cases reported in the past week alone.",
         "Health officials in {country} launched a vaccination drive against measles on {weekday}, aiming to reach {num} thousand children.",
         "{country} reported {num} new cases of cholera on {weekday}, most of them in poor districts on the edge of {city}."),
        ("Doctors said wards were full and some patients were being treated in corridors.",
         "The health ministry urged residents to remove standing water where mosquitoes breed.",
         "\"We are seeing more severe cases than in previous years,\" said {person2}, a doctor at the main public hospital.",
         "The World Health Organization said it was sending experts and supplies to help.",
         "Vaccination teams will visit schools, markets and remote villages over the next {num} weeks.",
         "The outbreak has been linked to contaminated water supplies after heavy rains.",
         "Officials said most patients recover with early treatment and plenty of fluids.",
         "Neighbouring countries stepped up screening at border crossings."),
    ),
    "research": (
        ("Scientists in {country} map genes of rare orchid", "{country} launches first weather satellite",
         "Archaeologists find tomb near {city}", "Researchers test robot for sidewalk deliveries"),
        ("Scientists at a university in {city} said on {weekday} they had mapped the genome of a rare orchid found only in the mountains of {country}.",
         "{country} launched its first weather satellite on {weekday}, a step its space agency says will improve storm forecasts.",
         "Archaeologists working near {city} have found an intact tomb more than {num} years old, the culture ministry said on {weekday}."),
        ("The findings were published in a peer-reviewed journal this week.",
         "The satellite will circle the Earth every {num} minutes and send images every quarter of an hour.",
         "\"This discovery changes what we know about the people who lived here,\" said {person2}, who led the excavation.",
         "The team used radar and drones to survey the site before digging began.",
         "Researchers hope the work will help protect the species from collectors and climate change.",
         "The project was funded by a grant of {money} from the national science council.",
         "The objects will go on display at the national museum next year.",
         "Engineers said the launch went smoothly and the satellite was responding to commands."),
    ),
    "climate-change": (
        ("Coral bleaching spreads along {country} coast", "{country} pledges deeper emissions cuts",
         "Glaciers in {country} retreat faster, study finds", "Heatwave breaks records in {city}"),
        ("Severe coral bleaching has hit a long stretch of reef off {country}, scientists said on {weekday}, blaming warmer seas.",
         "{country} pledged on {weekday} to cut greenhouse gas emissions by {pct} percent by {year2} compared with {year} levels.",
         "Glaciers in the mountains of {country} are retreating faster than expected, a study published on {weekday} found."),
        ("Aerial surveys showed bleaching on about two thirds of the reefs inspected.",
         "The plan relies on closing coal plants and expanding wind and solar power.",
         "\"We are running out of time to save these ecosystems,\" said {person2}, a marine biologist.",
         "Temperatures in {city} were the highest since records began.",
         "Environmental groups said the target was not ambitious enough.",
         "Farmers downstream depend on meltwater for irrigation during the dry season.",
         "The government said it would publish a detailed roadmap before the next climate summit.",
         "Scientists said the warming trend was consistent with climate change driven by human activity."),
    ),
    "schools": (
        ("{country} schools to add extra lessons", "Teachers in {country} strike over pay",
         "{country} plans free school meals", "Exam results improve in {city} schools"),
        ("Schools in {country} will add extra lessons in mathematics and reading from next term, the education ministry said on {weekday}.",
         "Teachers across {country} went on strike on {weekday} to demand higher pay and smaller classes.",
         "The government of {country} said on {weekday} it would provide free school meals to all primary pupils from {year2}."),
        ("The ministry said the change would take effect at the start of the new school year.",
         "Parents' associations welcomed the move but asked how it would be paid for.",
         "\"Hungry children cannot learn,\" said {person2}, the education minister.",
         "About {num} thousand teachers joined the strike, according to the union.",
         "The share of pupils passing the national exam rose to {pct} percent.",
         "Schools in poorer districts will receive extra funds for books and computers.",
         "The union said talks with the ministry had broken down over a pay offer of {pct} percent.",
         "Private schools will not be affected by the new rules."),
    ),
    "music": (
        ("{person} wins top prize at {city} music festival", "{city} opera house reopens after restoration",
         "Folk band from {country} tops charts", "Concert in {city} raises money for flood victims"),
        ("{person} won the top prize at the {city} music festival on {weekday} with a song about migrant workers.",
         "The opera house in {city} reopened on {weekday} after a {num}-year restoration that cost {money}.",
         "A folk band from {country} topped the charts on {weekday} with an album sung in a regional language."),
        ("The festival drew more than {num} thousand visitors over four days.",
         "The restored hall has new seats, a larger stage and improved acoustics.",
         "\"Music is how we remember who we are,\" said {person2}, the band's singer.",
         "Tickets for the opening night sold out within hours.",
         "The album was recorded in a village studio over three weeks.",
         "The winner receives a recording contract and a concert tour.",
         "Critics praised the orchestra's performance of a rarely heard opera.",
         "Proceeds from the concert will go to families who lost their homes."),
    ),
    "unions": (
        ("Dock workers in {country} strike over pay", "{country} unions call general strike",
         "Miners end strike after wage deal", "Airline pilots in {country} vote to strike"),
        ("Dock workers at the main port of {country} went on strike on {weekday}, halting container traffic in a dispute over pay.",
         "Unions in {country} called a general strike for {weekday} to protest against pension reforms.",
         "Miners in {country} agreed to end a two-week strike on {weekday} after accepting a wage deal."),
        ("The union said its members had not had a real pay rise in {num} years.",
         "Ships queued outside the harbour and exporters warned of losses.",
         "\"We are not asking for luxury, only to keep up with prices,\" said union leader {person2}.",
         "The deal gives workers a {pct} percent rise this year and another next year.",
         "The employers' federation said the strike was costing the economy millions a day.",
         "The labour ministry offered to mediate between the two sides.",
         "Workers are expected back at the mines on {weekday}.",
         "Train and bus services were also disrupted as transport workers joined the strike."),
    ),
    "weather": (
        ("Heavy snow closes roads in {country}", "{city} swelters in early heatwave",
         "Storm brings floods to {country} coast", "Drought hits harvest in {country}"),
        ("Heavy snow closed roads and schools across much of {country} on {weekday}, and forecasters warned of more to come.",
         "Residents of {city} sweltered on {weekday} as temperatures climbed to a record for the month in an early heatwave.",
         "A drought has withered crops across {country}, pushing up food prices, farmers said on {weekday}."),
        ("The weather service issued its highest warning level for the northern provinces.",
         "Motorists were stranded for hours on the main highway north of {city}.",
         "\"We planted twice and both times the seed dried in the ground,\" said {person2}, a farmer.",
         "Rainfall has been less than a quarter of normal since {month}.",
         "Authorities opened cooling centres and urged people to stay indoors at midday.",
         "The price of maize flour has risen by nearly a third in the capital's markets.",
         "Forecasters expect the cold spell to last until the end of the week.",
         "Aid agencies warned that the drought could leave {num} thousand people short of food."),
    ),
}

GENERIC = (
    "Officials did not respond to requests for comment.",
    "The details could not be independently verified.",
    "Local media reported the news earlier in the day.",
    "A spokesperson said a full statement would be issued later.",
    "The announcement was broadcast on state television.",
    "The figures were published on the website of the statistics office.",
)
FOLLOW_UP_LEADS = (
    "The case of {entity} took a new turn on {weekday}.",
    "There were fresh developments on {weekday} involving {entity}.",
    "{entity} was back in the spotlight on {weekday}.",
)
FOLLOW_UP_BODY = (
    "{entity} first made headlines in {month} when the matter came to light.",
    "It was the latest twist in the story of {entity}, which has drawn attention across {country}.",
    "Representatives of {entity} said they would comment once they had studied the decision.",
)

GIVEN = ("Ana", "Bilal", "Chen", "Dana", "Emeka", "Farah", "Goran", "Hana", "Ivan", "Jia", "Kofi",
         "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Sami", "Tariq", "Uma",
         "Viktor", "Wanjiru", "Xavier", "Yara", "Zoltan", "Amara", "Bruno", "Carmen", "Dmitri")
SYLLABLES = ("ka", "lo", "mi", "ren", "sa", "to", "vel", "dar", "nu", "bri", "sto", "an", "el",
             "or", "ta", "quin", "ber", "go", "ha", "li", "mon", "zar", "pe", "ru", "shi", "val")
ORG_SUFFIX = ("Group", "Holdings", "Industries", "Foods", "Energy", "Bank", "Motors", "Telecom",
              "Mining", "Logistics", "Pharma", "Textiles")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
PHOTOGRAPHERS = ("Max Rossi", "Anna Berg", "Tomas Lind", "Leila Haddad", "Juan Ortega",
                 "Mei Lin", "Kwame Mensah", "Sofia Novak", "Ravi Kumar", "Ines Costa")


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    country: str
    city: str


@dataclass(frozen=True, slots=True)
class Story:
    """One invented story, with the labels it was generated from."""

    index: int
    date: dt.datetime
    source: str
    place: Place
    topic: str
    title: str
    show_headline: bool  # False: the dump has no headline line (the importer derives one)
    paragraphs: tuple[str, ...]
    caption: str
    credit: str
    teasers: tuple[tuple[str, str], ...]
    follows: int  # index of the story this one follows up, -1 for none
    photo: int  # index into the photo pool, -1 for none


@cache
def places() -> tuple[tuple[Place, ...], tuple[float, ...]]:
    """Countries with a capital (the project's own country data) and Zipf-like weights."""
    from newsarchive.countries import all_countries

    data = json.loads(resources.files("newsarchive").joinpath("data/countries.json").read_text())
    capitals = {rec["code"]: rec["capital"][0] for rec in data["countries"] if rec["capital"]}
    found = [Place(c.code, c.name, capitals[c.code]) for c in all_countries() if c.code in capitals]
    random.Random(7).shuffle(found)
    return tuple(found), tuple(1 / (rank + 5) for rank in range(len(found)))


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def person(rng: random.Random) -> str:
    return f"{rng.choice(GIVEN)} {_name(rng, rng.randint(2, 3))}"


def org(rng: random.Random) -> str:
    return f"{_name(rng, rng.randint(2, 3))} {rng.choice(ORG_SUFFIX)}"


@dataclass(frozen=True, slots=True)
class _Base:
    """What a story shares with its follow-ups."""

    day: dt.date
    place: Place
    topic: str
    entity: str
    org: str
    person: str


def _rng(seed: int, index: int, salt: str) -> random.Random:
    return random.Random(f"{seed}:{index}:{salt}")


def _base(seed: int, index: int) -> _Base:
    rng = _rng(seed, index, "base")
    found, weights = places()
    firm, someone = org(rng), person(rng)
    return _Base(
        day=FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS)),
        place=rng.choices(found, weights)[0],
        topic=rng.choice(tuple(SUBJECTS)),
        entity=rng.choice((firm, someone, f"the {_name(rng, 2)} project")),
        org=firm,
        person=someone,
    )


def _fill(template: str, rng: random.Random, base: _Base, day: dt.date) -> str:
    year = rng.randint(1990, day.year)
    values = {
        "country": base.place.country, "city": base.place.city, "org": base.org,
        "person": base.person, "person2": person(rng), "entity": base.entity,
        "num": rng.randint(3, 180), "num2": rng.randint(3, 180), "pct": rng.randint(2, 68),
        "money": f"${rng.randint(2, 950)} million", "weekday": WEEKDAYS[day.weekday()],
        "month": rng.choice(MONTHS), "year": year, "year2": day.year + rng.randint(1, 8),
    }
    text = template.format(**values)
    return text[0].upper() + text[1:]


def story(seed: int, index: int) -> Story:
    """Story ``index`` of corpus ``seed``: a function of both, nothing else."""
    rng = _rng(seed, index, "story")
    follows = -1
    if index and rng.random() < FOLLOW_UP_SHARE:
        follows = rng.randrange(max(0, index - FOLLOW_UP_WINDOW), index)
    base = _base(seed, follows if follows >= 0 else index)
    day = base.day + dt.timedelta(days=rng.randint(1, 21)) if follows >= 0 else base.day
    headlines, leads, body = SUBJECTS[base.topic]
    sentences = [_fill(rng.choice(leads), rng, base, day)]
    if follows >= 0:
        sentences.insert(0, _fill(rng.choice(FOLLOW_UP_LEADS), rng, base, day))
    pool = list(body) + list(GENERIC[:2])
    rng.shuffle(pool)
    paragraphs = [" ".join(sentences)]
    for chunk in range(rng.randint(4, 10)):
        picked = pool[chunk % len(pool)]
        extra = rng.choice(FOLLOW_UP_BODY) if follows >= 0 and chunk == 1 else rng.choice(GENERIC)
        parts = [picked, extra] if rng.random() < 0.6 else [picked]
        paragraphs.append(" ".join(_fill(p, rng, base, day) for p in parts))
    source = rng.choices(tuple(SOURCES), [w for w, _, _ in SOURCES.values()])[0]
    caption = credit = ""
    if rng.random() < 0.4:
        caption = f"A view of {base.place.city}, {base.place.country}, {MONTHS[day.month - 1]} {day.day}, {day.year}."
        credit = SOURCES[source][2].format(name=rng.choice(PHOTOGRAPHERS))
    teasers = tuple(_teaser(rng, seed) for _ in range(rng.choice((0, 0, 2, 4, 6))))
    return Story(
        index=index,
        date=dt.datetime(day.year, day.month, day.day, rng.randint(0, 23), rng.randint(0, 59)),
        source=source,
        place=base.place,
        topic=base.topic,
        title=_fill(rng.choice(headlines), rng, base, day).rstrip("."),
        show_headline=rng.random() < 0.85,
        paragraphs=tuple(paragraphs),
        caption=caption,
        credit=credit,
        teasers=teasers,
        follows=follows,
        photo=rng.randrange(PHOTO_POOL) if rng.random() < PHOTO_SHARE else -1,
    )


def _teaser(rng: random.Random, seed: int) -> tuple[str, str]:
    other = _base(seed, rng.randrange(1 << 30))
    headlines, _, body = SUBJECTS[other.topic]
    day = other.day
    return (_fill(rng.choice(headlines), rng, other, day).rstrip("."),
            _fill(rng.choice(body), rng, other, day))


def stories(n: int, seed: int = 0, start: int = 0) -> Iterator[Story]:
    for index in range(start, start + n):
        yield story(seed, index)


# --- Output formats ------------------------------------------------------------------------

_DATE_FORMATS = ("%a %b %d %Y", "%d %B %Y", "%B %d, %Y", "%Y-%m-%d", "%a %b %d %Y %H:%M")


def text_dump(item: Story) -> str:
    """The story as a scraper saves an article page: one paragraph per line."""
    rng = _rng(item.index, 0, "layout")
    separator = SOURCES[item.source][1]
    lead = f"{item.place.city.upper()}, {item.place.country} ({item.source}) {separator} "
    lines = [item.title] if item.show_headline else []
    lines.append(lead + item.paragraphs[0])
    lines.extend(item.paragraphs[1:])
    end = [item.source, item.date.strftime(rng.choice(_DATE_FORMATS))]
    if rng.random() < 0.3:
        end.reverse()
    if item.caption:
        end.insert(rng.choice((0, len(end))), f"{item.caption} {item.credit}")
    lines.extend(end)
    for headline, summary in item.teasers:
        lines.extend((headline, summary))
    return "\n".join(lines) + "\n"


def slug_of(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:80].rstrip("-") or "story"


def _quote_free(text: str) -> str:
    """Content metadata is one line; Markdown specials never occur in the templates."""
    return " ".join(text.split())


def markdown(item: Story, slug: str, image: str = "") -> str:
    """The story as a content file, with the fields the importer writes (DESIGN contract 2)."""
    fields = {
        "Title": item.title,
        "Date": item.date.strftime("%Y-%m-%dT%H:%M:00+00:00"),
        "Slug": slug,
        "Source": item.source,
        "Dateline": f"{item.place.city.upper()}, {item.place.country}",
        "Topics": item.topic,
        "Countries": item.place.code,
        "Summary": item.paragraphs[0][:300],
        "Image": image,
        "Caption": item.caption,
        "Credit": item.credit.strip("()"),
    }
    header = "\n".join(f"{k}: {_quote_free(v)}" for k, v in fields.items() if v)
    dateline = f"{item.place.city.upper()}, {item.place.country} ({item.source}) - "
    body = "\n\n".join([dateline + item.paragraphs[0], *item.paragraphs[1:]])
    return f"{header}\n\n{body}\n"


def photo_pool(seed: int = 0) -> list[bytes]:
    """Small distinct JPEGs (160x100 gradients), made once with Pillow."""
    from PIL import Image

    pool = []
    for i in range(PHOTO_POOL):
        rng = _rng(seed, i, "photo")
        start, stop = [tuple(rng.randrange(256) for _ in range(3)) for _ in range(2)]
        image = Image.linear_gradient("L").resize((160, 100)).convert("RGB")
        image = Image.composite(Image.new("RGB", image.size, start),
                                Image.new("RGB", image.size, stop), image.convert("L"))
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=70)
        pool.append(out.getvalue())
    return pool


# --- Writing a corpus ------------------------------------------------------------------------


def shard_path(root: Path, index: int, name: str) -> Path:
    return root / f"{index // SHARD_SIZE:04d}" / name


def write_text(root: Path, item: Story) -> Path:
    path = shard_path(root, item.index, f"{item.index:07d}-{slug_of(item.title)[:40]}.txt")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text_dump(item), encoding="utf-8")
    return path


class MarkdownWriter:
    """Content files ``articles/YYYY/MM/<slug>.md`` with unique slugs, plus the photos."""

    def __init__(self, root: Path, seed: int = 0) -> None:
        self.root = root
        self.pool = photo_pool(seed)
        self.taken: set[str] = {p.stem for p in (root / "articles").glob("*/*/*.md")}

    def write(self, item: Story) -> Path:
        slug = slug_of(item.title)
        if slug in self.taken:
            slug = f"{slug}-{hashlib.sha256(str(item.index).encode()).hexdigest()[:6]}"
        self.taken.add(slug)
        image = ""
        if item.photo >= 0:
            data = self.pool[item.photo]
            digest = hashlib.sha256(data).hexdigest()
            image = f"images/{digest[:2]}/{digest}.jpg"
            target = self.root / image
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        path = self.root / "articles" / f"{item.date:%Y}" / f"{item.date:%m}" / f"{slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(markdown(item, slug, image), encoding="utf-8")
        return path


def write_corpus(out: Path, n: int, *, seed: int = 0, mode: str = "text", start: int = 0) -> int:
    """Write stories ``start`` … ``start + n - 1`` into ``out``; return how many were written."""
    if mode == "markdown":
        writer = MarkdownWriter(out, seed)
        for item in stories(n, seed, start):
            writer.write(item)
    elif mode == "text":
        for item in stories(n, seed, start):
            write_text(out, item)
    else:
        raise ValueError(f"unknown mode {mode!r} (text or markdown)")
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, required=True, help="number of stories")
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    parser.add_argument("--mode", choices=("text", "markdown"), default="text")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", type=int, default=0, help="index of the first story")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    write_corpus(args.out, args.n, seed=args.seed, mode=args.mode, start=args.start)
    took = time.perf_counter() - started
    print(f"{args.n} {args.mode} stories in {args.out} ({took:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
