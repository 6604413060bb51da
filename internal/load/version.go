package load

import (
	"bytes"
	"fmt"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/amal-kommun/tolk/internal/article"
	"go.yaml.in/yaml/v4"
	"golang.org/x/text/language"
)

// Front-matter keys the rules across fields name; the fields themselves,
// their kinds and limits, are article.Fields.
const (
	keySlug           = "slug"
	keyTags           = "tags"
	keyPublished      = "published"
	keyUpdated        = "updated"
	keyTranslatedFrom = "translated_from"
	keySourceUpdated  = "source_updated"
	keyAliases        = "aliases"

	// keyBody is the Key of problems with the Markdown body.
	keyBody = "body"
)

var bom = []byte("\uFEFF")

// ParseVersion parses one version file. path is the file's path in the
// content tree, articles/<id>/<lang>.md, from which the version's ID and
// Lang come: the id must be a valid slug and the language a well-formed
// BCP 47 tag written in its canonical case ("zh-Hans", not "zh-hans").
//
// ParseVersion checks every rule that concerns the file alone and returns
// all the problems it finds, each located at the line of the offending key
// (line 1 for the file as a whole). It returns a nil Version whenever
// there is a problem; rules that span files (unique slugs, one original,
// known tags and languages) are left to article.Build.
//
// A UTF-8 byte order mark is skipped and CRLF and CR line endings are read
// as LF.
// Front matter is the YAML between a first line "---" and the next line
// "---"; anything after that line, further "---" lines included, is the
// Markdown body. Title and summary are trimmed of surrounding white space.
// When the file has no updated key, Updated is set to Published and
// Lines has no "updated" entry, which is how Format knows to leave it out.
func ParseVersion(path string, data []byte, r *Renderer) (*article.Version, []article.Problem) {
	v, problems := ParsePartial(path, data, r)
	if len(problems) > 0 {
		return nil, problems
	}
	return v, nil
}

// ParsePartial is ParseVersion that also returns, when the file has
// problems, the Version as far as its front matter could be read (without
// HTML and Text; a field whose value could not be read is zero), so that the rules across files can still be checked on it
// (CheckPartial): a file's slug used twice is not hidden behind its bad
// date. The Version is nil when the front matter could not be read at all
// (no front matter, invalid YAML or UTF-8). Never serve a Version that
// comes with problems.
func ParsePartial(path string, data []byte, r *Renderer) (*article.Version, []article.Problem) {
	rep := &reporter{path: path, offset: 1, keyed: true} // front matter starts on line 2
	id, lang := idAndLang(path)
	if !article.ValidSlug(id) {
		rep.at(1, "folder name %q is not a valid article id (lowercase letters a-z, digits and single hyphens, at most %d bytes)", id, article.MaxSlugLen)
	}
	if msg := checkLang(lang); msg != "" {
		rep.at(1, "file name: %s (name a version file for its language, like sv.md)", msg)
	}
	fm, body, bodyLine, ok := splitFile(rep, data)
	if !ok {
		return nil, rep.problems
	}
	v := &article.Version{ID: id, Lang: lang, Path: path}
	var fields map[string]field
	before := len(rep.problems)
	if top := rep.parseYAML(fm); top != nil {
		if fields, _ = rep.mapping(top, "front matter", article.FrontMatterKeys()); fields == nil {
			return nil, rep.problems
		}
	} else if len(rep.problems) > before {
		return nil, rep.problems // invalid YAML
	}
	for k, f := range fields {
		v.Lines.Set(k, f.key.Line+rep.offset) // unknown keys are reported below
	}
	readFields(rep, fields, v)
	if f, ok := fields[keyUpdated]; ok && isBefore(v.Updated, v.Published) {
		rep.about(keyUpdated, f.key, "updated %s is before published %s", v.Updated.Raw, v.Published.Raw)
	}
	if f, ok := fields[keyTranslatedFrom]; ok && !isNull(f.value) {
		if _, ok := fields[keySourceUpdated]; !ok {
			// About the missing key, on the line where it belongs.
			rep.about(keySourceUpdated, f.key, "a translation needs source_updated: the updated date of the %s version it was translated from", v.TranslatedFrom)
		}
	} else if f, ok := fields[keySourceUpdated]; ok && !isNull(f.value) {
		rep.about(f.key.Value, f.key, "source_updated is only for translations: add translated_from or remove it")
	}
	checkBody(rep, string(body), bodyLine)
	if len(rep.problems) > 0 {
		return v, rep.problems
	}
	v.Body = normalizeBody(string(body))
	html, text, err := r.Render([]byte(v.Body))
	if err != nil {
		rep.atKey(keyBody, 1, "%v", err)
		return nil, rep.problems
	}
	v.HTML, v.Text = html, text
	return v, nil
}

