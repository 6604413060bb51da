package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// routes builds the router: every route of the API is in this function.
func (s *Server) routes() *gin.Engine {
	gin.SetMode(gin.ReleaseMode) // Gin's mode is process-wide; release mode only silences its debug printing
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.RemoveExtraSlash = false
	e.UseRawPath = true
	e.UnescapePathValues = true
	e.ContextWithFallback = true
	e.Use(s.recoverPanics, s.requestID, s.observe, s.cors)
	e.NoRoute(s.wrap(func(c *gin.Context) error { return notFound("no such resource") }))
	e.NoMethod(s.wrap(func(c *gin.Context) error {
		// The method is client text of any length (up to the header limit):
		// echo only its start.
		p := problem(http.StatusMethodNotAllowed, "method_not_allowed", "%s is not allowed here", truncate(c.Request.Method, 32))
		p.allow = c.Writer.Header().Get("Allow")
		return p
	}))

	s.allow = make(map[string]string)
	get := func(path string, h handler) {
		e.GET(path, s.wrap(h))
		e.HEAD(path, s.wrap(h))
		e.OPTIONS(path, s.cors) // cors answers OPTIONS itself
		s.allow[path] = readMethods
	}
	get("/healthz", s.healthz)
	get("/readyz", s.readyz)
	if !s.opts.MetricsElsewhere {
		e.GET("/metrics", s.wrap(s.publicMetrics))
		e.HEAD("/metrics", s.wrap(s.publicMetrics))
	}

	get("/openapi.json", s.openAPI)
	get("/", s.demoPage)
	get("/widget.js", s.widgetJS)

	get("/v1/languages", s.languages)
	get("/v1/articles", s.listArticles)
	get("/v1/articles/:id", s.getArticle)
	get("/v1/search", s.search)
	get("/v1/suggest", s.suggest)
	get("/v1/translations", s.translations)
	get("/v1/changes", s.changes)
	get("/v1/feed.atom", s.feed)
	get("/v1/sitemap.xml", s.sitemap)
	e.PUT("/v1/articles/:id/:lang", s.wrap(s.putArticle))
	e.DELETE("/v1/articles/:id/:lang", s.wrap(s.deleteArticle))
	e.OPTIONS("/v1/articles/:id/:lang", s.cors)
	s.allow["/v1/articles/:id/:lang"] = "DELETE, OPTIONS, PUT"
	return e
}
