package load

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path"
	"slices"
	"strings"
	"testing/fstest"

	"github.com/amal-kommun/tolk/internal/contenttest"
)

var (
	svWords = strings.Fields("kommunen arbetar internationellt med vänorter i Europa och Kina för att stärka skolan näringslivet kulturen och föreningslivet genom utbyten projekt och gemensamma möten där invånare företag och förvaltningar lär av varandra om välfärd hållbarhet integration och digitalisering")
	enWords = strings.Fields("the municipality works internationally with twin towns in Europe and China to strengthen schools business culture and associations through exchanges projects and joint meetings where residents companies and administrations learn from each other about welfare sustainability integration and digitalisation")
	zhWords = strings.Fields("市政府 与 欧洲 和 中国 的 友好 城市 开展 国际 合作 以 加强 学校 企业 文化 和 协会 通过 交流 项目 和 联合 会议 居民 企业 和 行政 部门 相互 学习 福利 可持续 发展 融合 和 数字化")
)

// generateTree returns a content tree of n articles, each with a Swedish
// original and English and Simplified Chinese translations of about 300
// words with headings, lists and emphasis.
func generateTree(n int) fstest.MapFS {
	rng := rand.New(rand.NewPCG(1, 2))
	fsys := fstest.MapFS{"site.yaml": file(contenttest.Site)}
	for i := range n {
		id := fmt.Sprintf("a%d", i)
		for _, lang := range []struct {
			tag, extra string
			words      []string
			sep        string
		}{
			{"sv", "", svWords, " "},
			{"en", "translated_from: sv\nsource_updated: 2020-01-03\n", enWords, " "},
			{"zh-Hans", "translated_from: en\nsource_updated: 2020-01-03\n", zhWords, ""},
		} {
			var b strings.Builder
			fmt.Fprintf(&b, "---\ntitle: %s %d\nslug: %s-%s\ntags: [international]\npublished: 2020-01-03\n%s---\n\n",
				lang.words[rng.IntN(len(lang.words))], i, strings.ToLower(lang.tag), id, lang.extra)
			words := 0
			for words < 300 {
				switch rng.IntN(6) {
				case 0:
					fmt.Fprintf(&b, "## %s\n\n", sentence(rng, lang.words, lang.sep, 4))
					words += 4
				case 1:
					for range 3 {
						fmt.Fprintf(&b, "- %s\n", sentence(rng, lang.words, lang.sep, 6))
					}
					b.WriteString("\n")
					words += 18
				default:
					s := sentence(rng, lang.words, lang.sep, 30)
					fmt.Fprintf(&b, "%s *%s* **%s**.\n\n", s, lang.words[rng.IntN(len(lang.words))], lang.words[rng.IntN(len(lang.words))])
					words += 32
				}
			}
			fsys["articles/"+id+"/"+lang.tag+".md"] = file(b.String())
		}
	}
	return fsys
}

func sentence(rng *rand.Rand, words []string, sep string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = words[rng.IntN(len(words))]
	}
	return strings.Join(parts, sep)
}

// indexedFS is a MapFS that lists directories from an index built once.
// MapFS.ReadDir scans every file in the map, which makes walking a tree of
// 30,000 files quadratic and would have the benchmark measure MapFS rather
// than Load; os.DirFS and embed.FS list a directory in time proportional to
// its size.
type indexedFS struct {
	fstest.MapFS
	dirs map[string][]fs.DirEntry
}

func newIndexedFS(m fstest.MapFS) indexedFS {
	children := make(map[string]map[string]bool) // dir → child names that are dirs
	add := func(dir, name string, isDir bool) {
		if children[dir] == nil {
			children[dir] = make(map[string]bool)
		}
		children[dir][name] = children[dir][name] || isDir
	}
	for p := range m {
		isDir := false
		for p != "." {
			dir := path.Dir(p)
			add(dir, path.Base(p), isDir)
			p, isDir = dir, true
		}
	}
	dirs := make(map[string][]fs.DirEntry, len(children))
	for dir, names := range children {
		var entries []fs.DirEntry
		for name, isDir := range names {
			entries = append(entries, dirEntry{name: name, dir: isDir})
		}
		slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
		dirs[dir] = entries
	}
	return indexedFS{MapFS: m, dirs: dirs}
}

func (f indexedFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if entries, ok := f.dirs[name]; ok {
		return slices.Clone(entries), nil
	}
	return f.MapFS.ReadDir(name)
}

type dirEntry struct {
	name string
	dir  bool
}

func (d dirEntry) Name() string { return d.name }
func (d dirEntry) IsDir() bool  { return d.dir }
func (d dirEntry) Type() fs.FileMode {
	if d.dir {
		return fs.ModeDir
	}
	return 0
}
func (d dirEntry) Info() (fs.FileInfo, error) { return nil, fs.ErrInvalid }
