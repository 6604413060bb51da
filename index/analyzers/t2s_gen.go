//go:build ignore

// t2s_gen writes data/zh_t2s_phrases.txt, the phrase table of
// ToSimplified: the Traditional phrases, in Taiwan (OpenCC tw2sp) and Hong
// Kong (hk2s) forms, whose Simplified form is not what converting them one
// character at a time gives (軟體 → 软件, 透過 → 通过, 物件 → 对象), and
// the reverse of Tolk's phrase corrections (internal/langs).
//
//	go run t2s_gen.go
//
// Candidates: the keys of OpenCC's reverse tables (TWPhrasesRev,
// TWVariantsRevPhrases, TWVariantsRev, HKVariantsRevPhrases, HKVariantsRev,
// TSPhrases), converted with tw2sp or hk2s; and what s2twp and s2hk make of
// every phrase of STPhrases, mapped back to that phrase when tw2sp or hk2s
// agrees, so that Tolk's own zh-Hant text converts back to its zh-Hans
// text. A candidate is kept only when its Simplified form differs from the
// per-character conversion. Each line is "traditional<TAB>simplified",
// sorted.
//
// A phrase that OpenCC makes from two Simplified words (s2twp gives 建立
// for 建立 and for 创建, 物件 for 物件 and for 对象) is mapped to the
// more frequent one in jieba's dict.txt (Expat; data/NOTICE-jieba), so
// 建立 stays 建立 and 物件 becomes 对象.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/amal-kommun/tolk/internal/langs"
	"github.com/longbridgeapp/opencc"
)

func main() {
	out := flag.String("o", "data/zh_t2s_phrases.txt", "output file")
	altOut := flag.String("alt", "data/zh_t2s_alternatives.txt", "output file of the alternatives")
	jieba := flag.String("jieba", "/usr/lib/python3/dist-packages/jieba/dict.txt", "jieba's dict.txt, for word frequencies")
	flag.Parse()
	freq := readFreq(*jieba)
	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/longbridgeapp/opencc").Output()
	if err != nil {
		log.Fatalf("find opencc: %v", err)
	}
	dict := filepath.Join(strings.TrimSpace(string(dir)), "dictionary")
	read := func(name string) map[string]string {
		f, err := os.Open(filepath.Join(dict, name))
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		m := make(map[string]string)
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			k, v, ok := strings.Cut(sc.Text(), "\t")
			if ok && k != "" {
				m[k] = strings.Fields(v)[0]
			}
		}
		if err := sc.Err(); err != nil {
			log.Fatal(err)
		}
		return m
	}
	chars := make(map[rune]rune)
	for k, v := range read("TSCharacters.txt") {
		kr, vr := []rune(k), []rune(v)
		if len(kr) == 1 && len(vr) == 1 && kr[0] != vr[0] {
			chars[kr[0]] = vr[0]
		}
	}
	charLevel := func(s string) string {
		return strings.Map(func(r rune) rune {
			if c, ok := chars[r]; ok {
				return c
			}
			return r
		}, s)
	}
	cc := func(name string) func(string) string {
		c, err := opencc.New(name)
		if err != nil {
			log.Fatal(err)
		}
		return func(s string) string {
			o, err := c.Convert(s)
			if err != nil {
				log.Fatal(err)
			}
			return o
		}
	}
	tw2sp, hk2s, s2twp, s2hk := cc("tw2sp"), cc("hk2s"), cc("s2twp"), cc("s2hk")

	table := make(map[string]string)
	alt := make(map[string]string) // a phrase's other Simplified word
	conflicts, ambiguous := 0, 0
	// add maps k, a phrase forward makes, to v. When forward makes k from
	// its per-character conversion c as well (s2twp gives 建立 for both 建立
	// and 创建), a reader of k may mean either: the more frequent word in
	// jieba's counts wins, and c is kept when it does.
	add := func(k, v string, forward func(string) string) {
		c := charLevel(k)
		if c == v {
			return
		}
		if forward(c) == k && freq[c] >= freq[v] {
			ambiguous++
			alt[k] = v // a reader of k may mean v: searched too
			return
		}
		if forward(c) == k {
			alt[k] = c
		}
		if old, ok := table[k]; ok && old != v {
			conflicts++
			return // the first source wins: Taiwan before Hong Kong
		}
		table[k] = v
	}
	for _, name := range []string{"TWPhrasesRev.txt", "TWVariantsRevPhrases.txt", "TWVariantsRev.txt", "TSPhrases.txt"} {
		for k := range read(name) {
			add(k, tw2sp(k), s2twp)
		}
	}
	for _, name := range []string{"HKVariantsRevPhrases.txt", "HKVariantsRev.txt"} {
		for k := range read(name) {
			add(k, hk2s(k), s2hk)
		}
	}
	st := read("STPhrases.txt")
	keys := make([]string, 0, len(st))
	for k := range st {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, p := range keys {
		if t := s2twp(p); tw2sp(t) == p {
			add(t, p, s2twp)
		}
		if t := s2hk(p); hk2s(t) == p {
			add(t, p, s2hk)
		}
	}
	cs, err := langs.Corrections()
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range cs {
		// Corrections win over OpenCC.
		for _, t := range []string{c.Taiwan, c.HongKong} {
			if charLevel(t) != c.Simplified {
				table[t] = c.Simplified
			} else {
				delete(table, t)
			}
		}
	}
	for k := range alt {
		if _, ok := table[k]; !ok && charLevel(k) == alt[k] {
			delete(alt, k) // a correction made it the phrase's only word
		}
	}
	write := func(path string, m map[string]string) {
		lines := make([]string, 0, len(m))
		for k, v := range m {
			lines = append(lines, k+"\t"+v+"\n")
		}
		sort.Strings(lines)
		if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	write(*altOut, alt)
	lines := make([]string, 0, len(table))
	for k, v := range table {
		lines = append(lines, k+"\t"+v+"\n")
	}
	sort.Strings(lines)
	if err := os.WriteFile(*out, []byte(strings.Join(lines, "")), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d phrases (%d conflicts left to the first source, %d ambiguous phrases left to their characters)\n",
		*out, len(table), conflicts, ambiguous)
}

// readFreq returns the frequency of every word of jieba's dict.txt.
func readFreq(path string) map[string]int {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	m := make(map[string]int)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var w string
		var n int
		if _, err := fmt.Sscan(sc.Text(), &w, &n); err == nil {
			m[w] = n
		}
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
	return m
}
