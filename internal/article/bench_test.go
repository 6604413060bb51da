package article

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"
)

var (
	benchSvWords = strings.Fields("kommunen välfärd förskolan äldreomsorg öppettider vänort Åmål Dunhuang De Pere samarbete utbyte skolan näringsliv föreningsliv hållbarhet integration digitalisering besök delegation möte ungdomar kultur bibliotek cykelbana Vänern återvinning")
	benchEnWords = strings.Fields("municipality welfare preschool elderly care opening hours twin town Åmål Dunhuang De Pere cooperation exchange school business associations sustainability integration digitalisation visit delegation meeting youth culture library cycle path recycling")
	benchZhWords = strings.Fields("市政府 福利 学前 养老 开放 时间 友好 城市 奥莫尔 敦煌 德佩尔 合作 交流 学校 企业 协会 可持续 融合 数字化 访问 代表团 会议 青年 文化 图书馆 自行车道 回收")
	benchTags    = []string{"international", "de-pere", "dunhuang", "education", "welfare-technology", "democracy", "governance"}
)

// benchSite is shaped like the embedded site.yaml.
func benchSite() *Site {
	tags := make(map[string]map[string]string, len(benchTags))
	for _, t := range benchTags {
		tags[t] = map[string]string{"sv": t + " (sv)", "en": t, "zh-Hans": t + "（中文）"}
	}
	return &Site{
		DefaultLanguage: "sv", Languages: []string{"sv", "en", "zh-Hans"},
		Derived:  []Derived{{Tag: "zh-Hant", From: "zh-Hans"}},
		Fallback: map[string][]string{"zh-Hant": {"zh-Hans", "en", "sv"}, "zh-Hans": {"en", "sv"}, "en": {"sv"}, "sv": {"en"}},
		SiteURL:  "https://www.amal.se/{lang}/{slug}",
		SiteName: map[string]string{"sv": "Åmåls kommun", "en": "Åmål Municipality", "zh-Hans": "奥莫尔市"},
		Tags:     tags, TagKeys: benchTags,
	}
}

// benchVersions returns n articles, each a Swedish original with English
// and Simplified Chinese translations, shaped like what the server loads:
// titles of realistic length, tags, aliases on some, drafts and outdated
// translations here and there.
func benchVersions(n int) []*Version {
	rng := rand.New(rand.NewPCG(1, 2))
	words := func(ws []string, k int, sep string) string {
		parts := make([]string, k)
		for i := range parts {
			parts[i] = ws[rng.IntN(len(ws))]
		}
		return strings.Join(parts, sep)
	}
	date := func(t time.Time) Date {
		d, err := ParseDate(t.Format(time.DateOnly))
		if err != nil {
			panic(err)
		}
		return d
	}
	start := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]*Version, 0, 3*n)
	for i := range n {
		id := fmt.Sprintf("%s-%d", strings.ToLower(strings.ReplaceAll(words(benchEnWords, 2, "-"), "å", "a")), i)
		published := start.AddDate(0, 0, rng.IntN(4000))
		updated := published
		if rng.IntN(4) == 0 {
			updated = published.AddDate(0, 0, 1+rng.IntN(300))
		}
		tags := make([]string, 1+rng.IntN(3))
		for j := range tags {
			tags[j] = benchTags[rng.IntN(len(benchTags))]
		}
		for _, l := range []struct {
			lang, from string
			ws         []string
			sep        string
			k          int
		}{
			{"sv", "", benchSvWords, " ", 4 + rng.IntN(6)},
			{"en", "sv", benchEnWords, " ", 4 + rng.IntN(6)},
			{"zh-Hans", "en", benchZhWords, "", 3 + rng.IntN(5)},
		} {
			v := &Version{
				ID: id, Lang: l.lang, Path: "articles/" + id + "/" + l.lang + ".md",
				Title:     words(l.ws, l.k, l.sep),
				Slug:      l.lang + "-" + id,
				Summary:   words(l.ws, 20, l.sep),
				Tags:      tags,
				Published: date(published), Updated: date(updated),
				TranslatedFrom: l.from,
				Draft:          rng.IntN(50) == 0,
				Lines:          Lines{2, 3, 0, 4, 5}, // title, slug, tags, published
			}
			if l.lang == "sv" {
				v.Slug = id
			}
			if l.from != "" {
				src := updated
				if rng.IntN(5) == 0 {
					src = published // the source was updated since
				}
				v.SourceUpdated = date(src)
			}
			if rng.IntN(8) == 0 {
				v.Aliases = []string{v.Slug + "-old"}
				if rng.IntN(2) == 0 {
					v.Aliases = append(v.Aliases, v.Slug+"-2019")
				}
			}
			out = append(out, v)
		}
	}
	// The store hands Build its versions in map order.
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// BenchmarkBuild30k builds a Library of 30,000 versions, as the server
// does at start-up. Build sets Outdated on its versions, so each iteration
// gets fresh copies; making them is not timed.
func BenchmarkBuild30k(b *testing.B) {
	site := benchSite()
	orig := benchVersions(10_000)
	copies := make([]Version, len(orig))
	vs := make([]*Version, len(orig))
	for i, v := range orig {
		copies[i] = *v
		vs[i] = &copies[i]
	}
	if _, problems := Build(site, orig); len(problems) > 0 {
		b.Fatalf("%d problems, first %v", len(problems), problems[0])
	}
	kept := retained(func() any { lib, _ := Build(site, vs); return lib })
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for i, v := range orig {
			copies[i] = *v
		}
		b.StartTimer()
		Build(site, vs)
	}
	b.ReportMetric(kept/float64(len(vs)), "lib-B/version")
}

