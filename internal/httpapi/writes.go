package httpapi

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/store"
)

// maxBody is the largest write request body.
const maxBody = 1 << 20

// admin reports whether the request carries the admin token. It compares
// in constant time.
func (s *Server) admin(r *http.Request) bool {
	if s.opts.AdminToken == "" {
		return false
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "Bearer") && // RFC 9110 §11.1: schemes are case-insensitive
		subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(s.opts.AdminToken)) == 1
}

// checkToken answers a request that needs the admin token: nil when it has
// it, else a 401 (or, for a client that failed too often lately, a 429
// without comparing the token at all). Every refusal is logged with the
// client's address.
func (s *Server) checkToken(c *gin.Context, what string) error {
	client := s.limiter.client(c.Request)
	if s.authFails.blocked(client) {
		s.log.WarnContext(c.Request.Context(), "unauthorized: throttled", "client", client.String(), "what", what,
			"request_id", c.Writer.Header().Get("X-Request-Id"))
		p := problem(http.StatusTooManyRequests, "rate_limited", "too many failed authentications from this client; retry later")
		p.retryAfter = retryAfterSeconds(authFailWindow)
		return p
	}
	if s.admin(c.Request) {
		return nil
	}
	s.authFails.fail(client)
	s.log.WarnContext(c.Request.Context(), "unauthorized", "client", client.String(), "what", what,
		"request_id", c.Writer.Header().Get("X-Request-Id"))
	c.Header("WWW-Authenticate", `Bearer realm="tolk"`)
	return problem(http.StatusUnauthorized, "unauthorized", "%s", what+" needs a valid Authorization: Bearer token")
}

// authorize runs the write API's checks in the contract's order: writes
// configured, then the token, then a writable content tree.
func (s *Server) authorize(c *gin.Context) error {
	if s.opts.AdminToken == "" {
		return problem(http.StatusForbidden, "writes_disabled", "writes are disabled: the server has no admin token (TOLK_ADMIN_TOKEN)")
	}
	if err := s.checkToken(c, "a write"); err != nil {
		return err
	}
	if s.opts.Content == nil || s.opts.Content.ReadOnly() {
		return problem(http.StatusConflict, "read_only", "the server serves the embedded corpus, which is read-only; start it with --content DIR to publish")
	}
	return nil
}

// bodyKey is the write body's key of the Markdown body; every other key
// is a front-matter field (article.Fields).
const bodyKey = "body_markdown"

// writeKey reports whether key is a key of the JSON body of PUT
// /v1/articles/{id}/{lang}: a front-matter field or the Markdown body.
func writeKey(key string) bool {
	_, ok := article.FieldByKey(key)
	return ok || key == bodyKey
}

// idPattern is the article id rule of the content format.
var idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// decodeVersion turns a write body into a version. It reports every
// problem at once, each once, located by a JSON pointer: the id and
// language of the URL (/id, /lang), fields of the wrong JSON type or
// unknown, and the content's own rules (the loader's, unknown tags,
// updated before published).
func decodeVersion(site *article.Site, id, lang string, body []byte) (*article.Version, error) {
	raw, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	v := &article.Version{ID: id, Lang: lang}
	var errs []FieldError
	typed := map[string]bool{} // fields with a type error: reported once
	bad := func(key, detail string) {
		errs = append(errs, FieldError{Pointer: "/" + key, Detail: detail})
		typed["/"+key] = true
	}
	for k := range raw {
		if !writeKey(k) {
			errs = append(errs, FieldError{Pointer: "/" + jsonPointerEscape(k), Detail: fmt.Sprintf("unknown field %q", truncate(k, 60))})
		}
	}
	// The URL's id and language.
	pathID, pathLang := id, lang
	if len(id) > 120 || !idPattern.MatchString(id) {
		errs = append(errs, FieldError{Pointer: "/id", Detail: fmt.Sprintf("the article id %q in the URL is not valid: use lowercase letters a-z, digits and single hyphens, at most 120 bytes", truncate(id, 60))})
		pathID = "article"
	}
	if !site.Stored(lang) {
		detail := fmt.Sprintf("the language %q in the URL is not a stored language (%s)", truncate(lang, 40), strings.Join(site.Languages, ", "))
		if from := site.DerivedFrom(lang); from != "" {
			detail = fmt.Sprintf("%s is derived from %s on the fly and cannot be written; write %s", lang, from, from)
		}
		errs = append(errs, FieldError{Pointer: "/lang", Detail: detail})
		pathLang = site.DefaultLanguage
	}
	// The front matter, one JSON type per kind of field; the content
	// format's rules for each value are store.Validate's, below.
	for _, f := range article.Fields() {
		m, ok := raw[f.Key]
		if !ok || string(m) == "null" {
			continue
		}
		if !decodeField(f, v, m) {
			bad(f.Key, f.Key+" must be "+jsonType(f.Kind))
			continue
		}
		if f.Default != "" && !f.IsZero(v) {
			v.Lines.Set(f.Key, 1) // written, so Format keeps it even when it equals its default
		}
	}
	if m, ok := raw[bodyKey]; ok && string(m) != "null" {
		if err := json.Unmarshal(m, &v.Body); err != nil {
			bad(bodyKey, bodyKey+" must be a string")
		}
	}
	for _, f := range article.Fields() {
		if _, ok := raw[f.Key]; f.Required && !ok {
			bad(f.Key, f.Key+" is required")
		}
	}
	if v.TranslatedFrom != "" && v.SourceUpdated.Raw == "" && !typed["/translated_from"] {
		bad("source_updated", "a translation needs source_updated: the updated date of the "+truncate(v.TranslatedFrom, 20)+" version it was translated from")
	}
	// Unknown tags are the store's to report (with slug clashes, which
	// need the library) when nothing else is wrong; listed here otherwise,
	// so the client sees every problem at once.
	var tagErrs []FieldError
	for _, t := range v.Tags {
		if _, ok := site.Tags[t]; !ok && len(site.Tags) > 0 {
			tagErrs = append(tagErrs, FieldError{Pointer: "/tags", Detail: fmt.Sprintf("unknown tag %q: add it to site.yaml first", truncate(t, 60))})
		}
	}
	pub, perr := time.Parse(time.DateOnly, v.Published.Raw)
	upd, uerr := time.Parse(time.DateOnly, v.Updated.Raw)
	if perr == nil && uerr == nil && upd.Before(pub) {
		bad("updated", fmt.Sprintf("updated (%s) is before published (%s)", v.Updated.Raw, v.Published.Raw))
	}
	// The content's own rules, on a stand-in path when the URL's is bad.
	standIn := *v
	standIn.ID, standIn.Lang = pathID, pathLang
	for _, p := range store.Validate(&standIn) {
		fe := FieldError{Pointer: pointerOf(p.Key), Detail: p.Message}
		if typed[fe.Pointer] || slices.Contains(errs, fe) {
			continue
		}
		errs = append(errs, fe)
	}
	if len(errs) > 0 {
		if !typed["/tags"] {
			errs = append(errs, tagErrs...)
		}
		return nil, validationFailed(errs)
	}
	return v, nil
}

