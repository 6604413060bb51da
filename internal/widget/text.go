package widget

import "fmt"

// textLang returns the language of the demo page's texts for the served
// language lang: lang itself when the page has texts in it, else English.
func textLang(lang string) string {
	if _, ok := texts[lang]; ok {
		return lang
	}
	return "en"
}

// text is the demo page's wording in one language.
type text struct {
	Title, Intro          string
	Try, NoScript         string
	API, APIIntro         string
	SearchDoc, SuggestDoc string
	LangsDoc, OpenAPIDoc  string
	Example, Prefix       string // a query and a prefix of it that find something in this language
	Embed, EmbedIntro     string
	Label, Button         string
	ErrorLabel            string
	Results               func(total int, q string) string
	NoResults             func(q string) string
	Showing               func(shown, total int) string
}

var texts = map[string]text{
	"sv": {
		Title:      "Tolk – sök bland kommunens artiklar",
		Intro:      "Tolk delar ut kommunens artiklar på svenska, engelska och kinesiska genom ett öppet JSON-API. Här är sökrutan på vart och ett av språken.",
		Try:        "Prova sökrutan",
		NoScript:   "Sökrutan föreslår rubriker medan du skriver. Utan JavaScript fungerar den som ett vanligt formulär.",
		API:        "API:et",
		APIIntro:   "Sökrutan använder samma öppna anrop som alla andra kan använda:",
		SearchDoc:  "Sök: träffar med markerade utdrag, ämnen och antal per språk.",
		SuggestDoc: "Förslag medan man skriver: upp till åtta rubriker.",
		LangsDoc:   "Språken som Tolk serverar.",
		OpenAPIDoc: "Hela beskrivningen av API:et finns i",
		Example:    "vänort", Prefix: "vän",
		Embed:      "Sökrutan på en egen sida",
		EmbedIntro: "Ett skript och ett element räcker. Färger, typsnitt och rundning styrs med CSS-variabler som --tolk-accent, --tolk-font och --tolk-radius.",
		Label:      "Sök bland artiklarna", Button: "Sök",
		ErrorLabel: "Sökningen misslyckades:",
		Results: func(n int, q string) string {
			if n == 1 {
				return fmt.Sprintf("1 träff för ”%s”.", q)
			}
			return fmt.Sprintf("%d träffar för ”%s”.", n, q)
		},
		NoResults: func(q string) string { return fmt.Sprintf("Inga träffar för ”%s”.", q) },
		Showing:   func(a, b int) string { return fmt.Sprintf("Visar %d av %d.", a, b) },
	},
	"en": {
		Title:      "Tolk – search the municipality's articles",
		Intro:      "Tolk serves the municipality's articles in Swedish, English and Chinese through an open JSON API. Here is its search box in each of the languages.",
		Try:        "Try the search box",
		NoScript:   "The search box suggests titles as you type. Without JavaScript it works as a plain form.",
		API:        "The API",
		APIIntro:   "The search box uses the same open calls that anyone can use:",
		SearchDoc:  "Search: hits with marked snippets, topics and counts per language.",
		SuggestDoc: "Suggestions as you type: up to eight titles.",
		LangsDoc:   "The languages Tolk serves.",
		OpenAPIDoc: "The whole API is described in",
		Example:    "twin town", Prefix: "twin",
		Embed:      "The search box on your own page",
		EmbedIntro: "One script and one element are enough. Colours, fonts and rounding follow CSS custom properties such as --tolk-accent, --tolk-font and --tolk-radius.",
		Label:      "Search the articles", Button: "Search",
		ErrorLabel: "The search failed:",
		Results: func(n int, q string) string {
			if n == 1 {
				return fmt.Sprintf("1 result for “%s”.", q)
			}
			return fmt.Sprintf("%d results for “%s”.", n, q)
		},
		NoResults: func(q string) string { return fmt.Sprintf("No results for “%s”.", q) },
		Showing:   func(a, b int) string { return fmt.Sprintf("Showing %d of %d.", a, b) },
	},
	"zh-Hans": {
		Title:      "Tolk – 搜索本市文章",
		Intro:      "Tolk 通过开放的 JSON API 提供本市的瑞典文、英文和中文文章。下面是每种语言的搜索框。",
		Try:        "试用搜索框",
		NoScript:   "搜索框会在您输入时提示标题。没有 JavaScript 时，它作为普通表单使用。",
		API:        "API",
		APIIntro:   "搜索框使用的开放接口，任何人都可以直接调用：",
		SearchDoc:  "搜索：带有高亮摘要、主题和各语言数量的结果。",
		SuggestDoc: "输入提示：最多八个标题。",
		LangsDoc:   "Tolk 提供的语言。",
		OpenAPIDoc: "API 的完整说明见",
		Example:    "敦煌", Prefix: "敦",
		Embed:      "在您自己的网页上使用搜索框",
		EmbedIntro: "只需一个脚本和一个元素。颜色、字体和圆角可以通过 --tolk-accent、--tolk-font 和 --tolk-radius 等 CSS 变量调整。",
		Label:      "搜索文章", Button: "搜索",
		ErrorLabel: "搜索失败：",
		Results:    func(n int, q string) string { return fmt.Sprintf("找到 %d 条与“%s”相关的结果。", n, q) },
		NoResults:  func(q string) string { return fmt.Sprintf("没有找到与“%s”相关的结果。", q) },
		Showing:    func(a, b int) string { return fmt.Sprintf("已显示 %d 条，共 %d 条。", a, b) },
	},
	"zh-Hant": {
		Title:      "Tolk – 搜尋本市文章",
		Intro:      "Tolk 透過開放的 JSON API 提供本市的瑞典文、英文和中文文章。下面是每種語言的搜尋框。",
		Try:        "試用搜尋框",
		NoScript:   "搜尋框會在您輸入時提示標題。沒有 JavaScript 時，它作為普通表單使用。",
		API:        "API",
		APIIntro:   "搜尋框使用的開放介面，任何人都可以直接呼叫：",
		SearchDoc:  "搜尋：帶有醒目摘要、主題和各語言數量的結果。",
		SuggestDoc: "輸入提示：最多八個標題。",
		LangsDoc:   "Tolk 提供的語言。",
		OpenAPIDoc: "API 的完整說明見",
		Example:    "國際", Prefix: "國",
		Embed:      "在您自己的網頁上使用搜尋框",
		EmbedIntro: "只需一個指令碼和一個元素。顏色、字型和圓角可以透過 --tolk-accent、--tolk-font 和 --tolk-radius 等 CSS 變數調整。",
		Label:      "搜尋文章", Button: "搜尋",
		ErrorLabel: "搜尋失敗：",
		Results:    func(n int, q string) string { return fmt.Sprintf("找到 %d 筆與「%s」相關的結果。", n, q) },
		NoResults:  func(q string) string { return fmt.Sprintf("沒有找到與「%s」相關的結果。", q) },
		Showing:    func(a, b int) string { return fmt.Sprintf("已顯示 %d 筆，共 %d 筆。", a, b) },
	},
}
