// The archive's search page, on Pagefind's JS API (pagefind.js): words, filters (topic,
// country, source, year), order (best match, newest, oldest), a live result count, thumbnails
// and dates. The state lives in the address (?q=…&country=…&sort=newest) so a search can be
// bookmarked, shared and reloaded; the header's search box on other pages lands here with ?q=.
// No inline script, no eval: it runs under the site's Content Security Policy.

const PAGE_SIZE = 10;
const SORTS = { newest: { date: "desc" }, oldest: { date: "asc" } };

const form = document.getElementById("search-form");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const more = document.getElementById("search-more");
const query = document.getElementById("search-q");
const sortSelect = document.getElementById("search-sort");
const filterSelects = Array.from(form.querySelectorAll("select[data-filter]"));

const bundle = new URL(form.dataset.bundle, document.baseURI);
let pagefind = null;
let results = [];
let shown = 0;
let generation = 0;

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

function fillFilters(available, params) {
  for (const select of filterSelects) {
    const values = available[select.dataset.filter] || {};
    const names = Object.keys(values).sort((a, b) =>
      select.dataset.filter === "year" ? b.localeCompare(a) : a.localeCompare(b));
    for (const name of names) {
      const option = document.createElement("option");
      option.value = name;
      option.textContent = `${name} (${values[name]})`;
      select.append(option);
    }
    const wanted = params.get(select.name);
    if (wanted && names.includes(wanted)) select.value = wanted;
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
  const batch = results.slice(shown, shown + PAGE_SIZE);
  const data = await Promise.all(batch.map((r) => r.data()));
  if (mine !== generation) return;
  for (const d of data) list.append(resultItem(d));
  shown += batch.length;
  more.hidden = shown >= results.length;
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
    results = [];
    say("Type words to search, or choose a topic, country, source or year.");
    return;
  }
  const options = { filters };
  if (SORTS[sortSelect.value]) options.sort = SORTS[sortSelect.value];
  const search = await pagefind.search(term || null, options);
  if (mine !== generation || !search) return;
  results = search.results;
  shown = 0;
  list.setAttribute("aria-busy", "true");
  await showMore();
  list.removeAttribute("aria-busy");
  if (mine === generation) say(describe(results.length, term, filters));
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
    pagefind = await import(new URL("pagefind.js", bundle).href);
    await pagefind.options({ excerptLength: 30 });
    await pagefind.init();
    const params = new URLSearchParams(window.location.search);
    fillFilters(await pagefind.filters(), params);
    query.value = params.get("q") || "";
    if (SORTS[params.get("sort")]) sortSelect.value = params.get("sort");
    say("");
    form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
    query.addEventListener("input", runSoon);
    for (const select of [...filterSelects, sortSelect]) select.addEventListener("change", run);
    more.addEventListener("click", showMore);
    await run();
    form.dataset.ready = "true";
  } catch (error) {
    say("Search could not start here. Browse the archive by date, topic, country or source instead.");
    console.warn("search: Pagefind did not load", error);
  }
}

start();
