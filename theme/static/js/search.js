// The archive's search page, on Pagefind's JS API (pagefind.js): words, filters (topic,
// country, source, year), order (best match, newest, oldest), a live result count, thumbnails
// and dates. The state lives in the address (?q=…&country=…&sort=newest) so a search can be
// bookmarked, shared and reloaded; the header's search box on other pages lands here with ?q=.
// No inline script, no eval: it runs under the site's Content Security Policy.
//
// The index is one Pagefind bundle per year of stories ("shards", listed in
// pagefind/shards.json; plugins/pagefind_index/shards.py), searched here one by one with
// Pagefind's own search (pagefind-shards.js is pagefind.js exporting its PagefindInstance):
// the first shard loaded owns the WebAssembly and the others share it, as Pagefind's
// mergeIndex() does; only the shards a search needs are loaded (a year filter needs one).
// Results are merged by score (best match) or shard after shard in date order (newest,
// oldest); see ShardedIndex for the one place where one index per year would otherwise
// answer differently from one index of the whole archive. The filter menus' counts come from
// pagefind/filters.json (written with the index), fetched after the first results are shown,
// instead of every shard's filter files.
//
// Date order needs no sort data in the index: a story's URL starts with its date, pages are
// numbered in URL order, and the fragment of page n is named "<language>_<n in base 36>"
// (plugins/pagefind_index/deterministic.py, _compact_pages), which is also the result's id.
// So within a shard, newest is page number descending, oldest ascending (same-day stories by
// slug, as Pagefind's own `date` sort orders them). The indexer left out the `date` sort
// because it was exactly that order; a shard where it is not (a story whose date disagrees
// with its URL) keeps it, lists it in shards.json ("sorts") and is sorted by Pagefind.

const PAGE_SIZE = 10;
const SORTS = { newest: "desc", oldest: "asc" };

const form = document.getElementById("search-form");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const more = document.getElementById("search-more");
const query = document.getElementById("search-q");
const sortSelect = document.getElementById("search-sort");
const filterSelects = Array.from(form.querySelectorAll("select[data-filter]"));

const bundle = new URL(form.dataset.bundle, document.baseURI);
let pagefind = null;
let index = null;
let results = null;
let shown = 0;
let generation = 0;

// The shards of the manifest, each a Pagefind instance, started as searches need them.
class ShardedIndex {
  constructor(module, manifest) {
    this.Instance = module.PagefindInstance;
    this.shards = manifest.shards;
    this.started = new Map();
    this.primary = null;
    this.language = (document.documentElement.getAttribute("lang") || "unknown").toLowerCase();
  }

  // Shards that can hold a result: a year filter names the year the story's URL starts with.
  needed(filters) {
    return this.shards.filter((s) => !filters.year || s.year === null || s.year === filters.year);
  }

  // Shards in date order, newest first ("desc") or oldest first; shards without a year last.
  ordered(shards, direction) {
    const dated = shards.filter((s) => s.year !== null).sort((a, b) => a.name.localeCompare(b.name));
    if (direction === "desc") dated.reverse();
    return [...dated, ...shards.filter((s) => s.year === null)];
  }

  shardPath(shard) {
    const url = new URL(shard.path, bundle);
    return url.origin === window.location.origin ? url.pathname : url.href;
  }

  instance(shard) {
    if (!this.started.has(shard.name)) this.started.set(shard.name, this.start(shard));
    return this.started.get(shard.name);
  }

  async start(shard) {
    const options = { basePath: this.shardPath(shard), excerptLength: 30 };
    let instance;
    if (!this.primary) {
      instance = new this.Instance({ ...options, primary: true });
      this.primary = instance.init(this.language, { load_wasm: true });
      await this.primary;
    } else {
      await this.primary;
      instance = new this.Instance({ ...options, primary: false });
      await instance.init(this.language, { load_wasm: false });
    }
    // "Playground mode" makes Pagefind name the index words each result matched.
    await instance.enterPlaygroundMode();
    return instance;
  }

  // A shard whose `date` sort is still in its index (not page order): Pagefind sorts it.
  static keepsDateSort(shard) {
    return Array.isArray(shard.sorts) && shard.sorts.includes("date");
  }

  async searchShards(shards, term, optionsFor) {
    const instances = await Promise.all(shards.map((s) => this.instance(s)));
    const found = await Promise.all(instances.map((i, k) => i.search(term, optionsFor(shards[k]))));
    return shards.map((shard, k) => ({ shard, instance: instances[k], response: found[k] }));
  }

