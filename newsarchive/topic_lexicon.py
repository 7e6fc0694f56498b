"""The curated lexicon behind topic assignment: what a news editor would list for each topic.

Written by hand from general newsroom knowledge and the IPTC labels and definitions,
not learned from any corpus. Each topic's entry is a small text: lines starting with
``N:`` open a weight tier, indented lines continue it, and terms are comma-separated
words or phrases of up to three words (hyphens count as spaces, plurals are folded).
Weights: 4 and 3 name the topic on their own, 2 is a strong cue, 1 a cue common
elsewhere too. A second-level topic's terms also count for its parent. This module
holds the news desks (public affairs, economy, crime, conflict); the feature desks
(arts, sport, science & technology, lifestyle, religion) are in
:mod:`newsarchive.topic_lexicon_features`.
"""

from __future__ import annotations

import re

from newsarchive.topic_lexicon_features import FEATURES

_TIER = re.compile(r"^(\d+(?:\.\d+)?):", re.M)


def tiers(entry: str) -> dict[float, tuple[str, ...]]:
    """Weight → terms of one lexicon entry (see the module docstring for the format)."""
    parts = _TIER.split(entry.strip())
    found: dict[float, tuple[str, ...]] = {}
    for weight, text in zip(parts[1::2], parts[2::2], strict=True):
        terms = (" ".join(term.split()) for term in text.split(","))
        found[float(weight)] = tuple(term for term in terms if term)
    return found


