package widget_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/amal-kommun/tolk/content"
	"github.com/amal-kommun/tolk/internal/filestore"
	"github.com/amal-kommun/tolk/internal/httpapi"
	"github.com/amal-kommun/tolk/internal/load"
	"github.com/amal-kommun/tolk/internal/store"
	"github.com/amal-kommun/tolk/internal/widget"
)

// The browser tests drive headless Chromium against a real Tolk server
// (httpapi's handler on a real index of the embedded corpus). They need
// Chromium on PATH and axe-core's axe.min.js, read from $TOLK_AXE_JS or from
// /opt/tolk-axe/node_modules/axe-core/axe.min.js, where .ci/browser-deps
// installs it; `eval "$(bash .ci/browser-deps)"` sets up everything. Without
// them the tests skip, unless TOLK_REQUIRE_BROWSER=1 (as in CI) makes them
// fail. Screenshots go to $TOLK_ARTIFACTS, by default
// os.TempDir()/tolk-artifacts; the test log names each file.
const (
	envRequire   = "TOLK_REQUIRE_BROWSER" // "1": fail instead of skipping when something is missing
	envAxe       = "TOLK_AXE_JS"          // path of axe.min.js
	envArtifacts = "TOLK_ARTIFACTS"       // where screenshots go; default os.TempDir()/tolk-artifacts
	defaultAxeJS = "/opt/tolk-axe/node_modules/axe-core/axe.min.js"
	howToEnable  = "install them with `bash .ci/browser-deps`, or by hand: `apt-get install -y chromium fonts-wqy-zenhei` " +
		"and `npm install --prefix /opt/tolk-axe axe-core@4` (or set " + envAxe + " to an axe.min.js)"
)

// missing skips the test, or fails it when the environment requires the
// browser tests to run.
func missing(t *testing.T, what string) {
	t.Helper()
	if os.Getenv(envRequire) == "1" {
		t.Fatalf("%s is missing and %s=1: %s", what, envRequire, howToEnable)
	}
	t.Skipf("browser test skipped: %s is missing; %s", what, howToEnable)
}

func findBrowser(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	missing(t, "Chromium (chromium, chromium-browser or google-chrome on PATH)")
	return ""
}

func findAxe(t *testing.T) []byte {
	t.Helper()
	path := os.Getenv(envAxe)
	if path == "" {
		path = defaultAxeJS
	}
	src, err := os.ReadFile(path)
	if err != nil {
		missing(t, fmt.Sprintf("axe-core (%v)", err))
	}
	return src
}

// startBrowser starts headless Chromium with a fresh profile; the returned
// context is the parent of one tab per test.
func startBrowser(t *testing.T, exe string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	return bctx
}

// startTolk serves fsys from a real Tolk server on a real index. Its
// articles' URLs point at the server itself, where a stub answers
// /{lang}/{slug}, so that following a link never leaves this machine.
// It only registers cleanups on t, so that it can run in a goroutine.
func startTolk(t *testing.T, fsys fs.FS) (*httptest.Server, error) {
	ctx := context.Background()
	ts := httptest.NewUnstartedServer(nil)
	t.Cleanup(ts.Close)
	origin := "http://" + ts.Listener.Addr().String()
	fsys, err := withSiteURL(fsys, origin+"/{lang}/{slug}")
	if err != nil {
		return nil, err
	}
	files, err := filestore.New(filestore.Options{FS: fsys})
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, store.Options{Backend: files})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { st.Close() })
	if problems := st.Problems(); len(problems) > 0 {
		return nil, fmt.Errorf("content problems: %v", problems)
	}
	srv, err := httpapi.New(httpapi.Options{Content: st})
	if err != nil {
		return nil, err
	}
	api := srv.Handler()

	mux := http.NewServeMux()
	for _, lang := range []string{"sv", "en", "zh-Hans", "zh-Hant"} {
		mux.HandleFunc("GET /"+lang+"/{slug}", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, "<!DOCTYPE html><html lang=%q><title>%s</title><h1 id=article>%s</h1>", lang, r.PathValue("slug"), r.URL.Path)
		})
	}
	mux.Handle("/", api)
	// The page and the script come from httpapi's own routes.
	for _, path := range []string{"/", "/widget.js"} {
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %d, want 200", path, rec.Code)
		}
		if path == "/widget.js" && !bytes.Equal(rec.Body.Bytes(), widget.Script()) {
			return nil, errors.New("GET /widget.js does not serve widget.Script()")
		}
	}
	ts.Config.Handler = mux
	ts.Start()
	return ts, nil
}

