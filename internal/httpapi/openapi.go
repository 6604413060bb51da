package httpapi

import (
	"embed"
	"fmt"

	"github.com/gin-gonic/gin"
	"go.yaml.in/yaml/v4"
)

// static holds the files the server serves as they are: the OpenAPI
// document (kept in YAML for review), the demo page and the widget.
//
//go:embed static
var static embed.FS

// openAPIDoc converts the embedded OpenAPI YAML to the JSON it serves.
func openAPIDoc() (*rep, error) {
	src, err := static.ReadFile("static/openapi.yaml")
	if err != nil {
		return nil, err
	}
	var doc any
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	r, err := jsonRep(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml to JSON: %w", err)
	}
	return r, nil
}

// openAPI answers GET /openapi.json.
func (s *Server) openAPI(c *gin.Context) error {
	s.send(c, s.openapi, "")
	return nil
}