NEWS: dict[str, str] = {
    # ── crime, law & justice ─────────────────────────────────────────────────
    "crime": """
3: crime, criminal, murder, murdered, manslaughter, robbery, burglary, fraud, theft, assault,
   kidnapping, drug trafficking, smuggling, money laundering, homicide, rape, stabbing,
   shooting, gang, gangs
2: prosecutor, prosecution, offence, offender, offenders, jailed, prisoner, sentenced,
   convicted, conviction, acquitted, bail, custody
1: law, legal, lawsuit, sued, suing, lawyer, lawyers, attorney, solicitor, barrister, accused,
   victim, justice, illegal, unlawful, prison, sentence, guilty, investigation, charge,
   charged, allegation, alleged
""",
    "courts": """
3: jury, high court, supreme court, court of appeal, appeal court, crown court, magistrates
   court, old bailey, murder trial, verdict, testified
2: court, courts, judge, judges, trial, magistrate, magistrates, tribunal, testimony,
   defendant, plaintiff, injunction, witness, witnesses, cross examined, judicial review
1: appeal, appealed, damages, hearing, lawsuit, ruling, ruled
""",
    "police": """
3: police, policeman, policewoman, police officer, police officers, detective, scotland yard,
   arrested, arrest, arrests, raid, fbi, constable
2: officers, suspect, suspects, questioned, patrol, crime figures, forensic, investigating,
   chief constable, met police, metropolitan police
""",
    # ── disasters & accidents ────────────────────────────────────────────────
    "disaster": """
3: disaster, catastrophe, emergency services, rescue, rescuers, relief effort, aid agencies,
   death toll, survivors, casualties, evacuated, evacuation
2: emergency, destroyed, devastated, devastation, victims, missing, injured, killed, dead,
   homeless, aid, relief
1: damage, bodies
""",
    "natural-disasters": """
3: earthquake, tsunami, flood, floods, flooding, hurricane, typhoon, cyclone, tornado, volcano,
   eruption, landslide, avalanche, wildfire, bushfire, drought, famine
2: quake, magnitude, storm surge, aftershock
""",
    "accidents": """
3: crash, crashed, plane crash, air crash, train crash, derailed, collision, explosion, blast,
   fire, blaze, firefighters, capsized, shipwreck, sank
2: accident, accidents, accidental, wreckage, investigators
""",
    # ── economy, business & finance ──────────────────────────────────────────
    "business": """
3: business, businesses, firm, firms, company, companies, profit, profits, revenue, revenues,
   turnover, earnings, sales, shareholder, shareholders, investor, investors, investment, chief
   executive, chairman, retailer, retail, bank, banks, banking, finance, financial, corporate,
   industry
2: economic, market, markets, price, prices, cost, costs, deal, deals, customer, customers,
   consumer, consumers, bn, billion, million, analyst, analysts, pension, pensions, debt,
   debts, loan, loans, credit, brand, manufacturer, manufacturing, factory, output, production,
   supplier, insurance, insurer, airline, airlines, carmaker, car maker, mortgage, housing
   market, house prices, property market, growth, forecast, bankrupt, bankruptcy,
   administration, creditors, stake, asset, assets, acquisition, merger, takeover, bid, offer,
   buyout, quarterly, annual results, fiscal, expectations, boost, slump, demand, supply, cut
   costs
1: year, rise, rose, fall, fell, higher, lower, percent, per cent, trading, sector, value,
   valued, worth, money, spending, spend, pay, paid, fund, funds, executive, boss, bosses,
   group, plc, inc, ltd, owner, owned, operator, store, stores, shop, shops, shopper, shoppers,
   job cuts, tax, jobs
""",
    "economy": """
3: economy, economies, economic growth, gdp, gross domestic product, inflation, interest rate,
   interest rates, central bank, federal reserve, fed, bank of england, european central bank,
   ecb, recession, deflation, monetary policy, consumer spending, economist, economists, imf,
   international monetary fund, world bank, current account, budget deficit, trade deficit,
   unemployment rate, jobless rate
2: growth, slowdown, recovery, exports, imports, exchange rate, currency, dollar, euro, yen,
   sterling, pound, yuan, productivity, consumer confidence, retail sales, house prices,
   borrowing, deficit, surplus, stimulus, figures showed, official figures, quarter, rate rise,
   rate cut, g7, g8, oecd
""",
    "markets": """
3: stock market, stock exchange, shares, share price, share prices, stock, stocks, ftse, ftse
   100, dow jones, nasdaq, nikkei, dax, wall street, bond, bonds, equities, investors, trader,
   traders, stock markets, market value, flotation, listing, ipo, hedge fund
2: traded, trading, index, rally, sell off, volatile, valuation, oil price, oil prices,
   commodity, commodities, gold price, dividend, dividends, pence, cents, per share, brokers,
   broker, city of london
""",
    "companies": """
3: chief executive, ceo, boardroom, board of directors, takeover bid, merger, acquisition,
   annual profit, pre tax profit, pre tax profits, profit warning, subsidiary, conglomerate,
   multinational, joint venture
2: firm, company, rival, rivals, competitor, competitors, restructuring, job cuts, lay off,
   layoffs, stake, shareholders, chairman, founder, startup, start up
""",
    "trade": """
3: world trade organisation, wto, free trade, trade deal, trade agreement, tariff, tariffs,
   import duties, quotas, trade talks, trade barriers, exporter, exporters, trade gap, trade
   surplus, trade dispute
2: exports, imports, export, import, textile, textiles, anti dumping, trading partner
""",
    "energy": """
3: oil, crude, crude oil, opec, barrel, barrels, oil field, oil company, natural gas, gas
   field, pipeline, refinery, energy company, power station, electricity, utilities, utility,
   nuclear power, renewable energy, petrol
2: energy, fuel, gas, coal, power plant, oil and gas, oilfield, drilling, energy prices, energy
   supply
""",
    # ── education ────────────────────────────────────────────────────────────
    "education": """
3: education, pupils, students, university, universities, tuition fees, exam, exams, a level, a
   levels, gcse, gcses, degree, graduates, graduate, curriculum, teachers, teaching, school,
   schools, college, colleges, academic, lecturer, campus
2: student, teacher, classroom, learning, literacy, education secretary, headteacher, head
   teacher, ofsted, higher education, scholarship
""",
    "schools": """
3: primary school, secondary school, schools, pupils, headteacher, head teacher, school meals,
   school dinners, classroom
2: school, teacher, teachers, parents, playground, truancy
""",
    # ── environment ──────────────────────────────────────────────────────────
    "environment": """
3: environment, environmental, pollution, emissions, carbon dioxide, greenhouse gas, greenhouse
   gases, recycling, biodiversity, ecosystem, wildlife, habitat, endangered, environmentalists,
   green groups
2: climate, species, forest, forests, deforestation, waste, landfill, sustainable,
   sustainability, conservation, ozone, green, nature, greenpeace, friends of the earth, wwf
""",
    "climate-change": """
3: climate change, global warming, kyoto, kyoto protocol, carbon emissions, greenhouse effect,
   sea level, rising temperatures, ipcc, net zero
2: carbon, emissions, warming, fossil fuel, fossil fuels
""",
    "conservation": """
3: conservation, conservationists, endangered species, national park, nature reserve,
   extinction, poaching, protected area
2: wildlife, habitat, whales, elephants, tigers, birds, rainforest
""",
    # ── health ───────────────────────────────────────────────────────────────
    "health": """
3: health, healthcare, health care, nhs, hospital, hospitals, patient, patients, doctor,
   doctors, nurse, nurses, medical, medicine, medicines, surgery, surgeon, treatment, vaccine,
   vaccination, drug company, pharmaceutical, gp, gps, clinic, mental health, public health,
   health service
2: health secretary, care, illness, ill, disease, diseases, diet, obesity, smoking, drinking,
   alcohol, fitness, heart, cancer, drugs, prescription, symptoms, diagnosis, diagnosed,
   therapy, operation, waiting list
""",
    "diseases": """
3: cancer, hiv, aids, malaria, tuberculosis, flu, influenza, bird flu, pandemic, epidemic,
   outbreak, virus infection, diabetes, heart disease, dementia, alzheimer, infection,
   infections, infectious, mrsa, superbug, covid
2: tumour, disease, diseases, symptoms, infected, strain, stroke, asthma, obesity
""",
    # ── labour ───────────────────────────────────────────────────────────────
    "labour": """
3: workers, workforce, employees, employer, employers, trade union, trade unions, union,
   unions, strike, strikes, industrial action, minimum wage, wages, pay rise, pay deal,
   redundancies, redundancy, labour market, employment
2: staff, jobs, job, workplace, working hours, working time, pension, retirement, overtime,
   walkout, picket, tuc, unemployed, unemployment
""",
    "employment": """
3: jobs market, job creation, jobless, unemployment, hiring, recruitment, vacancies, job
   losses, job cuts, new jobs, employment figures, payrolls
2: jobs, job, employed, employment, hired, recruit, career
""",
    "unions": """
3: trade union, trade unions, union, unions, strike, strikes, striking, walkout, industrial
   action, picket line, collective bargaining, tuc, unison, amicus
2: union leader, union members, ballot, pay dispute
""",
    # ── politics ─────────────────────────────────────────────────────────────
    "politics": """
4: minister, ministers, government, tory, tories, shadow, conservatives, lib dem, lib dems, mp,
   mps, cabinet, labour party, conservative party
3: politics, political, politician, politicians, prime minister, president, presidential,
   election, elections, mp, mps, parliament, parliamentary, labour party, conservative party,
   conservatives, tory, tories, liberal democrat, liberal democrats, lib dem, lib dems,
   opposition, downing street, westminster, whitehall, cabinet, senator, senate, congress,
   congressman, lawmakers, legislation
2: party, parties, policy, policies, vote, votes, voter, voters, voted, voting, campaign,
   campaigning, manifesto, leader, leadership, secretary, home secretary, foreign secretary,
   chancellor, backbench, backbencher, backbenchers, commons, lords, house of commons, house of
   lords, bill, ballot, poll, polls, referendum, constituency, candidate, candidates,
   democracy, democratic, republican, republicans, democrats, regime, mayor, council,
   councillor, devolution, snp, plaid cymru, ukip, green party, eu, european union, brussels,
   white house, kremlin, state department, ministry, governor
1: labour, conservative, liberal, national, public, state, official, officials, proposal,
   proposals, plans, plan, critics, debate, row, reform, reforms, public services, taxpayer,
   taxpayers, council tax, id card, id cards, civil liberties, asylum, immigration, terror
   laws, house arrest
""",
    "elections": """
3: general election, election, elections, electoral, election campaign, polling day, polling
   station, ballot paper, turnout, by election, opinion poll, opinion polls, postal vote,
   postal votes, electorate, re election, elected, candidate, candidates, seats, marginal
   seats, hung parliament, landslide victory, first past the post, primaries
2: vote, votes, voter, voters, poll, polls, campaign, campaigning, manifesto, canvassing,
   electoral commission, swing, majority
""",
    "government": """
3: government, cabinet, prime minister, president, minister, ministers, ministry, department,
   whitehall, downing street, cabinet minister, cabinet office, civil service, civil servant,
   civil servants
2: home office, foreign office, treasury, secretary of state, government policy, public
   spending, public sector, white paper, green paper, consultation
""",
    "parliament": """
3: parliament, parliamentary, house of commons, house of lords, commons, lords, mps, mp, peers,
   select committee, backbench, backbenchers, bill, legislation, senate, congress, lawmakers,
   law makers, legislature
2: vote, debate, amendment, amendments, second reading, royal assent, speaker, whip, rebellion,
   rebels, committee, act
""",
    "parties": """
3: labour party, conservative party, tory, tories, liberal democrat, liberal democrats, lib
   dem, lib dems, party leader, party conference, snp, plaid cymru, ukip, green party,
   republican party, democratic party, party chairman, leadership contest, party members, new
   labour
2: party, parties, labour, conservatives, conservative, liberal, republicans, democrats,
   grassroots, defected, defection, frontbench
""",
    "diplomacy": """
3: diplomacy, diplomatic, diplomat, diplomats, ambassador, embassy, foreign minister, foreign
   secretary, secretary of state, summit, united nations, un security council, security
   council, nato, bilateral, sanctions, treaty
2: talks, relations, foreign policy, envoy, visit, delegation, g8, g7, negotiations,
   negotiator, negotiators, international community, allies
""",
    "tax": """
3: tax, taxes, taxation, income tax, council tax, inheritance tax, corporation tax, vat, tax
   cut, tax cuts, tax rise, tax rises, tax credit, tax credits, stamp duty
2: budget, pre budget report, chancellor, treasury, taxpayer, taxpayers
""",
    # ── society ──────────────────────────────────────────────────────────────
    "society": """
3: society, social, poverty, homelessness, human rights, civil rights, discrimination, racism,
   equality, inequality, gay rights, same sex, civil partnership, feminism, disability,
   disabled, charity, charities, volunteers, social policy
2: poor, rich, welfare, benefits, social services, social exclusion, anti social behaviour,
   youth, young people, pensioners, carers, gender, women, minority, minorities, racial,
   refugee, refugees
1: community, communities, family, families, children, elderly
""",
    "immigration": """
3: immigration, immigrant, immigrants, migrants, migrant, asylum, asylum seeker, asylum
   seekers, refugees, deportation, deported, border controls, visas
2: visa, border, borders, citizenship, illegal immigrants, work permit
""",
    "welfare": """
3: welfare, benefits, social security, child benefit, housing benefit, incapacity benefit,
   state pension, pensioners, welfare state
2: child poverty, social care, care homes, means test, means tested
""",
    # ── conflict, war & peace ────────────────────────────────────────────────
    "conflict": """
3: war, wars, military, army, troops, soldier, soldiers, armed forces, conflict, fighting,
   insurgent, insurgents, insurgency, militant, militants, rebels, rebel, ceasefire, bomb,
   bombing, bombs, attack, attacks, killed, violence, clashes, airstrike, air strike, missile,
   missiles, weapons
2: defence, defence secretary, ministry of defence, pentagon, nato, invasion, occupation,
   guerrilla, gunmen, hostage, hostages, casualties, civilians, security forces, peacekeepers,
   genocide, massacre, refugees, battle
""",
    "war": """
3: war, armed conflict, invasion, troops, battle, civil war, offensive, front line, shelling,
   air strikes, airstrikes, war crimes
2: military, army, soldiers, fighting, iraq war
""",
    "terrorism": """
3: terrorism, terrorist, terrorists, terror, al qaeda, suicide bomber, suicide bombing, suicide
   bombers, terror attack, terror attacks, counter terrorism, anti terror, jihadist, extremist,
   extremists
2: bomb plot, plot, security services, mi5, detainees, guantanamo, detention
""",
    "peace-process": """
3: peace process, peace talks, peace deal, peace agreement, ceasefire, truce, reconciliation,
   disarmament, decommissioning, peace plan, peace envoy
2: peace, negotiations, mediator, road map
""",
    "protests": """
3: protest, protests, protesters, protestors, demonstration, demonstrations, demonstrators,
   riot, riots, rioting, unrest, uprising, march, marchers, civil unrest, tear gas, riot police
2: rally, crowd, crowds, activists, campaigners, opposition supporters
""",
    # ── weather ──────────────────────────────────────────────────────────────
    "weather": """
3: weather, forecast, forecasters, met office, rainfall, snowfall, heatwave, heat wave,
   temperatures, storm, storms, gales, thunderstorm, blizzard, frost, meteorological, weather
   warning, sunshine, showers
2: rain, snow, wind, winds, cold, hot, warm, sunny, cloudy, fog, ice, icy, degrees, celsius,
   fahrenheit, flood warning
""",
}