// withSiteURL copies fsys into memory with site.yaml's site_url replaced.
func withSiteURL(fsys fs.FS, siteURL string) (fstest.MapFS, error) {
	m := fstest.MapFS{}
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		if path == load.SitePath {
			re := regexp.MustCompile(`(?m)^site_url:.*$`)
			if !re.Match(data) {
				return errors.New("site.yaml has no site_url")
			}
			data = re.ReplaceAll(data, []byte(fmt.Sprintf("site_url: %q", siteURL)))
		}
		m[path] = &fstest.MapFile{Data: data}
		return nil
	})
	return m, err
}

// hostileFS is the embedded site.yaml with one Swedish article whose title,
// summary and body carry markup.
func hostileFS() (fstest.MapFS, error) {
	site, err := fs.ReadFile(content.FS, load.SitePath)
	return fstest.MapFS{
		load.SitePath: {Data: site},
		"articles/fientlig/sv.md": {Data: []byte(`---
title: "<img src=x onerror=alert(1)> Vänort"
slug: fientlig-vanort
summary: "<script>alert(3)</script> En vänort med en elak rubrik."
tags: [international]
published: 2020-01-03
---

Den här vänorten har HTML i rubriken och i texten: ` + "`<img src=x onerror=alert(2)>`" + ` och <b onmouseover=alert(5)>fet</b> & "citat".
`)},
	}, err
}

// tab is the browser tab the tests share, one after the other (a tab of
// its own per test would cost a second each). It records JavaScript dialogs,
// which it dismisses, and console messages; an uncaught exception fails the
// test that uses the tab.
type tab struct {
	t   *testing.T // the test using the tab
	ctx context.Context

	mu         sync.Mutex
	dialogs    []string
	exceptions []string
	console    []string
}

func openTab(t *testing.T, browser context.Context) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	tb := &tab{t: t, ctx: ctx}
	if err := chromedp.Do(ctx); err != nil {
		cancelTimeout()
		cancel()
		t.Fatalf("open tab: %v", err)
	}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	console := chromedp.Console(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.dialogs = append(tb.dialogs, string(ev.Type)+": "+ev.Message)
			tb.mu.Unlock()
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	})
	wg.Go(func() {
		for m, err := range console {
			if err != nil {
				return
			}
			tb.mu.Lock()
			if m.IsException() {
				tb.exceptions = append(tb.exceptions, m.String())
			} else {
				tb.console = append(tb.console, m.String())
			}
			tb.mu.Unlock()
		}
	})
	t.Cleanup(func() {
		cancelTimeout()
		cancel()
		wg.Wait()
	})
	return tb
}

// use hands the tab to the test t, with empty records.
func (tb *tab) use(t *testing.T) *tab {
	tb.mu.Lock()
	tb.dialogs, tb.exceptions, tb.console = nil, nil, nil
	tb.mu.Unlock()
	tb.t = t
	t.Cleanup(func() {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		for _, e := range tb.exceptions {
			t.Errorf("uncaught exception in the page: %s", e)
		}
		if t.Failed() {
			for _, m := range tb.console {
				t.Logf("console: %s", m)
			}
		}
	})
	return tb
}

func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.t.Fatal(err)
	}
}

func (tb *tab) navigate(u string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(u))
}

// eval evaluates expr in the page and decodes its value into T.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor polls expr until it is truthy, failing the test with what after
// ten seconds.
func (tb *tab) waitFor(what, expr string) {
	tb.t.Helper()
	_, err := chromedp.Run(tb.ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		tb.t.Fatalf("waiting for %s: %v", what, err)
	}
}

// keys types keys into whatever has focus.
func (tb *tab) keys(keys string) {
	tb.t.Helper()
	tb.do(chromedp.KeyEvent(keys))
}

// in returns a JavaScript expression evaluated with r bound to the shadow
// root of the widget matching sel; it is null while the widget is not ready.
func in(sel, body string) string {
	return fmt.Sprintf(`(() => { const r = document.querySelector(%q)?.shadowRoot; if (!r) return null; %s })()`, sel, body)
}