// decodeField sets f in v from its JSON value m, and reports whether m
// has the JSON type of f's kind (jsonType).
func decodeField(f article.Field, v *article.Version, m json.RawMessage) bool {
	switch f.Kind {
	case article.KindSlugs:
		return json.Unmarshal(m, f.List(v)) == nil
	case article.KindDate:
		d := f.Date(v)
		return json.Unmarshal(m, &d.Raw) == nil
	case article.KindBool:
		return json.Unmarshal(m, f.Bool(v)) == nil
	default:
		return json.Unmarshal(m, f.Str(v)) == nil
	}
}

// jsonType names the JSON type of a front-matter field of kind k in a
// write body.
func jsonType(k article.Kind) string {
	switch k {
	case article.KindSlugs:
		return "an array of strings"
	case article.KindBool:
		return "a boolean"
	default:
		return "a string"
	}
}

// decodeObject reads a write body: one JSON object with no key twice and
// nothing after it.
func decodeObject(body []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return nil, malformed(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, problem(http.StatusBadRequest, "invalid_parameter", "the body must be a JSON object")
	}
	raw := make(map[string]json.RawMessage)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, malformed(err)
		}
		k, _ := tok.(string)
		var m json.RawMessage
		if err := dec.Decode(&m); err != nil {
			return nil, malformed(err)
		}
		if _, dup := raw[k]; dup {
			return nil, problem(http.StatusBadRequest, "invalid_parameter", "the body names %q twice; give each field once", truncate(k, 60))
		}
		raw[k] = m
	}
	if _, err := dec.Token(); err != nil {
		return nil, malformed(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, problem(http.StatusBadRequest, "invalid_parameter", "the body has data after the JSON object")
	}
	return raw, nil
}

// malformed is the 400 of a body that is not valid JSON.
func malformed(err error) *Problem {
	return problem(http.StatusBadRequest, "invalid_parameter", "the body is not valid JSON: %s", jsonErr(err))
}

func jsonErr(err error) string {
	if err == nil {
		return "null"
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "it is truncated (it ends before the object does)"
	}
	if errors.Is(err, io.EOF) {
		return "empty body"
	}
	return "not a JSON object"
}

func jsonPointerEscape(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(truncate(s, 60))
}

func validationFailed(errs []FieldError) *Problem {
	p := problem(http.StatusUnprocessableEntity, "validation_failed", "the article version is invalid: %d problem(s)", len(errs))
	p.Errors = errs
	return p
}

// pointerOf names the request field a content problem is about.
func pointerOf(key string) string {
	switch key {
	case "":
		return ""
	case "body":
		return "/body_markdown"
	}
	return "/" + key
}