LEXICON: dict[str, str] = {**NEWS, **FEATURES}

# Section names, URL path segments and breadcrumb parts that name a topic outright
# ("slug: alias, alias"; aliases are lower-case with words joined by hyphens).
_SECTIONS = """
arts: arts, culture, entertainment, arts-and-culture, culture-and-arts, entertainment-and-arts,
  entertainment-arts, arts-entertainment, showbiz, celebrity, stage
film: film, films, movies, cinema
music: music
television: tv, television, tv-and-radio, tv-radio
books: books, literature
theatre: theatre, theater
media: media
crime: crime, law, justice, crime-and-justice, courts-and-crime
disaster: disasters
business: business, money, finance, companies, economy, economics, business-news, your-money,
  business-and-finance
markets: markets, market-data, stock-markets
education: education, schools, universities
environment: environment, climate, climate-change, science-environment
health: health, wellness, medicine
labour: jobs, work, careers, labour
lifestyle: lifestyle, life-and-style, lifeandstyle, food, food-and-drink, fashion, style,
  home-and-garden, living
travel: travel
politics: politics, uk-politics, us-politics, government, elections, election, vote,
  politics-and-policy, westminster
religion: religion, faith, religion-and-ethics
science-tech: science, technology, tech, sci-tech, scitech, science-and-technology, gadgets,
  games, gaming, internet, innovation
computing: computing, software
space: space
society: society, communities
sport: sport, sports, sportsday
football: football, soccer
rugby-union: rugby, rugby-union
cricket: cricket
tennis: tennis
athletics: athletics
golf: golf
motor-racing: formula1, formula-one, f1, motorsport, motor-racing
olympics: olympics, olympic-games
conflict: conflict, war, defence, military
weather: weather
"""

SECTION_ALIASES: dict[str, str] = {
    alias.strip(): slug
    for slug, aliases in re.findall(r"^([a-z-]+): (.*(?:\n  .*)*)", _SECTIONS, re.M)
    for alias in aliases.split(",")
}
