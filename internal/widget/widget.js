/* Tolk search widget: <tolk-search>, a dependency-free web component.
 *
 *   <script src="https://tolk.example/widget.js" defer></script>
 *   <tolk-search lang="sv" tag="education"><form action="https://tolk.example/">…</form></tolk-search>
 *
 * Attributes: api (the Tolk server; default: where this script was loaded from,
 * else this page's origin), lang (default: the page's language; the server's
 * /v1/languages names the languages, their names and directions), tag (tag keys,
 * separated by spaces or commas, that every hit must have), per-page (hits per
 * page, 1..50, default 10).
 * A light-DOM <form> child is the no-JavaScript fallback; the widget takes its
 * query and renders in its place. Theme with custom properties on the element:
 * --tolk-font, --tolk-accent, --tolk-on-accent, --tolk-fg, --tolk-muted,
 * --tolk-bg, --tolk-popup-bg, --tolk-border, --tolk-mark, --tolk-focus,
 * --tolk-radius. Choosing a suggestion fires a cancelable "tolk-select" event
 * (detail: the suggestion) before the page follows its url.
 * Text from the API is only ever set as text: the snippet's <mark> is the one
 * element built from it. */
(() => {
	'use strict';
	const D = document, CE = window.customElements;
	if (!CE || CE.get('tolk-search')) return;
	const me = D.currentScript;
	// The server that served this script, without the trailing slash.
	const BASE = me && me.src ? new URL('.', me.src).href.slice(0, -1) : '';

	// UI holds the widget's own texts, by served tag; a language without
	// texts gets the English ones (marked with lang="en").
	const UI = {
		sv: {
			s: 'Sök', ph: 'Sök på webbplatsen', sg: 'Förslag', r: 'Sökresultat', m: 'Fler resultat',
			t: 'Ämnen:', o: 'Andra språk:', e: 'Sökningen misslyckades',
			n: (n, q, k) => `${n} ${k == 1 ? 'träff' : 'träffar'} för ”${q}”`,
			z: q => `Inga träffar för ”${q}”`,
			sh: (a, b) => `Visar ${a} av ${b} träffar`,
		},
		en: {
			s: 'Search', ph: 'Search the site', sg: 'Suggestions', r: 'Search results', m: 'More results',
			t: 'Topics:', o: 'Other languages:', e: 'The search failed',
			n: (n, q, k) => `${n} ${k == 1 ? 'result' : 'results'} for “${q}”`,
			z: q => `No results for “${q}”`,
			sh: (a, b) => `Showing ${a} of ${b} results`,
		},
		'zh-Hans': {
			s: '搜索', ph: '搜索本站', sg: '搜索建议', r: '搜索结果', m: '更多结果',
			t: '主题：', o: '其他语言：', e: '搜索失败',
			n: (n, q) => `找到 ${n} 条与“${q}”相关的结果`,
			z: q => `没有找到与“${q}”相关的结果`,
			sh: (a, b) => `已显示 ${a} 条，共 ${b} 条结果`,
		},
		'zh-Hant': {
			s: '搜尋', ph: '搜尋本站', sg: '搜尋建議', r: '搜尋結果', m: '更多結果',
			t: '主題：', o: '其他語言：', e: '搜尋失敗',
			n: (n, q) => `找到 ${n} 筆與「${q}」相關的結果`,
			z: q => `沒有找到與「${q}」相關的結果`,
			sh: (a, b) => `已顯示 ${a} 筆，共 ${b} 筆結果`,
		},
	};

	// LANGS caches, per server, the promise of its /v1/languages as a Map
	// from served tag to its entry ({tag, name, dir, derived_from, …}).
	const LANGS = new Map();
	const languages = api => {
		if (!LANGS.has(api)) LANGS.set(api, fetch(new URL(api + '/v1/languages', location.href), { headers: { Accept: 'application/json' } })
			.then(r => r.ok ? r.json() : {}).catch(() => ({}))
			.then(j => new Map((j.languages || []).map(l => [l.tag, l]))));
		return LANGS.get(api);
	};

	// likely is the language and script of a tag by CLDR's likely subtags
	// (zh-TW: zh-Hant, sv-FI: sv-Latn), '' for a tag that does not parse.
	const likely = t => {
		try { const l = new Intl.Locale(t).maximize(); return l.language + '-' + l.script; } catch { return ''; }
	};
	// pick returns the tag of tags that tag names: the same tag, else the one
	// with the same language and script; '' when there is none. It only maps
	// the page's spelling of a tag onto the server's: the server decides
	// (its answer's lang), and a lang it does not serve lets it negotiate.
	const pick = (tag, tags) => {
		const t = String(tag || '').trim().toLowerCase(), m = likely(tag);
		return tags.find(k => k.toLowerCase() == t) || (m && tags.find(k => likely(k) == m)) || '';
	};

	// h builds an element; attributes whose value is null are left out, and
	// children are nodes or strings (which become text nodes, never markup).
	const h = (tag, attrs, ...kids) => {
		const e = D.createElement(tag);
		for (const k in attrs) if (attrs[k] != null) e.setAttribute(k, attrs[k]);
		e.append(...kids.filter(k => k != null && k !== ''));
		return e;
	};

	const ENT = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
	// unescape decodes the character references of the API's escaped text.
	const unescape = s => s.replace(/&(#[xX][0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (m, e) => {
		if (e[0] != '#') return ENT[e.toLowerCase()] ?? m;
		const c = e[1] == 'x' || e[1] == 'X' ? parseInt(e.slice(2), 16) : +e.slice(1);
		return c > 0 && c < 0x110000 ? String.fromCodePoint(c) : m;
	});

	// marked renders snippet_html into p: the literal tags <mark> and </mark>
	// become mark elements, everything else (other tags included) is text.
	const marked = (p, html) => {
		let open = false;
		for (const s of String(html).split(/(<\/?mark>)/)) {
			if (s == '<mark>' || s == '</mark>') open = s == '<mark>';
			else if (s) p.append(open ? h('mark', null, unescape(s)) : unescape(s));
		}
		return p;
	};

	// safeURL returns u resolved when it is an http(s) URL, else ''.
	const safeURL = u => {
		try {
			const x = new URL(u, location.href);
			return /^https?:$/.test(x.protocol) ? x.href : '';
		} catch { return ''; }
	};


	const STYLE = `
:host{display:block;font-family:var(--tolk-font,system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",sans-serif);line-height:1.5;color:var(--tolk-fg,#1b1b1b);background:var(--tolk-bg,transparent);max-width:100%}
:host([hidden]){display:none}
*{box-sizing:border-box}
.sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
form{position:relative;margin:0}
.box{display:flex;flex-wrap:wrap;gap:.5em}
input{flex:1 1 10em;min-width:0;font:inherit;color:var(--tolk-fg,#1b1b1b);background:var(--tolk-popup-bg,#fff);padding:.5em .75em;border:2px solid var(--tolk-border,#5f6368);border-radius:var(--tolk-radius,.5em)}
input::placeholder{color:var(--tolk-muted,#555)}
button{font:inherit;cursor:pointer;border-radius:var(--tolk-radius,.5em);padding:.5em 1em;border:2px solid var(--tolk-accent,#0b57d0);background:var(--tolk-accent,#0b57d0);color:var(--tolk-on-accent,#fff)}
:focus-visible,input:focus{outline:3px solid var(--tolk-focus,var(--tolk-accent,#0b57d0));outline-offset:2px}
[role=listbox]{position:absolute;z-index:10;left:0;right:0;top:100%;margin:.25em 0 0;padding:.25em;list-style:none;max-height:min(20em,60vh);overflow:auto;background:var(--tolk-popup-bg,#fff);border:1px solid var(--tolk-border,#5f6368);border-radius:var(--tolk-radius,.5em);box-shadow:0 4px 12px rgb(0 0 0/.15)}
[role=listbox][hidden]{display:none}
[role=option]{padding:.5em .75em;border-radius:var(--tolk-radius,.5em);cursor:pointer;overflow-wrap:anywhere}
[role=option]:hover{text-decoration:underline}
[role=option][aria-selected=true]{background:var(--tolk-accent,#0b57d0);color:var(--tolk-on-accent,#fff);outline:2px solid transparent}
[role=option][aria-selected=true] .b{border-color:currentColor;color:inherit;background:transparent}
.st{margin:.75em 0 .25em;color:var(--tolk-muted,#555)}
.st:empty{margin:0}
.g{display:flex;flex-wrap:wrap;align-items:center;gap:.375em;margin:.5em 0}
.c{padding:.125em .75em;border-width:1px;border-radius:999px;background:var(--tolk-popup-bg,#fff);color:var(--tolk-accent,#0b57d0)}
.c[aria-pressed=true]{background:var(--tolk-accent,#0b57d0);color:var(--tolk-on-accent,#fff)}
.c[aria-pressed=true]::before{content:"✓ "}
ol{list-style:none;margin:0;padding:0}
.hit{padding:.75em 0;border-top:1px solid var(--tolk-border,#5f6368)}
.t{font-size:1.0625em;font-weight:600}
a{color:var(--tolk-accent,#0b57d0);text-underline-offset:.15em;overflow-wrap:anywhere}
a:hover{text-decoration-thickness:2px}
.hit p{margin:.25em 0 0;overflow-wrap:anywhere}
mark{background:var(--tolk-mark,#ffe58a);color:inherit;border-radius:.2em;padding:0 .1em}
.b{display:inline-block;margin-inline-start:.5em;padding:0 .5em;font-size:.8125em;font-weight:400;border:1px solid var(--tolk-muted,#555);border-radius:999px;color:var(--tolk-muted,#555);vertical-align:.1em}
.more{margin-top:.75em}
.more[hidden]{display:none}
@media (forced-colors:active){[role=option][aria-selected=true]{outline-color:Highlight}mark{forced-color-adjust:none}}
`;

	class TolkSearch extends HTMLElement {
		// api is the server's base URL, without a trailing slash ('' is this origin).
		get api() { return (this.getAttribute('api') || BASE).replace(/\/+$/, ''); }

		connectedCallback() {
			if (this.shadowRoot) return;
			this.L = (this.closest('[lang]') || {}).lang || 'en';
			this.ls = new Map(); // the server's languages, once known
			this.home = ''; // the served language of the widget, once known
			this.ui = pick(this.L, Object.keys(UI)) || 'en'; // the language of the texts
			const T = this.T = UI[this.ui];
			this.ql = this.L; // the language searched; '' lets the server negotiate
			this.per = Math.min(50, Math.max(1, parseInt(this.getAttribute('per-page'), 10) || 10));
			this.base = (this.getAttribute('tag') || '').split(/[\s,]+/).filter(Boolean);
			this.tags = new Set();
			this.opts = [];
			this.act = -1;
			this.ctl = {};
			try { this.fmt = new Intl.NumberFormat(this.L); } catch { this.fmt = new Intl.NumberFormat(); }

			const i = this.i = h('input', {
				id: 'i', type: 'search', role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false',
				'aria-controls': 'l', autocomplete: 'off', spellcheck: 'false', enterkeyhint: 'search',
				placeholder: T.ph, part: 'input',
			});
			const l = this.l = h('ul', { id: 'l', role: 'listbox', 'aria-label': T.sg, hidden: '', part: 'listbox' });
			const f = h('form', { role: 'search', 'aria-label': T.s, part: 'form' },
				h('label', { for: 'i', class: 'sr' }, T.s),
				h('div', { class: 'box' }, i, h('button', { part: 'button' }, T.s)), l);
			this.st = h('p', { role: 'status', class: 'st', part: 'status' });
			this.fa = h('div', { part: 'facets' });
			this.ol = h('ol', { 'aria-label': T.r, part: 'results' });
			this.mo = h('button', { type: 'button', class: 'more', hidden: '', part: 'more' }, T.m);
			this.f = f;
			this.root = h('div', { lang: this.L, part: 'root' }, f, this.st, this.fa, this.ol, this.mo);
			this.attachShadow({ mode: 'open' }).append(h('style', null, STYLE), this.root);
			this.ready = languages(this.api).then(ls => {
				this.ls = ls;
				const home = pick(this.L, [...ls.keys()]);
				if (home) this.settle(home);
				else if (ls.size) this.ql = ''; // not served: the server negotiates
			});

			f.addEventListener('submit', e => {
				e.preventDefault();
				this.tags.clear(); // a new query starts unfiltered
				this.search(i.value);
			});
			i.addEventListener('input', () => {
				clearTimeout(this.tm);
				this.tm = setTimeout(() => this.suggest(), 150);
			});
			i.addEventListener('keydown', e => this.key(e));
			i.addEventListener('blur', () => this.open(false));
			l.addEventListener('mousedown', e => e.preventDefault()); // keep focus in the input
			l.addEventListener('click', e => {
				const o = e.target.closest('[role=option]');
				if (o) this.go(+o.id.slice(1));
			});
			this.mo.addEventListener('click', async () => {
				const n = this.ol.children.length;
				await this.search(this.q, this.pg + 1, this.sl);
				const a = this.ol.children[n] && this.ol.children[n].querySelector('a');
				if (a) a.focus();
			});

			// Progressive enhancement: the fallback form's query, then the page's ?q=.
			const lf = this.querySelector('form input[name=q]');
			if (lf) i.value = lf.value;
			const p = new URLSearchParams(location.search), q = p.get('q'), ul = p.get('lang');
			if (q && q.trim() && (!ul || ul.toLowerCase() == this.L.toLowerCase())) {
				i.value = q;
				this.search(q);
			}
		}

		// settle makes lang the widget's served language: the root's lang and
		// dir, the language searched, and the texts (English where the widget
		// has none for lang).
		settle(lang) {
			this.home = this.ql = lang;
			this.dir(lang);
			this.ui = UI[lang] ? lang : 'en';
			const T = this.T = UI[this.ui], other = this.ui != lang ? this.ui : null;
			this.i.placeholder = T.ph;
			this.l.setAttribute('aria-label', T.sg);
			this.f.setAttribute('aria-label', T.s);
			this.f.querySelector('label').textContent = this.f.querySelector('.box button').textContent = T.s;
			this.ol.setAttribute('aria-label', T.r);
			this.mo.textContent = T.m;
			for (const e of [this.f, this.st, this.fa, this.mo]) other ? e.setAttribute('lang', other) : e.removeAttribute('lang');
			// A sentence in a left-to-right language keeps its word order in a
			// right-to-left widget (“1 result for …”); the form keeps the
			// widget's direction, the facets their chips'.
			const d = other && this.root.dir == 'rtl' ? 'ltr' : null;
			for (const e of [this.st, this.mo]) d ? e.setAttribute('dir', d) : e.removeAttribute('dir');
			try { this.fmt = new Intl.NumberFormat(lang); } catch { /* keep the page's */ }
		}

		// dir sets the root's lang and dir to those of the served language lang.
		dir(lang) {
			const l = this.ls.get(lang);
			this.root.lang = lang;
			this.root.dir = l && l.dir == 'rtl' ? 'rtl' : 'ltr';
		}

		badge(lang) {
			const l = this.ls.get(lang);
			return h('span', { class: 'b', lang, part: 'badge' }, l && l.name || lang);
		}

		// src is the stored language whose articles lang serves.
		src(lang) {
			const l = this.ls.get(lang);
			return l && l.derived_from || lang;
		}

		disconnectedCallback() {
			clearTimeout(this.tm);
			for (const k in this.ctl) this.ctl[k].abort();
		}

		// get fetches /v1/{path} as JSON, aborting the previous request of the
		// same kind; a problem response throws its detail.
		async get(kind, path, params) {
			if (this.ctl[kind]) this.ctl[kind].abort();
			const c = this.ctl[kind] = new AbortController();
			const u = new URL(this.api + '/v1/' + path, location.href);
			for (const [k, v] of params) if (v != null && v !== '') u.searchParams.append(k, v);
			const init = { signal: c.signal, headers: { Accept: 'application/json' } };
			let res;
			try {
				res = await fetch(u, init);
			} catch (e) {
				// A network or CORS failure. Try the network once more,
				// bypassing the HTTP cache: a response cached for a request
				// without Origin may lack Access-Control-Allow-Origin.
				if (e.name == 'AbortError') throw e;
				res = await fetch(u, { ...init, cache: 'reload' });
			}
			const j = await res.json().catch(e => {
				if (e.name == 'AbortError') throw e; // aborted while reading the body
				return {};
			});
			if (res.ok) return j;
			if (j.code == 'unsupported_language' && u.searchParams.has('lang')) {
				// A page language Tolk does not serve: let the server negotiate.
				this.ql = '';
				return this.get(kind, path, params.filter(p => p[0] != 'lang'));
			}
			throw new Error(j.detail || res.statusText || res.status);
		}

		async suggest() {
			const q = this.i.value.trim();
			if (!q) return this.show([]);
			await this.ready;
			try {
				const j = await this.get('s', 'suggest', [['q', q], ['lang', this.ql]]);
				this.show(j.suggestions || []);
			} catch (e) {
				if (e.name != 'AbortError') this.show([]);
			}
		}

		// show replaces the suggestions, opening the list when there are any
		// and the input still has focus.
		show(list) {
			this.opts = list;
			this.l.replaceChildren(...list.map((s, n) => h('li', {
				id: 'o' + n, role: 'option', 'aria-selected': 'false', part: 'option',
				lang: this.other(s.lang) ? s.lang : null,
			}, s.title, this.other(s.lang) ? this.badge(s.lang) : null)));
			this.open(list.length > 0 && this.shadowRoot.activeElement == this.i);
		}

		open(on) {
			this.l.hidden = !on;
			this.i.setAttribute('aria-expanded', on);
			if (!on) this.move(null);
		}

		// move makes option n (wrapping around) the active one; null clears it.
		move(n) {
			const os = this.l.children;
			if (this.act >= 0 && os[this.act]) os[this.act].setAttribute('aria-selected', 'false');
			this.act = n == null || !os.length ? -1 : (n + os.length) % os.length;
			if (this.act < 0) return this.i.removeAttribute('aria-activedescendant');
			const o = os[this.act];
			o.setAttribute('aria-selected', 'true');
			this.i.setAttribute('aria-activedescendant', o.id);
			o.scrollIntoView({ block: 'nearest' });
		}

		key(e) {
			if (e.isComposing || e.altKey || e.ctrlKey || e.metaKey) return;
			const open = !this.l.hidden;
			switch (e.key) {
				case 'ArrowDown':
				case 'ArrowUp': {
					if (!this.opts.length) return;
					e.preventDefault();
					const down = e.key == 'ArrowDown';
					if (!open) this.open(true);
					this.move(this.act < 0 ? (down ? 0 : -1) : this.act + (down ? 1 : -1));
					return;
				}
				case 'Enter':
					if (open && this.act >= 0) {
						e.preventDefault();
						this.go(this.act);
					}
					return; // otherwise the form submits and searches
				case 'Escape':
					e.preventDefault(); // Chrome would clear a search input at once
					if (open) this.open(false);
					else this.clear();
			}
		}

		// go follows suggestion n, or searches its title when it has no url.
		go(n) {
			const s = this.opts[n], u = s && safeURL(s.url);
			if (!s) return;
			this.open(false);
			if (!u) {
				this.i.value = s.title;
				return this.search(s.title);
			}
			const ev = new CustomEvent('tolk-select', { bubbles: true, composed: true, cancelable: true, detail: { ...s, url: u } });
			if (this.dispatchEvent(ev)) location.assign(u);
		}

		clear() {
			clearTimeout(this.tm);
			for (const k in this.ctl) this.ctl[k].abort();
			this.i.value = '';
			this.q = '';
			this.show([]);
			this.ol.replaceChildren();
			this.fa.replaceChildren();
			this.mo.hidden = true;
			this.say('');
			this.state('');
		}

		say(text) { this.st.textContent = text; }

		// other reports whether lang is not the widget's own language.
		other(lang) { return !!lang && lang != (this.home || this.L); }

		// search shows page of the hits for q in lang (by default the
		// widget's own), appending to the hits shown when page > 1.
		async search(q, page = 1, lang) {
			q = String(q || '').trim();
			if (!q) return;
			clearTimeout(this.tm);
			if (this.ctl.s) this.ctl.s.abort();
			this.open(false);
			this.ol.setAttribute('aria-busy', 'true');
			await this.ready;
			const own = lang == null;
			if (own) lang = this.ql;
			const params = [['q', q], ['lang', lang], ['page', page], ['per_page', this.per]];
			for (const t of [...this.base, ...this.tags]) params.push(['tag', t]);
			let j;
			try {
				j = await this.get('r', 'search', params);
			} catch (e) {
				if (e.name == 'AbortError') return;
				this.ol.removeAttribute('aria-busy');
				if (page == 1) this.ol.replaceChildren(), this.fa.replaceChildren(), this.mo.hidden = true;
				return this.say(`${this.T.e}: ${e.message}`);
			}
			this.ol.removeAttribute('aria-busy');
			this.q = q;
			this.sl = j.lang || lang;
			if (own && !this.home && j.lang) this.settle(j.lang); // the server chose for the widget
			else this.dir(this.sl);
			const T = this.T;
			this.pg = page;
			const items = (j.hits || []).map(x => this.hit(x));
			if (page == 1) this.ol.replaceChildren(...items);
			else this.ol.append(...items);
			const shown = this.ol.children.length, total = j.total || 0, n = x => this.fmt.format(x);
			this.mo.hidden = !items.length || shown >= total;
			this.facets(j);
			this.say(!total ? T.z(q) : page > 1 ? T.sh(n(shown), n(total)) : T.n(n(total), q, total));
			this.state(q);
		}

		hit(x) {
			const u = safeURL(x.url), other = this.other(x.lang);
			return h('li', { class: 'hit', lang: other ? x.lang : null, part: 'hit' },
				h('div', { class: 't' }, u ? h('a', { href: u, part: 'link' }, x.title) : x.title, other ? this.badge(x.lang) : null),
				x.snippet_html ? marked(h('p', { part: 'snippet' }), x.snippet_html) : h('p', { part: 'snippet' }, x.summary || ''));
		}

		// facets shows the tag filters and the other languages with hits.
		facets(j) {
			const T = this.T, fc = j.facets || {};
			const tags = (fc.tags || []).filter(t => !this.base.includes(t.key));
			// Other served languages with hits; not one derived from the same
			// stored language, whose articles are these same ones (zh-Hant is
			// derived from zh-Hans).
			const cur = this.src(j.lang), langs = (fc.lang || []).filter(x => x.count && this.ls.has(x.key) && this.src(x.key) != cur);
			const chip = (key, label, count, pressed, lang, fn) => {
				const b = h('button', { type: 'button', class: 'c', 'aria-pressed': pressed, 'data-k': key },
					h('span', { lang }, label), ` (${this.fmt.format(count)})`);
				b.addEventListener('click', async () => {
					await fn();
					const again = this.fa.querySelector(`[data-k="${CSS.escape(key)}"]`) || this.ol.querySelector('a') || this.i;
					again.focus();
				});
				return b;
			};
			const group = (id, label, chips) => chips.length
				? h('div', { role: 'group', 'aria-labelledby': id, class: 'g' }, h('span', { id }, label), ...chips) : null;
			this.fa.replaceChildren(...[
				group('ft', T.t, tags.map(t => chip('t:' + t.key, t.label, t.count, String(this.tags.has(t.key)), this.ui != j.lang ? j.lang : null, () => {
					this.tags.has(t.key) ? this.tags.delete(t.key) : this.tags.add(t.key);
					return this.search(this.q, 1, this.sl);
				}))),
				group('fl', T.o, langs.map(x => chip('l:' + x.key, this.ls.get(x.key).name, x.count, null, x.key, () => this.search(this.q, 1, x.key)))),
			].filter(Boolean));
		}

		// state keeps the query in the page's URL so that it can be shared; with
		// several widgets on the page it names the widget's language too.
		state(q) {
			try {
				const u = new URL(location.href), many = D.querySelectorAll('tolk-search').length > 1;
				if (q) u.searchParams.set('q', q);
				else u.searchParams.delete('q');
				if (many && q) u.searchParams.set('lang', this.L);
				else if (many) u.searchParams.delete('lang');
				if (u.href != location.href) history.replaceState(history.state, '', u);
			} catch { /* a page whose URL cannot change (about:blank, file:) */ }
		}
	}

	CE.define('tolk-search', TolkSearch);
})();
