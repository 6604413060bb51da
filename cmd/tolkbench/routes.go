package main

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// route is one kind of request the benchmark measures.
type route struct {
	name     string
	reqs     []request
	baseline bool      // also measured against a baseline
	baseAddr string    // the baseline's address; "" is the bare-Gin article baseline
	baseProc *process  // the baseline's process when baseAddr is set
	baseProf *profiler // profiles the baseline at baseAddr with --profile; may be nil
	loader   loader    // the load generator of this route; nil is the run's
}

// routeNames are the routes measured by default, in the order they are
// measured and printed.
var routeNames = []string{"article", "article-304", "article-gzip", "list", "search", "suggest", distinctRoute}

// headersRoute is Tolk's article route measured against a second
// baseline: bare Gin writing the same body with Tolk's response headers
// (every one but Date and Content-Length, which net/http writes), which
// shows what the headers cost net/http apart from what Tolk itself does.
const headersRoute = "article-headers"

// allRoutes are the routes --routes may name.
var allRoutes = append(slices.Clone(routeNames), headersRoute)

// searchQueries are one- to three-word queries in every stored language,
// made of words that the generated corpus uses (the tests check that).
var searchQueries = []struct{ lang, q string }{
	{"sv", "skola"},
	{"sv", "förskolan barn"},
	{"sv", "bibliotek öppettider"},
	{"sv", "äldreomsorg"},
	{"sv", "hemtjänst trygghet"},
	{"sv", "sophämtning återvinning"},
	{"sv", "vägarbete"},
	{"sv", "kultur sommar"},
	{"sv", "De Pere"},
	{"sv", "Dunhuang samarbete"},
	{"en", "school"},
	{"en", "library opening hours"},
	{"en", "elderly care"},
	{"en", "recycling"},
	{"en", "road works detour"},
	{"en", "culture festival"},
	{"en", "De Pere exchange"},
	{"en", "Dunhuang partnership"},
	{"zh-Hans", "学校"},
	{"zh-Hans", "图书馆"},
	{"zh-Hans", "养老"},
	{"zh-Hans", "垃圾 分类"},
	{"zh-Hans", "道路 施工"},
	{"zh-Hans", "文化 活动"},
	{"zh-Hans", "德佩尔"},
	{"zh-Hans", "敦煌 合作"},
}

// suggestPrefixes are what a user has typed of a title word, by language.
var suggestPrefixes = []struct{ lang, q string }{
	{"sv", "sko"},
	{"sv", "bibl"},
	{"sv", "äldre"},
	{"sv", "åter"},
	{"sv", "väg"},
	{"sv", "kult"},
	{"sv", "vän"},
	{"sv", "dun"},
	{"en", "sch"},
	{"en", "lib"},
	{"en", "car"},
	{"en", "rec"},
	{"en", "road"},
	{"en", "cul"},
	{"en", "twin"},
	{"en", "dun"},
	{"zh-Hans", "图书"},
	{"zh-Hans", "养老"},
	{"zh-Hans", "学"},
	{"zh-Hans", "回收"},
	{"zh-Hans", "文化"},
	{"zh-Hans", "敦"},
}

// articlePath returns the path of the article every article route asks
// for: one article, so that its representation is cached, as for a
// popular page.
func articlePath(id string) string {
	return "/v1/articles/" + url.PathEscape(id) + "?lang=sv"
}

// buildRoutes returns the routes named in names, for the article at path
// whose 200 response carries etag.
func buildRoutes(names []string, path, etag string) ([]route, error) {
	var out []route
	for _, n := range names {
		r := route{name: n}
		switch n {
		case "article", headersRoute:
			r.reqs, r.baseline = []request{{path: path}}, true
		case "article-304":
			r.reqs = []request{{path: path, header: [][2]string{{"If-None-Match", etag}}}}
		case "article-gzip":
			r.reqs = []request{{path: path, header: [][2]string{{"Accept-Encoding", "gzip"}}}}
		case "list":
			r.reqs = []request{{path: "/v1/articles?lang=en"}}
		case "search":
			for _, q := range searchQueries {
				r.reqs = append(r.reqs, request{path: "/v1/search?" + url.Values{"q": {q.q}, "lang": {q.lang}}.Encode()})
			}
		case "suggest":
			for _, q := range suggestPrefixes {
				r.reqs = append(r.reqs, request{path: "/v1/suggest?" + url.Values{"q": {q.q}, "lang": {q.lang}}.Encode()})
			}
		default:
			return nil, fmt.Errorf("unknown route %q (want some of %s)", n, strings.Join(allRoutes, ","))
		}
		out = append(out, r)
	}
	return out, nil
}