// readFields reads the front matter's fields into v, as article.Fields
// describes them, and reports what is wrong with each one: first the
// required keys missing, then each value in canonical order. An absent
// field with a Default takes that field's value.
func readFields(rep *reporter, fields map[string]field, v *article.Version) {
	for _, fd := range article.Fields() {
		if _, ok := fields[fd.Key]; !ok && fd.Required {
			rep.atKey(fd.Key, 1, "missing required key %q", fd.Key)
		}
	}
	for _, fd := range article.Fields() {
		if f, ok := fields[fd.Key]; ok {
			rep.value(fd, f, v)
		} else if fd.Default != "" {
			def, _ := article.FieldByKey(fd.Default)
			*fd.Date(v) = *def.Date(v) // TestFields: a Default is a date's, read before it
		}
	}
}

// value reads the value of one field into v, checked as its Kind says.
func (r *reporter) value(fd article.Field, f field, v *article.Version) {
	switch fd.Kind {
	case article.KindText:
		*fd.Str(v) = r.plainText(f, fd.Key, fd.MaxLen, fd.Required)
	case article.KindSlug:
		if s, ok := r.text(f, fd.Key); ok {
			if !article.ValidSlug(s) {
				r.about(f.key.Value, f.key, "%s %s", fd.Key, slugRule(s))
			}
			*fd.Str(v) = s
		}
	case article.KindLang:
		if s, ok := r.text(f, fd.Key); ok {
			if msg := checkLang(s); msg != "" {
				r.about(f.key.Value, f.key, "%s: %s", fd.Key, msg)
			}
			*fd.Str(v) = s
		}
	case article.KindSlugs:
		*fd.List(v) = r.slugs(f, fd.Key)
	case article.KindDate:
		*fd.Date(v) = r.date(f, fd.Key)
	case article.KindBool:
		if f.value.Kind != yaml.ScalarNode || f.value.ShortTag() != "!!bool" {
			r.about(f.key.Value, f.key, "%s must be true or false, not %s", fd.Key, kindName(f.value))
		} else if err := f.value.Decode(fd.Bool(v)); err != nil {
			r.about(f.key.Value, f.key, "%s must be true or false: %v", fd.Key, err)
		}
	}
}

// isBefore reports whether a is before b, both present. A date without a
// time is a whole day: when either is one, their days in Europe/Stockholm
// are compared, so updated: 2020-01-03 is not before published:
// 2020-01-03T08:00:00+01:00.
func isBefore(a, b article.Date) bool {
	if a.IsZero() || b.IsZero() {
		return false
	}
	dateOnly := func(d article.Date) bool { return len(d.Raw) == len(time.DateOnly) }
	if !dateOnly(a) && !dateOnly(b) {
		return a.Time.Before(b.Time)
	}
	loc := a.Time.Location()
	if !dateOnly(a) {
		loc = b.Time.Location()
	}
	return a.Time.In(loc).Format(time.DateOnly) < b.Time.In(loc).Format(time.DateOnly)
}

// idAndLang returns the article id and language of articles/<id>/<lang>.md.
func idAndLang(file string) (id, lang string) {
	return path.Base(path.Dir(file)), strings.TrimSuffix(path.Base(file), ".md")
}

// splitFile checks the encoding and the --- lines of a version file and
// returns its front matter, its body and the line the body starts on.
func splitFile(rep *reporter, data []byte) (fm, body []byte, bodyLine int, ok bool) {
	data = bytes.TrimPrefix(data, bom)
	if len(bytes.TrimSpace(data)) == 0 {
		rep.at(1, "empty file: a version needs front matter between --- lines and a body")
		return nil, nil, 0, false
	}
	if bytes.IndexByte(data, '\r') >= 0 {
		data = []byte(normalizeNewlines(string(data)))
	}
	first, rest, _ := bytes.Cut(data, []byte("\n"))
	if !isDelimiter(first) {
		if !checkUTF8(rep, "", data, 1) {
			return nil, nil, 0, false
		}
		rep.at(1, "missing front matter: the file must start with a --- line")
		return nil, nil, 0, false
	}
	for pos := 0; pos < len(rest); {
		line := rest[pos:]
		end := bytes.IndexByte(line, '\n')
		if end >= 0 {
			line = line[:end]
		}
		if isDelimiter(line) {
			fm, body = rest[:pos], rest[min(pos+len(line)+1, len(rest)):]
			bodyLine = 3 + bytes.Count(fm, []byte("\n"))
			if !checkUTF8(rep, "", fm, 2) || !checkUTF8(rep, keyBody, body, bodyLine) {
				return nil, nil, 0, false
			}
			return fm, body, bodyLine, true
		}
		if end < 0 {
			break
		}
		pos += end + 1
	}
	if !checkUTF8(rep, "", data, 1) {
		return nil, nil, 0, false
	}
	rep.at(1, "front matter is not closed: end it with a --- line")
	return nil, nil, 0, false
}

