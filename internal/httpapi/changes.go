package httpapi

import (
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/amal-kommun/tolk/internal/journal"
)

type changeJSON struct {
	ID   string  `json:"id"`
	Lang string  `json:"lang"`
	Op   string  `json:"op"`
	At   string  `json:"at"`
	Slug string  `json:"slug"`
	URL  *string `json:"url"`
	// PreviousSlug and PreviousURL name the old slug and URL of an upsert
	// that changed the slug, so a CDN can purge it; null otherwise.
	PreviousSlug *string `json:"previous_slug"`
	PreviousURL  *string `json:"previous_url"`
}

type changesJSON struct {
	Items []changeJSON `json:"items"`
	Next  string       `json:"next"`
}

// changes answers GET /v1/changes: the journal of every upsert and delete,
// in order, from an opaque cursor.
func (s *Server) changes(c *gin.Context) error {
	cur, err := s.readContent(c)
	if err != nil {
		return err
	}
	p := parseParams(c.Request.URL.RawQuery)
	since, _, err := p.one("since")
	if err != nil {
		return err
	}
	limit, err := p.integer("limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	// An answer depends on the cursor, the limit and the journal's end
	// (appends may come without a new generation): cached under those.
	key := ""
	if jr := cur.src.Journal; jr != nil {
		key = "changes\x00" + since + "\x00" + strconv.Itoa(limit) + "\x00" + jr.End()
		if r, ok := s.answers.get(cur.gen, key); ok {
			s.send(c, r, "")
			return nil
		}
	}
	out := changesJSON{Items: []changeJSON{}, Next: since}
	if jr := cur.src.Journal; jr != nil {
		entries, next, err := jr.Since(since, limit)
		if err != nil {
			return err // a bad or expired cursor is a 400 or 410 (problems)
		}
		site := cur.lib.Site()
		// A mirror of a database's change log serves the URLs the log
		// recorded, so that every replica answers a page alike whatever
		// site.yaml it has applied; a journal of files those of the
		// site.yaml served now.
		logged := jr.IsMirror()
		for _, e := range entries {
			item := changeJSON{
				ID: e.ID, Lang: e.Lang, Op: string(e.Op), At: rfc3339(e.At), Slug: e.Slug,
			}
			if logged {
				item.URL = nullable(e.URL)
			} else {
				item.URL = nullable(site.URL(e.Lang, e.Slug))
			}
			if e.Op == journal.Upsert && e.PreviousSlug != "" && e.PreviousSlug != e.Slug {
				item.PreviousSlug = nullable(e.PreviousSlug)
				if logged {
					item.PreviousURL = nullable(e.PreviousURL)
				} else {
					item.PreviousURL = nullable(site.URL(e.Lang, e.PreviousSlug))
				}
			}
			out.Items = append(out.Items, item)
		}
		out.Next = next
	}
	r, err := jsonRep(out)
	if err != nil {
		return err
	}
	// A feed clients poll: caches may keep it but must revalidate.
	r.cache = "no-cache"
	s.send(c, s.answers.put(cur.gen, key, r), "")
	return nil
}
