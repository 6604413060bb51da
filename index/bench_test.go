package index

import (
	"bufio"
	"context"
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/amal-kommun/tolk/internal/article"
)

// The benchmarks run on a generated corpus of benchArticles articles in
// three languages. BenchmarkBuild builds it on disk; the directory it
// leaves is reused by the other benchmarks of the same run and removed by
// TestMain. Set TOLK_INDEX_BENCH_DIR to keep an index between runs (Open
// rebuilds it there when the corpus or mapping changed).

const benchArticles = 10000

var (
	benchOnce     sync.Once
	benchVersions []*article.Version
	benchMu       sync.Mutex
	benchDir      string // a persisted index of benchVersions, once built
	benchTmp      []string
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range benchTmp {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

var (
	svWords = strings.Fields(`kommun kommunen skola skolan förskola förskolan äldreomsorg äldreomsorgen hemtjänst
		välfärdsteknologi trygghetslarm bibliotek biblioteket vatten dricksvatten avfall sopsortering återvinning
		budget skatt kommunalskatt beslut fullmäktige nämnd styrelse medborgare invånare barn elever lärare
		gymnasium grundskola utbildning vård omsorg personal anställda arbete jobb sommarjobb bygglov
		detaljplan hamn gästhamn sjö Vänern cykel cykelväg trafik buss tåg snöröjning halka väg gata
		kultur kulturhus musik konsert museum idrott simhall badhus bad park natur miljö klimat energi
		demokrati val röstning förslag samråd information öppettider ansökan avgift taxa regler stöd bidrag
		familj föräldrar ungdomar äldre boende lägenhet hus tomt mark fastighet renovering byggnad
		brand räddningstjänst säkerhet kris beredskap polis hälsa sjukvård apotek läkemedel robot digital
		teknik internet webb tjänst service kontakt telefon måndag tisdag onsdag torsdag fredag vecka månad
		år sommar vinter höst vår stor liten ny gammal viktig bra och i på för med till av om som är har
		kan ska får vill blir var det en ett den de vi ni man inte också mer många alla efter under`)
	enWords = strings.Fields(`municipality council school schools preschool elderly care home service welfare
		technology alarm library libraries water drinking waste recycling sorting budget tax rate decision
		board committee citizen resident children pupils teachers college education health staff employees
		work jobs summer permit building plan harbour marina lake cycling path traffic bus train snow clearing
		road street culture house music concert museum sports swimming pool bath park nature environment
		climate energy democracy election voting proposal consultation information opening hours application
		fee rules support grant family parents young people housing apartment property renovation fire rescue
		safety crisis preparedness police pharmacy medicine robot digital internet web contact phone monday
		tuesday week month year winter autumn spring large small new old important good and in on for with
		to of about as is has can will may the a an we you not also more many all after under`)
	zhWords = strings.Fields(`市政府 学校 幼儿园 养老 服务 福利 科技 警报 图书馆 饮用水 垃圾 分类 回收 预算 税率
		决定 议会 委员会 居民 儿童 学生 教师 教育 医疗 员工 工作 暑期 许可 建筑 规划 港口 码头 湖泊
		自行车 道路 交通 公交 火车 除雪 街道 文化 音乐 音乐会 博物馆 体育 游泳 公园 自然 环境 气候
		能源 民主 选举 投票 建议 信息 开放 时间 申请 费用 规则 支持 补助 家庭 父母 青年 住房 公寓
		房产 翻新 消防 救援 安全 危机 准备 警察 药房 药品 机器人 数字 网络 联系 电话 星期 月份 年度
		冬天 秋天 春天 大型 小型 新的 重要 合作 敦煌 奥莫尔 维纳恩湖 的 和 在 是 有 为 与 了 也 都`)
)

// vocabulary returns a Zipf-ordered vocabulary of about n words: the
// given common words first, then words made from them as a language makes
// them (Swedish compounds, English derivations, Chinese two-character
// words), so that, as in real text, most words are rare.
func vocabulary(r *rand.Rand, base []string, lang string, n int) []string {
	seen := make(map[string]bool)
	out := slices.Clone(base)
	for _, w := range base {
		seen[w] = true
	}
	var chars []string
	for _, w := range base {
		for _, c := range w {
			chars = append(chars, string(c))
		}
	}
	suffixes := []string{"s", "ed", "ing", "er", "ation", "ness", "ity", "al"}
	for len(out) < n {
		a, b := base[r.Intn(len(base))], base[r.Intn(len(base))]
		var w string
		switch lang {
		case "sv":
			w = strings.ToLower(a) + strings.ToLower(b)
		case "en":
			if r.Intn(2) == 0 {
				w = a + suffixes[r.Intn(len(suffixes))]
			} else {
				w = a + b
			}
		default:
			w = chars[r.Intn(len(chars))] + chars[r.Intn(len(chars))]
		}
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// benchVocab holds the vocabularies of the generated corpus by language.
var benchVocab = map[string][]string{}

// benchCorpus returns the generated versions, built once per process.
func benchCorpus() []*article.Version {
	benchOnce.Do(func() {
		r := rand.New(rand.NewSource(42))
		langs := []struct {
			tag   string
			words []string
			sep   string
		}{{"sv", svWords, " "}, {"en", enWords, " "}, {"zh-Hans", zhWords, ""}}
		for _, l := range langs {
			benchVocab[l.tag] = vocabulary(r, l.words, l.tag, 20000)
		}
		for i := range benchArticles {
			id := fmt.Sprintf("artikel-%05d", i)
			for j, l := range langs {
				words := benchVocab[l.tag]
				z := rand.NewZipf(r, 1.07, 2, uint64(len(words)-1))
				text := func(n int) string {
					var b strings.Builder
					for k := range n {
						if k > 0 {
							b.WriteString(l.sep)
						}
						b.WriteString(words[z.Uint64()])
						if k%12 == 11 {
							if l.sep == "" {
								b.WriteString("。")
							} else {
								b.WriteString(". ")
							}
						}
					}
					return b.String()
				}
				v := &article.Version{ID: id, Lang: l.tag, Title: text(3 + r.Intn(6)), Summary: text(15 + r.Intn(15)),
					Text: text(150 + r.Intn(250)), Tags: []string{[]string{"care", "school", "culture", "roads"}[r.Intn(4)]}}
				if j > 0 {
					v.TranslatedFrom = "sv"
				}
				benchVersions = append(benchVersions, v)
			}
		}
	})
	return benchVersions
}

// benchIndex opens the persisted benchmark index, building it if
// BenchmarkBuild has not.
func benchIndex(b *testing.B) *Index {
	b.Helper()
	vs := benchCorpus()
	benchMu.Lock()
	defer benchMu.Unlock()
	if benchDir == "" {
		// TOLK_INDEX_BENCH_DIR keeps the built index between runs.
		benchDir = os.Getenv("TOLK_INDEX_BENCH_DIR")
	}
	if benchDir == "" {
		dir, err := os.MkdirTemp("", "tolk-index-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchTmp = append(benchTmp, dir)
		ix, err := Open(context.Background(), Options{Dir: dir}, vs)
		if err != nil {
			b.Fatal(err)
		}
		ix.Close()
		benchDir = dir
	}
	ix, err := Open(context.Background(), Options{Dir: benchDir}, vs)
	if err != nil {
		b.Fatal(err)
	}
	// Measure the index as it serves: merged into one segment.
	<-ix.compacted
	b.Cleanup(func() { ix.Close() })
	return ix
}

// BenchmarkBuild builds the whole corpus on disk and reports versions per
// second and the memory in use afterwards.
func BenchmarkBuild(b *testing.B) {
	vs := benchCorpus()
	var last string
	var cpu time.Duration
	for b.Loop() {
		c0 := processCPU()
		dir, err := os.MkdirTemp("", "tolk-index-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchTmp = append(benchTmp, dir)
		ix, err := Open(context.Background(), Options{Dir: dir}, vs)
		if err != nil {
			b.Fatal(err)
		}
		cpu += processCPU() - c0
		b.StopTimer()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
		b.ReportMetric(vmRSS()/(1<<20), "rss-MiB")
		ix.Close()
		last = dir
		b.StartTimer()
	}
	b.ReportMetric(float64(len(vs))*float64(b.N)/b.Elapsed().Seconds(), "versions/s")
	// On a shared machine wall-clock time depends on the neighbours; CPU
	// time does not. Two idle cores give about twice this per second.
	b.ReportMetric(float64(len(vs))*float64(b.N)/cpu.Seconds(), "versions/cpu-s")
	benchMu.Lock()
	if benchDir == "" {
		benchDir = last
	}
	benchMu.Unlock()
}

// processCPU returns the CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// vmRSS returns the resident set size of this process in bytes, or 0.
func vmRSS() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb * 1024
		}
	}
	return 0
}

// BenchmarkReopen measures Open's reuse path: opening the persisted index
// of an unchanged library, as every start of the server does. The
// dictionaries the analyzers load once per process are loaded before the
// timer starts (see analyzers.BenchmarkLoad). It reports the process CPU
// time per Open, background work included, and the heap an open index
// retains beyond the versions themselves.
func BenchmarkReopen(b *testing.B) {
	benchIndex(b).Close()
	vs := benchCorpus()
	open := func() *Index {
		ix, err := Open(context.Background(), Options{Dir: benchDir}, vs)
		if err != nil {
			b.Fatal(err)
		}
		if !ix.Reused() {
			b.Fatal("reopen rebuilt the index")
		}
		return ix
	}
	var cpu time.Duration
	for b.Loop() {
		c0 := processCPU()
		ix := open()
		cpu += processCPU() - c0
		ix.Close()
	}
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
	b.StopTimer()
	heap := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.GC() // a second cycle runs the cleanups the first queued
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	ix := open()
	retained := heap()
	b.ReportMetric((float64(retained)-float64(before))/(1<<20), "index-heap-MiB")
	b.ReportMetric(vmRSS()/(1<<20), "rss-MiB")
	runtime.KeepAlive(ix)
	ix.Close()
}

// BenchmarkFingerprint hashes the indexed fields of every version of the
// corpus, as every Open does.
func BenchmarkFingerprint(b *testing.B) {
	docs := collect(benchCorpus())
	for b.Loop() {
		fingerprint(specsFor(docs, article.DefaultAnalyzer), docs)
	}
}

// percentiles reports the median and 99th percentile of ds, under the
// given name prefix.
func percentiles(b *testing.B, name string, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	at := func(p float64) float64 { return float64(ds[min(len(ds)-1, int(p*float64(len(ds))))].Microseconds()) }
	b.ReportMetric(at(0.50), name+"p50-µs")
	b.ReportMetric(at(0.99), name+"p99-µs")
}

// timer records the wall-clock and on-CPU time of each operation. CPU time
// is that of the benchmark's OS thread, so that a machine shared with other
// work does not inflate it; work Bleve does on other goroutines is missed.
type timer struct {
	wall, cpu []time.Duration
	cpu0      time.Duration
	t0        time.Time
}

func newTimer() *timer {
	runtime.LockOSThread()
	return &timer{}
}

// threadCPU returns the CPU time of the calling OS thread, to the
// nanosecond (getrusage counts in scheduler ticks).
func threadCPU() time.Duration {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3 /* CLOCK_THREAD_CPUTIME_ID */, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

func (t *timer) begin() { t.t0, t.cpu0 = time.Now(), threadCPU() }

func (t *timer) end() {
	t.wall = append(t.wall, time.Since(t.t0))
	t.cpu = append(t.cpu, threadCPU()-t.cpu0)
}

func (t *timer) report(b *testing.B) {
	runtime.UnlockOSThread()
	percentiles(b, "", t.wall)
	percentiles(b, "cpu-", t.cpu)
}

// benchQueries returns n queries of one to three words from the ranks
// 10 to 3,000 of words: content words, from very common to rare.
func benchQueries(words []string, n int) []string {
	r := rand.New(rand.NewSource(7))
	out := make([]string, n)
	for i := range out {
		ws := make([]string, 1+r.Intn(3))
		for j := range ws {
			ws[j] = words[10+r.Intn(min(len(words), 3000)-10)]
		}
		out[i] = strings.Join(ws, " ")
	}
	return out
}

func BenchmarkSearch(b *testing.B) {
	ix := benchIndex(b)
	ctx := context.Background()
	for _, lang := range []string{"sv", "en", "zh-Hans"} {
		b.Run(lang, func(b *testing.B) {
			qs := benchQueries(benchVocab[lang], 500)
			tm := newTimer()
			i := 0
			for b.Loop() {
				tm.begin()
				if _, err := ix.Search(ctx, Request{Query: qs[i%len(qs)], Langs: []string{lang}}); err != nil {
					b.Fatal(err)
				}
				tm.end()
				i++
			}
			tm.report(b)
		})
	}
	b.Run("all", func(b *testing.B) {
		var qs []string
		for _, lang := range []string{"sv", "en", "zh-Hans"} {
			qs = append(qs, benchQueries(benchVocab[lang], 200)...)
		}
		tm := newTimer()
		i := 0
		for b.Loop() {
			tm.begin()
			if _, err := ix.Search(ctx, Request{Query: qs[i%len(qs)], Prefer: []string{"sv", "en"}}); err != nil {
				b.Fatal(err)
			}
			tm.end()
			i++
		}
		tm.report(b)
	})
}

func BenchmarkSuggest(b *testing.B) {
	ix := benchIndex(b)
	benchSuggest(b, func(p string) { ix.Suggest(context.Background(), p, nil, 8) })
}

// BenchmarkSuggestPending is BenchmarkSuggest on a table with as many
// writes pending as it holds before a fold, the most a search merges.
func BenchmarkSuggestPending(b *testing.B) {
	s := benchIndex(b).current().sugg
	vs := benchCorpus()
	r := rand.New(rand.NewSource(5))
	for s.pending() < foldAt(len(s.base.vers)) {
		v := vs[r.Intn(len(vs))]
		e := *v
		e.Title = v.Title + " " + benchVocab[v.Lang][r.Intn(20000)]
		s = s.with(v, &e)
		vs = slices.Clone(vs)
		for i := range vs {
			if vs[i] == v {
				vs[i] = &e
			}
		}
	}
	benchSuggest(b, func(p string) { s.suggest(p, nil, 8) })
}

func benchSuggest(b *testing.B, suggest func(prefix string)) {
	var prefixes []string
	for _, w := range append(append(slices.Clone(benchVocab["sv"][:3000]), benchVocab["en"][:3000]...), benchVocab["zh-Hans"][:3000]...) {
		rs := []rune(w)
		prefixes = append(prefixes, string(rs[:min(len(rs), 1)]), string(rs[:min(len(rs), 3)]))
	}
	tm := newTimer()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		tm.begin()
		suggest(prefixes[i%len(prefixes)])
		tm.end()
		i++
	}
	tm.report(b)
}

// BenchmarkWrite measures writes to the 30,000-version benchmark index:
// tables, what a write derives beside Bleve (documents, vocabulary,
// suggestion table, counts), and upsert, the whole Upsert. Each write
// edits the title and text of one version, and the next write of the
// same version restores it, so the persisted index ends as it began.
func BenchmarkWrite(b *testing.B) {
	ix := benchIndex(b)
	vs := benchCorpus()
	r := rand.New(rand.NewSource(11))
	edit := func(v *article.Version) *article.Version {
		e := *v
		e.Title = v.Title + " " + benchVocab[v.Lang][r.Intn(20000)]
		e.Text = v.Text + " " + benchVocab[v.Lang][r.Intn(20000)]
		return &e
	}
	b.Run("tables", func(b *testing.B) {
		s := ix.current()
		tm := newTimer()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			v := vs[r.Intn(len(vs))]
			id := docID(v.ID, v.Lang)
			nv := edit(v)
			tm.begin()
			s = s.replaced(s.fp, id, s.docs.get(id), nv)
			tm.end()
			i++
		}
		tm.report(b)
	})
	b.Run("upsert", func(b *testing.B) {
		ctx := context.Background()
		cpu0 := procCPU()
		heap := func() float64 {
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			return float64(ms.HeapInuse) / (1 << 20)
		}
		heap0, rss0 := heap(), vmRSS()/(1<<20)
		tm := newTimer()
		b.ReportAllocs()
		var pending []*article.Version
		for b.Loop() {
			var v *article.Version
			if len(pending) > 0 {
				v, pending = pending[0], pending[1:]
			} else {
				v = vs[r.Intn(len(vs))]
				pending = append(pending, v)
				v = edit(v)
			}
			tm.begin()
			if err := ix.Upsert(ctx, v); err != nil {
				b.Fatal(err)
			}
			tm.end()
		}
		tm.report(b)
		// The whole process's CPU per write: Scorch's persister and
		// merger work on their own goroutines, after Upsert returns.
		b.ReportMetric(float64(procCPU()-cpu0)/float64(time.Millisecond)/float64(b.N), "proc-cpu-ms/op")
		// Memory the writes left in use, and how far they grew the
		// process (the collector's target included).
		b.ReportMetric(heap()-heap0, "heap-growth-MiB")
		b.ReportMetric(vmRSS()/(1<<20)-rss0, "rss-growth-MiB")
		for _, v := range pending {
			if err := ix.Upsert(ctx, v); err != nil {
				b.Fatal(err)
			}
		}
	})
	// upsert-searching is upsert while two goroutines search without
	// pause: what a write waits for, and what it costs the searches.
	b.Run("upsert-searching", func(b *testing.B) {
		ctx, cancel := context.WithCancel(context.Background())
		qs := benchQueries(benchVocab["sv"], 500)
		var (
			wg       sync.WaitGroup
			searched atomic.Int64
		)
		for g := range 2 {
			wg.Go(func() {
				for i := g; ctx.Err() == nil; i++ {
					if _, err := ix.Search(ctx, Request{Query: qs[i%len(qs)], Langs: []string{"sv"}}); err != nil && ctx.Err() == nil {
						b.Error(err)
						return
					}
					searched.Add(1)
				}
			})
		}
		start := time.Now()
		tm := newTimer()
		var pending []*article.Version
		for b.Loop() {
			var v *article.Version
			if len(pending) > 0 {
				v, pending = pending[0], pending[1:]
			} else {
				v = vs[r.Intn(len(vs))]
				pending = append(pending, v)
				v = edit(v)
			}
			tm.begin()
			if err := ix.Upsert(context.Background(), v); err != nil {
				b.Fatal(err)
			}
			tm.end()
		}
		cancel()
		wg.Wait()
		tm.report(b)
		b.ReportMetric(float64(searched.Load())/time.Since(start).Seconds(), "searches/s")
		for _, v := range pending {
			if err := ix.Upsert(context.Background(), v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// procCPU returns the CPU time the whole process has used.
func procCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkVocab measures the lookups typos and prefixes make in the
// vocabularies of the benchmark index: fuzzy (two edits) and expand, of
// words of the corpus, in the flat tables and with as many terms added
// by writes as the tables hold before a fold (pending).
func BenchmarkVocab(b *testing.B) {
	s := benchIndex(b).current()
	vs := benchCorpus()
	pending := s
	r := rand.New(rand.NewSource(9))
	for i := 0; ; i++ {
		v := vs[r.Intn(len(vs))]
		e := *v
		e.Text = benchVocab[v.Lang][r.Intn(20000)] + " " + v.Text
		n := pending.vocab.with(pending.mapping, pending.document(&e))
		folded := false
		for f, t := range pending.vocab {
			folded = folded || t.more != nil && n[f].more == nil
		}
		if folded {
			break
		}
		pending = &snapshot{vocab: n, mapping: s.mapping, specs: s.specs}
	}
	b.Logf("%d terms of %d pending in %s", pending.vocab[s.specs["sv"].surface()].more.len(), s.vocab[s.specs["sv"].surface()].len(), s.specs["sv"].surface())
	for _, c := range []struct {
		name string
		s    *snapshot
	}{{"flat", s}, {"pending", pending}} {
		for _, lang := range []string{"sv", "en"} {
			sp := s.specs[lang]
			loose, _ := sp.looseBody()
			surface, body := c.s.vocab[sp.surface()], c.s.vocab[loose]
			words := benchVocab[lang][10:3000]
			b.Run(c.name+"/fuzzy/"+lang, func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					surface.fuzzy(words[i%len(words)], 2)
					i++
				}
			})
			b.Run(c.name+"/expand/"+lang, func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					w := []rune(words[i%len(words)])
					body.expand(string(w[:min(len(w), 3)]), maxExpansions)
					i++
				}
			})
		}
	}
}