// checkUTF8 reports the first invalid UTF-8 in text, which starts on line
// first of the file, as a problem about key.
func checkUTF8(rep *reporter, key string, text []byte, first int) bool {
	if utf8.Valid(text) {
		return true
	}
	line := first
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRune(text[i:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		if r == '\n' {
			line++
		}
		i += n
	}
	rep.atKey(key, line, "invalid UTF-8: save the file as UTF-8")
	return false
}

// isDelimiter reports whether line is a front-matter delimiter: "---",
// allowing trailing blanks.
func isDelimiter(line []byte) bool {
	return string(bytes.TrimRight(line, " \t")) == "---"
}

// normalizeNewlines turns CRLF and lone CR line endings, both of which
// CommonMark and YAML accept, into LF.
func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// normalizeBody returns body with CRLF and CR line endings turned into LF, leading
// blank lines and trailing white space removed, and one final newline; an
// empty body stays empty. None of this changes what the Markdown renders
// to, and it makes Format's output independent of how a body was typed.
func normalizeBody(body string) string {
	body = normalizeNewlines(body)
	for {
		i := strings.IndexByte(body, '\n')
		if i < 0 || strings.Trim(body[:i], " \t") != "" {
			break
		}
		body = body[i+1:]
	}
	body = strings.TrimRight(body, " \t\n")
	if body == "" {
		return ""
	}
	return body + "\n"
}

// checkLang returns why s is not a well-formed BCP 47 tag written in
// canonical case, or "".
func checkLang(s string) string {
	t, err := language.Raw.Parse(s)
	if err != nil {
		return fmt.Sprintf("%q is not a BCP 47 language tag", s)
	}
	if t.String() != s {
		return fmt.Sprintf("write the language tag %q as %q", s, t.String())
	}
	return ""
}

// slugRule says why s is not a valid slug.
func slugRule(s string) string {
	if len(s) > article.MaxSlugLen {
		return fmt.Sprintf("%q is %d bytes long; at most %d", s, len(s), article.MaxSlugLen)
	}
	return fmt.Sprintf("%q is not valid: use lowercase letters a-z, digits and single hyphens, like my-first-article", s)
}

// plainText returns the trimmed text of f, checking it is 1..maxLen
// characters (0..maxLen when !required) on one line.
func (r *reporter) plainText(f field, name string, maxLen int, required bool) string {
	s, ok := r.text(f, name)
	if !ok {
		return ""
	}
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0 && required:
		r.about(f.key.Value, f.key, "%s must not be empty", name)
	case n > maxLen:
		r.about(f.key.Value, f.key, "%s is %d characters long; at most %d", name, n, maxLen)
	case strings.IndexFunc(s, isLineBreakOrControl) >= 0:
		r.about(f.key.Value, f.key, "%s must be one line of plain text, without line breaks or control characters", name)
	}
	return s
}

func isLineBreakOrControl(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

// slugs returns the list value of f, checking each item is a valid slug
// and listed once.
func (r *reporter) slugs(f field, name string) []string {
	items, ok := r.list(f, name)
	if !ok {
		return nil
	}
	seen := make(map[string]bool, len(items))
	for i, s := range items {
		item := resolve(f.value.Content[i])
		if !article.ValidSlug(s) {
			r.about(f.key.Value, item, "%s: %s", name, slugRule(s))
		} else if seen[s] {
			r.about(f.key.Value, item, "%s: %q is listed twice", name, s)
		}
		seen[s] = true
	}
	if len(items) == 0 {
		return nil
	}
	return items
}

// date returns the date value of f.
func (r *reporter) date(f field, name string) article.Date {
	s, ok := r.text(f, name)
	if !ok {
		return article.Date{}
	}
	if s == "" {
		r.about(f.key.Value, f.key, "%s must not be empty: %v", name, article.ErrBadDate)
		return article.Date{}
	}
	d, err := article.ParseDate(s)
	if err != nil {
		r.about(f.key.Value, f.key, "%s: %v", name, err)
	}
	return d
}
