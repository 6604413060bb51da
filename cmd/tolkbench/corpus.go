package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// corpusVersion names the generator's output. Change it whenever the
// generated text changes, so that a cached tree from an older tolkbench is
// generated anew instead of reused.
const corpusVersion = "tolkbench corpus 1"

// stampFile marks a complete cached tree; Load ignores hidden files.
const stampFile = ".tolkbench-corpus"

// siteURL is the site_url of the generated corpus.
const siteURL = "https://bench.amal.example/{lang}/{slug}"

// genVersion is one language version of a generated article.
type genVersion struct {
	lang           string
	title          string
	slug           string
	summary        string
	tags           []string
	published      string
	updated        string // "" when equal to published
	translatedFrom string // "" for the original
	sourceUpdated  string
	body           string
}

// genArticle is one generated article in every stored language.
type genArticle struct {
	id       string
	versions [numLangs]genVersion
}

// generator makes the articles of a corpus, one after another. The i-th
// article depends only on i and on the articles before it (through slug
// uniqueness), so a corpus of n articles is always the same.
type generator struct {
	combos int               // distinct (topic, title, subject, place, year) combinations
	stride int               // coprime with combos: spreads neighbours over topics and years
	ids    map[string]bool   // ids in use
	slugs  map[string]string // slug → id of the article that uses it
}

