package widget

import _ "embed"

//go:embed widget.js
var script string

// Script returns widget.js, the <tolk-search> web component, as a new slice
// on every call: callers may keep or change it. It is served as
// text/javascript at GET /widget.js.
func Script() []byte { return []byte(script) }
