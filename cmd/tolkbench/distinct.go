package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/blevesearch/bleve/v2"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/cjk" // the analyzers of the bare index's fields
	_ "github.com/blevesearch/bleve/v2/analysis/lang/en"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/sv"
	"github.com/blevesearch/bleve/v2/mapping"
)

// distinctRoute is the route whose every request is a query of its own, so
// that Tolk's answer cache is out of play; it is compared with a bare
// Bleve match query over the same documents (serveBleve).
const distinctRoute = "search-distinct"

// distinctPool is how many distinct queries the route draws from: more
// than either server answers in a run, so no query repeats on Tolk.
const distinctPool = 200_000

// bleveFields maps a stored language to its field in the bare index and
// that field's analyzer: Bleve's own, as a user of Bleve would pick.
var bleveFields = map[string][2]string{
	"sv":      {"sv", "sv"},
	"en":      {"en", "en"},
	"zh-Hans": {"zh", "cjk"},
}

// corpusWords returns the distinct words of the first n generated articles
// by language: letter runs of at least four letters in Swedish and
// English, and two-character runs of Han text in Chinese.
func corpusWords(n int) map[string][]string {
	g := newGenerator()
	seen := map[string]map[string]bool{}
	out := map[string][]string{}
	add := func(lang, w string) {
		if seen[lang] == nil {
			seen[lang] = map[string]bool{}
		}
		if !seen[lang][w] {
			seen[lang][w] = true
			out[lang] = append(out[lang], w)
		}
	}
	for i := range n {
		a := g.article(i)
		for _, v := range a.versions {
			text := v.title + " " + v.summary + " " + v.body
			for _, run := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) }) {
				rs := []rune(strings.ToLower(run))
				switch {
				case v.lang == "zh-Hans":
					for j := 0; j+2 <= len(rs); j += 2 {
						if unicode.Is(unicode.Han, rs[j]) && unicode.Is(unicode.Han, rs[j+1]) {
							add(v.lang, string(rs[j:j+2]))
						}
					}
				case len(rs) >= 4:
					add(v.lang, string(rs))
				}
			}
		}
	}
	for _, ws := range out {
		slices.Sort(ws) // the same pool on every run
	}
	return out
}

// distinctQueries returns count distinct two-word search requests over the
// words of the first n generated articles, the languages in turn.
func distinctQueries(n, count int) []request {
	words := corpusWords(n)
	langs := []string{"sv", "en", "zh-Hans"}
	rng := rand.New(rand.NewPCG(1, 2))
	seen := make(map[string]bool, count)
	var out []request
	for tries := 0; len(out) < count && tries < 4*count; tries++ {
		lang := langs[tries%len(langs)]
		ws := words[lang]
		if len(ws) < 2 {
			continue
		}
		q := ws[rng.IntN(len(ws))] + " " + ws[rng.IntN(len(ws))]
		if seen[lang+q] {
			continue
		}
		seen[lang+q] = true
		out = append(out, request{path: "/v1/search?" + url.Values{"q": {q}, "lang": {lang}}.Encode()})
	}
	return out
}

// rotation hands out the distinct route's requests so that each
// measurement on a server starts where the previous one ended.
type rotation struct {
	reqs []request
	next map[string]int // server → index of its next unused request
}

// take returns the requests in the order server should send them.
func (r *rotation) take(server string) []request {
	i := r.next[server] % len(r.reqs)
	return append(slices.Clone(r.reqs[i:]), r.reqs[:i]...)
}

// used records that server sent n more requests over conns connections.
// goLoad's clients start evenly spread over the requests and each sends
// about n/conns; the next measurement starts each client past twice that,
// so that none resends a query another client sent.
func (r *rotation) used(server string, n int64, conns int) {
	r.next[server] = (r.next[server] + int(2*n)/conns + 1) % len(r.reqs)
}

// serveBleve is tolkbench's hidden mode --bleve-serve ADDR --bleve-articles
// N: the first N generated articles in an in-memory Bleve index, a field
// per language with Bleve's analyzer for it, and GET /v1/search?q=&lang=
// answered by a match query on that field, top 10, no highlights, as
// JSON, over bare net/http: the ceiling of Tolk's search engine without
// its answer cache. It runs until ctx is done.
func serveBleve(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("tolkbench bleve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("bleve-serve", "", "listen address")
	n := fs.Int("bleve-articles", 0, "generated articles to index")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *addr == "" || *n < 1 {
		return errors.New("bleve: --bleve-serve and --bleve-articles are required")
	}
	m := bleve.NewIndexMapping()
	doc := bleve.NewDocumentStaticMapping()
	for _, f := range bleveFields {
		fm := mapping.NewTextFieldMapping()
		fm.Analyzer, fm.Store, fm.IncludeTermVectors = f[1], false, false
		doc.AddFieldMappingsAt(f[0], fm)
	}
	m.DefaultMapping = doc
	bi, err := bleve.NewMemOnly(m)
	if err != nil {
		return fmt.Errorf("bleve: %w", err)
	}
	defer bi.Close()
	g := newGenerator()
	batch := bi.NewBatch()
	for i := range *n {
		a := g.article(i)
		for _, v := range a.versions {
			f := bleveFields[v.lang][0]
			if err := batch.Index(a.id+"/"+v.lang, map[string]any{f: v.title + "\n" + v.summary + "\n" + v.body}); err != nil {
				return fmt.Errorf("bleve: %w", err)
			}
		}
	}
	if err := bi.Batch(batch); err != nil {
		return fmt.Errorf("bleve: %w", err)
	}

	type hit struct {
		ID    string  `json:"id"`
		Score float64 `json:"score"`
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/search", func(w http.ResponseWriter, r *http.Request) {
		q, lang := r.URL.Query().Get("q"), r.URL.Query().Get("lang")
		f, ok := bleveFields[lang]
		if q == "" || !ok {
			http.Error(w, "q and lang (sv, en, zh-Hans) are required", http.StatusBadRequest)
			return
		}
		mq := bleve.NewMatchQuery(q)
		mq.SetField(f[0])
		res, err := bi.SearchInContext(r.Context(), bleve.NewSearchRequestOptions(mq, 10, 0, false))
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		out := struct {
			Total uint64 `json:"total"`
			Hits  []hit  `json:"hits"`
		}{Total: res.Total, Hits: []hit{}}
		for _, h := range res.Hits {
			out.Hits = append(out.Hits, hit{h.ID, h.Score})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("bleve: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("bleve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// startBleve starts tolkbench itself in its Bleve mode over the first n
// generated articles and waits until it answers a search.
func startBleve(ctx context.Context, n int, stderr io.Writer) (string, *process, error) {
	self, err := os.Executable()
	if err != nil {
		return "", nil, fmt.Errorf("bleve: %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return "", nil, err
	}
	p, err := startProcess(self, []string{"--bleve-serve", addr, "--bleve-articles", fmt.Sprint(n)}, stderr)
	if err != nil {
		return "", nil, err
	}
	if err := waitReady(ctx, p, "http://"+addr+"/v1/search?lang=sv&q=skola", 5*time.Minute); err != nil {
		p.stop()
		return "", nil, err
	}
	return addr, p, nil
}