  // Every result for the query: `total`, and `slice(from, to)` in the requested order
  // (direction: undefined for best match, "desc" newest first, "asc" oldest first).
  async search(term, filters, direction) {
    const optionsFor = (shard) => (direction && ShardedIndex.keepsDateSort(shard)
      ? { filters, sort: { date: direction } } : { filters });
    let parts = await this.searchShards(this.needed(filters), term, optionsFor);
    if (term && !/^\s*".+"\s*$/.test(term)) parts = await this.withoutLooseMatches(term, parts);
    // Pagefind scores a sorted search by position in the sort, so a shard searched with its
    // date sort is in date order by score.
    const byScore = (list) => [...list].sort((a, b) => b.score - a.score);
    const sign = direction === "desc" ? -1 : 1;
    const byPage = (list) => [...list].sort((a, b) => sign * (pageNumber(a) - pageNumber(b)));
    let results;
    if (!direction) {
      results = byScore(parts.flatMap((p) => p.response.results));
    } else {
      const byShard = new Map(parts.map((p) => [p.shard, p.response.results]));
      results = this.ordered(parts.map((p) => p.shard), direction).flatMap((s) =>
        (ShardedIndex.keepsDateSort(s) ? byScore : byPage)(byShard.get(s)));
    }
    return { total: results.length, slice: async (from, to) => results.slice(from, to) };
  }

  // Pagefind matches a query word with every index word that starts with it (both stemmed);
  // when an index has none, it uses the longest index word that the query word starts with
  // ("co" for "council"), and a query word that matches nothing at all is left out of the
  // query. A year's shard lacks many words of the archive, so alone it would add matches
  // that one index of the whole archive never makes. Each result names the index words it
  // matched (scores[].search_term, in Pagefind's playground mode) and each response the
  // stemmed query words (query_term_idfs), so a shard's hold on each query word is known:
  // Infinity (words extending it), n (only an n-letter prefix of it) or -1 (nothing). One
  // index would use the best hold over all shards; shards holding less lose their results.
  // Only when some shard holds less than Infinity are all shards asked (one word at a time).
  async withoutLooseMatches(term, parts) {
    const typed = term.trim().split(/\s+/);
    const withTerms = parts.find((p) => p.response.query_term_idfs);
    const stems = withTerms ? withTerms.response.query_term_idfs.map((q) => q.term) : [];
    if (stems.length !== typed.length) return parts;
    const hold = (response, stem) => {
      const result = response.results[0];
      if (!result) return null;
      const words = (result.scores || []).map((s) => s.search_term);
      if (words.some((w) => w.startsWith(stem))) return Infinity;
      const prefixes = words.filter((w) => stem.startsWith(w)).map((w) => w.length);
      return prefixes.length ? Math.max(...prefixes) : -1;
    };
    const loose = parts.some((p) => stems.some((stem) => (hold(p.response, stem) ?? Infinity) !== Infinity));
    if (!loose) return parts;
    const everyShard = await Promise.all(this.shards.map((s) => this.instance(s)));
    const best = await Promise.all(stems.map(async (stem, i) => {
      const matches = await Promise.all(everyShard.map(async (instance) => {
        const alone = await instance.search(typed[i], {});
        return hold(alone, stem) ?? -1;
      }));
      return Math.max(-1, ...matches);
    }));
    return parts.map((p) => {
      const keep = stems.every((stem, i) => (hold(p.response, stem) ?? Infinity) >= best[i]);
      return keep ? p : { ...p, response: { ...p.response, results: [] } };
    });
  }
}

// A result's page number within its shard, from its id: the fragment name "en_1z" (base 36).
function pageNumber(result) {
  return parseInt(result.id.slice(result.id.lastIndexOf("_") + 1), 36);
}

function say(text) {
  status.textContent = text;
}

