"""The curated lexicon of the feature desks: arts, sport, science & technology, lifestyle.

Same format and provenance as :mod:`newsarchive.topic_lexicon` (hand-written, not
learned from any corpus), which merges this dict into ``LEXICON``.
"""

from __future__ import annotations

FEATURES: dict[str, str] = {
    # ── arts, culture, entertainment & media ─────────────────────────────────
    "arts": """
3: entertainment, showbiz, box office, red carpet, arts council, art gallery, exhibition,
   museum, sculpture, painting, artist, artwork, cultural heritage, archaeologist,
   archaeologists, archaeology, archaeological, excavation, antiquities, papyrus, papyri,
   manuscript, manuscripts, heritage site
2: star, stars, celebrity, fame, famous, fan, award, nominated, nomination, ceremony, premiere,
   audience, critic, critics, acclaimed, entertainer, comedian, comedy, performer, performance,
   showbusiness, hit, biopic, culture secretary, gala, festival, arts, opera, ballet, dance,
   poet, poetry, visual art, photography exhibition
1: show, stage, role, cast, story, fiction, character, creative, hollywood, screen, studio,
   produced, producer, release, released, prize, honour, honoured, tribute, legend, talent,
   host, presenter, career
""",
    "film": """
3: film, films, movie, cinema, oscar, oscars, academy award, bafta, baftas, golden globe,
   golden globes, film festival, cannes, box office, sundance, berlin film festival, film star,
   filmmaker, film maker, screenplay
2: actor, actress, director, directed, best picture, best actor, best actress, supporting
   actor, supporting actress, sequel, blockbuster, hollywood, animated, animation, documentary,
   screenwriter, cinemas, dvd, starring, starred, movie star, leading role, remake, trilogy,
   horror, thriller
""",
    "music": """
3: album, albums, singer, songwriter, band, rock band, pop star, pop group, record label,
   grammy, grammys, brit award, brit awards, mercury prize, number one single, top 40, music
   chart, charts, gig, gigs, rapper, hip hop
2: song, songs, single, chart, music, musician, musical, guitarist, drummer, bassist, concert,
   tour, lyrics, recording, recorded, vocalist, orchestra, symphony, composer, rock, pop, jazz,
   soul, punk, indie, rap, dj, festival, glastonbury, eurovision, music industry, record
   company, frontman, duet, debut album, concerts, tracks, track, band member
""",
    "television": """
3: tv show, television series, sitcom, soap opera, soap, reality show, reality tv, tv series,
   channel 4, itv, bbc one, bbc two, emmy, emmys, viewer, viewers, ratings, primetime, talk
   show, drama series
2: television, tv, series, episode, episodes, channel, broadcast, broadcaster, presenter, chat
   show, sketch, comedy series, quiz, quiz show, audience figure, programme, programmes,
   screened, aired
""",
    "books": """
3: novel, novelist, author, literary, book prize, booker prize, bestseller, best seller,
   publisher, publishing house, poet laureate, literature
2: book, books, writer, poet, memoir, biography, fiction, novels, reading, library, libraries,
   paperback, manuscript
""",
    "theatre": """
3: theatre, west end, broadway, stage show, playwright, musical theatre, olivier award,
   pantomime
2: play, stage, production, staged, revival, cast, drama, actor
""",
    "media": """
3: newspaper, newspapers, journalist, journalists, journalism, editor, press freedom,
   broadcasting, media group, tabloid, news channel
2: media, press, magazine, publication, reporter, radio, radio station, licence fee, ofcom,
   broadcaster
""",
    # ── human interest ───────────────────────────────────────────────────────
    "human-interest": """
3: royal wedding, birthday, anniversary, centenarian, oldest, heartwarming, lottery winner,
   world record attempt, eccentric
2: wedding, married, marriage, pet, dog, cat, animal, zoo, royal, queen, prince, princess,
   quirky, bizarre, odd, charity, fundraising, hero
""",
    "celebrity": """
3: celebrity, celebrities, paparazzi, gossip, socialite, supermodel
2: star, stars, couple, split, engaged, divorce, fame, famous
""",
    # ── lifestyle & leisure ──────────────────────────────────────────────────
    "lifestyle": """
3: lifestyle, leisure, hobby, hobbies, recipe, recipes, cooking, restaurant, restaurants, chef,
   fashion, fashion week, designer, gardening, holiday, holidays, wine, food and drink
2: food, diet, shopping, style, home, garden, travel, beauty, wellbeing, clothes, clothing,
   catwalk, model
""",
    "travel": """
3: tourism, tourist, tourists, travel, traveller, travellers, holidaymakers, resort, resorts,
   hotel, hotels, package holiday, visitors, tour operator
2: flight, flights, airport, destination, trip, cruise, beach
""",
    # ── religion ─────────────────────────────────────────────────────────────
    "religion": """
3: religion, religious, church, churches, mosque, mosques, synagogue, temple, pope, vatican,
   archbishop, bishop, bishops, priest, priests, clergy, christian, christians, muslim,
   muslims, islam, islamic, jewish, jews, hindu, hindus, sikh, sikhs, buddhist, faith, worship,
   bible, koran, quran
2: god, prayer, prayers, imam, rabbi, cardinal, catholic, anglican, protestant, pilgrim,
   pilgrims, pilgrimage, ramadan, christmas, easter, blasphemy, secular, believers
""",
    # ── science & technology ─────────────────────────────────────────────────
    "science-tech": """
3: technology, technologies, technological, tech, hi tech, high tech, scientist, scientists,
   science, scientific, gadget, gadgets, device, devices, digital, internet, online, web,
   website, websites, broadband, computer, computers, software, mobile phone, mobile phones,
   mobile, smartphone, smartphones, handset, handsets, video game, video games, games console,
   console, consoles, gamer, gamers, gaming, electronics, gameplay, graphics, shooter, first
   person shooter, role playing game, rpg, arcade, handheld, ps2, psp, nintendo ds, game boy,
   gamecube, games industry, game industry, games developer, games maker, pc game, pc games,
   online gaming, massively multiplayer, mmorpg, virtual world, rfid, wireless network, tech
   firm, technology firm, tech giant, net firm
2: innovation, invention, engineer, engineers, engineering, laboratory, research, researchers,
   robot, robots, data, users, user, net, wireless, wi fi, network, networks, bluetooth,
   download, downloads, downloading, digital music, music player, mp3, ipod, camera phone,
   screen, pc, pcs, laptop, laptops, chip, chips, processor, microsoft, apple, google, yahoo,
   ibm, intel, sony, nintendo, playstation, xbox, sega, nokia, motorola, samsung, amazon, ebay,
   firefox, linux, windows, silicon valley, tv on demand, high definition, hd, dvd, blu ray,
   satellite, telecoms, telecommunications, 3g, developer, developers, programmer, programmers,
   open source, e mail, email
1: system, systems, service, services, content, access, launch, launched, version, feature,
   features, gamers, player, players, game, games, phone, phones, tv, television, music, film,
   technical, design, designed, electronic, virtual, interactive, multiplayer, title, titles
""",
    "computing": """
3: computer, computers, computing, software, hardware, internet, broadband, web, website,
   websites, search engine, browser, web browser, operating system, virus, viruses, worm,
   spyware, adware, malware, spam, phishing, hacker, hackers, hacking, cyber, cybersecurity,
   firewall, encryption, blog, blogs, blogger, bloggers, blogging, podcast, podcasts, peer to
   peer, file sharing, p2p, online, net users, internet users, web users, artificial
   intelligence, algorithm, algorithms, database, silicon chip, microchip, semiconductor,
   supercomputer, programming, source code, domain name, domain names, icann, isp, isps, url
2: pc, pcs, laptop, laptops, server, servers, desktop, download, downloads, upload, instant
   messaging, chat room, e mail, email, emails, inbox, password, passwords, security flaw,
   patch, bug, bugs, wi fi, wireless, digital, data, gigabyte, megabyte, bandwidth, net,
   surfing, online services
""",
    "space": """
3: space, nasa, esa, astronaut, astronauts, spacecraft, space station, satellite, orbit,
   rocket, mars, moon, planet, planets, telescope, astronomer, astronomers, galaxy, comet,
   asteroid, space probe, probe
2: launch, mission, universe, solar system, titan, saturn, jupiter
""",
    "research": """
3: research, researchers, study, studies, scientist, scientists, laboratory, experiment,
   experiments, journal, published in, university researchers
2: findings, discovered, discovery, evidence, data, analysis, species, genetic, gene, genes,
   dna, stem cell, physics, chemistry, biology
""",
    # ── sport ────────────────────────────────────────────────────────────────
    "sport": """
3: sport, sports, sporting, athlete, athletes, championship, championships, tournament, league,
   cup, match, coach, squad, team mate, team mates, teammate, teammates, semi final, quarter
   final, world cup, fixture, fixtures, medal, medals, gold medal, sportsman, sportswoman
2: team, teams, player, players, win, victory, defeat, beat, final, champion, champions, title,
   season, played, playing, draw, drew, score, scored, scoring, injury, injured, captain, fans,
   supporters, stadium, opponent, opponents, clash, victories, defeats, debut, seeded, ranked,
   ranking, world number, qualify, qualified, qualifying, coaches, referee, umpire, home side,
   away side, home win, away win, unbeaten
1: game, games, play, won, lost, points, fitness, manager, boss, side, sides, record,
   international, career, contract, transfer, signed, race, races, rival, rivals, lead, led,
   form
""",
    "football": """
3: football, footballer, footballers, soccer, premiership, premier league, fa cup, carling cup,
   league cup, champions league, uefa cup, uefa, fifa, fa, striker, strikers, midfielder,
   midfielders, defender, defenders, goalkeeper, goalkeepers, penalty kick, penalty shoot out,
   free kick, corner kick, header, equaliser, hat trick, red card, yellow card, sent off,
   offside, chelsea, arsenal, manchester united, man utd, liverpool, everton, tottenham,
   newcastle, celtic, rangers, real madrid, barcelona, milan, juventus, bayern munich, inter
   milan, club, clubs, euro 2004
2: pitch, manager, winger, full back, centre back, clean sheet, injury time, stoppage time,
   extra time, first half, second half, loan, transfer window, relegation, relegated, promoted,
   promotion, nil, scoreline, bench, substitute
""",
    "rugby-union": """
3: rugby, six nations, rugby union, scored a try, tries, scrum, line out, lineout, fly half,
   scrum half, flanker, number eight, winger, full back, drop goal, sin bin, british lions, all
   blacks, wallabies, springboks, heineken cup, twickenham, murrayfield
2: ruck, maul, tackle, tackles, back row, front row
""",
    "cricket": """
3: cricket, cricketer, test match, test series, one day international, odi, wicket, wickets,
   innings, batsman, batsmen, bowler, bowlers, bowling, batting, run out, lbw, ashes,
   scored a century, hit a century,
   county cricket, twenty20, odi series
2: run chase, run rate, spinner, seamer, all out, captaincy, test, tests
""",
    "tennis": """
3: tennis, wimbledon, us open, french open, australian open, roland garros, grand slam, davis
   cup, atp, wta, seed, seeded, first set, second set, third set, final set, deciding set, tie
   break, tiebreak, ace, aces, double fault, break point, centre court
2: match point, straight sets, third round, second round, first round, quarter final, semi
   final, clay court, grass court, hard court
""",
    "athletics": """
3: athletics, sprint, sprinter, sprinters, marathon, 100m, 200m, 400m, 800m, 1500m, 5000m,
   10000m, 60m, hurdles, relay, long jump, high jump, triple jump, pole vault, javelin, discus,
   shot put, decathlon, heptathlon, iaaf, indoor championships, cross country
2: athlete, athletes, track, field, race, doping, drugs test, drug test, banned substance,
   personal best, anti doping, wada, iaaf
1: world record
""",
    "golf": """
3: golf, golfer, golfers, pga, ryder cup, us masters, birdie, bogey, fairway, putt, open
   championship, under par, over par
2: hole, holes, tee, par
""",
    "motor-racing": """
3: formula one, f1, grand prix, motor racing, motorsport, ferrari, mclaren, renault, pole
   position, pit stop, nascar, world rally championship
2: lap, laps, circuit, podium, constructors
1: driver, drivers, qualifying
""",
    "olympics": """
3: olympic, olympics, olympic games, ioc, paralympic, paralympics, olympic bid, olympic
   champion, gold medal, silver medal, bronze medal
2: medal, medals, games, olympic team, london 2012, athens
""",
}