func newGenerator() *generator {
	g := &generator{
		combos: len(topics) * len(topics[0].titles) * len(topics[0].subjects) * len(places) * numYears,
		ids:    make(map[string]bool),
		slugs:  make(map[string]string),
	}
	g.stride = g.combos*5/8 | 1
	for gcd(g.stride, g.combos) != 1 {
		g.stride += 2
	}
	return g
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// article returns the i-th article. It must be called for i = 0, 1, 2, …
// in order.
func (g *generator) article(i int) genArticle {
	rng := rand.New(rand.NewPCG(uint64(i), 0x746f6c6b62656e63))
	j := (i % g.combos) * g.stride % g.combos
	round := i / g.combos // beyond every combination, titles get a part number
	tp := &topics[j%len(topics)]
	j /= len(topics)
	title := tp.titles[j%len(tp.titles)]
	j /= len(tp.titles)
	subject := tp.subjects[j%len(tp.subjects)]
	j /= len(tp.subjects)
	place := places[j%len(places)]
	j /= len(places)
	year := firstYear + j%numYears

	month, day := 1+rng.IntN(12), 1+rng.IntN(28)   // publication date
	dMonth, dDay := 1+rng.IntN(12), 1+rng.IntN(28) // {date}
	n, k := strconv.Itoa(20+rng.IntN(880)), strconv.Itoa(3+rng.IntN(38))
	slots := func(l int) *strings.Replacer {
		date := fmt.Sprintf("%d %s", dDay, months[l][dMonth-1])
		if l == zh {
			date = fmt.Sprintf("%d月%d日", dMonth, dDay)
		}
		return strings.NewReplacer(
			"{subject}", subject.text[l], "{place}", place.text[l], "{year}", strconv.Itoa(year),
			"{date}", date, "{n}", n, "{k}", k,
		)
	}

	// The same choices for every language, so the versions are translations.
	perm := rng.Perm(len(tp.sentences))
	heads := rng.Perm(len(tp.headings))
	sections := 2 + rng.IntN(2)
	listIn := rng.IntN(sections)
	items := rng.Perm(len(tp.items))[:2+rng.IntN(len(tp.items)-1)]
	closers := rng.Perm(len(closing))
	tags := []string{tp.tags[0]}
	for _, t := range tp.tags[1:] {
		if rng.IntN(4) != 0 {
			tags = append(tags, t)
		}
	}

	var a genArticle
	for l := range numLangs {
		r := slots(l)
		sep := " "
		if l == zh {
			sep = ""
		}
		fill := func(t text) string { return r.Replace(t[l]) }
		v := &a.versions[l]
		v.lang = langTags[l]
		v.title = fill(title.text)
		if round > 0 {
			v.title += [numLangs]string{" (del %d)", " (part %d)", "（第%d部分）"}[l]
			v.title = fmt.Sprintf(v.title, round+1)
		}
		v.tags = tags
		v.summary = fill(tp.lead) + sep + fill(tp.sentences[perm[0]])

		var b strings.Builder
		b.WriteString(v.summary)
		b.WriteString("\n")
		next := 1
		for s := range sections {
			fmt.Fprintf(&b, "\n## %s\n\n", fill(tp.headings[heads[s%len(heads)]]))
			var para []string
			for range 2 {
				if next < len(perm) {
					para = append(para, fill(tp.sentences[perm[next]]))
					next++
				} else {
					para = append(para, fill(closing[closers[s%len(closers)]]))
				}
			}
			if s == sections-1 {
				para = append(para, fill(closing[closers[len(closers)-1]]))
			}
			b.WriteString(strings.Join(para, sep))
			b.WriteString("\n")
			if s == listIn {
				b.WriteString("\n")
				for _, it := range items {
					fmt.Fprintf(&b, "- %s\n", fill(tp.items[it]))
				}
			}
		}
		v.body = b.String()
	}

	// Slugs: Swedish and English from the title, Chinese in pinyin.
	a.versions[sv].slug = slugify(a.versions[sv].title)
	a.versions[en].slug = slugify(a.versions[en].title)
	a.versions[zh].slug = fmt.Sprintf("%s-%s-%s-%d", subject.slug, place.slug, title.slug, year)
	if round > 0 {
		a.versions[zh].slug += "-" + strconv.Itoa(round+1)
	}
	a.id = unique(a.versions[sv].slug, func(s string) bool { return !g.ids[s] })
	g.ids[a.id] = true
	for l := range numLangs {
		v := &a.versions[l]
		v.slug = unique(v.slug, func(s string) bool { owner, used := g.slugs[s]; return !used || owner == a.id })
		g.slugs[v.slug] = a.id
	}

	// Dates and translation sources. Most articles are written in Swedish;
	// some about De Pere in English. One in twenty translations is outdated.
	orig, chinese := sv, sv
	if tp == &topics[dePereTopic] && rng.IntN(3) == 0 {
		orig, chinese = en, en
	} else if rng.IntN(5) == 0 {
		chinese = en
	}
	published := fmt.Sprintf("%d-%02d-%02d", year, month, day)
	updated := published
	if rng.IntN(10) < 3 {
		updated = addDays(year, month, day, 1+rng.IntN(60))
	}
	stale := rng.IntN(20) == 0
	for l := range numLangs {
		v := &a.versions[l]
		v.published = published
		if l != orig {
			continue
		}
		if updated != published {
			v.updated = updated
		}
	}
	from := func(l, src int) {
		v := &a.versions[l]
		v.translatedFrom = langTags[src]
		v.sourceUpdated = a.versions[src].published
		if a.versions[src].updated != "" {
			v.sourceUpdated = a.versions[src].updated
		}
		if stale {
			v.sourceUpdated = a.versions[src].published
			if a.versions[src].updated == "" {
				a.versions[src].updated = addDays(year, month, day, 30)
			}
		}
	}
	if orig == en {
		from(sv, en)
		from(zh, en)
	} else {
		from(en, sv)
		from(zh, chinese)
	}
	return a
}

// addDays returns the date days after year-month-day, as YYYY-MM-DD.
func addDays(year, month, day, days int) string {
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
	return t.Format("2006-01-02")
}

// unique returns s, or s-2, s-3, … : the first that free accepts.
func unique(s string, free func(string) bool) string {
	if free(s) {
		return s
	}
	for n := 2; ; n++ {
		c := s + "-" + strconv.Itoa(n)
		if free(c) {
			return c
		}
	}
}

// slugify turns a Swedish or English title into a slug: lower case, å, ä,
// ö and other accents folded, every other run of characters a hyphen, at
// most 100 bytes (leaving room for a -N suffix).
func slugify(title string) string {
	fold := strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "é", "e", "ü", "u", "Å", "a", "Ä", "a", "Ö", "o", "É", "e")
	var b strings.Builder
	dash := false
	for _, r := range fold.Replace(title) {
		r = unicode.ToLower(r)
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	s := b.String()
	for len(s) > 100 {
		i := strings.LastIndexByte(s, '-')
		if i < 0 {
			s = s[:100]
			break
		}
		s = s[:i]
	}
	return s
}

// markdown renders v as a content file: front matter and body.
func (v *genVersion) markdown() []byte {
	var b strings.Builder
	b.WriteString("---\n")
	fmt.Fprintf(&b, "title: %s\n", yamlQuote(v.title))
	fmt.Fprintf(&b, "slug: %s\n", v.slug)
	fmt.Fprintf(&b, "summary: %s\n", yamlQuote(v.summary))
	fmt.Fprintf(&b, "tags: [%s]\n", strings.Join(v.tags, ", "))
	fmt.Fprintf(&b, "published: %s\n", v.published)
	if v.updated != "" {
		fmt.Fprintf(&b, "updated: %s\n", v.updated)
	}
	if v.translatedFrom != "" {
		fmt.Fprintf(&b, "translated_from: %s\n", v.translatedFrom)
		fmt.Fprintf(&b, "source_updated: %s\n", v.sourceUpdated)
	}
	b.WriteString("---\n\n")
	b.WriteString(v.body)
	return []byte(b.String())
}

// yamlQuote returns s as a YAML double-quoted scalar.
func yamlQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// siteYAML returns the site.yaml of the generated corpus. Its languages
// repeat internal/contenttest.Site's on purpose: that is a test fixture
// (its package imports testing and is for tests only), and this text is
// part of the cached corpus, which only a new corpusVersion may change.
func siteYAML() []byte {
	var b strings.Builder
	b.WriteString(`# Generated by tolkbench: a synthetic corpus for load tests.
default_language: sv
languages:
  - tag: sv
  - tag: en
  - tag: zh-Hans
derived:
  - tag: zh-Hant
    from: zh-Hans
fallback:
  zh-Hant: [zh-Hans, en, sv]
  zh-Hans: [en, sv]
  en: [sv]
  sv: [en]
`)
	fmt.Fprintf(&b, "site_url: %s\n", yamlQuote(siteURL))
	b.WriteString("site_name: {sv: Åmåls kommun, en: Åmål Municipality, zh-Hans: 奥莫尔市}\n")
	b.WriteString("publisher: Åmåls kommun\n")
	b.WriteString("tags:\n")
	for _, t := range tagLabels {
		fmt.Fprintf(&b, "  %s: {sv: %s, en: %s, zh-Hans: %s}\n", t.key, yamlQuote(t.label[sv]), yamlQuote(t.label[en]), yamlQuote(t.label[zh]))
	}
	return []byte(b.String())
}

// writeCorpus writes a content tree of n articles in three languages to
// dir, which must not exist or be empty.
func writeCorpus(ctx context.Context, dir string, n int) error {
	if err := os.MkdirAll(filepath.Join(dir, "articles"), 0o755); err != nil {
		return fmt.Errorf("write corpus: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "site.yaml"), siteYAML(), 0o644); err != nil {
		return fmt.Errorf("write corpus: %w", err)
	}
	g := newGenerator()
	for i := range n {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		a := g.article(i)
		adir := filepath.Join(dir, "articles", a.id)
		if err := os.Mkdir(adir, 0o755); err != nil {
			return fmt.Errorf("write corpus: %w", err)
		}
		for l := range numLangs {
			v := &a.versions[l]
			if err := os.WriteFile(filepath.Join(adir, v.lang+".md"), v.markdown(), 0o644); err != nil {
				return fmt.Errorf("write corpus: %w", err)
			}
		}
	}
	return nil
}

// cachedCorpus returns a content tree of n articles: the one cached under
// cacheRoot/<n> when it is complete and of this generator's version,
// otherwise a new one, written to the cache when cacheRoot is writable and
// to scratch when it is not (or cacheRoot is ""). cached reports whether
// an existing tree was reused.
func cachedCorpus(ctx context.Context, cacheRoot, scratch string, n int) (dir string, cached bool, err error) {
	if cacheRoot != "" {
		dir = filepath.Join(cacheRoot, strconv.Itoa(n))
		if stamp, err := os.ReadFile(filepath.Join(dir, stampFile)); err == nil && string(stamp) == corpusVersion {
			return dir, true, nil
		}
		tmp := fmt.Sprintf("%s.tmp-%d", dir, os.Getpid())
		err := writeCorpus(ctx, tmp, n)
		if err == nil {
			err = os.WriteFile(filepath.Join(tmp, stampFile), []byte(corpusVersion), 0o644)
		}
		if err == nil {
			os.RemoveAll(dir)
			err = os.Rename(tmp, dir)
		}
		if err == nil {
			return dir, false, nil
		}
		os.RemoveAll(tmp)
		if ctx.Err() != nil {
			return "", false, ctx.Err()
		}
	}
	dir = filepath.Join(scratch, "content")
	if err := writeCorpus(ctx, dir, n); err != nil {
		return "", false, err
	}
	return dir, false, nil
}