// retained returns the bytes of heap that the value made by f keeps alive.
func retained(f func() any) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	x := f()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(x)
	return float64(after.HeapAlloc) - float64(before.HeapAlloc)
}

// BenchmarkSortByTitle30k sorts every public Swedish version by title, as
// the list endpoint does for sort=title, once the title keys are made.
func BenchmarkSortByTitle30k(b *testing.B) {
	lib, _ := Build(benchSite(), benchVersions(10_000))
	keys := retained(func() any { return lib.titles() })
	all := lib.PublicVersions("sv")
	vs := make([]*Version, len(all))
	b.ReportAllocs()
	for b.Loop() {
		copy(vs, all)
		sortVersions(lib, vs, ByTitle)
	}
	b.ReportMetric(keys/float64(len(lib.All())), "keys-B/version")
}

// BenchmarkTitleKeys30k makes the collation keys of 30,000 titles, which
// the first sort by title of a Library waits for.
func BenchmarkTitleKeys30k(b *testing.B) {
	lib, _ := Build(benchSite(), benchVersions(10_000))
	b.ReportAllocs()
	for b.Loop() {
		lib.collateTitles()
	}
}

// BenchmarkApply30k applies one edited version to a Library of 30,000
// versions, as a write does: compare BenchmarkBuild30k, what a write cost
// before Apply. With title keys made, Apply also makes the edited
// version's.
func BenchmarkApply30k(b *testing.B) {
	for _, withTitles := range []bool{false, true} {
		b.Run(fmt.Sprintf("titles=%v", withTitles), func(b *testing.B) {
			vs := benchVersions(10_000)
			lib, _ := Build(benchSite(), vs)
			if withTitles {
				lib.titles()
			}
			rng := rand.New(rand.NewPCG(3, 4))
			b.ReportAllocs()
			for b.Loop() {
				c := *vs[rng.IntN(len(vs))]
				c.Title += " (uppdaterad)"
				if _, problems := lib.Apply([]*Version{&c}, nil); len(problems) > 0 {
					b.Fatal(problems)
				}
			}
		})
	}
}
