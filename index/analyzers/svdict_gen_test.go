package analyzers

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

var svDictSource = flag.String("svdict", "", "directory holding hunspell-sv's sv_SE.aff and sv_SE.dic; regenerates data/sv_SE.*")

// TestGenerateSwedishDictionary regenerates the embedded Swedish word list
// from Debian's hunspell-sv when run with -svdict (see README.md). It keeps
// the words that carry flags the analyzers use, lowercased, with only those
// flags. Compounds stay: the splitter prefers the longest known parts
// (fritids+gård, not fri+tid+gård).
func TestGenerateSwedishDictionary(t *testing.T) {
	if *svDictSource == "" {
		t.Skip("run with -svdict=/usr/share/hunspell to regenerate data/sv_SE.*")
	}
	affText, err := os.ReadFile(filepath.Join(*svDictSource, "sv_SE.aff"))
	if err != nil {
		t.Fatal(err)
	}
	dicText, err := os.ReadFile(filepath.Join(*svDictSource, "sv_SE.dic"))
	if err != nil {
		t.Fatal(err)
	}
	all := svEntries(string(dicText))

	// Trim the affix file to the suffix rules of the flags in use.
	var aff bytes.Buffer
	aff.WriteString("# Derived from sv_SE.aff of Debian's hunspell-sv (Göran Andersson, LGPL-3).\n")
	aff.WriteString("# Only the SFX rules of the flags used by Tolk's analyzers are kept; see NOTICE.\n")
	sc := bufio.NewScanner(bytes.NewReader(affText))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || f[0] != "SFX" {
			continue
		}
		if r, _ := utf8.DecodeRuneInString(f[1]); svFlagBit(r) != 0 {
			aff.WriteString(strings.Join(f, " ") + "\n")
		}
	}

	// Proper nouns (Vänern, Åmål) are kept lowercased, so that their
	// inflections and compound forms are known and they are not mistaken
	// for forms of other words; they are marked with the flag *, which keeps
	// them unstemmed (Vänern, not vän). Acronyms (EU, TV) are left out.
	merged := make(map[string]string)
	proper, common := make(map[string]bool), make(map[string]bool)
	for _, e := range all {
		word := e.word
		if strings.ContainsRune(e.flags, '%') || strings.ContainsAny(word, "-.:' 0123456789") {
			continue
		}
		upper := 0
		for _, r := range word {
			if unicode.IsUpper(r) {
				upper++
			}
		}
		if upper > 1 {
			continue
		}
		if r, _ := utf8.DecodeRuneInString(word); !unicode.IsLetter(r) {
			continue
		}
		if upper == 1 {
			proper[strings.ToLower(word)] = true
		} else {
			common[word] = true
		}
		word = strings.ToLower(word)
		var fl strings.Builder
		for _, c := range e.flags {
			if svFlagBit(c) != 0 && !strings.ContainsRune(merged[word], c) && !strings.ContainsRune(fl.String(), c) {
				fl.WriteRune(c)
			}
		}
		if _, seen := merged[word]; !seen || fl.Len() > 0 {
			merged[word] += fl.String()
		}
	}
	var kept []svEntry
	for w, f := range merged {
		if proper[w] && !common[w] {
			f += "*"
		}
		kept = append(kept, svEntry{word: w, flags: f})
	}
	out := kept
	slices.SortFunc(out, func(a, b svEntry) int { return strings.Compare(a.word, b.word) })

	var dic bytes.Buffer
	zw, err := gzip.NewWriterLevel(&dic, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(zw, "%d\n", len(out))
	for _, e := range out {
		fmt.Fprintf(zw, "%s/%s\n", e.word, e.flags)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(svAffPath, aff.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(svDicPath, dic.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("hunspell entries %d, written %d (%d bytes gzipped)", len(all), len(out), dic.Len())
}
