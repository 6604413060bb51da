//go:build ignore

// segdict_gen writes data/zh_words.bin, the word table of Segment, from
// jieba's dict.txt (Expat licence; data/NOTICE-jieba).
//
//	apt-get install -y python3-jieba
//	go run segdict_gen.go -dict /usr/lib/python3/dist-packages/jieba/dict.txt
//
// It keeps the words made only of Han characters of three UTF-8 bytes:
// every single character, and words of two to four characters seen at least
// -min times. The format is read by segdict.go:
//
//	"TOLKSEG1", total uint64, then for n = 1..4 a count uint32
//	(little-endian), then for n = 1..4 the records of n-character words,
//	sorted by their bytes: the word (3n bytes), then one byte,
//	round(16·ln(frequency)) capped at 255.
package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

func main() {
	dict := flag.String("dict", "/usr/lib/python3/dist-packages/jieba/dict.txt", "jieba's dict.txt")
	minFreq := flag.Int("min", 5, "least frequency of a word of 2 to 4 characters")
	out := flag.String("o", "data/zh_words.bin", "output file")
	flag.Parse()

	f, err := os.Open(*dict)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	var total uint64
	words := map[int]map[string]uint64{1: {}, 2: {}, 3: {}, 4: {}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		freq, err := strconv.ParseUint(fields[1], 10, 64)
		if err != nil {
			log.Fatalf("%s: %v", sc.Text(), err)
		}
		total += freq // jieba's total counts every entry
		w := fields[0]
		n := utf8.RuneCountInString(w)
		if n < 1 || n > 4 || len(w) != 3*n || !allHan(w) {
			continue
		}
		if n > 1 && freq < uint64(*minFreq) {
			continue
		}
		words[n][w] += freq
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString("TOLKSEG1")
	binary.Write(&buf, binary.LittleEndian, total)
	for n := 1; n <= 4; n++ {
		binary.Write(&buf, binary.LittleEndian, uint32(len(words[n])))
	}
	for n := 1; n <= 4; n++ {
		keys := make([]string, 0, len(words[n]))
		for w := range words[n] {
			keys = append(keys, w)
		}
		sort.Strings(keys)
		for _, w := range keys {
			buf.WriteString(w)
			buf.WriteByte(quant(words[n][w]))
		}
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d bytes; total %d; words %d/%d/%d/%d\n", *out, buf.Len(), total,
		len(words[1]), len(words[2]), len(words[3]), len(words[4]))
}

func allHan(w string) bool {
	for _, r := range w {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return true
}

func quant(freq uint64) byte {
	q := math.Round(16 * math.Log(float64(freq)))
	if q > 255 {
		return 255
	}
	if q < 0 {
		return 0
	}
	return byte(q)
}
