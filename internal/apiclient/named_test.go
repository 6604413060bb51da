package apiclient

import (
	"os"
	"sort"
	"strconv"
	"testing"

	"go.yaml.in/yaml/v4"
)

// TestEveryObjectNamed keeps the document friendly to generators: an
// object with properties anywhere but at the top of a named schema becomes
// an anonymous struct (or an unnamed TypeScript type) in generated clients,
// so every such object must be a schema of its own, referenced by $ref.
func TestEveryObjectNamed(t *testing.T) {
	src, err := os.ReadFile("../httpapi/static/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	var inline []string
	var walk func(at string, v any, top bool)
	walk = func(at string, v any, top bool) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["properties"]; ok && !top {
				inline = append(inline, at)
			}
			for k, c := range v {
				walk(at+"/"+k, c, false)
			}
		case []any:
			for i, c := range v {
				walk(at+"/"+strconv.Itoa(i), c, false)
			}
		}
	}
	walk("#/paths", doc["paths"], false)
	comps, _ := doc["components"].(map[string]any)
	for k, c := range comps {
		if k != "schemas" {
			walk("#/components/"+k, c, false)
		}
	}
	schemas, _ := comps["schemas"].(map[string]any)
	for name, s := range schemas {
		m, _ := s.(map[string]any)
		for k, c := range m {
			walk("#/components/schemas/"+name+"/"+k, c, k == "properties")
		}
	}
	sort.Strings(inline)
	for _, at := range inline {
		t.Errorf("%s: an inline object; make it a named schema and $ref it", at)
	}
}
