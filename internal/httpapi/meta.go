package httpapi

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/langs"
)

type statusJSON struct {
	Status   string            `json:"status"`
	Problems []article.Problem `json:"problems,omitempty"`
}

// healthz answers liveness: the process serves HTTP.
func (s *Server) healthz(c *gin.Context) error {
	r, err := jsonRep(statusJSON{Status: "ok"})
	if err != nil {
		return err
	}
	s.sendNoCache(c, r)
	return nil
}

// readyz answers readiness: 503 until content and index are in place, then
// ok, or degraded with the problems of files whose last good version is
// served.
func (s *Server) readyz(c *gin.Context) error {
	cur := s.current()
	if cur == nil {
		p := problem(http.StatusServiceUnavailable, "unavailable", "the index is not open yet")
		p.retryAfter = "1"
		return p
	}
	st := statusJSON{Status: "ok", Problems: cur.problems}
	if err := cur.ix.Health(); err != nil {
		// Articles are still served, so the server stays ready; the
		// reason is fixed text (the error may name server paths).
		s.log.WarnContext(c.Request.Context(), "readyz: search index unavailable", "err", err)
		st.Problems = append(slices.Clip(st.Problems), article.Problem{
			Message: "search index unavailable: searches answer 503 until it is rebuilt from the content",
		})
	}
	if len(st.Problems) > 0 {
		st.Status = "degraded"
	}
	r, err := jsonRep(st)
	if err != nil {
		return err
	}
	s.sendNoCache(c, r)
	return nil
}

// sendNoCache sends a representation that must not be cached, such as a
// health answer.
func (s *Server) sendNoCache(c *gin.Context, r *rep) {
	r.cache = "no-store"
	s.send(c, r, "")
}

type languageJSON struct {
	Tag         string  `json:"tag"`
	Name        string  `json:"name"`
	EnglishName string  `json:"english_name"`
	Dir         string  `json:"dir"`
	Articles    int     `json:"articles"`
	DerivedFrom *string `json:"derived_from"`
	Default     bool    `json:"default"`
}

type languagesJSON struct {
	Default   string         `json:"default"`
	Languages []languageJSON `json:"languages"`
}

// languages answers GET /v1/languages.
func (s *Server) languages(c *gin.Context) error {
	cur, err := s.readContent(c)
	if err != nil {
		return err
	}
	r, err := whole(cur, "languages", func() (*rep, error) { return languagesRep(cur) })
	if err != nil {
		return err
	}
	s.send(c, r, "")
	return nil
}

// languagesRep renders the served languages of cur.
func languagesRep(cur *snapshot) (*rep, error) {
	site := cur.lib.Site()
	out := languagesJSON{Default: site.DefaultLanguage}
	for _, tag := range site.Served() {
		src := tag
		if from := site.DerivedFrom(tag); from != "" {
			src = from
		}
		name, english := langs.Names(tag)
		out.Languages = append(out.Languages, languageJSON{
			Tag: tag, Name: name, EnglishName: english, Dir: langs.Direction(tag),
			Articles:    len(cur.lib.PublicVersions(src)),
			DerivedFrom: nullable(site.DerivedFrom(tag)),
			Default:     tag == site.DefaultLanguage,
		})
	}
	return jsonRep(out)
}

type coverageJSON struct {
	ID           string            `json:"id"`
	OriginalLang string            `json:"original_lang"`
	Versions     map[string]string `json:"versions"`
}

type coverageListJSON struct {
	Items   []coverageJSON `json:"items"`
	Total   int            `json:"total"`
	Page    int            `json:"page"`
	PerPage int            `json:"per_page"`
}

// Coverage states of GET /v1/translations.
const (
	present  = "present"
	missing  = "missing"
	outdated = "outdated"
	derived  = "derived"
	// draftState is a draft's state, shown only in a preview.
	draftState = "draft"
)

// translations answers GET /v1/translations.
func (s *Server) translations(c *gin.Context) error {
	cur, err := s.readContent(c)
	if err != nil {
		return err
	}
	p := parseParams(c.Request.URL.RawQuery)
	page, perPage, err := p.paging(20, 100)
	if err != nil {
		return err
	}
	preview, err := s.preview(c, p)
	if err != nil {
		return err
	}
	key := "" // previews are never cached
	if !preview {
		key = "translations\x00" + strconv.Itoa(page) + "\x00" + strconv.Itoa(perPage)
		if r, ok := s.answers.get(cur.gen, key); ok {
			s.send(c, r, "")
			return nil
		}
	}
	site := cur.lib.Site()
	var ids []string
	for _, id := range cur.lib.IDs() {
		if preview || hasPublic(cur.lib.Article(id)) {
			ids = append(ids, id)
		}
	}
	out := coverageListJSON{Items: []coverageJSON{}, Total: len(ids), Page: page, PerPage: perPage}
	start := (page - 1) * perPage
	for i := start; i < len(ids) && i < start+perPage; i++ {
		a := cur.lib.Article(ids[i])
		item := coverageJSON{ID: a.ID, OriginalLang: a.Original, Versions: make(map[string]string)}
		for _, tag := range site.Served() {
			from := site.DerivedFrom(tag)
			src := tag
			if from != "" {
				src = from
			}
			v := a.Public(src)
			switch {
			case v == nil && preview && a.Versions[src] != nil:
				item.Versions[tag] = draftState
			case v == nil:
				item.Versions[tag] = missing
			case v.Outdated:
				item.Versions[tag] = outdated
			case from != "":
				item.Versions[tag] = derived
			default:
				item.Versions[tag] = present
			}
		}
		out.Items = append(out.Items, item)
	}
	r, err := jsonRep(out)
	if err != nil {
		return err
	}
	var known [][2]string
	if preview {
		known = [][2]string{{"preview", "true"}}
		r.cache = "private, no-store"
	}
	r.link = pageLinks(c.Request.URL.Path, known, page, perPage, len(ids))
	s.send(c, s.answers.put(cur.gen, key, r), "")
	return nil
}
