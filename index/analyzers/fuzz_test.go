package analyzers

import "testing"

// FuzzAnalyzers checks that no input makes an analyzer panic, that every
// token lies within the text on rune boundaries with a non-empty term, that
// positions never decrease, and that folding is idempotent.
func FuzzAnalyzers(f *testing.F) {
	for _, s := range []string{
		"", "a", "Förskolan i Åmål", "välfärdsteknologin", "２０２４年ＡＢＣ圖書館",
		"敦煌 图书馆 Dunhuang", "The library's cafés", "3.14,5 it's ’x", "\xff\xfe圖\x80ä",
		"ｶﾀｶﾅ ひらがな 한국어 ㍿ ① ﬁ", "e\u0301\u0301 \u0301", "bygglovshandläggarebygglovshandläggarebygglovshandläggare",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		m, err := testMapping()
		if err != nil {
			t.Fatal(err)
		}
		// Rune boundaries as range sees them: an invalid byte is a rune.
		boundary := make([]bool, len(text)+1)
		for i := range text {
			boundary[i] = true
		}
		boundary[len(text)] = true
		for _, name := range Names() {
			prev := 0
			for _, tk := range m.AnalyzerNamed(name).Analyze([]byte(text)) {
				if tk.Start < 0 || tk.End > len(text) || tk.Start >= tk.End {
					t.Fatalf("%s(%q): token %q has offsets %d:%d", name, text, tk.Term, tk.Start, tk.End)
				}
				if !boundary[tk.Start] || !boundary[tk.End] {
					t.Fatalf("%s(%q): token %q offsets %d:%d split a rune", name, text, tk.Term, tk.Start, tk.End)
				}
				if len(tk.Term) == 0 {
					t.Fatalf("%s(%q): empty term at %d:%d", name, text, tk.Start, tk.End)
				}
				if tk.Position < prev || tk.Position < 1 {
					t.Fatalf("%s(%q): position %d after %d", name, text, tk.Position, prev)
				}
				prev = tk.Position
			}
		}
		if f1 := FoldSwedish(text); FoldSwedish(f1) != f1 {
			t.Fatalf("FoldSwedish not idempotent on %q: %q, then %q", text, f1, FoldSwedish(f1))
		}
	})
}