// putArticle answers PUT /v1/articles/{id}/{lang}.
func (s *Server) putArticle(c *gin.Context) error {
	if err := s.authorize(c); err != nil {
		return err
	}
	mt, _, err := mime.ParseMediaType(c.Request.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return problem(http.StatusUnsupportedMediaType, "unsupported_media_type", "the body must be application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBody))
	if err != nil {
		return err // a body over maxBody is a 413 (problems)
	}
	id, lang := c.Param("id"), c.Param("lang")
	cur, err := s.content()
	if err != nil {
		return err
	}
	v, err := decodeVersion(cur.lib.Site(), id, lang, body)
	if err != nil {
		return err
	}
	res, err := s.opts.Content.PutIf(c.Request.Context(), v, s.precondition(c, lang))
	if err != nil {
		return err
	}
	s.log.InfoContext(c.Request.Context(), "write", "op", "put", "id", id, "lang", lang,
		"created", res.Created, "changed", res.Changed, "client", s.limiter.client(c.Request).String(), "request_id", c.Writer.Header().Get("X-Request-Id"))
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
	}
	if res.Position > 0 {
		// The backend's position after the write, for Tolk-Min-Seq on
		// reads from any replica (database mode).
		c.Writer.Header().Set("Tolk-Seq", strconv.FormatUint(uint64(res.Position), 10))
	}
	return s.sendPreview(c, status, id, lang)
}

// precondition returns the check of a write's If-Match and If-None-Match
// (RFC 9110 §13), which the store runs under its write lock with the
// version stored now, so two writers sending the same If-Match cannot both
// succeed. It is nil when the request has neither header.
//
// If-Match succeeds with "*" when the version exists, or with any ETag the
// server has sent for the current version: the identity or the gzip
// representation of its preview, strong or W/ (the comparison is weak, so
// a client that decompresses silently can send back what it saw).
// If-None-Match fails with "*" when the version exists (a create-only PUT)
// or with any of those ETags.
func (s *Server) precondition(c *gin.Context, lang string) func(*article.Version) error {
	im := c.Request.Header.Values("If-Match")
	inm := c.Request.Header.Values("If-None-Match")
	if len(im) == 0 && len(inm) == 0 {
		return nil
	}
	return func(v *article.Version) error {
		var etags []string
		if v != nil {
			if cur := s.current(); cur != nil {
				r, err := s.articleRep(cur, servedAs(cur.lib.Site(), v, lang, 0), lang, false)
				if err != nil {
					return err
				}
				etags = r.etags()
			}
		}
		if len(im) > 0 && !etagListMatches(im, v != nil, etags) {
			return problem(http.StatusPreconditionFailed, "precondition_failed", "If-Match does not match the current version; fetch it again")
		}
		if len(inm) > 0 && etagListMatches(inm, v != nil, etags) {
			return problem(http.StatusPreconditionFailed, "precondition_failed", "If-None-Match: the version exists")
		}
		return nil
	}
}

// etagListMatches reports whether a precondition header's list names one
// of etags (weakly) or is "*" while the version exists.
func etagListMatches(values []string, exists bool, etags []string) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			part = strings.TrimPrefix(strings.TrimSpace(part), "W/")
			if part == "*" && exists {
				return true
			}
			if part != "" && slices.Contains(etags, part) {
				return true
			}
		}
	}
	return false
}

// sendPreview answers a write with the stored version as the preview
// shows it.
func (s *Server) sendPreview(c *gin.Context, status int, id, lang string) error {
	cur, err := s.content()
	if err != nil {
		return err
	}
	v := cur.lib.Version(id, lang)
	if v == nil {
		return fmt.Errorf("version %s/%s missing right after it was written", id, lang)
	}
	r, err := s.articleRep(cur, servedAs(cur.lib.Site(), v, lang, 0), lang, false)
	if err != nil {
		return err
	}
	h := c.Writer.Header()
	h.Set("Content-Type", r.contentType)
	h.Set("ETag", r.etag)
	h.Set("Location", "/v1/articles/"+id+"?lang="+lang)
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Language", lang)
	c.Writer.WriteHeader(status)
	c.Writer.Write(r.body)
	return nil
}

// deleteArticle answers DELETE /v1/articles/{id}/{lang}.
func (s *Server) deleteArticle(c *gin.Context) error {
	if err := s.authorize(c); err != nil {
		return err
	}
	id, lang := c.Param("id"), c.Param("lang")
	pos, err := s.opts.Content.DeleteIf(c.Request.Context(), id, lang, s.precondition(c, lang))
	if err != nil {
		return err
	}
	s.log.InfoContext(c.Request.Context(), "write", "op", "delete", "id", id, "lang", lang,
		"client", s.limiter.client(c.Request).String(), "request_id", c.Writer.Header().Get("X-Request-Id"))
	if pos > 0 {
		c.Writer.Header().Set("Tolk-Seq", strconv.FormatUint(uint64(pos), 10)) // as putArticle's
	}
	c.Header("Cache-Control", "private, no-store")
	c.Status(http.StatusNoContent)
	c.Writer.WriteHeaderNow()
	return nil
}