// widgetInput selects the input inside the shadow root of the widget sel.
func widgetInput(sel string) chromedp.JSPath {
	return chromedp.JSPath(fmt.Sprintf(`document.querySelector(%q)?.shadowRoot?.querySelector("input")`, sel))
}

// typeInto focuses the widget's input and types text into it.
func (tb *tab) typeInto(sel, text string) {
	tb.t.Helper()
	tb.do(chromedp.SendKeys(widgetInput(sel), text))
}

const (
	suggestionsOpen = `r.querySelector("[role=listbox]").hidden === false && r.querySelectorAll("[role=option]").length > 0 && r.querySelector("input").getAttribute("aria-expanded") === "true"`
	resultsShown    = `r.querySelectorAll("li.hit").length > 0 && r.querySelector("ol").getAttribute("aria-busy") === null`
)

// searchState is what a widget shows after a search.
type searchState struct {
	Status   string   `json:"status"`
	Titles   []string `json:"titles"`
	Marks    []string `json:"marks"`
	Links    []string `json:"links"`
	Expanded string   `json:"expanded"`
}

func (tb *tab) state(sel string) searchState {
	tb.t.Helper()
	return eval[searchState](tb, in(sel, `return {
		status: r.querySelector("[role=status]").textContent,
		titles: [...r.querySelectorAll("li.hit .t")].map(e => e.firstChild.textContent),
		marks: [...r.querySelectorAll("li.hit mark")].map(e => e.textContent),
		links: [...r.querySelectorAll("li.hit a")].map(e => e.href),
		expanded: r.querySelector("input").getAttribute("aria-expanded"),
	}`))
}

func suggestions(tb *tab, sel string) []string {
	tb.t.Helper()
	return eval[[]string](tb, in(sel, `return [...r.querySelectorAll("[role=option]")].map(o => o.textContent)`))
}