function plural(n, one, many) {
  return `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
}

function chosenFilters() {
  const filters = {};
  for (const select of filterSelects) {
    if (select.value) filters[select.dataset.filter] = select.value;
  }
  return filters;
}

function addOption(select, value, label) {
  const option = document.createElement("option");
  option.value = value;
  option.textContent = label;
  select.append(option);
}

// A filter named in the address is searched at once, before the menus are filled.
function chooseFromAddress(params) {
  for (const select of filterSelects) {
    const wanted = params.get(select.name);
    if (wanted) {
      addOption(select, wanted, wanted);
      select.value = wanted;
    }
  }
}

function fillFilters(available) {
  for (const select of filterSelects) {
    const values = available[select.dataset.filter] || {};
    const names = Object.keys(values).sort((a, b) =>
      select.dataset.filter === "year" ? b.localeCompare(a) : a.localeCompare(b));
    const chosen = select.value;
    select.replaceChildren(select.options[0]);
    for (const name of names) addOption(select, name, `${name} (${values[name]})`);
    select.value = names.includes(chosen) ? chosen : "";
  }
}

// Pagefind's excerpt is text with <mark> around the hits; keep only text and <mark>.
function excerptNode(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  const out = document.createElement("p");
  for (const node of template.content.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      out.append(mark);
    } else {
      out.append(document.createTextNode(node.textContent));
    }
  }
  return out;
}

function siteUrl(path) {
  return new URL(path.replace(/^\//, ""), new URL("../", bundle)).href;
}

function resultItem(data) {
  const item = document.createElement("li");
  const meta = data.meta || {};
  if (meta.thumb) {
    const img = document.createElement("img");
    img.className = "thumb";
    img.src = siteUrl(meta.thumb);
    img.alt = "";
    img.width = 320;
    img.loading = "lazy";
    item.append(img);
  }
  const heading = document.createElement("h3");
  const link = document.createElement("a");
  link.href = new URL(data.url, bundle).href;
  link.textContent = meta.title || data.url;
  heading.append(link);
  item.append(heading);
  if (meta.date) {
    const line = document.createElement("p");
    line.className = "meta";
    const time = document.createElement("time");
    time.dateTime = meta.date;
    time.textContent = new Date(`${meta.date}T00:00:00Z`).toLocaleDateString("en-GB", {
      day: "numeric", month: "long", year: "numeric", timeZone: "UTC",
    });
    line.append(time);
    item.append(line);
  }
  item.append(excerptNode(data.excerpt || ""));
  return item;
}

async function showMore() {
  const mine = generation;
  const batch = await results.slice(shown, shown + PAGE_SIZE);
  const data = await Promise.all(batch.map((r) => r.data()));
  if (mine !== generation) return;
  for (const d of data) list.append(resultItem(d));
  shown += batch.length;
  more.hidden = shown >= results.total;
}

function describe(count, term, filters) {
  const parts = [plural(count, "story", "stories") + " found"];
  if (term) parts.push(`for “${term}”`);
  const narrowed = Object.entries(filters).map(([k, v]) => `${k} ${v}`);
  if (narrowed.length) parts.push(`in ${narrowed.join(", ")}`);
  const order = sortSelect.value ? `, ${sortSelect.selectedOptions[0].textContent.toLowerCase()}` : "";
  return parts.join(" ") + order + ".";
}

function remember(term, filters) {
  const params = new URLSearchParams();
  if (term) params.set("q", term);
  for (const [key, value] of Object.entries(filters)) params.set(key, value);
  if (sortSelect.value) params.set("sort", sortSelect.value);
  const address = params.toString() ? `?${params}` : window.location.pathname;
  window.history.replaceState(null, "", address);
}

async function run() {
  const mine = ++generation;
  const term = query.value.trim();
  const filters = chosenFilters();
  remember(term, filters);
  list.replaceChildren();
  more.hidden = true;
  if (!term && !Object.keys(filters).length) {
    results = null;
    say("Type words to search, or choose a topic, country, source or year.");
    return;
  }
  const search = await index.search(term || null, filters, SORTS[sortSelect.value]);
  if (mine !== generation || !search) return;
  results = search;
  shown = 0;
  list.setAttribute("aria-busy", "true");
  await showMore();
  list.removeAttribute("aria-busy");
  if (mine === generation) say(describe(results.total, term, filters));
}

let timer = 0;
function runSoon() {
  window.clearTimeout(timer);
  timer = window.setTimeout(run, 250);
}

async function start() {
  form.hidden = false;
  say("Loading the search index…");
  try {
    pagefind = await import(new URL("pagefind-shards.js", bundle).href);
    // The offline edition's Pagefind serves the bundle's files itself (no fetch() from disk).
    const fetchFile = pagefind.fetchFile || ((url) => fetch(url));
    const manifest = await (await fetchFile(new URL("shards.json", bundle).href)).json();
    index = new ShardedIndex(pagefind, manifest);
    const params = new URLSearchParams(window.location.search);
    chooseFromAddress(params);
    query.value = params.get("q") || "";
    if (SORTS[params.get("sort")]) sortSelect.value = params.get("sort");
    say("");
    form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
    query.addEventListener("input", runSoon);
    for (const select of [...filterSelects, sortSelect]) select.addEventListener("change", run);
    more.addEventListener("click", showMore);
    await run();
    // The menus' counts, after the first results (a few KB; pagefind.filters() would load
    // every shard's filter files, ~10 bytes a story).
    fillFilters(await (await fetchFile(new URL(manifest.filters, bundle).href)).json());
    form.dataset.ready = "true";
  } catch (error) {
    say("Search could not start here. Browse the archive by date, topic, country or source instead.");
    console.warn("search: Pagefind did not load", error);
  }
}

start();