func TestBrowser(t *testing.T) {
	exe := findBrowser(t)
	// The servers load and index while Chromium starts.
	var (
		tk, hostile       *httptest.Server
		tkErr, hostileErr error
		wg                sync.WaitGroup
	)
	wg.Go(func() { tk, tkErr = startTolk(t, content.FS) })
	wg.Go(func() {
		fsys, err := hostileFS()
		if err == nil {
			hostile, err = startTolk(t, fsys)
		}
		hostileErr = err
	})
	browser := startBrowser(t, exe)
	shared := openTab(t, browser)
	wg.Wait()
	if err := errors.Join(tkErr, hostileErr); err != nil {
		t.Fatal(err)
	}

	desktop := chromedp.EmulateViewport(1280, 900)

	// search types q into the widget of lang on the demo page, checks the
	// suggestions, presses Enter and returns what the widget then shows.
	search := func(t *testing.T, tb *tab, lang, q string) searchState {
		t.Helper()
		sel := fmt.Sprintf(`tolk-search[lang=%q]`, lang)
		tb.typeInto(sel, q)
		tb.waitFor("suggestions for "+q, in(sel, `return `+suggestionsOpen))
		if got := suggestions(tb, sel); len(got) == 0 {
			t.Fatalf("no suggestions for %q", q)
		}
		tb.keys(kb.Enter)
		tb.waitFor("results for "+q, in(sel, `return `+resultsShown))
		return tb.state(sel)
	}

	t.Run("swedish suggestions then results", func(t *testing.T) {
		tb := shared.use(t)
		tb.navigate(tk.URL + "/")
		sel := `tolk-search[lang="sv"]`
		tb.typeInto(sel, "vänort")
		tb.waitFor("suggestions", in(sel, `return `+suggestionsOpen))
		for _, s := range suggestions(tb, sel) {
			if !strings.Contains(strings.ToLower(s), "vänort") {
				t.Errorf("suggestion %q does not contain vänort", s)
			}
		}
		tb.keys(kb.Enter)
		tb.waitFor("results", in(sel, `return `+resultsShown))
		st := tb.state(sel)
		if !regexp.MustCompile(`^\d+ träff(ar)? för ”vänort”$`).MatchString(st.Status) {
			t.Errorf("status = %q, want “N träffar för ”vänort””", st.Status)
		}
		if len(st.Marks) == 0 {
			t.Fatal("no <mark> in the snippets")
		}
		for _, m := range st.Marks {
			if !strings.HasPrefix(strings.ToLower(m), "vänort") {
				t.Errorf("marked %q, want words starting with vänort", m)
			}
		}
		for _, l := range st.Links {
			if !strings.HasPrefix(l, tk.URL+"/sv/") {
				t.Errorf("result links to %q, want %s/sv/…", l, tk.URL)
			}
		}
		if st.Expanded != "false" {
			t.Errorf("aria-expanded = %q after searching, want false", st.Expanded)
		}
		if got := eval[string](tb, `location.search`); got != "?q=v%C3%A4nort&lang=sv" {
			t.Errorf("page URL query = %q, want ?q=v%%C3%%A4nort&lang=sv", got)
		}

		// A tag facet filters, and says so with aria-pressed.
		total := eval[int](tb, in(sel, `return r.querySelectorAll("li.hit").length`))
		tb.do(chromedp.Click(chromedp.JSPath(fmt.Sprintf(`document.querySelector(%q).shadowRoot.querySelector("[data-k='t:dunhuang']")`, sel))))
		tb.waitFor("filtered results", in(sel, `const b = r.querySelector("[data-k='t:dunhuang']"); return b && b.getAttribute("aria-pressed") === "true" && r.activeElement === b`))
		if n := eval[int](tb, in(sel, `return r.querySelectorAll("li.hit").length`)); n == 0 || n >= total {
			t.Errorf("the Dunhuang filter left %d of %d hits", n, total)
		}
	})

	t.Run("simplified chinese", func(t *testing.T) {
		tb := shared.use(t)
		tb.navigate(tk.URL + "/")
		st := search(t, tb, "zh-Hans", "敦煌")
		if !regexp.MustCompile(`^找到 \d+ 条与“敦煌”相关的结果$`).MatchString(st.Status) {
			t.Errorf("status = %q", st.Status)
		}
		if len(st.Marks) == 0 || st.Marks[0] != "敦煌" {
			t.Errorf("marks = %q, want 敦煌", st.Marks)
		}
	})

	t.Run("traditional chinese", func(t *testing.T) {
		tb := shared.use(t)
		tb.navigate(tk.URL + "/")
		st := search(t, tb, "zh-Hant", "國際")
		if !regexp.MustCompile(`^找到 \d+ 筆與「國際」相關的結果$`).MatchString(st.Status) {
			t.Errorf("status = %q", st.Status)
		}
		if len(st.Marks) == 0 || st.Marks[0] != "國際" {
			t.Errorf("marks = %q, want 國際", st.Marks)
		}
		for _, l := range st.Links {
			if !strings.HasPrefix(l, tk.URL+"/zh-Hant/") {
				t.Errorf("result links to %q, want %s/zh-Hant/…", l, tk.URL)
			}
		}
	})

	t.Run("keyboard only", func(t *testing.T) {
		tb := shared.use(t)
		tb.navigate(tk.URL + "/")
		sel := `tolk-search[lang="sv"]`
		tb.waitFor("the widget", in(sel, `return true`))
		tb.keys(kb.Tab) // the first stop on the page is the Swedish search box
		if !eval[bool](tb, in(sel, `return document.activeElement === document.querySelector(`+fmt.Sprintf("%q", sel)+`) && r.activeElement === r.querySelector("input")`)) {
			t.Fatal("Tab did not reach the Swedish search box")
		}
		tb.keys("de pere")
		tb.waitFor("suggestions", in(sel, `return `+suggestionsOpen+` && r.querySelectorAll("[role=option]").length >= 2`))
		active := func() [2]string {
			return eval[[2]string](tb, in(sel, `const i = r.querySelector("input"), id = i.getAttribute("aria-activedescendant") || "";
				const sel = [...r.querySelectorAll("[aria-selected=true]")].map(o => o.id).join(",");
				return [id, sel]`))
		}
		steps := []struct {
			key  string
			want [2]string
		}{
			{kb.ArrowDown, [2]string{"o0", "o0"}},
			{kb.ArrowDown, [2]string{"o1", "o1"}},
			{kb.ArrowUp, [2]string{"o0", "o0"}},
		}
		for _, s := range steps {
			tb.keys(s.key)
			if got := active(); got != s.want {
				t.Fatalf("after %q: activedescendant, selected = %q, want %q", s.key, got, s.want)
			}
		}
		// The focus ring is visible: a solid outline of at least 2px.
		outline := eval[string](tb, in(sel, `const s = getComputedStyle(r.querySelector("input")); return s.outlineStyle + " " + s.outlineWidth`))
		if !regexp.MustCompile(`^solid ([2-9]|\d\d)`).MatchString(outline) {
			t.Errorf("focused input outline = %q, want a visible solid outline", outline)
		}
		want := eval[string](tb, `document.querySelector('tolk-search[lang="sv"]').shadowRoot.querySelector("#o0").textContent`)
		tb.keys(kb.Enter)
		tb.do(chromedp.WaitVisible(chromedp.ID("article")))
		loc, err := chromedp.Run(tb.ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(loc, tk.URL+"/sv/") {
			t.Errorf("Enter on suggestion %q went to %q, want %s/sv/…", want, loc, tk.URL)
		}
	})

	t.Run("escape closes then clears", func(t *testing.T) {
		tb := shared.use(t)
		tb.navigate(tk.URL + "/")
		sel := `tolk-search[lang="en"]`
		tb.typeInto(sel, "de pere")
		tb.waitFor("suggestions", in(sel, `return `+suggestionsOpen))
		tb.keys(kb.ArrowDown)
		tb.keys(kb.Escape)
		got := eval[[3]string](tb, in(sel, `const i = r.querySelector("input");
			return [String(r.querySelector("[role=listbox]").hidden), i.getAttribute("aria-expanded"), i.value + "|" + (i.getAttribute("aria-activedescendant") || "")]`))
		if want := [3]string{"true", "false", "de pere|"}; got != want {
			t.Errorf("after one Escape: hidden, aria-expanded, value|activedescendant = %q, want %q", got, want)
		}
		tb.keys(kb.Escape)
		if v := eval[string](tb, in(sel, `return r.querySelector("input").value`)); v != "" {
			t.Errorf("after a second Escape the input holds %q, want it cleared", v)
		}
	})

	t.Run("query in the page URL", func(t *testing.T) {
		tb := shared.use(t)
		tb.navigate(tk.URL + "/?q=" + url.QueryEscape("vänort") + "&lang=sv")
		tb.waitFor("results from ?q=", in(`tolk-search[lang="sv"]`, `return `+resultsShown))
		if v := eval[string](tb, in(`tolk-search[lang="sv"]`, `return r.querySelector("input").value`)); v != "vänort" {
			t.Errorf("input = %q, want vänort", v)
		}
		if n := eval[int](tb, in(`tolk-search[lang="en"]`, `return r.querySelectorAll("li.hit").length`)); n != 0 {
			t.Errorf("the English widget searched too (%d hits); ?lang=sv names the Swedish one", n)
		}
	})

	t.Run("strict CSP allows both stylesheets", func(t *testing.T) {
		// The server sends a Content-Security-Policy without
		// 'unsafe-inline'; a <style> it did not hash would get no sheet.
		tb := shared.use(t)
		tb.navigate(tk.URL + "/")
		tb.waitFor("the widget's shadow root", in(`tolk-search[lang="sv"]`, `return r.querySelector("input") != null`))
		if !eval[bool](tb, `document.querySelector("head style").sheet != null`) {
			t.Errorf("the CSP blocks the page's own stylesheet")
		}
		if !eval[bool](tb, in(`tolk-search[lang="sv"]`, `return r.querySelector("style").sheet != null`)) {
			t.Errorf("the CSP blocks the widget's stylesheet")
		}
	})

	t.Run("without javascript", func(t *testing.T) {
		tb := shared.use(t)
		scripts := func(off bool) {
			t.Helper()
			_, err := chromedp.Call(tb.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: off})
			if err != nil {
				t.Fatal(err)
			}
		}
		scripts(true)
		defer scripts(false)
		tb.navigate(tk.URL + "/")
		tb.do(
			chromedp.SendKeys(chromedp.ID("q-sv"), "vänort"),
			chromedp.Submit(chromedp.ID("q-sv")),
			chromedp.WaitVisible(chromedp.CSS(`tolk-search[lang="sv"] .results li`)),
		)
		marks, err := chromedp.Run(tb.ctx, chromedp.Nodes(chromedp.CSSAll(`tolk-search[lang="sv"] .results mark`)))
		if err != nil || len(marks) == 0 {
			t.Errorf("server-rendered results have no <mark> (%v)", err)
		}
		loc, err := chromedp.Run(tb.ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(loc, "q=v%C3%A4nort") {
			t.Errorf("the form went to %q, want ?q=vänort", loc)
		}
	})

	t.Run("hostile title is text", func(t *testing.T) {
		tb := shared.use(t)
		tb.navigate(hostile.URL + "/?q=" + url.QueryEscape("vänort") + "&lang=sv")
		sel := `tolk-search[lang="sv"]`
		tb.waitFor("results", in(sel, `return `+resultsShown))
		// And as you type.
		tb.do(chromedp.Evaluate[chromedp.Void](in(sel, `r.querySelector("input").value = ""; return 0`)))
		tb.typeInto(sel, "vänort")
		tb.waitFor("suggestions", in(sel, `return `+suggestionsOpen))
		title := "<img src=x onerror=alert(1)> Vänort"
		if got := suggestions(tb, sel); len(got) != 1 || got[0] != title {
			t.Errorf("suggestions = %q, want [%q]", got, title)
		}
		tb.keys(kb.Enter)
		tb.waitFor("results", in(sel, `return `+resultsShown))
		st := tb.state(sel)
		if len(st.Titles) != 1 || st.Titles[0] != title {
			t.Errorf("titles = %q, want [%q]", st.Titles, title)
		}
		snippet := eval[string](tb, in(sel, `return r.querySelector("li.hit p").textContent`))
		if !strings.Contains(snippet, "img src=x onerror=alert(2)>") || !strings.Contains(snippet, `& "citat"`) {
			t.Errorf("snippet shows %q, want the markup and escapes of the text as text", snippet)
		}
		// No element but the widget's own came from the API, in the light
		// DOM (the server-rendered results) or in the shadow root.
		counts := eval[[4]int](tb, in(sel, `return [document.querySelectorAll("img,script:not([src]),b").length - document.querySelectorAll("head script:not([src])").length,
			r.querySelectorAll("img,script,b").length, document.querySelectorAll("[onerror],[onmouseover]").length, r.querySelectorAll("[onerror],[onmouseover]").length]`))
		if counts != [4]int{} {
			t.Errorf("elements made from API text (light img/script/b, shadow img/script/b, light handlers, shadow handlers) = %v", counts)
		}
		time.Sleep(100 * time.Millisecond) // an onerror would have fired by now
		tb.mu.Lock()
		defer tb.mu.Unlock()
		if len(tb.dialogs) > 0 {
			t.Errorf("the page opened dialogs: %q", tb.dialogs)
		}
	})

	t.Run("embedded on another origin", func(t *testing.T) {
		host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Host</title>
<script src="%[1]s/widget.js" defer></script>
<style>tolk-search { --tolk-accent: #7a1f5c; }</style></head>
<body><main><h1>A page elsewhere</h1>
<tolk-search id="a" api="%[1]s" lang="sv" per-page="2"></tolk-search>
<tolk-search id="b" lang="en"></tolk-search>
<p><a id="hostlink" href="#top">A link of the host</a> <button id="hostbutton" type="button">A button of the host</button></p>
</main></body></html>`, tk.URL)
		}))
		defer host.Close()
		tb := shared.use(t)
		// A visit to the Tolk server itself first: its same-origin
		// response, which has no Access-Control-Allow-Origin, is then in
		// the HTTP cache for the same URL.
		tb.navigate(tk.URL + "/")
		if n := eval[int](tb, `fetch("/v1/suggest?q=v%C3%A4nort&lang=sv").then(r => r.status)`); n != http.StatusOK {
			t.Fatalf("same-origin suggest: %d", n)
		}
		tb.navigate(host.URL + "/")
		st := search(t, tb, "sv", "vänort")
		if len(st.Titles) != 2 {
			t.Fatalf("per-page=2 showed %d hits", len(st.Titles))
		}
		// The pager appends the next page and moves focus to its first hit.
		tb.do(chromedp.Click(chromedp.JSPath(`document.querySelector("#a").shadowRoot.querySelector(".more")`)))
		tb.waitFor("page 2", in("#a", `return r.querySelectorAll("li.hit").length === 4 && r.activeElement === r.querySelectorAll("li.hit a")[2]`))
		if s := tb.state("#a").Status; !regexp.MustCompile(`^Visar 4 av \d+ träffar$`).MatchString(s) {
			t.Errorf("status after the pager = %q", s)
		}
		// Without api, the widget finds the server from its script's src.
		st = search(t, tb, "en", "De Pere")
		for _, l := range st.Links {
			if !strings.HasPrefix(l, tk.URL+"/en/") {
				t.Errorf("result links to %q, want %s/en/…", l, tk.URL)
			}
		}
		// The widget's styles stay in its shadow root.
		hostStyle := eval[[2]string](tb, `[getComputedStyle(document.querySelector("#hostbutton")).backgroundColor, getComputedStyle(document.querySelector("#hostlink")).fontWeight]`)
		if hostStyle[0] == "rgb(122, 31, 92)" || hostStyle[0] == "rgb(11, 87, 208)" || hostStyle[1] == "600" {
			t.Errorf("the widget's styles reached the host page: button background %s, link weight %s", hostStyle[0], hostStyle[1])
		}
		// Custom properties reach into the shadow root.
		if c := eval[string](tb, in("#a", `return getComputedStyle(r.querySelector("form button")).backgroundColor`)); c != "rgb(122, 31, 92)" {
			t.Errorf("--tolk-accent did not theme the button: %s", c)
		}
	})

	t.Run("languages badge and lang", func(t *testing.T) {
		tb := shared.use(t)
		tb.navigate(tk.URL + "/")
		sel := `tolk-search[lang="en"]`
		search(t, tb, "en", "Dunhuang")
		// Searching another language from the language facet marks its hits.
		tb.do(chromedp.Click(chromedp.JSPath(fmt.Sprintf(`document.querySelector(%q).shadowRoot.querySelector("[data-k='l:sv']")`, sel))))
		tb.waitFor("Swedish hits", in(sel, `return r.querySelector("li.hit[lang=sv] .b")`))
		got := eval[[]string](tb, in(sel, `return [...r.querySelectorAll("li.hit")].map(l => l.lang + ":" + (l.querySelector(".b")?.textContent || ""))`))
		// The badge names the language as the server does.
		name := eval[string](tb, `fetch("/v1/languages").then(r => r.json()).then(j => j.languages.find(l => l.tag === "sv").name)`)
		if name == "" {
			t.Fatal("/v1/languages names no sv")
		}
		for _, g := range got {
			if g != "sv:"+name {
				t.Errorf("hit lang:badge = %q, want sv:%s", g, name)
			}
		}
	})

	t.Run("narrow and zoomed", func(t *testing.T) {
		tb := shared.use(t)
		defer tb.do(desktop)
		for _, width := range []int64{320, 640} { // a phone; 1280 px at 200 % zoom
			tb.do(chromedp.EmulateViewport(width, 800))
			tb.navigate(tk.URL + "/")
			search(t, tb, "sv", "vänort")
			overflow := eval[[2]int](tb, in(`tolk-search[lang="sv"]`, `return [document.documentElement.scrollWidth - document.documentElement.clientWidth,
				Math.round(r.querySelector("form button").getBoundingClientRect().right - document.documentElement.clientWidth)]`))
			if overflow[0] > 0 || overflow[1] > 0 {
				t.Errorf("at %d px the page scrolls sideways by %d px, the search button sticks out by %d px", width, overflow[0], overflow[1])
			}
			shot(t, tb, fmt.Sprintf("widget-sv-%dpx.png", width), chromedp.FullScreenshot(100))
		}
	})

	t.Run("screenshots", func(t *testing.T) {
		tb := shared.use(t)
		tb.do(desktop)
		tb.navigate(tk.URL + "/")
		for _, c := range []struct{ lang, q string }{{"sv", "vänort"}, {"en", "twin town"}, {"zh-Hans", "敦煌"}, {"zh-Hant", "國際"}} {
			search(t, tb, c.lang, c.q)
			shot(t, tb, "widget-"+c.lang+".png", chromedp.Screenshot(chromedp.CSS(fmt.Sprintf(`section.demo[lang=%q]`, c.lang))))
		}
		shot(t, tb, "demo-page.png", chromedp.FullScreenshot(100))
	})

	t.Run("axe", func(t *testing.T) {
		axe := findAxe(t)
		tb := shared.use(t)
		tb.do(desktop)
		tb.navigate(tk.URL + "/")
		search(t, tb, "sv", "vänort")
		search(t, tb, "zh-Hant", "國際")
		// Leave a suggestion list open with an active option.
		tb.typeInto(`tolk-search[lang="en"]`, "de")
		tb.waitFor("suggestions", in(`tolk-search[lang="en"]`, `return `+suggestionsOpen))
		tb.keys(kb.ArrowDown)
		checkAxe(t, tb, axe)
	})
}

// checkAxe runs axe-core (its source is axe) on the page of tb and fails t
// with every violation it finds, each with the elements it names.
func checkAxe(t *testing.T, tb *tab, axe []byte) {
	t.Helper()
	tb.do(chromedp.Evaluate[chromedp.Void](string(axe) + ";0"))
	type violation struct {
		ID, Impact, Help string
		Nodes            []struct {
			Target         any
			FailureSummary string
		}
	}
	vs := eval[[]violation](tb, `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations)`)
	for _, v := range vs {
		var b strings.Builder
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n    %v: %s", n.Target, strings.ReplaceAll(n.FailureSummary, "\n", " "))
		}
		t.Errorf("axe %s (%s): %s%s", v.ID, v.Impact, v.Help, b.String())
	}
	if ver := eval[string](tb, `axe.version`); len(vs) == 0 {
		t.Logf("axe-core %s: no violations", ver)
	}
}

// shot writes a screenshot to the artifacts directory and logs its path.
func shot(t *testing.T, tb *tab, name string, a chromedp.Action[[]byte]) {
	t.Helper()
	png, err := chromedp.Run(tb.ctx, a)
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := os.Getenv(envArtifacts)
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "tolk-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// TestBrowserArabic serves the Arabic test tree of internal/load (ar and
// en, added through site.yaml and articles alone) and searches it from a
// page in Arabic: the widget is right-to-left, finds the article, marks
// its texts it has no Arabic for as English, and axe-core finds nothing.
func TestBrowserArabic(t *testing.T) {
	exe := findBrowser(t)
	axe := findAxe(t)
	var (
		tk  *httptest.Server
		err error
		wg  sync.WaitGroup
	)
	wg.Go(func() { tk, err = startTolk(t, os.DirFS(filepath.Join("..", "load", "testdata", "sites", "ar"))) })
	browser := startBrowser(t, exe)
	tb := openTab(t, browser).use(t)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>البحث</title>
<script src="%s/widget.js" defer></script></head>
<body><main><h1>البحث في الموقع</h1><tolk-search></tolk-search></main></body></html>`, tk.URL)
	}))
	defer host.Close()
	tb.navigate(host.URL + "/")

	const sel, q = "tolk-search", "المكتبة"
	tb.waitFor("the widget", in(sel, `return r.querySelector("input") != null`))
	tb.typeInto(sel, q)
	tb.keys(kb.Enter)
	tb.waitFor("results for "+q, in(sel, `return `+resultsShown))
	type view struct {
		Lang, Dir, TextLang string
		Titles              []string
		Marks               []string
	}
	got := eval[view](tb, in(sel, `const root = r.querySelector("[part=root]");
		return {lang: root.lang, dir: root.dir, textLang: r.querySelector("form").lang,
			titles: [...r.querySelectorAll("li.hit .t")].map(e => e.firstChild.textContent),
			marks: [...r.querySelectorAll("li.hit mark")].map(e => e.textContent)}`))
	if got.Lang != "ar" || got.Dir != "rtl" {
		t.Errorf("widget root lang=%q dir=%q, want ar rtl", got.Lang, got.Dir)
	}
	if st := eval[[2]string](tb, in(sel, `const s = r.querySelector("[role=status]"); return [s.lang, getComputedStyle(s).direction]`)); st != [2]string{"en", "ltr"} {
		t.Errorf("the English status has lang, direction %q, want en ltr (its words would be reordered)", st)
	}
	if got.TextLang != "en" {
		t.Errorf("the form's texts have lang=%q, want en (the widget has no Arabic texts)", got.TextLang)
	}
	if !slices.ContainsFunc(got.Titles, func(s string) bool { return strings.Contains(s, "المكتبة العامة") }) {
		t.Errorf("titles = %q, want the public library's article", got.Titles)
	}
	if len(got.Marks) == 0 {
		t.Error("no <mark> in the snippets")
	}
	// The root's direction is the computed one, not only an attribute.
	if d := eval[string](tb, in(sel, `return getComputedStyle(r.querySelector("ol")).direction`)); d != "rtl" {
		t.Errorf("the results' computed direction = %q, want rtl", d)
	}
	shot(t, tb, "widget-ar.png", chromedp.Screenshot(chromedp.CSS(sel)))

	checkAxe(t, tb, axe)
}
